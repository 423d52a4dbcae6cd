"""From the calibration set (``drafter.calibration``) to what the prompts show: a table and a worked example.

The calibration set ranks the human-scored roles drafter knows by task-text similarity and never returns the
role being drafted (not by O*NET code, six-digit SOC code or normalised title). Here the nearest are laid out
for the model: a table of the closest roles (title, code, task resistance, modifiers where known, score, zone),
topped up with the nearest Green roles so that "where to look next" has somewhere to point, and one worked
example: the nearest *complete* role's rows with their scores, labels and rationales.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..onet.model import Occupation
from .pipeline import Calibration

NEAREST = 5  # roles in the table by similarity alone
GREEN = 3  # nearest Green roles added when the table has fewer


def _fixed(value: float | None, places: int) -> str | None:
    return None if value is None else f"{value:.{places}f}"


def table_row(role: Any) -> dict:
    """One calibration table row from a ``ScoredRole``, figures printed as the house format prints them."""
    return {
        "title": role.title,
        "code": role.onet_code,
        "task_resistance": _fixed(role.task_resistance, 2),
        "evidence_modifier": _fixed(role.evidence_modifier, 2),
        "barrier_modifier": _fixed(role.barrier_modifier, 2),
        "growth_modifier": _fixed(role.growth_modifier, 2),
        "score": f"{role.score:.1f}",
        "zone": role.zone.value,
        "source": role.source,
        "complete": role.complete,
    }


def worked_example(role: Any) -> dict:
    """A complete scored role's rows, as the prompt's worked example."""
    a = role.assessment
    return {
        "title": role.title,
        "code": role.onet_code,
        "seniority": a.role.seniority_level,
        "score": f"{role.score:.1f}",
        "zone": role.zone.value,
        "rows": [
            {"task": r.task, "time_pct": r.time_pct, "score": r.score, "label": r.label.value, "rationale": r.rationale}
            for r in a.tasks
        ],
        "excluded": [f"O*NET task {i}: {why}" for i, why in a.unmapped_onet_tasks.items()],
    }


def from_matches(matches: Sequence[Any], nearest: int = NEAREST, green: int = GREEN) -> Calibration:
    """The table and worked example from ``CalibrationSet.nearest`` results (most similar first)."""
    chosen = list(matches[:nearest])
    greens = [m for m in matches[nearest:] if m.role.zone.value == "Green"]
    have = sum(m.role.zone.value == "Green" for m in chosen)
    chosen += greens[: max(0, green - have)]
    example = next((m for m in matches if m.role.complete and m.role.assessment is not None), None)
    if example is not None and example not in chosen:
        chosen.append(example)  # its score is quoted with its rows, so the table lists it too
    return Calibration(
        table=tuple(table_row(m.role) | {"similarity": m.similarity} for m in chosen),
        example=worked_example(example.role) if example is not None else None,
    )


def calibration_for(occ: Occupation, title: str, calibration_set: Any, catalog: Any = None) -> Calibration:
    """What the prompts of one role show, from a loaded ``CalibrationSet`` (never the role itself)."""
    code = None if occ.code == "custom" else occ.code
    matches = calibration_set.nearest(
        onet_code=code, title=title, statements=[t.statement for t in occ.tasks], catalog=catalog
    )
    return from_matches(matches)
