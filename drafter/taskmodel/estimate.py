"""A task model's answer for one task: plain data, no numpy (the drafter imports it on every draft)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LABELS = ("E0", "E1", "E2")


@dataclass(frozen=True)
class Neighbour:
    """A labelled task the estimate leaned on."""

    task_id: int
    onet_code: str
    label: str
    similarity: float


@dataclass(frozen=True)
class Estimate:
    label: str  # the decided label (see ``decide``)
    probabilities: dict[str, float]
    neighbours: tuple[Neighbour, ...]  # the most similar labelled tasks, most similar first

    @property
    def exposed(self) -> float:
        return self.probabilities["E1"] + self.probabilities["E2"]


def decide(p: Sequence[float]) -> str:
    """E0 when no exposure is at least as likely as any exposure, else the likelier of E1 and E2.

    Deciding exposed-or-not on the summed probability first (rather than the arg-max of three) keeps the label
    consistent with the task score's side of 3 and agrees more often with the humans on exposed-or-not.
    """
    if p[0] >= p[1] + p[2]:
        return "E0"
    return "E1" if p[1] >= p[2] else "E2"
