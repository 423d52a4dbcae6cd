"""The scored inputs of an assessment, addressed by one path each, so every analysis names them alike.

Sensitivity, consensus, the review-first list and the diff all talk about "row 2's score" or "the wage
trends evidence": this module is the one place that lists those inputs, gives each its path (as pydantic
prints it in errors: ``tasks[1].score``, ``evidence.wage_trends.score``), its display name, its range (read
from the model's own field constraints, so the two cannot drift) and a way to set one without touching the
others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic import BaseModel

from .assessment import (
    BARRIER_NAMES,
    EVIDENCE_NAMES,
    PRINCIPLE_NAMES,
    Assessment,
    BarrierScore,
    EvidenceItem,
    GrowthCorrelation,
    PrincipleScore,
    TaskRow,
)

# role-level sections: (section attribute, display names, the model holding each item's score)
SECTIONS: tuple[tuple[str, dict[str, str], type[BaseModel]], ...] = (
    ("protective_principles", PRINCIPLE_NAMES, PrincipleScore),
    ("evidence", EVIDENCE_NAMES, EvidenceItem),
    ("barriers", BARRIER_NAMES, BarrierScore),
)


@cache
def _bounds(model: type[BaseModel]) -> tuple[int, int]:
    meta = model.model_fields["score"].metadata  # pydantic's Field(ge=…, le=…) constraints
    lo = next(c.ge for c in meta if hasattr(c, "ge"))
    hi = next(c.le for c in meta if hasattr(c, "le"))
    return int(lo), int(hi)


@dataclass(frozen=True)
class Input:
    """One scored input. ``value`` None means awaiting assessor input (the scorer counts it as neutral)."""

    path: str  # tasks[1].score | growth.score | evidence.wage_trends.score
    name: str  # row 2 "EHR data abstraction & entry" | Growth correlation | Evidence: Wage Trends
    kind: str  # task | protective_principles | growth | evidence | barriers
    value: int | None
    lo: int
    hi: int
    time_pct: int | None = None  # task rows only


def task_name(i: int, row: TaskRow) -> str:
    return f'row {i + 1} "{row.task}"'


def role_inputs(a: Assessment) -> list[Input]:
    """Protective principles, growth, evidence and barriers, in house order."""
    out = []
    for section, names, model in SECTIONS[:1]:
        lo, hi = _bounds(model)
        for key, item in getattr(a, section):
            out.append(Input(f"{section}.{key}.score", f"Protective: {names[key]}", section, item.score, lo, hi))
    lo, hi = _bounds(GrowthCorrelation)
    out.append(Input("growth.score", "AI growth correlation", "growth", a.growth.score, lo, hi))
    for section, names, model in SECTIONS[1:]:
        lo, hi = _bounds(model)
        title = section.capitalize()
        for key, item in getattr(a, section):
            out.append(Input(f"{section}.{key}.score", f"{title}: {names[key]}", section, item.score, lo, hi))
    return out


def task_inputs(a: Assessment) -> list[Input]:
    lo, hi = _bounds(TaskRow)
    return [
        Input(f"tasks[{i}].score", task_name(i, r), "task", r.score, lo, hi, r.time_pct) for i, r in enumerate(a.tasks)
    ]


def all_inputs(a: Assessment) -> list[Input]:
    return task_inputs(a) + role_inputs(a)


def role_values(a: Assessment) -> tuple[int | None, ...]:
    """The role-level scores in ``role_inputs`` order, without building the inputs (a hot path)."""
    return (
        *(item.score for _k, item in a.protective_principles),
        a.growth.score,
        *(item.score for _k, item in a.evidence),
        *(item.score for _k, item in a.barriers),
    )


def with_value(a: Assessment, path: str, value: int | None) -> Assessment:
    """A copy of ``a`` with one input set (None: awaiting input). Values outside the input's range are refused."""
    if path.startswith("tasks["):
        i = int(path[len("tasks[") : path.index("]")])
        if value is None:
            raise ValueError(f"{path}: a task score cannot await input")
        _check(path, value, *_bounds(TaskRow))
        tasks = list(a.tasks)
        tasks[i] = tasks[i].model_copy(update={"score": value})
        return a.model_copy(update={"tasks": tasks})
    if path == "growth.score":
        if value is not None:
            _check(path, value, *_bounds(GrowthCorrelation))
        return a.model_copy(update={"growth": a.growth.model_copy(update={"score": value})})
    section, key, _ = path.split(".")
    model = next(m for s, _n, m in SECTIONS if s == section)
    if value is not None:
        _check(path, value, *_bounds(model))
    group = getattr(a, section)
    item = getattr(group, key).model_copy(update={"score": value})
    return a.model_copy(update={section: group.model_copy(update={key: item})})


def _check(path: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise ValueError(f"{path}: expected {lo}..{hi}, got {value}")
