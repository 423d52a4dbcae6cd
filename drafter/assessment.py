"""The assessment as typed data: the one currency every other module reads or writes.

Only what an assessor (or a drafting model) chooses lives here. Every derived figure — weighted
totals, modifiers, the composite, the zone — belongs to the scorer, so a hand-edited file can never
carry a stale number. A score of ``None`` means *awaiting assessor input*: the offline drafter uses it
for sections it cannot know, and the scorer says so instead of inventing a value.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_serializer, model_validator

from .codes import SOC_PATTERN, normalise_onet_code  # noqa: F401  (re-exported)
from .safetext import clean_value
from .usage import Usage

SCHEMA_VERSION = 1
AWAITING_INPUT = "AWAITING INPUT"  # how the house format prints a score or text awaiting assessor input
# The assessor commentary's sections, in the house order (the drafting step must return exactly these).
COMMENTARY_HEADINGS = (
    "Score vs Reality Check",
    "What the Numbers Don't Capture",
    "Who Should Worry (and Who Shouldn't)",
    "What This Means",
)

# A role-level input borrowed from similar human-scored roles starts its rationale (or evidence) with this; it
# counts as provisional while the text still does, i.e. until an assessor writes their own.
PRIOR_MARK = "Prior from:"

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, v: Any) -> Any:
        """Text from a user's file, a model's answer or a command-line option is stored without escape
        sequences or control characters (drafter.safetext): no draft carries them to a terminal later."""
        return clean_value(v)


class TaskLabel(StrEnum):
    DISPLACEMENT = "DISPLACEMENT"
    AUGMENTATION = "AUGMENTATION"
    NOT_INVOLVED = "NOT INVOLVED"


class Zone(StrEnum):
    RED = "Red"
    YELLOW = "Yellow"
    GREEN = "Green"


class EvidenceSource(StrEnum):
    """Where an evidence claim came from, so a reviewer knows what to verify."""

    ASSESSOR = "assessor"  # written or confirmed by a human assessor
    NOTES = "notes"  # taken from evidence notes the assessor supplied to the drafter
    MODEL = "model"  # recalled by the model: verify before publishing


class ReinstatementSize(StrEnum):
    """How much new work AI creates for the role (the rubric's reinstatement levels)."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class RoleDefinition(_Model):
    job_title: NonEmpty
    soc_code: Annotated[str, StringConstraints(pattern=SOC_PATTERN)] | None = Field(
        default=None,
        description="BLS SOC code as printed in the house format, e.g. 29-2072; None if O*NET lacks the role.",
    )
    seniority_level: NonEmpty
    primary_function: NonEmpty
    what_this_role_is_not: NonEmpty
    typical_experience: NonEmpty
    seniority_note: str | None = None


class PrincipleScore(_Model):
    score: int | None = Field(ge=0, le=3, description="0-3; None = awaiting assessor input.")
    rationale: str


class ProtectivePrinciples(_Model):
    embodied_physicality: PrincipleScore
    deep_interpersonal_connection: PrincipleScore
    goal_setting_moral_judgment: PrincipleScore


class GrowthCorrelation(_Model):
    score: int | None = Field(ge=-2, le=2, description="-2..+2; None = awaiting assessor input.")
    rationale: str
    check: str | None = Field(default=None, description="The 'AI Growth Correlation Check' paragraph.")

    @field_validator("check")
    @classmethod
    def _awaiting_is_none(cls, v: str | None) -> str | None:
        """The house format prints a missing check as AWAITING INPUT; that text means the same as None."""
        return None if v is None or v.strip() in ("", AWAITING_INPUT) else v


class TaskRow(_Model):
    task: NonEmpty
    time_pct: int = Field(ge=1, le=100, description="Whole percent of working time.")
    score: int = Field(ge=1, le=5, description="1 = no AI agent involvement possible .. 5 = fully agent-executable.")
    label: TaskLabel
    rationale: str
    onet_task_ids: list[int] = Field(default_factory=list, description="O*NET task IDs this row covers.")


class EvidenceDimension(StrEnum):
    JOB_POSTING_TRENDS = "job_posting_trends"
    COMPANY_ACTIONS = "company_actions"
    WAGE_TRENDS = "wage_trends"
    AI_TOOL_MATURITY = "ai_tool_maturity"
    EXPERT_CONSENSUS = "expert_consensus"


class EvidenceItem(_Model):
    score: int | None = Field(ge=-2, le=2, description="-2..+2; None = awaiting assessor input.")
    evidence: str
    source: EvidenceSource | None = None


class EvidenceClaim(_Model):
    """One claim behind an evidence score, with what a reviewer needs to check it.

    ``source`` says who vouches for it: the assessor, the assessor's evidence notes (then ``quote`` is the
    span of the notes it rests on, verbatim), or the model's recall (to be verified before publishing).
    """

    dimension: EvidenceDimension
    claim: NonEmpty
    figure: str | None = Field(default=None, description="The figure the claim rests on, e.g. '+7%' or '$47,190'.")
    as_of: str | None = Field(default=None, description="When the figure or claim was true, e.g. 'May 2024'.")
    source: EvidenceSource
    citation: str | None = Field(default=None, description="Where it was published, e.g. 'BLS OOH, 2024-34'.")
    quote: str | None = Field(default=None, description="For source 'notes': the span of the notes, verbatim.")


class Evidence(_Model):
    job_posting_trends: EvidenceItem
    company_actions: EvidenceItem
    wage_trends: EvidenceItem
    ai_tool_maturity: EvidenceItem
    expert_consensus: EvidenceItem


class BarrierScore(_Model):
    score: int | None = Field(ge=0, le=2, description="0-2; None = awaiting assessor input.")
    rationale: str


class Barriers(_Model):
    regulatory_licensing: BarrierScore
    physical_presence: BarrierScore
    union_collective_bargaining: BarrierScore
    liability_accountability: BarrierScore
    cultural_ethical: BarrierScore


class AssessorOverride(_Model):
    """``zone=None`` means the formula zone stands; ``note`` is the assessor's comment either way."""

    zone: Zone | None = None
    note: str = ""

    @model_validator(mode="after")
    def _override_needs_reasons(self) -> AssessorOverride:
        if self.zone is not None and not self.note.strip():
            raise ValueError("an override zone needs the assessor's reasons in 'note'")
        return self


class Reinstatement(_Model):
    """The reinstatement check's verdict: how much new work AI creates, and whether it offsets what it displaces."""

    size: ReinstatementSize
    offsets_displacement: bool


class CareerMove(_Model):
    """A scored role an affected worker could move to ("Where to look next"), with its published score."""

    title: NonEmpty
    onet_code: Annotated[str, StringConstraints(pattern=SOC_PATTERN)] | None = None
    score: float = Field(ge=0, le=100, description="The role's AIJRI score as published (1 dp).")
    zone: Zone
    why: NonEmpty = Field(description="Which skills transfer, and what the move takes.")


class CommentarySection(_Model):
    heading: NonEmpty
    body: str


class StepRecord(Usage):  # the tokens are Usage's fields, so a draft's JSON keeps them flat
    """One drafting step's LLM usage, as measured by drafter (not as claimed by the model)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    prompt_tokens: int = Field(ge=0, description="Prompt tokens, the cached ones included.")
    completion_tokens: int = Field(ge=0)
    step: str
    prompt_version: str | None = None
    attempts: int = Field(ge=0, description="HTTP requests made or answered from cache, retries included.")
    requests: int = Field(ge=0, description="Requests that reached the network.")
    cache_hits: int = Field(ge=0)
    latency_ms: float = Field(ge=0)


class SourceKind(StrEnum):
    """Where one field of an assessment came from (see drafter/review/provenance.py)."""

    MODEL = "model"  # one LLM answer: endpoint, model, prompt version
    CONSENSUS = "consensus"  # the median of several samples / models
    OFFLINE = "offline"  # the offline default's prior (which one)
    ONET = "onet"  # O*NET data as published (title, task statements, description)
    NOTES = "notes"  # the evidence notes the assessor supplied
    ASSESSOR = "assessor"  # written or changed by a human assessor
    AWAITING = "awaiting"  # nobody yet: awaiting assessor input


class FieldSource(_Model):
    kind: SourceKind
    endpoint: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    prior: str | None = Field(default=None, description="Offline prior, e.g. 'offline:human-labels-v1'.")
    samples: int | None = Field(default=None, description="Consensus: how many samples or models fed the value.")
    who: str | None = Field(default=None, description="Assessor: who changed it.")
    at: datetime | None = None
    detail: str | None = None

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler):
        """Only the details a source has: a draft records about a hundred of these."""
        return {k: v for k, v in handler(self).items() if v is not None}

    def describe(self) -> str:
        """e.g. 'model (openai, gpt-4.1, score_rows@3f2a…)', 'consensus (median of 5)', 'assessor (ana)'."""
        parts = [f"median of {self.samples}"] if self.kind is SourceKind.CONSENSUS and self.samples else []
        parts += [p for p in (self.endpoint, self.model, self.prompt_version, self.prior, self.who) if p]
        if self.detail:
            parts.append(self.detail)
        return self.kind.value + (f" ({', '.join(parts)})" if parts else "")


class CalibrationRef(_Model):
    """A human-scored role the drafter compared this role with (never the role itself)."""

    title: NonEmpty
    onet_code: Annotated[str, StringConstraints(pattern=SOC_PATTERN)] | None = None
    source: str = Field(description="'golden', 'reference point' or the file it was read from.")
    similarity: float = Field(ge=0, le=1, description="Cosine similarity of the two roles' task statements.")
    complete: bool = Field(description="A full assessment (True) or a composite-only reference point (False).")
    lent_priors: bool = Field(default=False, description="Its role-level inputs were borrowed as priors.")
    worked_example: bool = Field(
        default=False,
        description="An LLM draft's prompts showed its rows, scores and rationales as the worked example.",
    )


class TaskEstimate(_Model):
    """The learned task model's exposure estimate for one O*NET task, shown beside any published label."""

    label: Annotated[str, StringConstraints(pattern=r"^E[012]$")]
    probabilities: dict[str, float] = Field(description="E0 / E1 / E2 -> probability (3 decimals).")
    published: Annotated[str, StringConstraints(pattern=r"^E[012]$")] | None = Field(
        default=None, description="The published human label (GPTs-are-GPTs), which the task score follows."
    )


class Provenance(_Model):
    drafted_by: NonEmpty = Field(
        description="'human', 'offline:<name>', 'llm:<model>' or 'consensus:<n> samples of llm:<model>[+…]'."
    )
    created_at: datetime | None = None
    onet_code: Annotated[str, StringConstraints(pattern=SOC_PATTERN)] | None = None
    inputs: dict[str, str] = Field(default_factory=dict, description="Input files, endpoint, prompt versions…")
    steps: list[StepRecord] = Field(default_factory=list, description="LLM usage per drafting step.")
    notes: str | None = None
    calibration: list[CalibrationRef] = Field(
        default_factory=list,
        description="The human-scored roles the drafter saw, most similar first (an LLM draft: its calibration table).",
    )
    priors: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Input path (e.g. 'barriers.physical_presence') -> titles of the scored roles it was borrowed "
        "from. Such an input is provisional while its text still starts with 'Prior from:'.",
    )
    task_estimates: dict[int, TaskEstimate] = Field(
        default_factory=dict, description="O*NET task ID -> the learned task model's estimate."
    )
    fields: dict[str, FieldSource] = Field(
        default_factory=dict,
        description="Field path -> source, where it differs from what drafted_by and steps imply "
        "(drafter.review.provenance.field_sources gives every field's source).",
    )


# ---- uncertainty of a draft made from several samples or models (drafter/review/consensus.py) -------------


class SampleRecord(_Model):
    """One sampled draft that fed a consensus draft."""

    endpoint: str
    model: str
    sample: int = Field(ge=0, description="Sample number within its endpoint (the request seed).")
    temperature: float
    prompt_versions: dict[str, str] = Field(default_factory=dict, description="Step -> prompt version.")
    run_id: str | None = None
    score: float
    zone: Zone
    sub_label: str
    decomposition: int = Field(ge=0, description="Which distinct decomposition it used (0: the consensus one).")


class RowSpread(_Model):
    """One consensus row across the samples; lists hold one entry per sample (None: the sample has no value)."""

    task: str
    scores: list[int | None]
    labels: list[TaskLabel | None]
    time_pcts: list[int | None] = Field(description="Only samples with the consensus decomposition have one.")


class InputSpread(_Model):
    path: str = Field(description="e.g. evidence.wage_trends.score")
    values: list[int | None] = Field(description="One per sample (None: awaiting input in that sample).")


class CompositeInterval(_Model):
    low: float
    median: float
    high: float
    zone_shares: dict[Zone, float] = Field(description="Share of samples whose composite falls in each zone.")


class Uncertainty(_Model):
    method: str = Field(description="How the consensus was formed (drafter.review.consensus.METHOD).")
    samples: list[SampleRecord] = Field(min_length=1)
    decompositions: int = Field(ge=1, description="Distinct decompositions among the samples.")
    rows: list[RowSpread] = Field(
        description="The drafted rows' spreads, matched to the assessment's rows by task name (an assessor may "
        "edit the rows afterwards; a renamed or new row simply has no spread)."
    )
    inputs: list[InputSpread]
    composite: CompositeInterval

    @model_validator(mode="before")
    @classmethod
    def _drop_unused_copies(cls, data: Any) -> Any:
        """Earlier drafts carried empty copies of the provenance's calibration, priors and task estimates here
        (a merge put them in both places; only the provenance's were ever filled): read such files, drop them."""
        if isinstance(data, dict):
            stale = {k for k in ("calibration", "priors", "task_estimates") if k in data and not data[k]}
            data = {k: v for k, v in data.items() if k not in stale}
        return data


class Assessment(_Model):
    schema_version: int = SCHEMA_VERSION
    role: RoleDefinition
    protective_principles: ProtectivePrinciples
    growth: GrowthCorrelation
    tasks: list[TaskRow] = Field(min_length=1)
    reinstatement_check: str = ""
    reinstatement: Reinstatement | None = None
    evidence: Evidence
    evidence_claims: list[EvidenceClaim] = Field(
        default_factory=list, description="The claims behind the evidence scores, each with its source."
    )
    barriers: Barriers
    assessor_override: AssessorOverride = Field(default_factory=AssessorOverride)
    commentary: list[CommentarySection] = Field(default_factory=list)
    where_to_look_next: list[CareerMove] = Field(
        default_factory=list, description="Green Zone roles with transferable skills, from the calibration set."
    )
    unmapped_onet_tasks: dict[int, str] = Field(
        default_factory=dict,
        description="O*NET task ID -> why no row covers it (stated, never implied): the tasks excluded as another "
        "role's work, and Supplemental tasks left out.",
    )
    provenance: Provenance
    uncertainty: Uncertainty | None = Field(
        default=None, description="Spread across samples/models when the draft is a consensus; None for one sample."
    )

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v != SCHEMA_VERSION:
            raise ValueError(f"expected schema_version {SCHEMA_VERSION}, got {v}")
        return v

    @model_validator(mode="after")
    def _task_invariants(self) -> Assessment:
        total = sum(r.time_pct for r in self.tasks)
        if total != 100:
            raise ValueError(f"task time shares sum to {total}%, expected 100%")
        names = [r.task.casefold() for r in self.tasks]
        dupes = sorted({r.task for r in self.tasks if names.count(r.task.casefold()) > 1})
        if dupes:
            raise ValueError(f"task names must be unique; repeated: {', '.join(dupes)}")
        seen: dict[int, str] = {}
        for r in self.tasks:
            for tid in r.onet_task_ids:
                if tid in seen:
                    raise ValueError(f"O*NET task {tid} is covered by two rows: {seen[tid]!r} and {r.task!r}")
                seen[tid] = r.task
        both = sorted(set(seen) & set(self.unmapped_onet_tasks))
        if both:
            raise ValueError(f"O*NET task(s) {both} are both covered by a row and listed as unmapped")
        return self

    def covered_task_ids(self) -> set[int]:
        return {tid for r in self.tasks for tid in r.onet_task_ids}


# Display names in the house format, keyed by field name. Order is the house order.
PRINCIPLE_NAMES = {
    "embodied_physicality": "Embodied Physicality",
    "deep_interpersonal_connection": "Deep Interpersonal Connection",
    "goal_setting_moral_judgment": "Goal-Setting & Moral Judgment",
}
EVIDENCE_NAMES = {
    "job_posting_trends": "Job Posting Trends",
    "company_actions": "Company Actions",
    "wage_trends": "Wage Trends",
    "ai_tool_maturity": "AI Tool Maturity",
    "expert_consensus": "Expert Consensus",
}
BARRIER_NAMES = {
    "regulatory_licensing": "Regulatory/Licensing",
    "physical_presence": "Physical Presence",
    "union_collective_bargaining": "Union/Collective Bargaining",
    "liability_accountability": "Liability/Accountability",
    "cultural_ethical": "Cultural/Ethical",
}
