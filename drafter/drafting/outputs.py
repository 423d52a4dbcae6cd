"""What the LLM must return at each step, with the rules it must meet (checked by pydantic, re-asked on failure).

Validators read the step's facts from the validation context (``info.context``): the O*NET IDs that exist,
those that must be covered, the rows already decided, whether evidence notes were given. There are no
fields for the composite, modifiers or zone: the model cannot supply them, so it cannot get them wrong.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from ..assessment import (
    COMMENTARY_HEADINGS,
    Barriers,
    CommentarySection,
    EvidenceSource,
    GrowthCorrelation,
    ProtectivePrinciples,
    TaskLabel,
)
from ..llm.context import validation_context


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _ctx(info: ValidationInfo) -> dict:
    """The step's facts: the ``context`` the pipeline passed with the call (``drafter.llm.context``)."""
    return info.context or validation_context.get() or {}


class ActivityRow(_Out):
    task: str = Field(min_length=3, description="Short, distinct name of the work activity.")
    onet_task_ids: list[int] = Field(description="O*NET task IDs this activity covers.")
    time_pct: int = Field(ge=1, le=100, description="Whole percent of working time.")


class Decomposition(_Out):
    """The role decomposed into work activities covering the O*NET tasks."""

    rows: list[ActivityRow]

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Decomposition:
        ctx = _ctx(info)
        problems = []
        total = sum(r.time_pct for r in self.rows)
        if total != 100:
            problems.append(f"time_pct values sum to {total}, expected exactly 100")
        names = [r.task.strip().casefold() for r in self.rows]
        if len(set(names)) != len(names):
            problems.append("row names must be distinct")
        ids = [i for r in self.rows for i in r.onet_task_ids]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"task IDs covered by more than one row: {dupes}")
        known = set(ctx.get("known_ids", ids))
        unknown = sorted(set(ids) - known)
        if unknown:
            problems.append(f"unknown task IDs (not in the list given): {unknown}")
        missing = sorted(set(ctx.get("required_ids", ())) - set(ids))
        if missing:
            problems.append(f"required task IDs not covered by any row: {missing}")
        if ctx.get("required_ids") and any(not r.onet_task_ids for r in self.rows):
            problems.append("every row must cover at least one task ID")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class RowScore(_Out):
    task: str = Field(description="The row name exactly as given.")
    score: int = Field(ge=1, le=5)
    label: TaskLabel
    rationale: str = Field(min_length=20, description="Concrete capabilities or tools, and what still needs a human.")


class RowScores(_Out):
    """A score, label and rationale for every work activity."""

    scores: list[RowScore]

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> RowScores:
        ctx = _ctx(info)
        problems = []
        expected = list(ctx.get("row_names", [s.task for s in self.scores]))
        got = [s.task for s in self.scores]
        missing = [n for n in expected if n not in got]
        extra = [n for n in got if n not in expected]
        if missing:
            problems.append(f"rows not scored: {missing}")
        if extra:
            problems.append(f"rows that do not exist: {extra}")
        if len(set(got)) != len(got):
            problems.append("a row is scored twice")
        allowed = ctx.get("labels_by_score", {})
        for s in self.scores:
            ok = allowed.get(s.score)
            if ok and s.label.value not in ok:
                problems.append(
                    f"{s.task!r}: label {s.label.value} is inconsistent with score {s.score} (use {' or '.join(ok)})"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class RoleText(_Out):
    seniority_level: str = Field(min_length=3)
    primary_function: str = Field(min_length=20)
    what_this_role_is_not: str = Field(min_length=10)
    typical_experience: str = Field(min_length=5)
    seniority_note: str = Field(min_length=10)


class DraftEvidenceItem(_Out):
    score: int = Field(ge=-2, le=2)
    evidence: str = Field(min_length=20)
    source: EvidenceSource = Field(description="'notes' if from the assessor's notes, else 'model'.")

    @field_validator("source")
    @classmethod
    def _no_assessor(cls, v: EvidenceSource, info: ValidationInfo) -> EvidenceSource:
        if v is EvidenceSource.ASSESSOR:
            raise ValueError("source must be 'notes' or 'model'; only a human assessor can mark 'assessor'")
        if v is EvidenceSource.NOTES and not _ctx(info).get("has_notes", True):
            raise ValueError("no evidence notes were supplied, so the source cannot be 'notes'")
        return v


class DraftEvidence(_Out):
    job_posting_trends: DraftEvidenceItem
    company_actions: DraftEvidenceItem
    wage_trends: DraftEvidenceItem
    ai_tool_maturity: DraftEvidenceItem
    expert_consensus: DraftEvidenceItem


class RoleSections(_Out):
    """Role definition, protective principles, growth correlation, reinstatement, evidence and barriers."""

    role: RoleText
    protective_principles: ProtectivePrinciples
    growth: GrowthCorrelation
    reinstatement_check: str = Field(min_length=20)
    evidence: DraftEvidence
    barriers: Barriers

    @model_validator(mode="after")
    def _all_scored(self) -> RoleSections:
        missing = [n for n, p in self.protective_principles if p.score is None]
        missing += [n for n, b in self.barriers if b.score is None]
        if self.growth.score is None:
            missing.append("growth")
        if missing:
            raise ValueError(f"every score is required in a draft; missing: {missing}")
        return self


class Commentary(_Out):
    """The assessor commentary, written from the computed figures."""

    sections: list[CommentarySection]

    @model_validator(mode="after")
    def _headings(self) -> Commentary:
        got = [s.heading.strip() for s in self.sections]
        if got != list(COMMENTARY_HEADINGS):
            raise ValueError(
                f"expected exactly these section headings in order: {list(COMMENTARY_HEADINGS)}; got {got}"
            )
        if any(len(s.body.strip()) < 40 for s in self.sections):
            raise ValueError("every section needs a substantive body (40+ characters)")
        return self
