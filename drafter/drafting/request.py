"""What one draft is asked for, resolved once: the ``DraftRequest`` every path of the pipeline starts from.

A caller gives a drafter an occupation and ``DraftOptions`` (the one place the draft's keyword arguments are
written); the drafter resolves them into a ``DraftRequest`` once, before the first step: the title, the evidence
notes and where they came from (no notes: the role's official figures, issue 15), the calibration roles its
prompts show (the calibration set ranked once), the run id and the inputs its provenance records. The pipeline
(``pipeline.steps``), the sync and async drivers and every sample of a sampled draft read that one value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from ..assessment import Assessment
from ..onet.model import Occupation
from ..scoring import ScoreCard
from .calibrate import NO_CALIBRATION, Calibration
from .facts import StepFacts

if TYPE_CHECKING:
    from ..llm.client import StepResult

# Told before each LLM step (result None) and after it (its StepResult); the offline default has no steps. A
# sampled draft names the step with its sample, as its provenance does: "openai/0:decompose", "consensus:commentary".
OnStep = Callable[[str, "StepResult | None"], None]


def no_step(step: str, result: StepResult | None) -> None:
    """The ``OnStep`` of a caller that does not listen."""


class DraftOptions(TypedDict, total=False):
    """What a caller may ask of one draft (``Drafter.draft(occ, **options)``).

    ``notes`` reach the prompts (``notes_source`` names them in the provenance); ``run_id`` groups the draft's LLM
    calls in the run log; ``extra_inputs`` are recorded in the provenance (a batch's id); ``on_step`` is told of
    each LLM step; ``on_request`` is told the resolved request before the first step (what the prompts will show).
    """

    job_title: str | None
    notes: str | None
    notes_source: str | None
    run_id: str | None
    extra_inputs: dict[str, str] | None
    on_step: OnStep | None
    on_request: Callable[[DraftRequest], None] | None


@dataclass(frozen=True)
class Draft:
    """A drafted assessment and its scorecard, computed once by the scorer when the draft was made."""

    assessment: Assessment
    scorecard: ScoreCard


def soc_code(occ: Occupation) -> str | None:
    """The SOC code a draft's role definition shows: none for a custom task list."""
    if occ.code == "custom":
        return None
    return occ.code.removesuffix(".00")


@dataclass(frozen=True)
class DraftRequest:
    """One draft's inputs, resolved: what every step of it reads (see the module's docstring)."""

    occupation: Occupation
    title: str
    notes: str | None = None
    notes_source: str | None = None
    calibration: Calibration = NO_CALIBRATION
    run_id: str = "draft"
    inputs: Mapping[str, str] = field(default_factory=dict)  # recorded in the provenance as given (a batch's id)

    @property
    def onet_code(self) -> str | None:
        """The O*NET code the draft records: none for a custom task list."""
        return None if self.occupation.code == "custom" else self.occupation.code

    @classmethod
    def resolve(
        cls, occ: Occupation, options: DraftOptions, *, run_id: str, calibration: Calibration = NO_CALIBRATION
    ) -> DraftRequest:
        """The request for ``occ``: ``options`` with the official figures for notes when none are given, and the
        ``calibration`` the caller ranked for it."""
        from ..labour.notes import notes_for_draft

        notes, source = notes_for_draft(occ.code, options.get("notes"), options.get("notes_source"), occ)
        return cls(
            occupation=occ, title=options.get("job_title") or occ.title, notes=notes, notes_source=source,
            calibration=calibration, run_id=options.get("run_id") or run_id, inputs=options.get("extra_inputs") or {},
        )  # fmt: skip


@dataclass(frozen=True)
class ModelRef:
    """The endpoint a draft's steps are answered by, as its provenance records it."""

    endpoint: str
    base_url: str | None
    model: str
    instructor_mode: str

    @classmethod
    def of(cls, llm: Any) -> ModelRef:
        """From an ``LLM`` client (drafter/llm/client.py)."""
        ep = llm.endpoint
        return cls(ep.name, llm.public_url, ep.model, ep.instructor_mode)


@dataclass
class Call:
    """One structured LLM call a step needs, with the facts its answer is validated against; a driver makes it
    and sends back the parsed answer."""

    step: str
    template: str
    response_model: type
    messages: list[dict[str, str]]
    facts: StepFacts
    # the step's messages with the role's context shortened, for a small context window (drafting/trim.py)
    shorter: Callable[[], Iterable[tuple[str, list[dict[str, str]]]]] | None = field(default=None, compare=False)


Yielded = Call | tuple[Call, ...]


def calls_of(yielded: Yielded) -> tuple[Call, ...]:
    return yielded if isinstance(yielded, tuple) else (yielded,)
