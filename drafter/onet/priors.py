"""Time-share priors per task: how much of the working time O*NET's ratings suggest each task takes.

O*NET has no time-use data, so the prior is a documented heuristic that a drafter then revises:

* With Task Ratings (the bundled O*NET 29.3 ratings, or an imported release's): the FT distribution becomes an
  expected number of occurrences per year (``FREQUENCY_PER_YEAR`` below; the bundled ratings come as occurrences
  per workday, x ``WORKDAYS``), dampened as log10(1 + occurrences) because frequent tasks tend to be
  short; the weight is that x importance (IM, 1-5) x relevance (RT, share of incumbents who do the task).
  A component that is missing (``n/a`` or absent) takes the occupation's mean for it over rated tasks, so a task
  without any rating gets the mean rated task's weight: the equal-share rule among the unrated.
  Why dampened: the raw product lets one hourly task (8 a day) outweigh a weekly one 40-fold, though a frequent
  task is usually a short one; docs/offline.md measures both against the seed's human shares.
* Without ratings: Core = 2, Supplemental = 1, untyped = 1 (the GPTs-are-GPTs occupation weighting).
* A custom task list's explicit weight wins over both.

Weights become whole percents that sum to exactly 100 (largest remainder, ties to the earlier task).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .model import Task, TaskRatings

# O*NET FT categories -> occurrences per year, at ~250 working days.
FREQUENCY_PER_YEAR: dict[int, float] = {
    1: 1,  # yearly or less
    2: 4,  # more than yearly (about quarterly)
    3: 24,  # more than monthly (about twice a month)
    4: 104,  # more than weekly (about twice a week)
    5: 250,  # daily
    6: 750,  # several times daily (about 3 a day)
    7: 2000,  # hourly or more (about 8 a day)
}
WORKDAYS = 260  # the bundled ratings' per-workday frequency was derived with weights 1/260 .. 8 (its SOURCE.md)
TYPE_WEIGHT = {"Core": 2.0, "Supplemental": 1.0, "": 1.0}


def occurrences_per_year(r: TaskRatings) -> float | None:
    """A task's expected occurrences per year, from its per-workday figure or its FT distribution."""
    if r.per_day is not None:
        return r.per_day * WORKDAYS
    return expected_occurrences(r.frequency) if r.frequency else None


def expected_occurrences(frequency: dict[int, float]) -> float | None:
    total = sum(frequency.values())
    if total <= 0:
        return None
    return sum(FREQUENCY_PER_YEAR[c] * p for c, p in frequency.items()) / total


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def task_weights(tasks: Sequence[Task]) -> tuple[list[float], str]:
    """Raw weights and the name of the rule that produced them."""
    explicit = [t.weight for t in tasks if t.weight is not None]
    if tasks and len(explicit) == len(tasks):
        return [float(w) for w in explicit], "explicit weights"
    rated = [t.ratings for t in tasks if t.ratings is not None]
    if not rated:
        if not any(t.type for t in tasks):
            return [1.0] * len(tasks), "equal shares (no O*NET task ratings bundled or imported for these tasks)"
        return [TYPE_WEIGHT.get(t.type, 1.0) for t in tasks], "task type (Core 2, Supplemental 1, untyped 1)"
    freqs = [occurrences_per_year(r) for r in rated]
    mean_f = _mean([f for f in freqs if f is not None]) or FREQUENCY_PER_YEAR[4]
    mean_im = _mean([r.importance for r in rated if r.importance is not None]) or 3.0
    mean_rt = _mean([r.relevance for r in rated if r.relevance is not None]) or 100.0
    weights = []
    for t in tasks:
        r = t.ratings or None
        f = (occurrences_per_year(r) if r else None) or mean_f
        im = r.importance if r and r.importance is not None else mean_im
        rt = r.relevance if r and r.relevance is not None else mean_rt
        weights.append(math.log10(1 + f) * im * rt / 100)
    return weights, ratings_rule(tasks)


def ratings_rule(tasks: Sequence[Task]) -> str:
    """The ratings rule's label, naming the release the ratings came from and how many tasks lack them."""
    sources = sorted({t.ratings.source for t in tasks if t.ratings is not None and t.ratings.source})
    name = " and ".join(sources) if sources else "Task Ratings of the imported O*NET release"
    unrated = sum(1 for t in tasks if t.ratings is None)
    tail = f"; {unrated} unrated task{'s' if unrated != 1 else ''} at the mean rated weight" if unrated else ""
    return (
        f"{name}: log10(1 + occurrences/yr, derived from O*NET's frequency categories) × importance × relevance{tail}"
    )


def whole_percents(weights: Sequence[float]) -> list[int]:
    """Largest-remainder rounding of weights to whole percents summing to exactly 100."""
    total = sum(weights)
    if not weights:
        return []
    if total <= 0:
        weights, total = [1.0] * len(weights), float(len(weights))
    exact = [w * 100 / total for w in weights]
    floors = [math.floor(x) for x in exact]
    short = 100 - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return floors


def prior_basis(tasks: Sequence[Task]) -> str:
    """What the shares of ``task_weights`` rest on, as a kind a caller can branch on (its rule's name is prose for
    people): "explicit" (weights given), "ratings" (O*NET Task Ratings), "type" (Core/Supplemental) or "equal"."""
    if tasks and all(t.weight is not None for t in tasks):
        return "explicit"
    if any(t.ratings is not None for t in tasks):
        return "ratings"
    return "type" if any(t.type for t in tasks) else "equal"


def priors(tasks: Sequence[Task]) -> tuple[list[int], str]:
    weights, rule = task_weights(tasks)
    return whole_percents(weights), rule


def total_variation(shares: dict[int, float], rows: Sequence[tuple[float, Sequence[int]]]) -> float:
    """Total-variation distance (0 = the same, 1 = disjoint) between a prior and an assessor's time shares, on the
    assessor's rows: each row's prior is the sum of its tasks' shares; tasks no row covers form one more bin the
    assessor gave 0%. ``shares`` and the rows' percents are each normalised to sum to 1."""
    total, row_total = sum(shares.values()), sum(pct for pct, _ in rows)
    p = {tid: share / total for tid, share in shares.items()}
    covered = {tid for _, ids in rows for tid in ids}
    gap = sum(abs(sum(p.get(tid, 0.0) for tid in ids) - pct / row_total) for pct, ids in rows)
    return (gap + sum(v for tid, v in p.items() if tid not in covered)) / 2
