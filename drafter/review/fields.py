"""An assessment's fields as leaves addressed by path, and which drafting step writes each.

Provenance, the diff and the summary of changes all speak of "fields": ``role.primary_function``,
``tasks[2].score``, ``evidence.wage_trends.evidence``, ``commentary[0].body``. A field's *generic* name
drops the row or section index (``tasks[].score``) so changes can be counted across roles, and its *step*
names the prompt that drafts it, which is what tells the team which prompt to improve next.
"""

from __future__ import annotations

import re
from typing import Any

from ..assessment import Assessment

# the drafting step (prompt) that writes each top-level part of an assessment (drafter/drafting/pipeline.py)
STEP_OF = {
    "tasks[].task": "decompose",
    "tasks[].time_pct": "decompose",
    "tasks[].onet_task_ids": "decompose",
    "unmapped_onet_tasks": "decompose",
    "tasks[].score": "score_rows",
    "tasks[].label": "score_rows",
    "tasks[].rationale": "score_rows",
    "commentary": "commentary",
    "commentary[].heading": "commentary",
    "commentary[].body": "commentary",
}
ROLE_SECTION_STEP = "role_sections"  # role, protective principles, growth, reinstatement, evidence, barriers
NOT_DRAFTED = ("role.job_title", "role.soc_code", "assessor_override.zone", "assessor_override.note")

_INDEX = re.compile(r"\[\d+\]")


def generic(path: str) -> str:
    """``tasks[3].score`` -> ``tasks[].score``."""
    return _INDEX.sub("[]", path)


def step_of(path: str) -> str | None:
    """The drafting step whose prompt writes this field; None for fields no prompt writes."""
    g = generic(path)
    if g in STEP_OF:
        return STEP_OF[g]
    if g in NOT_DRAFTED:
        return None
    return ROLE_SECTION_STEP


def _jsonable(v: Any) -> Any:
    if hasattr(v, "value"):  # enums
        return v.value
    return v


def role_level(a: Assessment) -> dict[str, Any]:
    """Every leaf outside the task rows and the commentary, by path."""
    out: dict[str, Any] = {}
    for k, v in a.role:
        out[f"role.{k}"] = v
    for section in ("protective_principles", "evidence", "barriers"):
        for key, item in getattr(a, section):
            for f, v in item:
                out[f"{section}.{key}.{f}"] = _jsonable(v)
    for f, v in a.growth:
        out[f"growth.{f}"] = v
    out["reinstatement_check"] = a.reinstatement_check
    out["assessor_override.zone"] = _jsonable(a.assessor_override.zone)
    out["assessor_override.note"] = a.assessor_override.note
    out["unmapped_onet_tasks"] = {str(k): v for k, v in sorted(a.unmapped_onet_tasks.items())}
    return out


ROW_FIELDS = ("task", "time_pct", "score", "label", "rationale", "onet_task_ids")


def row_fields(a: Assessment, i: int) -> dict[str, Any]:
    r = a.tasks[i]
    return {f"tasks[{i}].{f}": _jsonable(getattr(r, f)) for f in ROW_FIELDS}


def flatten(a: Assessment) -> dict[str, Any]:
    """Every field an assessor can change, by path (provenance and uncertainty are records, not fields)."""
    out = role_level(a)
    for i in range(len(a.tasks)):
        out |= row_fields(a, i)
    for i, sec in enumerate(a.commentary):
        out[f"commentary[{i}].heading"] = sec.heading
        out[f"commentary[{i}].body"] = sec.body
    return out
