"""The facts a drafting step's answer is checked against, and the one carrier that takes them to the validators.

Each step of the pipeline makes its facts with its call (``Call.facts``): the O*NET IDs that exist and must be
covered (decompose), the rows to score and the labels each score allows (score rows), the evidence notes and the
calibration roles the prompt showed (role sections), those roles and the role's own score (commentary). The
driver that makes the call binds them for its duration (``bound``); the response models' validators
(drafting/outputs.py) read them (``facts_for``).

Why a carrier and not the call's arguments: pydantic hands a validator ``info.context``, but instructor fills it
only by also rendering every message as a Jinja template, which mangles task text or notes containing braces.
So the facts travel in a ``ContextVar`` here (not in drafter/llm, which knows no domain): a round's calls run
in threads or tasks of their own, each in a copy of the context, and each sees its own call's facts.

A validator that finds no facts of its step's kind raises ``MissingFacts`` instead of passing by default: an
answer checked against nothing would otherwise be accepted silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from pydantic import ValidationInfo

from .calibrate import CalibrationRow


@dataclass(frozen=True)
class DecomposeFacts:
    """Step (a): the task IDs the list has, and those a row must cover or an exclusion name."""

    known_ids: tuple[int, ...]
    required_ids: tuple[int, ...]


@dataclass(frozen=True)
class RowFacts:
    """Step (b): the rows to score, by name, and the labels each score allows."""

    row_names: tuple[str, ...]
    labels_by_score: Mapping[int, tuple[str, ...]]


@dataclass(frozen=True)
class SectionFacts:
    """Step (c): the evidence notes a claim may quote, the calibration roles whose scores a text may cite, and the
    scored rows' shares of task time (``RowShares``) the growth and reinstatement checks cite."""

    notes: str | None
    calibration: tuple[CalibrationRow, ...]
    shares: RowShares | None = None


@dataclass(frozen=True)
class RowShares:
    """The scored rows' result as whole percents of task time: what the growth check must cite."""

    displacement: int
    augmentation: int
    not_involved: int
    high: int  # scoring 3+ (the methodology's high_score_threshold)

    def cited(self) -> set[int]:
        return {self.displacement, self.augmentation, self.not_involved, self.high}


@dataclass(frozen=True)
class CommentaryFacts:
    """Step (d): the calibration roles (whose scores a text may cite), the role's own score as shown, and the
    candidates "where to look next" may name (the table's Green roles and Green catalog occupations)."""

    calibration: tuple[CalibrationRow, ...]
    own_score: str
    candidates: tuple[CalibrationRow, ...] = ()  # the only roles "where to look next" may name


StepFacts = DecomposeFacts | RowFacts | SectionFacts | CommentaryFacts
F = TypeVar("F", DecomposeFacts, RowFacts, SectionFacts, CommentaryFacts)

_carried: ContextVar[StepFacts | None] = ContextVar("drafter_step_facts", default=None)


class MissingFacts(RuntimeError):
    """A response model was validated without its step's facts: a caller's mistake, not the model's. Not a
    ValueError, so pydantic does not turn it into a validation error that instructor would re-ask the model."""


@contextmanager
def bound(facts: StepFacts) -> Iterator[StepFacts]:
    """``facts`` are what validators in this context read until the block ends (a driver wraps each call)."""
    token = _carried.set(facts)
    try:
        yield facts
    finally:
        _carried.reset(token)


def facts_for(info: ValidationInfo, kind: type[F], model: str) -> F:
    """The facts of ``kind`` a validator of ``model`` checks against: pydantic's context if it holds them (a
    direct ``model_validate(..., context=facts)``), else the bound ones; raises ``MissingFacts`` when neither."""
    for found in (info.context, _carried.get()):
        if isinstance(found, kind):
            return found
    raise MissingFacts(
        f"{model} was validated without its step's facts ({kind.__name__}); bind them around the call "
        "(drafter.drafting.facts.bound) or pass them as the validation context"
    )
