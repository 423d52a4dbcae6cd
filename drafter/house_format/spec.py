"""The house format, declared once: each section, its tables and lines, and what each cell or line holds.

``render`` and ``parse`` both walk ``SECTIONS``, so the format is written out in one place and a new section
(or row, or line) is added here and nowhere else. A cell or line is one of three things:

- a ``Field``: something the assessor chose, at a path in the assessment (read and written through a codec);
- a ``Derived`` figure: printed from the scorer (``render.derived``), and on import only *compared*, never read;
- fixed text (a ``str``): part of the layout, such as the empty third cell of the Protective Total row.

Codecs turn a field's JSON value into the text of a cell and back, and raise ``ValueError`` with what was
expected when the text cannot be read; the parser adds the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..assessment import BARRIER_NAMES, COMMENTARY_HEADINGS, EVIDENCE_NAMES, PRINCIPLE_NAMES
from .codecs import (
    AIJRI,
    AWAITABLE_TEXT,
    CLAIM_SOURCE_CODEC,
    DIMENSION,
    EVIDENCE,
    LABEL,
    OPTIONAL_TEXT,
    OVERRIDE,
    PERCENT,
    REINSTATEMENT,
    SCORE,
    TASK,
    TASK_ID,
    TEXT,
    TITLE,
    ZONE,
    Codec,
)

METADATA_TAG = "drafter:metadata"
REFRAMED_QUESTION = "Reframed question: What prevents AI execution even when programmatically possible?"


# --- the parts of a section


@dataclass(frozen=True)
class Field:
    """An assessor's choice at ``path`` (relative to the row's object), shown and read through ``codec``."""

    path: tuple = ()
    codec: Codec = TEXT


@dataclass(frozen=True)
class Derived:
    """A figure the scorer prints; ``key`` names it in ``render.derived`` (``{i}``: the row's index)."""

    key: str


Cell = Field | Derived | str


@dataclass(frozen=True)
class Row:
    """A row with a fixed label in its first cell. Rows holding a field must be present; others are claims."""

    label: str  # may name the methodology as {m}, e.g. {m.high_score_threshold}
    cells: tuple[Cell, ...]
    base: tuple = ()  # where in the assessment the row's fields are

    @property
    def holds_fields(self) -> bool:
        return any(isinstance(c, Field) for c in self.cells)


@dataclass(frozen=True)
class EachRow:
    """One row per item of the list at ``path`` (the task rows); its first cell is a field, not a label.

    ``keyed``: the value at ``path`` is a mapping, and each row is one entry, its cells reading ``("key",)``
    and ``("value",)``."""

    path: tuple
    cells: tuple[Cell, ...]
    noun: str
    keyed: bool = False


@dataclass(frozen=True)
class Table:
    what: str  # the table's name in error messages
    header: tuple[str, ...]
    rows: tuple[Row | EachRow, ...]
    optional: bool = False  # written only when its list has items; a document without it reads as an empty list


@dataclass(frozen=True)
class Line:
    """A line starting with ``prefix``: a field (omitted when empty), a derived figure (the whole line), or
    fixed text (``text``)."""

    prefix: str
    value: Field | Derived | None = None
    text: str = ""
    required: bool = False


@dataclass(frozen=True)
class Paragraph:
    """Free text up to the next section heading."""

    value: Field


@dataclass(frozen=True)
class Commentary:
    """Titled sections of free text up to the next section's heading or drafter's metadata comment."""

    path: tuple
    known_headings: tuple[str, ...]


@dataclass(frozen=True)
class Generated:
    """Text drafter writes from the assessment and its figures (``render.GENERATED[key]``), such as the review
    notes; like a derived figure it is never read back: the importer skips it."""

    key: str


Part = Table | Line | Paragraph | Commentary | Generated


@dataclass(frozen=True)
class Section:
    heading: str
    parts: tuple[Part, ...] = field(default_factory=tuple)
    optional: bool = False  # a document may leave it out (drafter's own generated sections)


def _scored_rows(group: str, names: dict[str, str], text: Field) -> tuple[Row, ...]:
    """The rows of a table of named, scored items (principles, evidence, barriers), in the house order."""
    return tuple(Row(display, (Field(("score",), SCORE), text), base=(group, key)) for key, display in names.items())


SECTIONS: tuple[Section, ...] = (
    Section(
        "Role Definition",
        (
            Table(
                "Role Definition",
                ("Field", "Value"),
                (
                    Row("Job Title", (Field((), TITLE),), base=("role",)),
                    Row("Seniority Level", (Field(("seniority_level",)),), base=("role",)),
                    Row("Primary Function", (Field(("primary_function",)),), base=("role",)),
                    Row("What This Role Is NOT", (Field(("what_this_role_is_not",)),), base=("role",)),
                    Row("Typical Experience", (Field(("typical_experience",)),), base=("role",)),
                ),
            ),
            Line("Seniority note:", Field(("role", "seniority_note"))),
        ),
    ),
    Section(
        "Protective Principles + AI Growth Correlation",
        (
            Table(
                "Protective Principles",
                ("Principle", "Score (0-3)", "Rationale"),
                (
                    *_scored_rows("protective_principles", PRINCIPLE_NAMES, Field(("rationale",))),
                    Row("Protective Total", (Derived("protective_total"), "")),
                    Row("AI Growth Correlation", (Field(("score",), SCORE), Field(("rationale",))), base=("growth",)),
                ),
            ),
            Line("Quick screen result:", Derived("quick_screen")),
        ),
    ),
    Section(
        "Task Decomposition (Agentic AI Scoring)",
        (
            Table(
                "Task Decomposition",
                ("Task", "Time %", "Score (1-5)", "Weighted", "Aug/Disp", "Rationale"),
                (
                    EachRow(
                        ("tasks",),
                        (
                            Field((), TASK),
                            Field(("time_pct",), PERCENT),
                            Field(("score",), SCORE),
                            Derived("weighted[{i}]"),
                            Field(("label",), LABEL),
                            Field(("rationale",)),
                        ),
                        noun="task",
                    ),
                    Row("Total", (Derived("time_total"), Derived("weighted_total"))),
                ),
            ),
            Line("Task Resistance Score:", Derived("task_resistance_line"), required=True),
            Line("Displacement/Augmentation split:", Derived("split_line")),
            Line("Reinstatement check (Acemoglu):", Field(("reinstatement_check",))),
            Line("Reinstatement size:", Field(("reinstatement",), REINSTATEMENT)),
            Table(
                "Excluded O*NET tasks",
                ("Excluded O*NET task", "Why no row covers it"),
                (EachRow(("unmapped_onet_tasks",), (Field(("key",), TASK_ID), Field(("value",))), "task", keyed=True),),
                optional=True,
            ),
        ),
    ),
    Section(
        "Evidence Score",
        (
            Table(
                "Evidence",
                ("Dimension", "Score (-2 to 2)", "Evidence"),
                (
                    *_scored_rows("evidence", EVIDENCE_NAMES, Field((), EVIDENCE)),
                    Row("Total", (Derived("evidence_total"),)),
                ),
            ),
            Table(
                "Evidence items",
                ("Evidence item", "Dimension", "Figure", "As of", "Source", "Citation", "Quote from the notes"),
                (
                    EachRow(
                        ("evidence_claims",),
                        (
                            Field(("claim",)),
                            Field(("dimension",), DIMENSION),
                            Field(("figure",), OPTIONAL_TEXT),
                            Field(("as_of",), OPTIONAL_TEXT),
                            Field(("source",), CLAIM_SOURCE_CODEC),
                            Field(("citation",), OPTIONAL_TEXT),
                            Field(("quote",), OPTIONAL_TEXT),
                        ),
                        "evidence item",
                    ),
                ),
                optional=True,
            ),
        ),
    ),
    Section(
        "Barrier Assessment",
        (
            Line("Reframed question:", text=REFRAMED_QUESTION),
            Table(
                "Barrier",
                ("Barrier", "Score (0-2)", "Rationale"),
                (
                    *_scored_rows("barriers", BARRIER_NAMES, Field(("rationale",))),
                    Row("Total", (Derived("barrier_total"),)),
                ),
            ),
        ),
    ),
    Section("AI Growth Correlation Check", (Paragraph(Field(("growth", "check"), AWAITABLE_TEXT)),)),
    Section(
        "JobZone Composite Score (AIJRI)",
        (
            Table(
                "JobZone Composite",
                ("Input", "Value"),
                (
                    Row("Task Resistance Score", (Derived("tr_input"),)),
                    Row("Evidence Modifier", (Derived("evidence_modifier"),)),
                    Row("Barrier Modifier", (Derived("barrier_modifier"),)),
                    Row("Growth Modifier", (Derived("growth_modifier"),)),
                ),
            ),
            Line("Raw:", Derived("raw_line"), required=True),
            Line("JobZone Score:", Derived("score_line"), required=True),
            Line("Zone:", Derived("zone_line"), required=True),
        ),
    ),
    Section(
        "Sub-Label Determination",
        (
            Table(
                "Sub-Label Determination",
                ("Metric", "Value"),
                (
                    Row("% of task time scoring {m.high_score_threshold}+", (Derived("pct_high"),)),
                    Row("AI Growth Correlation", (Derived("growth_metric"),)),
                    Row("Task Resistance", (Derived("crit_task_resistance"),)),
                    Row("Evidence Score", (Derived("crit_evidence"),)),
                    Row("Barriers", (Derived("crit_barriers"),)),
                    Row("Sub-label", (Derived("sub_label"),)),
                ),
            ),
            Line("Assessor override:", Field(("assessor_override",), OVERRIDE)),
            Table(
                "Where to look next",
                ("Where to look next", "O*NET code", "AIJRI", "Zone", "Why skills transfer"),
                (
                    EachRow(
                        ("where_to_look_next",),
                        (
                            Field(("title",)),
                            Field(("onet_code",), OPTIONAL_TEXT),
                            Field(("score",), AIJRI),
                            Field(("zone",), ZONE),
                            Field(("why",)),
                        ),
                        "role",
                    ),
                ),
                optional=True,
            ),
        ),
    ),
    Section("Assessor Commentary", (Commentary(("commentary",), COMMENTARY_HEADINGS),)),
    # spread, zone-flip sensitivity and what to check first (drafter/review/markdown.py; docs/review.md)
    Section("Review Notes (drafter)", (Generated("review_notes"),), optional=True),
)

HEADINGS = tuple(s.heading for s in SECTIONS)


# --- escaping inside a table cell or a one-line field


def escape(text: str, *, in_table: bool = True) -> str:
    """A cell's text as written: ``|`` as ``\\|`` (GitHub's own escape) and line breaks as ``<br>``."""
    text = text.replace("\r\n", "\n").replace("\n", "<br>")
    return text.replace("|", "\\|") if in_table else text


def unescape(text: str, *, in_table: bool = True) -> str:
    text = text.replace("\\|", "|") if in_table else text
    return text.replace("<br>", "\n")


# --- reaching into the assessment's JSON by path


def get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: dict, path: tuple, value: Any) -> None:
    """Set ``value`` at ``path``, creating dicts and lists on the way; a dict value is merged."""
    target: Any = data
    for part, nxt in zip(path, path[1:], strict=False):
        empty: Any = [] if isinstance(nxt, int) else {}
        if isinstance(part, int):
            while len(target) <= part:
                target.append(None)
            if target[part] is None:
                target[part] = empty
        else:
            target.setdefault(part, empty)
        target = target[part]
    if not path:
        data.update(value)
        return
    last = path[-1]
    if isinstance(last, int):
        while len(target) <= last:
            target.append(None)
    if isinstance(value, dict) and isinstance(_slot(target, last), dict):
        target[last].update(value)
    else:
        target[last] = value


def _slot(target: Any, key: Any) -> Any:
    if isinstance(key, int):
        return target[key] if key < len(target) else None
    return target.get(key)
