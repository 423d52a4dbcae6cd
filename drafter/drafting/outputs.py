"""What the LLM must return at each step, with the rules it must meet (checked by pydantic, re-asked on failure).

Validators read the step's facts (drafting/facts.py: the O*NET IDs that exist, those that must be covered, the
rows already decided, the evidence notes, the calibration roles the prompt showed and the scores it may cite);
validated without them, a model raises ``MissingFacts`` rather than pass unchecked. There are no fields for the composite, modifiers or zone: the model cannot
supply them, so it cannot get them wrong. Each failed rule says what was expected, because that sentence is
what the re-ask sends back to the model.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from ..assessment import (
    COMMENTARY_HEADINGS,
    Barriers,
    CommentarySection,
    EvidenceSource,
    GrowthCorrelation,
    ProtectivePrinciples,
    ReinstatementSize,
    TaskLabel,
    Zone,
)
from ..calibration import normalised_title
from .calibrate import NOT_YET_SCORED, CalibrationRow
from .facts import CommentaryFacts, DecomposeFacts, RowFacts, SectionFacts, facts_for


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")
    # the step's facts as schema bounds (drafting/constraints.py: set on a subclass by ``constrained``)
    schema_constraints: ClassVar[dict[str, dict[str, Any]]] = {}

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """pydantic's schema with every bound a grammar can enforce (drafting/constraints.py): what the server sees."""
        from .constraints import tighten

        return tighten(super().model_json_schema(*args, **kwargs), cls.schema_constraints)


class ActivityRow(_Out):
    task: str = Field(min_length=3, description="Short, distinct name of the work activity.")
    onet_task_ids: list[int] = Field(description="O*NET task IDs this activity covers.")
    time_pct: int = Field(ge=1, le=100, description="Whole percent of working time.")


class ExcludedTask(_Out):
    onet_task_id: int
    reason: str = Field(min_length=15, description="Whose work it is instead (name the role), and why.")


class Decomposition(_Out):
    """Seniority first (every later step describes that level), then the work activities covering the O*NET tasks,
    and the tasks excluded as another role's work."""

    seniority_level: str = Field(
        min_length=3,
        description="The typical incumbent's level and years, e.g. 'Entry-Level (0-2 years)' or 'Senior (8+ years)'.",
    )
    seniority_note: str = Field(min_length=20, description="How entry-level and senior variants would differ.")
    rows: list[ActivityRow]
    excluded_tasks: list[ExcludedTask] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Decomposition:
        facts = facts_for(info, DecomposeFacts, "Decomposition")
        problems = []
        total = sum(r.time_pct for r in self.rows)
        if total != 100:
            problems.append(f"time_pct values sum to {total}, expected exactly 100")
        names = [r.task.strip().casefold() for r in self.rows]
        if len(set(names)) != len(names):
            problems.append("row names must be distinct")
        ids = [i for r in self.rows for i in r.onet_task_ids]
        excluded = [e.onet_task_id for e in self.excluded_tasks]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"task IDs covered by more than one row: {dupes}")
        both = sorted(set(ids) & set(excluded))
        if both:
            problems.append(f"task IDs both covered by a row and excluded: {both}")
        if len(set(excluded)) != len(excluded):
            problems.append("a task is excluded twice")
        known = set(facts.known_ids)
        unknown = sorted(set(ids + excluded) - known)
        if unknown:
            problems.append(f"unknown task IDs (not in the list given): {unknown}")
        missing = sorted(set(facts.required_ids) - set(ids) - set(excluded))
        if missing:
            problems.append(f"required task IDs neither covered by a row nor excluded with a reason: {missing}")
        if facts.required_ids and any(not r.onet_task_ids for r in self.rows):
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
        facts = facts_for(info, RowFacts, "RowScores")
        problems = []
        expected = list(facts.row_names)
        got = [s.task for s in self.scores]
        missing = [n for n in expected if n not in got]
        extra = [n for n in got if n not in expected]
        if missing:
            problems.append(f"rows not scored: {missing}")
        if extra:
            problems.append(f"rows that do not exist: {extra}")
        if len(set(got)) != len(got):
            problems.append("a row is scored twice")
        allowed = facts.labels_by_score
        for s in self.scores:
            ok = allowed.get(s.score)
            if ok and s.label.value not in ok:
                problems.append(
                    f"{s.task!r}: label {s.label.value} is inconsistent with score {s.score} (use {' or '.join(ok)})"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self


# --- figures a text may cite -------------------------------------------------------------------------------

# An AIJRI score as the house format prints one: 0-100 with one decimal. Not a version ("GPT-4.1"), money, a
# percentage, a multiplier ("2.5x") or a difference in points ("9.9 points below").
_SCORE = re.compile(r"(?<![\w.$£€-])(\d{1,3}\.\d)(?![\d%×x]|\s*(?:points?|pts|percentage)\b)")


def cited_scores(text: str) -> list[str]:
    return [m for m in _SCORE.findall(text) if float(m) <= 100]


def _uncited(
    text: str, calibration: tuple[CalibrationRow, ...], where: str, own_score: str | None = None
) -> str | None:
    """The problem with a text that cites an AIJRI score the calibration table does not list, nor (when given) the
    role's own score (or None)."""
    table = {c["score"]: c["title"] for c in calibration}
    allowed = set(table) | ({own_score} if own_score else set())
    bad = sorted({s for s in cited_scores(text) if s not in allowed})
    if not bad:
        return None
    listed = ", ".join(f"{score} ({title})" for score, title in table.items()) or "none"
    mine = f"; this role's own score is {own_score}" if own_score else ""
    return (
        f"{where} cites AIJRI score(s) {', '.join(bad)} that the calibration table does not list; cite only the "
        f"table's scores: {listed}{mine}"
    )


def _whitespace(text: str) -> str:
    return " ".join(text.split())


_YEAR = re.compile(r"\b(19|20)\d{2}\b")
# a number as a text writes it: "51,140", "51 140", "0.014", "2024" (grouped thousands joined before comparing)
_NUMBER = re.compile(r"\d{1,3}(?:[,\u00a0 ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def numbers(text: str, *, ungrouped: bool = False) -> set[str]:
    """The numbers in a text, normalised: "$51,140" and "51140" are one number, "56%" and "56.0" too.
    ``ungrouped`` adds each space-separated run of digits on its own as well ("3 100-bed" holds 3100, and 3 and
    100; "51,140" only 51140)."""
    found = {Decimal(re.sub(r"[,\u00a0 ]", "", n)) for n in _NUMBER.findall(text)}
    if ungrouped:
        found |= {Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", re.sub(r"(?<=\d),(?=\d{3})", "", text))}
    return {f"{d.normalize():f}" for d in found}


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_WORD = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?(?![a-z])", re.I)
# a year, and what may follow it: "-34" (a range's end, 2024-34) or "-05" (a month, 2025-05)
_YEAR_AND = re.compile(r"\b((?:19|20)\d{2})(?:\s*[-/\u2010-\u2015]\s*(\d{2,4})\b)?")


def dates(text: str) -> tuple[set[int], set[int]]:
    """The years and months a text names, however it writes them: "May 2025", "2025-05", "Sept. 2025", "2024-2034"
    and "2024–34" (both ends), "between 2019 and 2023". Months by number, 1-12."""
    years: set[int] = set()
    months = {_MONTHS.index(m.group(1).lower()[:3]) + 1 for m in _MONTH_WORD.finditer(text)}
    for m in _YEAR_AND.finditer(text):
        year = int(m.group(1))
        years.add(year)
        if (after := m.group(2)) is None:
            continue
        end = int(after) if len(after) == 4 else year // 100 * 100 + int(after)
        if len(after) == 2 and end < year and 1 <= int(after) <= 12:  # 2025-05: May, not a range back to 2005
            months.add(int(after))
        elif end >= year:
            years.add(end)
    return years, months


def _context(quote: str, notes: str) -> str:
    """Where the notes date the quoted figure: the paragraph holding ``quote`` (in a list, its item), with the
    heading above it ("## Wages (BLS, May 2025)"); the whole notes if the quote spans paragraphs. Not a date of
    some other figure elsewhere in the notes."""
    wanted, heading = _whitespace(quote), ""
    for block in re.split(r"\n\s*\n", notes):
        heading = next((ln for ln in reversed(block.splitlines()) if ln.lstrip().startswith("#")), heading)
        if wanted in _whitespace(block):
            item = next((it for it in re.split(r"(?m)^\s*[-*] ", block) if wanted in _whitespace(it)), block)
            return heading + "\n" + item
    return notes


# --- step 3 ------------------------------------------------------------------------------------------------


class RoleText(_Out):
    primary_function: str = Field(min_length=20)
    what_this_role_is_not: str = Field(min_length=10)
    typical_experience: str = Field(min_length=5)


class DraftClaim(_Out):
    claim: str = Field(min_length=10, description="One claim, in a sentence.")
    figure: str | None = Field(
        default=None,
        description="The figure it rests on, if any, with its unit (a percent, an amount, a count); for 'notes', "
        "its numbers as the quote writes them.",
    )
    as_of: str | None = Field(
        default=None,
        description="When it was true, with the year: 'May 2024', '2024-2034'; for 'notes', the date the notes give.",
    )
    source: EvidenceSource = Field(description="'notes' (quote the notes) or 'model' (your recall; verified later).")
    citation: str | None = Field(default=None, description="Where it was published: body, report, year.")
    quote: str | None = Field(default=None, description="For source 'notes': the exact span of the notes.")

    @model_validator(mode="after")
    def _sourced(self, info: ValidationInfo) -> DraftClaim:
        facts = facts_for(info, SectionFacts, "DraftClaim")
        problems = []
        if self.source is EvidenceSource.ASSESSOR:
            problems.append("source must be 'notes' or 'model'; only a human assessor can mark 'assessor'")
        if self.source is EvidenceSource.NOTES:
            notes = facts.notes
            if not notes:
                problems.append("no evidence notes were supplied, so the source cannot be 'notes'")
            elif not self.quote or len(self.quote.strip()) < 8:
                problems.append(f"item {self.claim[:50]!r} is marked 'notes' but quotes no span of the notes")
            elif _whitespace(self.quote) not in _whitespace(notes):
                problems.append(
                    f"item {self.claim[:50]!r} quotes {self.quote[:80]!r}, which does not appear verbatim in the "
                    "evidence notes; copy the exact words of the notes, or mark the item 'model'"
                )
            else:
                problems += self._held_by_quote(notes)
        if self.figure and not self.as_of:
            problems.append(f"item {self.claim[:50]!r} gives a figure without as_of (when it was true)")
        if self.as_of and not _YEAR.search(self.as_of):
            problems.append(f"as_of {self.as_of!r} must contain a year, e.g. 'May 2024'")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _held_by_quote(self, notes: str) -> list[str]:
        """A 'notes' item carries no number or date its quote does not hold: every number of ``figure`` is a number
        of ``quote`` (commas and spaces in grouped thousands ignored), and ``as_of`` is written in the quote or
        the notes (so a figure of the notes is not given another date)."""
        problems = []
        quote = self.quote or ""
        if self.figure and (missing := sorted(numbers(self.figure) - numbers(quote, ungrouped=True), key=float)):
            problems.append(
                f"figure {self.figure!r} of item {self.claim[:50]!r} has {', '.join(map(str, missing))}, "
                f"which its quote {quote[:80]!r} does not hold; a 'notes' item's figure must be a number in its "
                "quote: copy it from the quote, or quote the span of the notes that holds it"
            )
        if self.as_of:
            (years, months), (held_years, held_months) = dates(self.as_of), dates(quote + "\n" + _context(quote, notes))
            if not years <= held_years or not months <= held_months:
                problems.append(
                    f"as_of {self.as_of!r} of item {self.claim[:50]!r} names a date that neither its quote nor the "
                    "notes' paragraph it comes from gives; a 'notes' item's as_of must be the date the notes give "
                    "that figure (e.g. 'May 2025' where they say so)"
                )
        return problems


class DraftEvidenceItem(_Out):
    score: int = Field(ge=-2, le=2)
    evidence: str = Field(min_length=20, description="The dimension's summary: why this level.")
    items: list[DraftClaim] = Field(min_length=1, max_length=4)


class DraftEvidence(_Out):
    job_posting_trends: DraftEvidenceItem
    company_actions: DraftEvidenceItem
    wage_trends: DraftEvidenceItem
    ai_tool_maturity: DraftEvidenceItem
    expert_consensus: DraftEvidenceItem


class DraftReinstatement(_Out):
    size: ReinstatementSize
    offsets_displacement: bool = Field(description="Does the new work offset the work AI displaces?")
    text: str = Field(min_length=40, description="The new tasks AI creates for the role, and how much work they are.")


class RoleSections(_Out):
    """Role definition, protective principles, growth correlation and its check, reinstatement, evidence, barriers."""

    role: RoleText
    protective_principles: ProtectivePrinciples
    growth: GrowthCorrelation
    reinstatement: DraftReinstatement
    evidence: DraftEvidence
    barriers: Barriers

    @model_validator(mode="after")
    def _complete(self, info: ValidationInfo) -> RoleSections:
        problems = []
        missing = [n for n, p in self.protective_principles if p.score is None]
        missing += [n for n, b in self.barriers if b.score is None]
        if self.growth.score is None:
            missing.append("growth")
        if missing:
            problems.append(f"every score is required in a draft; missing: {missing}")
        if not self.growth.check or len(self.growth.check) < 80:
            problems.append("growth.check is required: a paragraph confirming the score and contrasting another role")
        facts = facts_for(info, SectionFacts, "RoleSections")
        if bad := _uncited(self.role.what_this_role_is_not, facts.calibration, "what_this_role_is_not"):
            problems.append(bad)
        problems += share_problems(self, facts)
        if problems:
            raise ValueError("; ".join(problems))
        return self


# A share of task time as a text cites one: "85% of this role's task time", "40% of working time" (not "90% of the
# time", which is a frequency, nor "a 7% rise").
_SHARE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s?%\s+of\s+(?:[\w'’-]+\s+){0,3}?(?:task|working)\s+time\b", re.I)


def share_problems(sections: RoleSections, facts: SectionFacts) -> list[str]:
    """The growth check and the reinstatement check are written with the scored rows in view: the growth check
    cites the rows' displacement share, and any share of task time either text cites is one of the rows' figures
    (not the seed's 85%, nor a figure the model recalls). No shares in the facts (rows not yet scored): unchecked."""
    shares = facts.shares
    if shares is None:
        return []
    figures = (f"{shares.displacement}% DISPLACEMENT, {shares.augmentation}% AUGMENTATION, "
               f"{shares.not_involved}% NOT INVOLVED, {shares.high}% scoring 3+")  # fmt: skip
    problems = []
    check = sections.growth.check or ""
    if not any(float(m) == shares.displacement for m in _SHARE.findall(check)):
        problems.append(
            f"growth.check must cite the scored rows' displacement share as "
            f'"{shares.displacement}% of task time" (the rows: {figures})'
        )
    for where, text in (("growth.check", check), ("reinstatement.text", sections.reinstatement.text)):
        if bad := sorted({m for m in _SHARE.findall(text) if float(m) not in shares.cited()}):
            problems.append(f"{where} cites {', '.join(b + '%' for b in bad)} of task time; the rows give: {figures}")
    return problems


# --- step 4 ------------------------------------------------------------------------------------------------


class DraftCareerMove(_Out):
    title: str = Field(min_length=3, description="As the WHERE TO LOOK NEXT candidates list it.")
    onet_code: str | None = Field(default=None, description="As the candidates list it.")
    score: float = Field(ge=0, le=100, description="Its AIJRI score, as the candidates list it.")
    why: str = Field(min_length=20, description="Which skills transfer, and what the move takes.")


def _bare(title: str) -> str:
    """A title without the "(not yet scored)" mark, normalised: the model may drop or keep the mark."""
    return normalised_title(title.replace(NOT_YET_SCORED.strip(), ""))


def calibration_match(move: DraftCareerMove, candidates: tuple[CalibrationRow, ...]) -> CalibrationRow | None:
    """The candidate role a suggested move names: by O*NET code if it gives one, else by title."""
    code = (move.onet_code or "").removesuffix(".00")
    for c in candidates:
        if code and c["code"] and c["code"].removesuffix(".00") == code:
            return c
    return next((c for c in candidates if _bare(c["title"]) == _bare(move.title)), None)


def move_problems(moves: list[DraftCareerMove], facts: CommentaryFacts) -> list[str]:
    """Every "where to look next" role must be one of the candidates the prompt listed (the calibration table's
    Green roles above the similarity floor, and the Green catalog occupations marked "(not yet scored)"), with
    the score listed for it: a role that is not a candidate, or does not exist, is refused by name."""
    candidates = facts.candidates
    listed = ", ".join(f"{c['title']} ({c['code'] or 'no code'}, {c['score']})" for c in candidates) or "none"
    citable = facts.calibration + candidates
    problems = []
    for n, move in enumerate(moves):
        c = calibration_match(move, candidates)
        if c is None:
            problems.append(
                f"where_to_look_next[{n}] {move.title!r} is not one of the listed candidates; suggest only: {listed}"
            )
        elif c["zone"] != Zone.GREEN.value:
            problems.append(f"where_to_look_next[{n}] {move.title!r} is {c['zone']}, not Green; candidates: {listed}")
        elif f"{move.score:.1f}" != c["score"]:
            problems.append(
                f"where_to_look_next[{n}] {move.title!r} gives AIJRI {move.score:.1f}; the candidates list {c['score']}"
            )
        if bad := _uncited(move.why, citable, f"where_to_look_next[{n}].why", facts.own_score):
            problems.append(bad)
    return problems


class Commentary(_Out):
    """The calibration note, where to look next, and the assessor commentary, written from the computed figures."""

    calibration_note: str = Field(min_length=40, description="Where the score sits among the calibration roles.")
    where_to_look_next: list[DraftCareerMove] = Field(default_factory=list, max_length=3)
    sections: list[CommentarySection]

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> Commentary:
        facts = facts_for(info, CommentaryFacts, "Commentary")
        problems = []
        got = [s.heading.strip() for s in self.sections]
        if got != list(COMMENTARY_HEADINGS):
            problems.append(f"expected exactly these section headings in order: {list(COMMENTARY_HEADINGS)}; got {got}")
        if any(len(s.body.strip()) < 40 for s in self.sections):
            problems.append("every section needs a substantive body (40+ characters)")
        if bad := _uncited(self.calibration_note, facts.calibration, "calibration_note", facts.own_score):
            problems.append(bad)
        problems += move_problems(self.where_to_look_next, facts)
        if problems:
            raise ValueError("; ".join(problems))
        return self
