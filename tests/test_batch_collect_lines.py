"""Malformed lines of a Batch API result file are named by file:line, never a traceback."""

from __future__ import annotations

import json

GOOD_ID = "b1:29-2072.00:decompose"
LINES = [
    ("[1, 2]", "expected a JSON object (a Batch API result), got list"),
    ('{"custom_id": 7}', "custom_id 7 is not one drafter wrote"),
    (json.dumps({"custom_id": GOOD_ID, "response": "ok"}), "response: expected an object, got str"),
    (json.dumps({"custom_id": GOOD_ID, "response": {"status_code": 200, "body": "<html>"}}), "response.body: expected"),
    (json.dumps({"custom_id": GOOD_ID, "response": {"status_code": 200, "body": {"choices": 3}}}), "response.body"),
    ("{not json", "invalid JSON"),
]


def test_each_malformed_result_line_is_named_by_file_and_line(run_cli, tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text("\n".join(line for line, _ in LINES) + "\n")
    r = run_cli("batch", "collect", "results.jsonl", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                "-o", "d", cwd=tmp_path, env={"OPENAI_API_KEY": "sk-x"})  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    err = " ".join(r.stderr.split())
    for n, (_, why) in enumerate(LINES, start=1):
        assert f"results.jsonl:line {n}: {why}" in err
    assert "results.jsonl: no usable answers" in err
