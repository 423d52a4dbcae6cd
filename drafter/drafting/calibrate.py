"""From the calibration set (``drafter.calibration``) to what the prompts show: a table, a worked example and the
roles "where to look next" may name.

The calibration set ranks the human-scored roles drafter knows by task-text similarity and never returns the
role being drafted (not by O*NET code, six-digit SOC code or normalised title), nor a reference point taken from
that role's own text. Only roles at or above ``SIMILARITY_FLOOR`` calibrate: a role further away than that is no
closer than most of the catalog is (the floor is the 95th percentile of the similarity between a scored role
and every catalog occupation: docs/drafting.md), so it would anchor the draft on unrelated work. Above the
floor the model sees a table of the closest roles (each with its similarity) and one worked example (the nearest
*complete* role's rows); below it, no table, no worked example, and the plain statement that no scored role is
close. "Where to look next" may name the table's Green roles and, marked "(not yet scored)", the catalog
occupations with the most similar tasks whose offline estimate is Green (``candidates``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict

from ..assessment import CalibrationRef
from ..onet.model import Occupation

NEAREST = 5  # roles in the table by similarity alone
GREEN = 3  # nearest Green roles added when the table has fewer
# The similarity a scored role needs to calibrate a draft: the 95th percentile (0.156) of the similarity between
# each shipped scored role with an O*NET code (29-2072, 43-6013, 29-2052, 11-9199.02, 31-1131) and the 922 other
# catalog occupations, rounded down: a role under it is no closer than 19 in 20 unrelated occupations are. A test
# recomputes it (tests/test_calibration_floor.py); docs/drafting.md gives the distribution.
SIMILARITY_FLOOR = 0.15
CATALOG_LOOKED_AT = 30  # the most similar unscored catalog occupations whose offline estimate is read
CATALOG_CANDIDATES = 3  # at most this many of them, Green, offered as "where to look next"
NOT_YET_SCORED = " (not yet scored)"


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
    similarity: float
    rows: list[dict]
    excluded: list[str]


@dataclass(frozen=True)
class Calibration:
    """What the prompts show of the human-scored roles nearest to the one being drafted (never that role): the
    table's rows (``None`` figures where unknown) and the worked example, or ``None``. Made once per draft by
    ``calibration_for`` and carried unchanged by the draft's request to its prompts, validators and provenance."""

    table: tuple[CalibrationRow, ...] = ()
    example: WorkedExample | None = None
    candidates: tuple[CalibrationRow, ...] = ()  # the only roles "where to look next" may name
    floor: float = SIMILARITY_FLOOR
    nearest_below: CalibrationRow | None = None  # the closest role under the floor, named when nothing passes

    @property
    def used(self) -> list[CalibrationRef]:
        """What the draft's provenance records: every role of the table (the worked example marked), then the
        catalog occupations offered as moves."""
        example = (self.example["title"], self.example["code"]) if self.example else None
        shown = [*self.table, *(c for c in self.candidates if c not in self.table)]
        return [
            CalibrationRef(title=c["title"], onet_code=c["code"], source=c["source"], similarity=c["similarity"],
                           complete=c["complete"], worked_example=(c["title"], c["code"]) == example)
            for c in shown
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


def _not_about(text: str, drafted: tuple[str, ...]) -> str:
    """``text`` without its sentences that name the role being drafted (see ``worked_example``)."""
    from ..calibration import names_role

    if not drafted:
        return text
    return " ".join(s for s in re.split(r"(?<=[.!?])\s+", text) if not names_role(s, drafted))


def worked_example(role: Any, similarity: float = 0.0, drafted: tuple[str, ...] = ()) -> WorkedExample:
    """A complete scored role's rows, as the prompt's worked example.

    ``drafted``: the titles of the role being drafted. What the example's role says *of* that role (the seed's
    exclusion "Scheduling appointments is Medical Secretary work", shown to a Medical Secretaries draft) is the
    scored role's judgement of the drafted one, from the same text its reference point was taken from: an eval of
    the drafted role would be partly answered by it (issue 22), so such an exclusion or sentence is left out."""
    a = role.assessment
    excluded = [f"O*NET task {i}: {why}" for i, why in a.unmapped_onet_tasks.items()]
    return {
        "title": role.title,
        "code": role.onet_code,
        "seniority": a.role.seniority_level,
        "score": f"{role.score:.1f}",
        "zone": role.zone.value,
        "similarity": similarity,
        "rows": [
            {
                "task": r.task,
                "time_pct": r.time_pct,
                "score": r.score,
                "label": r.label.value,
                "rationale": _not_about(r.rationale, drafted),
            }
            for r in a.tasks
        ],
        "excluded": [e for e in excluded if _not_about(e, drafted)],
    }


def from_matches(
    matches: Sequence[Any],
    nearest: int = NEAREST,
    green: int = GREEN,
    floor: float = SIMILARITY_FLOOR,
    drafted: tuple[str, ...] = (),
) -> Calibration:
    """The table and worked example from ``CalibrationSet.nearest`` results (most similar first): only roles at or
    above ``floor``; none of them, and the table is empty, with the closest role under the floor kept to name.
    ``drafted``: the drafted role's titles, kept out of the worked example's text (``worked_example``)."""
    close = [m for m in matches if m.similarity >= floor]
    chosen = list(close[:nearest])
    greens = [m for m in close[nearest:] if m.role.zone.value == "Green"]
    have = sum(m.role.zone.value == "Green" for m in chosen)
    chosen += greens[: max(0, green - have)]
    example = next((m for m in close if m.role.complete and m.role.assessment is not None), None)
    if example is not None and example not in chosen:
        chosen.append(example)  # its score is quoted with its rows, so the table lists it too
    table = tuple(table_row(m.role, m.similarity) for m in chosen)
    return Calibration(
        table=table,
        example=worked_example(example.role, example.similarity, drafted) if example is not None else None,
        candidates=tuple(c for c in table if c["zone"] == "Green"),
        floor=floor,
        nearest_below=table_row(matches[0].role, matches[0].similarity) if matches and not close else None,
    )


# An offline estimate of an occupation: its AIJRI score and zone (drafting/offline.py ``offline_estimate``).
Estimator = Callable[[Occupation], tuple[float, str]]


def catalog_candidates(similar: Sequence[tuple[float, Occupation]], estimate: Estimator) -> tuple[CalibrationRow, ...]:
    """The most similar catalog occupations nobody has scored whose offline estimate is Green, as "where to look
    next" may name them: marked "(not yet scored)", the estimate's score and zone, the source saying so."""
    out: list[CalibrationRow] = []
    for similarity, occ in similar[:CATALOG_LOOKED_AT]:
        score, zone = estimate(occ)
        if zone != "Green":
            continue
        out.append({
            "title": occ.title + NOT_YET_SCORED, "code": occ.code, "task_resistance": None, "evidence_modifier": None,
            "barrier_modifier": None, "growth_modifier": None, "score": f"{score:.1f}", "zone": zone,
            "source": "offline estimate", "complete": False, "similarity": similarity,
        })  # fmt: skip
        if len(out) == CATALOG_CANDIDATES:
            break
    return tuple(out)


def _titles(calibration_set: Any, code: str | None, *titles: str) -> tuple[str, ...]:
    """Every title the drafted role goes by: its own, and those the calibration set knows it by (the reference
    point "Medical Secretaries" is O*NET's "Medical Secretaries and Administrative Assistants")."""
    from ..calibration import same_role

    known = [r.title for r in calibration_set.roles if any(same_role(code, t, r.onet_code, r.title) for t in titles)]
    return tuple(dict.fromkeys([*titles, *known]))


def calibration_for(
    occ: Occupation, title: str, calibration_set: Any, catalog: Any = None, *, estimate: Estimator | None = None
) -> Calibration:
    """What the prompts of one role show, from a loaded ``CalibrationSet`` (never the role itself). The one place
    a draft's calibration set is ranked: a drafter calls it once, when it resolves the draft's request.

    ``estimate``: how an unscored catalog occupation is estimated (``offline.offline_estimate``), so that "where
    to look next" can name one; ``None`` offers only the calibration set's own Green roles."""
    code = None if occ.code == "custom" else occ.code
    statements = [t.statement for t in occ.tasks]
    matches = calibration_set.nearest(onet_code=code, title=title, statements=statements, catalog=catalog)
    calibration = from_matches(matches, drafted=_titles(calibration_set, code, title, occ.title))
    if estimate is None:
        return calibration
    similar = calibration_set.similar_occupations(
        onet_code=code, title=title, statements=statements, catalog=catalog, floor=calibration.floor
    )
    extra = catalog_candidates(similar, estimate)
    return replace(calibration, candidates=calibration.candidates + extra)
