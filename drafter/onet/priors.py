"""Time-share priors per task: how much of the working time O*NET's ratings suggest each task takes.

O*NET has no time-use data, so the prior is a documented heuristic that a drafter then revises:

* With Task Ratings: the FT distribution becomes an expected number of occurrences per year
  (``FREQUENCY_PER_YEAR`` below), dampened as log10(1 + occurrences) because frequent tasks tend to be
  short; the weight is that x importance (IM, 1-5) x relevance (RT, share of incumbents who do the task).
  A component that is missing (``n/a`` or absent) takes the occupation's mean for it over rated tasks.
* Without ratings: Core = 2, Supplemental = 1, untyped = 1 (the GPTs-are-GPTs occupation weighting).
* A custom task list's explicit weight wins over both.

Weights become whole percents that sum to exactly 100 (largest remainder, ties to the earlier task).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .model import Task

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
TYPE_WEIGHT = {"Core": 2.0, "Supplemental": 1.0, "": 1.0}


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
        return [TYPE_WEIGHT.get(t.type, 1.0) for t in tasks], "task type (Core 2, Supplemental 1, untyped 1)"
    freqs = [expected_occurrences(r.frequency) for r in rated if r.frequency]
    mean_f = _mean([f for f in freqs if f is not None]) or FREQUENCY_PER_YEAR[4]
    mean_im = _mean([r.importance for r in rated if r.importance is not None]) or 3.0
    mean_rt = _mean([r.relevance for r in rated if r.relevance is not None]) or 100.0
    weights = []
    for t in tasks:
        r = t.ratings or None
        f = (expected_occurrences(r.frequency) if r and r.frequency else None) or mean_f
        im = r.importance if r and r.importance is not None else mean_im
        rt = r.relevance if r and r.relevance is not None else mean_rt
        weights.append(math.log10(1 + f) * im * rt / 100)
    return weights, "Task Ratings (log10(1 + FT occurrences/yr) × IM × RT)"


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
