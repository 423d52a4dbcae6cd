"""From the calibration set (``drafter.calibration``) to what the prompts show: a table and a worked example.

The calibration set ranks the human-scored roles drafter knows by task-text similarity and never returns the
role being drafted (not by O*NET code, six-digit SOC code or normalised title). Here the nearest are laid out
for the model: a table of the closest roles (title, code, task resistance, modifiers where known, score, zone),
topped up with the nearest Green roles so that "where to look next" has somewhere to point, and one worked
example: the nearest *complete* role's rows with their scores, labels and rationales.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from ..assessment import CalibrationRef
from ..onet.model import Occupation

NEAREST = 5  # roles in the table by similarity alone
GREEN = 3  # nearest Green roles added when the table has fewer


class CalibrationRow(TypedDict):
    """One role of the calibration table, its figures printed as the house format prints them: the one shape a
    ranked role has from here to the prompt (role.j2), the validators (a cited score) and the provenance."""

    title: str
    code: str | None
    task_resistance: str | None
    evidence_modifier: str | None
    barrier_modifier: str | None
    growth_modifier: str | None
    score: str
    zone: str
    source: str
    complete: bool
    similarity: float


class WorkedExample(TypedDict):
    """The nearest complete role's rows, as the prompt's worked example shows them."""

    title: str
    code: str | None
    seniority: str
    score: str
    zone: str
    rows: list[dict]
    excluded: list[str]


@dataclass(frozen=True)
class Calibration:
    """What the prompts show of the human-scored roles nearest to the one being drafted (never that role): the
    table's rows (``None`` figures where unknown) and the worked example, or ``None``. Made once per draft by
    ``calibration_for`` and carried unchanged by the draft's request to its prompts, validators and provenance."""

    table: tuple[CalibrationRow, ...] = ()
    example: WorkedExample | None = None

    @property
    def used(self) -> list[CalibrationRef]:
        """What the draft's provenance records: every role of the table, the worked example marked."""
        example = (self.example["title"], self.example["code"]) if self.example else None
        return [
            CalibrationRef(title=c["title"], onet_code=c["code"], source=c["source"], similarity=c["similarity"],
                           complete=c["complete"], worked_example=(c["title"], c["code"]) == example)
            for c in self.table
        ]  # fmt: skip


NO_CALIBRATION = Calibration()


def _fixed(value: float | None, places: int) -> str | None:
    return None if value is None else f"{value:.{places}f}"


def table_row(role: Any, similarity: float = 0.0) -> CalibrationRow:
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
        "similarity": similarity,
    }


def worked_example(role: Any) -> WorkedExample:
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
        table=tuple(table_row(m.role, m.similarity) for m in chosen),
        example=worked_example(example.role) if example is not None else None,
    )


def calibration_for(occ: Occupation, title: str, calibration_set: Any, catalog: Any = None) -> Calibration:
    """What the prompts of one role show, from a loaded ``CalibrationSet`` (never the role itself). The one place
    a draft's calibration set is ranked: a drafter calls it once, when it resolves the draft's request."""
    code = None if occ.code == "custom" else occ.code
    matches = calibration_set.nearest(
        onet_code=code, title=title, statements=[t.statement for t in occ.tasks], catalog=catalog
    )
    return from_matches(matches)
