"""Comparing a draft with a golden role, on the O*NET task as the common coordinate. Pure: no I/O.

Drafted rows and golden rows group tasks differently, so both are projected onto O*NET task IDs: each task
takes the score and label of the row that covers it and an equal share of that row's time. Task-level
metrics are computed over the tasks both sides cover; time-share distance over the union (a task one side
leaves out has share 0 there). Section metrics skip inputs that either side leaves awaiting input, and every
figure carries the count behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean, pstdev

from pydantic import BaseModel, Field

from ..assessment import BARRIER_NAMES, EVIDENCE_NAMES, Assessment
from ..scoring import ScoreCard, score


@dataclass(frozen=True)
class TaskView:
    score: int
    label: str
    share: float  # fraction of working time, 0..1
    row: str
    rationale: str


def project(a: Assessment) -> dict[int, TaskView]:
    out: dict[int, TaskView] = {}
    for r in a.tasks:
        n = len(r.onet_task_ids)
        for tid in r.onet_task_ids:
            out[tid] = TaskView(r.score, r.label.value, r.time_pct / 100 / n, r.task, r.rationale)
    return out


def quadratic_weighted_kappa(a: list[int], b: list[int], lo: int = 1, hi: int = 5) -> float | None:
    """Cohen's kappa with quadratic weights over the scores ``lo``..``hi`` (scikit-learn's ``cohen_kappa_score``);
    None when undefined (fewer than 2 items), 1.0 when both sides give every item the same single score."""
    if len(a) < 2:
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0  # no variance and full agreement: kappa's 0/0, read as agreement (as before scikit-learn)
    from sklearn.metrics import cohen_kappa_score  # only an eval needs it (~0.5 s to import)

    return float(cohen_kappa_score(a, b, labels=list(range(lo, hi + 1)), weights="quadratic"))


class Metric(BaseModel):
    value: float | None
    n: int  # how many items the figure rests on


class RoleResult(BaseModel):
    key: str
    title: str
    kind: str = "golden"
    draft_score: float
    golden_score: float
    composite_error: Metric
    zone_agrees: bool
    draft_zone: str
    golden_zone: str
    sub_label_agrees: bool | None = None
    task_resistance_error: Metric | None = None
    task_score_mae: Metric | None = None
    task_score_qwk: Metric | None = None
    label_agreement: Metric | None = None
    time_share_tv: Metric | None = None
    protective_total_error: Metric | None = None
    growth_error: Metric | None = None
    evidence_total_error: Metric | None = None
    barrier_total_error: Metric | None = None
    evidence_errors: dict[str, Metric] = {}
    barrier_errors: dict[str, Metric] = {}
    confusion: list[list[int]] = []  # golden score (row) x draft score (column), 1..5
    disagreements: list[dict] = []  # tasks whose scores differ, with both rationales
    pending_in_draft: list[str] = []
    # the human-scored roles the draft was calibrated on ("title (code)"); runs stored before it have no such key
    calibration: list[str] = Field(default_factory=list, exclude_if=lambda v: not v)


def _abs(a: float | int | None, b: float | int | None) -> Metric:
    if a is None or b is None:
        return Metric(value=None, n=0)
    return Metric(value=round(abs(a - b), 4), n=1)


def _total(items, pending_ok: bool = False) -> int | None:
    scores = [v.score for _, v in items]
    return None if any(s is None for s in scores) else sum(scores)


def compare_role(draft: Assessment, golden: Assessment, key: str, d_card: ScoreCard | None = None) -> RoleResult:
    d_card = d_card or score(draft)
    g_card = score(golden)
    d_tasks, g_tasks = project(draft), project(golden)
    common = sorted(set(d_tasks) & set(g_tasks))
    union = set(d_tasks) | set(g_tasks)
    d_scores = [d_tasks[t].score for t in common]
    g_scores = [g_tasks[t].score for t in common]
    confusion = [[0] * 5 for _ in range(5)]
    for g, d in zip(g_scores, d_scores, strict=True):
        confusion[g - 1][d - 1] += 1
    mae = (
        Metric(value=round(mean(abs(a - b) for a, b in zip(d_scores, g_scores, strict=True)), 4), n=len(common))
        if common
        else Metric(value=None, n=0)
    )
    qwk = quadratic_weighted_kappa(g_scores, d_scores)
    labels = Metric(
        value=round(mean(d_tasks[t].label == g_tasks[t].label for t in common), 4) if common else None, n=len(common)
    )
    d_share = _normalised({t: v.share for t, v in d_tasks.items()})
    g_share = _normalised({t: v.share for t, v in g_tasks.items()})
    tv = 0.5 * sum(abs(d_share.get(t, 0.0) - g_share.get(t, 0.0)) for t in union) if union else None
    disagreements = [
        {
            "task_id": t,
            "draft_score": d_tasks[t].score,
            "golden_score": g_tasks[t].score,
            "draft_row": d_tasks[t].row,
            "golden_row": g_tasks[t].row,
            "draft_rationale": d_tasks[t].rationale,
            "golden_rationale": g_tasks[t].rationale,
        }
        for t in common
        if d_tasks[t].score != g_tasks[t].score or d_tasks[t].label != g_tasks[t].label
    ]
    return RoleResult(
        key=key,
        title=golden.role.job_title,
        draft_score=d_card.score.value,
        golden_score=g_card.score.value,
        composite_error=_abs(d_card.score.value, g_card.score.value),
        zone_agrees=d_card.final_zone == g_card.final_zone,
        draft_zone=d_card.final_zone.value,
        golden_zone=g_card.final_zone.value,
        sub_label_agrees=d_card.sub_label == g_card.sub_label,
        task_resistance_error=_abs(d_card.task_resistance.value, g_card.task_resistance.value),
        task_score_mae=mae,
        task_score_qwk=Metric(value=None if qwk is None else round(qwk, 4), n=len(common)),
        label_agreement=labels,
        time_share_tv=Metric(value=None if tv is None else round(tv, 4), n=len(union)),
        protective_total_error=_abs(_total(draft.protective_principles), _total(golden.protective_principles)),
        growth_error=_abs(draft.growth.score, golden.growth.score),
        evidence_total_error=_abs(_total(draft.evidence), _total(golden.evidence)),
        barrier_total_error=_abs(_total(draft.barriers), _total(golden.barriers)),
        evidence_errors={
            k: _abs(getattr(draft.evidence, k).score, getattr(golden.evidence, k).score) for k in EVIDENCE_NAMES
        },
        barrier_errors={
            k: _abs(getattr(draft.barriers, k).score, getattr(golden.barriers, k).score) for k in BARRIER_NAMES
        },
        confusion=confusion,
        disagreements=disagreements,
        pending_in_draft=d_card.pending,
        calibration=calibration_seen(draft),
    )


def compare_point(
    draft: Assessment, key: str, title: str, golden_score: float, golden_zone: str, card: ScoreCard | None = None
) -> RoleResult:
    card = card or score(draft)
    return RoleResult(
        key=key,
        title=title,
        kind="reference",
        draft_score=card.score.value,
        golden_score=golden_score,
        composite_error=Metric(value=round(abs(card.score.value - golden_score), 4), n=1),
        zone_agrees=card.final_zone.value == golden_zone,
        draft_zone=card.final_zone.value,
        golden_zone=golden_zone,
        pending_in_draft=card.pending,
        calibration=calibration_seen(draft),
    )


def calibration_seen(a: Assessment) -> list[str]:
    """The scored roles a draft was calibrated on, as recorded in its provenance."""
    return [f"{c.title} ({c.onet_code})" if c.onet_code else c.title for c in a.provenance.calibration]


def _normalised(shares: dict[int, float]) -> dict[int, float]:
    total = sum(shares.values())
    return {t: s / total for t, s in shares.items()} if total else shares


# --- aggregation across roles (and across samples of one role) --------------------------------------

AGGREGATED = (
    "composite_error",
    "task_resistance_error",
    "task_score_mae",
    "task_score_qwk",
    "label_agreement",
    "time_share_tv",
    "protective_total_error",
    "growth_error",
    "evidence_total_error",
    "barrier_total_error",
)


class Aggregate(BaseModel):
    mean: float | None
    spread: float | None  # population standard deviation
    n: int  # roles (or samples) with a value


def aggregate_values(values: list[float | None]) -> Aggregate:
    vals = [v for v in values if v is not None]
    if not vals:
        return Aggregate(mean=None, spread=None, n=0)
    return Aggregate(mean=round(mean(vals), 4), spread=round(pstdev(vals), 4), n=len(vals))
