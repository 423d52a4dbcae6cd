"""Shorter versions of a request's context, for a request that does not fit the server's context window (pure).

``llm/window.py`` decides whether a request fits; when it does not, even with ``max_tokens`` at the step's floor,
it sends the first of these that does. Each leaves out more than the one before, in this order (what matters
least to the draft first):

1. the calibration rows beyond the closest role (the closest still anchors the scale);
2. the worked example (the closest role's rows, the longest part of the context after the rubric);
3. long descriptions and facts: the O*NET description cut to ``DESCRIPTION_CHARS``, the observed-AI-use lines;
4. the rubric's long level texts → one-line summaries (``prompts/system_compact.j2``: each level of every scale
   and dimension cut to its first clause, without its examples and its boundary with the next level; every
   level still named). The step's prompt version is then the compact one (``prompts.prompt_version``).

The rubric comes last, not first, and only when a request needs it: it is what the scores are read against, the
same text in every request of every role (an endpoint's prompt cache reuses it), and a window known to be small
is no reason to shorten a request that fits; a request that does fit is sent in full whatever the window.

Never left out: the system prompt, any scale, dimension or level of the rubric, the task statements, the
assessor's evidence notes (quoted verbatim by evidence items) and the step's own instructions and data; a
request that does not fit without them is refused. The validators still check the answer against the draft's full calibration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

DESCRIPTION_CHARS = 300
"""How much of a long O*NET description a shortened context keeps (its first sentence or two)."""


COMPACT_RUBRIC = "the rubric's long level texts"
"""What step 4 leaves out, as ``shorter_contexts`` names it (and the step's record reads it)."""


def shorter_contexts(
    system: dict[str, Any], role: dict[str, Any]
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """A request's system and role variables (pipeline.system_variables, role_variables), shortened step by step:
    (what the step leaves out, the system variables, the role variables). The role's steps (``shorter_roles``),
    then the compact rubric with the shortest role context (``compact`` set; none without a rubric)."""
    shortest = role
    for left_out, shortest in shorter_roles(role):
        yield left_out, system, shortest
    if system.get("rubric") is not None and not system.get("compact"):
        yield COMPACT_RUBRIC, system | {"compact": True}, shortest


def shorter_roles(role: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The role's context variables (pipeline.role_variables), shortened step by step: (what the step leaves
    out, the variables without it). A step that has nothing to leave out is skipped."""
    table = list(role.get("calibration") or [])
    if len(table) > 1:
        closest = max(table, key=lambda c: c.get("similarity") or 0.0)
        role = role | {"calibration": [closest]}
        yield "the calibration rows beyond the closest", role
    if role.get("example"):
        role = role | {"example": None}
        yield "the worked example", role
    description = role.get("description") or ""
    if len(description) > DESCRIPTION_CHARS or role.get("observed"):
        cut = description if len(description) <= DESCRIPTION_CHARS else description[:DESCRIPTION_CHARS].rstrip() + "…"
        role = role | {"description": cut, "observed": []}
        yield "the long description and observed-use facts", role
