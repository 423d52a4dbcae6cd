"""Rich terminal views of library results, one module per command group. Presentation only: nothing here
computes a figure.

``scorecard`` (score, draft, validate, review first), ``review`` (diff, diff --summary, table, review
accept/history/sources), ``eval``, ``runs`` (batch, logs) and ``onet``; ``common`` holds what they share. Every
piece of user or model text (a title, a rationale, a file name, an assessor's name, a model's error) is printed
through ``common.shown``/``short`` (``drafter.safetext``): markup characters print literally, control characters
never reach the terminal. Layouts fit 80 columns: the fields a reader types back or scans (SOC codes, zones,
field names) are never cut; long free text wraps or is shortened instead.
"""
