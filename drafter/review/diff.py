"""What an assessor changed between a draft and the final: field by field, row by row, and in the composite.

Rows are matched through their O*NET task IDs (``drafter.review.align``), so a final that merges, splits or
reorders the draft's rows still shows each row's score change: a final row's *before* score is the draft
scores of the rows it covers, weighted by the draft time each contributes (a draft row's time spread evenly
over its tasks). Every changed field carries where the draft's value came from (model and prompt version,
offline prior, ...) and the drafting step that wrote it, which is what ``summary`` counts across many roles.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from ..assessment import Assessment, FieldSource, SourceKind, Zone
from ..methodology import Methodology, load_methodology
from ..scoring import score
from .align import Component, components, overlaps
from .fields import ROW_FIELDS, generic, role_level, step_of
from .provenance import field_sources
from .role import check_same_role


class FieldChange(BaseModel):
    path: str  # in the final's terms (tasks[2].score); a removed row or section: draft.tasks[4], draft.commentary[1]
    field: str  # generic: tasks[].score
    step: str | None  # drafting step that wrote the draft's value
    before: Any = None
    after: Any = None
    delta: float | None = None  # numeric fields: after - before
    source: FieldSource | None = None  # where the draft's value came from


class RowChange(BaseModel):
    kind: str  # matched | merged | split | regrouped | added | removed
    final_row: str | None
    draft_rows: list[str]
    score_before: float | None
    score_after: int | None
    delta: float | None
    time_before: float | None
    time_after: int | None


class Diff(BaseModel):
    draft: str
    final: str
    changes: list[FieldChange]
    rows: list[RowChange]
    score_before: str
    score_after: str
    score_delta: float
    zone_before: Zone
    zone_after: Zone
    sub_label_before: str
    sub_label_after: str

    @property
    def zone_changed(self) -> bool:
        return self.zone_before != self.zone_after


def _delta(before: Any, after: Any) -> float | None:
    numeric = (int, float)
    if isinstance(before, numeric) and isinstance(after, numeric) and not isinstance(before, bool):
        return round(float(after) - float(before), 2)
    return None


def _change(path: str, before: Any, after: Any, source: FieldSource | None) -> FieldChange:
    return FieldChange(
        path=path, field=generic(path.removeprefix("draft.")), step=step_of(path.removeprefix("draft.")),
        before=before, after=after, delta=_delta(before, after), source=source,
    )  # fmt: skip


def _weights(final: Assessment, draft: Assessment, comp: Component) -> dict[int, dict[int, float]]:
    """Draft time each draft row contributes to each final row of a component."""
    links = overlaps([final.tasks[i] for i in comp.a], draft.tasks)
    out: dict[int, dict[int, float]] = {}
    for i, found in zip(comp.a, links, strict=True):
        out[i] = {ov.other: draft.tasks[ov.other].time_pct * ov.share for ov in found}
    return out


def _row_changes(draft: Assessment, final: Assessment, src: dict[str, FieldSource]):
    changes: list[FieldChange] = []
    rows: list[RowChange] = []
    for comp in components(final.tasks, draft.tasks):
        kind = comp.kind
        if kind == "removed":
            for j in comp.b:
                d = draft.tasks[j]
                changes.append(_change(f"draft.tasks[{j}]", d.task, None, src.get(f"tasks[{j}].task")))
                rows.append(RowChange(kind=kind, final_row=None, draft_rows=[d.task], score_before=d.score,
                                      score_after=None, delta=None, time_before=d.time_pct, time_after=None))  # fmt: skip
            continue
        if kind == "added":
            for i in comp.a:
                f = final.tasks[i]
                changes.append(_change(f"tasks[{i}]", None, f.task, None))
                rows.append(RowChange(kind=kind, final_row=f.task, draft_rows=[], score_before=None,
                                      score_after=f.score, delta=None, time_before=None, time_after=f.time_pct))  # fmt: skip
            continue
        weights = _weights(final, draft, comp)
        for i in comp.a:
            f, w = final.tasks[i], weights[i]
            total = sum(w.values())
            before = sum(draft.tasks[j].score * x for j, x in w.items()) / total if total else None
            rows.append(
                RowChange(
                    kind=kind,
                    final_row=f.task,
                    draft_rows=[draft.tasks[j].task for j in w],
                    score_before=None if before is None else round(before, 2),
                    score_after=f.score,
                    delta=None if before is None else round(f.score - before, 2),
                    time_before=round(total, 1) if total else None,
                    time_after=f.time_pct,
                )  # fmt: skip
            )
            if kind == "matched":
                j = comp.b[0]
                for name in ROW_FIELDS:
                    b, a = getattr(draft.tasks[j], name), getattr(f, name)
                    if b != a:
                        b, a = getattr(b, "value", b), getattr(a, "value", a)
                        changes.append(_change(f"tasks[{i}].{name}", b, a, src.get(f"tasks[{j}].{name}")))
                continue
            first = max(w, key=lambda j: w[j]) if w else comp.b[0]
            labels: dict[str, float] = {}
            for j, x in w.items():
                labels[draft.tasks[j].label.value] = labels.get(draft.tasks[j].label.value, 0.0) + x
            regrouped = {
                "task": " + ".join(draft.tasks[j].task for j in w),
                "time_pct": round(total, 1),
                "score": None if before is None else round(before, 2),
                "label": max(sorted(labels), key=lambda k: labels[k]) if labels else None,
                "rationale": None,
                "onet_task_ids": sorted({t for j in w for t in draft.tasks[j].onet_task_ids} & set(f.onet_task_ids)),
            }
            for name, b in regrouped.items():
                a = getattr(f, name)
                a = getattr(a, "value", a)
                if b != a:
                    changes.append(_change(f"tasks[{i}].{name}", b, a, src.get(f"tasks[{first}].{name}")))
    return changes, rows


def _commentary_changes(draft: Assessment, final: Assessment, src: dict[str, FieldSource]) -> list[FieldChange]:
    out = []
    before = {s.heading.casefold(): (j, s) for j, s in enumerate(draft.commentary)}
    seen = set()
    for i, sec in enumerate(final.commentary):
        key = sec.heading.casefold()
        if key in before:
            j, old = before[key]
            seen.add(key)
            if old.body != sec.body:
                out.append(_change(f"commentary[{i}].body", old.body, sec.body, src.get(f"commentary[{j}].body")))
        else:
            out.append(_change(f"commentary[{i}]", None, sec.heading, None))
    for key, (j, old) in before.items():
        if key not in seen:
            out.append(_change(f"draft.commentary[{j}]", old.heading, None, src.get(f"commentary[{j}].heading")))
    return out


def diff(draft: Assessment, final: Assessment, *, draft_name: str = "draft", final_name: str = "final",
         m: Methodology | None = None, other_role: bool = False) -> Diff:  # fmt: skip
    """Every field the final changes, each row's score change, and the change of composite, zone and sub-label.

    A final of another role than the draft's is refused (``role.RoleMismatch``) unless ``other_role``: every
    caller (diff, the summary over folders, the audit trail, sources) would otherwise report or record a
    comparison that is not a review."""
    if not other_role:
        check_same_role(draft, final, draft_name, final_name)
    m = m or load_methodology()
    src = field_sources(draft)
    before, after = role_level(draft), role_level(final)
    changes = [_change(p, before[p], after[p], src.get(p)) for p in before if before[p] != after[p]]
    row_changes, rows = _row_changes(draft, final, src)
    changes += row_changes + _commentary_changes(draft, final, src)
    cd, cf = score(draft, m), score(final, m)
    return Diff(
        draft=draft_name, final=final_name, changes=changes, rows=rows, score_before=cd.score.shown,
        score_after=cf.score.shown, score_delta=round(cf.score.value - cd.score.value, 1), zone_before=cd.final_zone,
        zone_after=cf.final_zone, sub_label_before=cd.sub_label, sub_label_after=cf.sub_label,
    )  # fmt: skip


def final_sources(
    draft: Assessment, final: Assessment, d: Diff, who: str | None, at: datetime | None
) -> dict[str, FieldSource]:
    """Where every field of the final came from: the draft's source where the assessor kept the value, the
    assessor where the diff shows a change (or the final is a new row or section)."""
    from .fields import flatten

    assessor = FieldSource(kind=SourceKind.ASSESSOR, who=who, at=at)
    src = field_sources(draft)
    changed = {c.path for c in d.changes}
    links = overlaps(final.tasks, draft.tasks)
    heading_of = {s.heading.casefold(): j for j, s in enumerate(draft.commentary)}
    out = {}
    for path in flatten(final):
        if path in changed:
            out[path] = assessor
            continue
        if path.startswith("tasks["):
            i = int(path[6 : path.index("]")])
            if f"tasks[{i}]" in changed or not links[i]:
                out[path] = assessor
                continue
            out[path] = src[f"tasks[{links[i][0].other}]{path[path.index(']') + 1 :]}"]
        elif path.startswith("commentary["):
            i = int(path[11 : path.index("]")])
            j = heading_of.get(final.commentary[i].heading.casefold())
            out[path] = assessor if j is None else src[f"commentary[{j}]{path[path.index(']') + 1 :]}"]
        elif path.startswith("assessor_override."):
            out[path] = assessor  # accepting the final is the assessor's decision on the override
        else:
            out[path] = src.get(path, assessor)
    for path in out:  # an evidence item's source marker goes with its text
        if path.startswith("evidence.") and path.endswith(".source"):
            out[path] = out[path.removesuffix(".source") + ".evidence"]
    return out
