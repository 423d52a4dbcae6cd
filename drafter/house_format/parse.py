"""House-format document -> assessment, plus a report that recomputes every figure the author wrote.

Accepts the seed's plain layout (section titles as bare lines, no blank lines) and drafter's Markdown
(``##`` headings, blank lines, a metadata comment). Structural problems raise ``HouseFormatError`` with the
line number and what was expected; figures that disagree with the scorer are *reported*, not fatal, since
the author's choices (scores, shares) are the input and the printed arithmetic is only a claim about them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..assessment import (
    BARRIER_NAMES,
    EVIDENCE_NAMES,
    PRINCIPLE_NAMES,
    Assessment,
    Zone,
)
from ..errors import DrafterError, format_validation_error
from ..methodology import Methodology, load_methodology
from ..review.markdown import REVIEW_HEADING
from ..scoring import ScoreCard, score
from .render import (
    AWAITING,
    COMMENTARY_HEADINGS,
    HEADINGS,
    METADATA_TAG,
    REFRAMED_QUESTION,
    SOURCE_NOTE,
    derived,
)


class HouseFormatError(DrafterError):
    pass


@dataclass
class Check:
    figure: str
    line: int
    written: str
    computed: str

    @property
    def agrees(self) -> bool:
        return self.written == self.computed


@dataclass
class ConsistencyReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def disagreements(self) -> list[Check]:
        return [c for c in self.checks if not c.agrees]

    @property
    def ok(self) -> bool:
        return not self.disagreements


@dataclass
class Imported:
    assessment: Assessment
    scorecard: ScoreCard
    report: ConsistencyReport


@dataclass
class _Line:
    no: int
    text: str


_PIPE = re.compile(r"(?<!\\)\|")
_HEADING_MARK = re.compile(r"^#{1,6}\s+")


def _cells(line: _Line) -> list[str]:
    body = line.text.strip()
    if not (body.startswith("|") and body.endswith("|")):
        raise HouseFormatError(f"line {line.no}: expected a table row starting and ending with '|', got {body[:60]!r}")
    return [c.strip().replace("\\|", "|") for c in _PIPE.split(body[1:-1])]


class _Reader:
    def __init__(self, text: str, source: str):
        self.source = source
        self.lines = [_Line(i, raw.rstrip()) for i, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
        self.pos = 0
        self.written: dict[str, tuple[int, str]] = {}

    def error(self, msg: str, line: _Line | None = None) -> HouseFormatError:
        where = line or (self.lines[self.pos] if self.pos < len(self.lines) else None)
        at = f"line {where.no}" if where else "end of document"
        return HouseFormatError(f"{self.source}:{at}: {msg}" if self.source else f"{at}: {msg}")

    def peek(self) -> _Line | None:
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    def take(self) -> _Line:
        line = self.peek()
        if line is None:
            raise self.error("unexpected end of document")
        self.pos += 1
        return line

    def heading(self, expected: str) -> None:
        line = self.peek()
        text = _HEADING_MARK.sub("", line.text).strip() if line else None
        if text != expected:
            got = repr(line.text[:60]) if line else "end of document"
            raise self.error(f"expected section heading {expected!r}, got {got}")
        self.pos += 1

    def prefixed(self, prefix: str) -> tuple[int, str]:
        """The next line, which must start with ``prefix``: its number and the rest of the line."""
        found = self.maybe_prefixed(prefix)
        if found is None:
            line = self.peek()
            got = repr(line.text[:60]) if line else "end of document"
            raise self.error(f"expected a line starting {prefix!r}, got {got}")
        return found

    def maybe_prefixed(self, prefix: str) -> tuple[int, str] | None:
        line = self.peek()
        if line is None or not line.text.startswith(prefix):
            return None
        self.pos += 1
        return line.no, line.text[len(prefix) :].strip()

    def table(self, header: list[str], what: str) -> list[tuple[_Line, list[str]]]:
        line = self.take()
        got = _cells(line)
        if [h.casefold() for h in got] != [h.casefold() for h in header]:
            raise self.error(f"expected the {what} table header | {' | '.join(header)} |, got {line.text[:80]!r}", line)
        sep = self.take()
        if not re.fullmatch(r"\|(\s*:?-{3,}:?\s*\|)+", sep.text.replace(" ", "")):
            raise self.error("expected a table separator like |---|---|", sep)
        rows = []
        while (nxt := self.peek()) is not None and nxt.text.lstrip().startswith("|"):
            rows.append((nxt, _cells(self.take())))
        return rows

    def note(self, key: str, line_no: int, written: str) -> None:
        self.written[key] = (line_no, written)


def _score(value: str, line: _Line, what: str, reader: _Reader) -> int | None:
    if value.upper() == AWAITING:
        return None
    if not re.fullmatch(r"[+-]?\d+", value):
        raise reader.error(f"{what}: expected an integer score or {AWAITING!r}, got {value!r}", line)
    return int(value)


def _named_rows(reader, rows, names: dict[str, str], what: str, width: int) -> tuple[dict, list]:
    """Rows keyed by the house format's display names, in any order; returns them and the leftover rows."""
    by_display = {v.casefold(): k for k, v in names.items()}
    found: dict[str, tuple[_Line, list[str]]] = {}
    rest = []
    for line, cells in rows:
        key = by_display.get(cells[0].casefold())
        if key is None:
            rest.append((line, cells))
            continue
        if len(cells) < width:
            raise reader.error(f"{what} row {cells[0]!r}: expected {width} cells, got {len(cells)}", line)
        found[key] = (line, cells)
    missing = [names[k] for k in names if k not in found]
    if missing:
        raise reader.error(f"{what} table: missing row(s) {', '.join(missing)}")
    return found, rest


def _scored_rows(rd, what: str, header: list[str], names: dict[str, str], field: str, text_field: str, line_of: dict):
    """A table of named, scored rows (principles, evidence, barriers): the rows as data and the rows left over."""
    found, rest = _named_rows(rd, rd.table(header, what), names, what, 3)
    out = {}
    for k, (line, cells) in found.items():
        out[k] = {"score": _score(cells[1], line, names[k], rd), text_field: cells[2]}
        line_of[(field, k)] = line.no
    return out, rest


def _total_row(reader, rest, label: str, what: str) -> tuple[int, str]:
    for line, cells in rest:
        if cells[0].casefold() == label.casefold():
            return line.no, cells[1] if len(cells) > 1 else ""
    raise reader.error(f"{what} table: expected a {label!r} row")


def parse_house_format(text: str, source: str = "", m: Methodology | None = None) -> Imported:
    m = m or load_methodology()
    rd = _Reader(text, source)
    line_of: dict[tuple, int] = {}

    # --- Role Definition
    rd.heading(HEADINGS[0])
    fields = {
        "job title": "job_title",
        "seniority level": "seniority_level",
        "primary function": "primary_function",
        "what this role is not": "what_this_role_is_not",
        "typical experience": "typical_experience",
    }
    role: dict = {}
    for line, cells in rd.table(["Field", "Value"], "Role Definition"):
        key = fields.get(cells[0].casefold())
        if key is None:
            raise rd.error(f"unknown Role Definition field {cells[0]!r}; expected one of {', '.join(fields)}", line)
        role[key] = cells[1] if len(cells) > 1 else ""
        line_of[("role", key)] = line.no
    if mt := re.fullmatch(r"(.*?)\s*\((?:BLS\s+)?SOC\s+(\d{2}-\d{4}(?:\.\d{2})?)\)", role.get("job_title", "")):
        role["job_title"], role["soc_code"] = mt.group(1), mt.group(2)
    if seniority := rd.maybe_prefixed("Seniority note:"):
        role["seniority_note"] = seniority[1]

    # --- Protective principles + growth
    rd.heading(HEADINGS[1])
    header = ["Principle", "Score (0-3)", "Rationale"]
    principles, rest = _scored_rows(
        rd, "Protective Principles", header, PRINCIPLE_NAMES, "protective_principles", "rationale", line_of
    )
    rd.note("protective_total", *_total_row(rd, rest, "Protective Total", "Protective Principles"))
    growth_rows = [(ln, c) for ln, c in rest if c[0].casefold() == "ai growth correlation"]
    if not growth_rows:
        raise rd.error("Protective Principles table: expected an 'AI Growth Correlation' row")
    gl, gc = growth_rows[0]
    growth = {"score": _score(gc[1], gl, "AI Growth Correlation", rd), "rationale": gc[2] if len(gc) > 2 else ""}
    line_of[("growth",)] = gl.no
    if (qs := rd.peek()) and qs.text.startswith("Quick screen result:"):
        rd.note("quick_screen", qs.no, rd.take().text)

    # --- Tasks
    rd.heading(HEADINGS[2])
    rows = rd.table(["Task", "Time %", "Score (1-5)", "Weighted", "Aug/Disp", "Rationale"], "Task Decomposition")
    tasks: list[dict] = []
    for line, cells in rows:
        if cells[0].casefold() == "total":
            rd.note("time_total", line.no, cells[1] if len(cells) > 1 else "")
            rd.note("weighted_total", line.no, cells[2] if len(cells) > 2 else "")
            continue
        if len(cells) != 6:
            raise rd.error(
                f"task row: expected 6 cells (Task | Time % | Score | Weighted | Aug/Disp | Rationale), got {len(cells)}",
                line,
            )
        if not (mt := re.fullmatch(r"(\d+)\s*%?", cells[1])):
            raise rd.error(f"task {cells[0]!r}: expected a whole percent like 30%, got {cells[1]!r}", line)
        i = len(tasks)
        line_of[("tasks", i)] = line.no
        rd.note(f"weighted[{i}]", line.no, cells[3])
        tasks.append(
            {
                "task": cells[0],
                "time_pct": int(mt.group(1)),
                "score": _score(cells[2], line, f"task {cells[0]!r} score", rd),
                "label": cells[4].upper(),
                "rationale": cells[5],
            }
        )
    tr_no, tr_text = rd.prefixed("Task Resistance Score:")
    rd.note("task_resistance_line", tr_no, "Task Resistance Score: " + tr_text)
    if (split := rd.maybe_prefixed("Displacement/Augmentation split:")) is not None:
        rd.note("split_line", split[0], "Displacement/Augmentation split: " + split[1])
    reinstatement = rd.maybe_prefixed("Reinstatement check (Acemoglu):")

    # --- Evidence
    rd.heading(HEADINGS[3])
    header = ["Dimension", "Score (-2 to 2)", "Evidence"]
    evidence, rest = _scored_rows(rd, "Evidence", header, EVIDENCE_NAMES, "evidence", "evidence", line_of)
    rd.note("evidence_total", *_total_row(rd, rest, "Total", "Evidence"))

    # --- Barriers
    rd.heading(HEADINGS[4])
    rd.maybe_prefixed(REFRAMED_QUESTION.split(":")[0] + ":")
    header = ["Barrier", "Score (0-2)", "Rationale"]
    barriers, rest = _scored_rows(rd, "Barrier", header, BARRIER_NAMES, "barriers", "rationale", line_of)
    rd.note("barrier_total", *_total_row(rd, rest, "Total", "Barrier"))

    # --- Growth check paragraph(s)
    rd.heading(HEADINGS[5])
    check_lines = []
    while (nxt := rd.peek()) and _HEADING_MARK.sub("", nxt.text).strip() != HEADINGS[6]:
        check_lines.append(rd.take().text)
    check = "\n".join(check_lines)
    growth["check"] = None if check in ("", AWAITING) else check

    # --- Composite
    rd.heading(HEADINGS[6])
    comp = {
        "task resistance score": "tr_input",
        "evidence modifier": "evidence_modifier",
        "barrier modifier": "barrier_modifier",
        "growth modifier": "growth_modifier",
    }
    for line, cells in rd.table(["Input", "Value"], "JobZone Composite"):
        if (key := comp.get(cells[0].casefold())) is not None:
            rd.note(key, line.no, cells[1] if len(cells) > 1 else "")
    for key, prefix in (("raw_line", "Raw:"), ("score_line", "JobZone Score:"), ("zone_line", "Zone:")):
        ln = rd.prefixed(prefix)
        rd.note(key, ln[0], f"{prefix} {ln[1]}")

    # --- Sub-label
    rd.heading(HEADINGS[7])
    sub = {
        f"% of task time scoring {m.high_score_threshold}+": "pct_high",
        "ai growth correlation": "growth_metric",
        "task resistance": "crit_task_resistance",
        "evidence score": "crit_evidence",
        "barriers": "crit_barriers",
        "sub-label": "sub_label",
    }
    for line, cells in rd.table(["Metric", "Value"], "Sub-Label Determination"):
        if (key := sub.get(cells[0].casefold())) is not None:
            rd.note(key, line.no, cells[1] if len(cells) > 1 else "")
    override = {"zone": None, "note": ""}
    if ov := rd.maybe_prefixed("Assessor override:"):
        if mt := re.fullmatch(r"None\s*—\s*formula score accepted\.?\s*(.*)", ov[1], re.S):
            override["note"] = mt.group(1)
        elif mt := re.fullmatch(r"(RED|YELLOW|GREEN)\s*—\s*(.*)", ov[1], re.S | re.I):
            override = {"zone": Zone(mt.group(1).capitalize()), "note": mt.group(2)}
        else:
            raise rd.error(
                "assessor override: expected 'None — formula score accepted. …' or 'RED|YELLOW|GREEN — reasons'"
            )

    # --- Commentary
    rd.heading(HEADINGS[8])
    commentary: list[dict] = []
    meta: dict = {}
    known = {h.casefold() for h in COMMENTARY_HEADINGS}
    in_review_notes = False  # review (issue 13): drafter's generated notes are skipped, like derived figures
    while (nxt_line := rd.peek()) is not None:
        line = nxt_line
        rd.pos += 1
        if _HEADING_MARK.sub("", line.text).strip() == REVIEW_HEADING:
            in_review_notes = True
            continue
        if in_review_notes and not line.text.startswith(f"<!-- {METADATA_TAG}"):
            continue
        if line.text.startswith(f"<!-- {METADATA_TAG}"):
            try:
                meta = json.loads(line.text[len(f"<!-- {METADATA_TAG}") : line.text.rindex("-->")])
            except ValueError as e:
                raise rd.error(f"drafter metadata comment: expected JSON ({e})", line) from None
            continue
        is_heading = _HEADING_MARK.match(line.text) or line.text.strip().casefold() in known
        if is_heading:
            commentary.append({"heading": _HEADING_MARK.sub("", line.text).strip(), "body": []})
        elif not commentary:
            raise rd.error(f"expected a commentary heading such as {COMMENTARY_HEADINGS[0]!r}", line)
        else:
            commentary[-1]["body"].append(line.text)
    for sec in commentary:
        sec["body"] = "\n".join(sec["body"])

    # --- metadata: provenance, task-ID mapping, evidence sources
    ids = meta.get("onet_task_ids", {})
    for t in tasks:
        t["onet_task_ids"] = ids.get(t["task"], [])
    for ev in evidence.values():
        for origin, marker in SOURCE_NOTE.items():
            if ev["evidence"].endswith(" " + marker) or ev["evidence"] == marker:
                ev["evidence"] = ev["evidence"].removesuffix(marker).rstrip()
                ev["source"] = origin
    provenance = meta.get("provenance") or {"drafted_by": "human", "inputs": {"document": source or "<text>"}}
    data = {
        "schema_version": meta.get("schema_version", 1),
        "role": role,
        "protective_principles": principles,
        "growth": growth,
        "tasks": tasks,
        "reinstatement_check": reinstatement[1] if reinstatement else "",
        "evidence": evidence,
        "barriers": barriers,
        "assessor_override": override,
        "commentary": commentary,
        "unmapped_onet_tasks": meta.get("unmapped_onet_tasks", {}),
        "provenance": provenance,
        "uncertainty": meta.get("uncertainty"),  # review (issue 13)
    }
    try:
        a = Assessment.model_validate(data)
    except ValidationError as e:
        raise HouseFormatError(format_validation_error(e, source, lambda loc: _line_for(loc, line_of))) from None

    card = score(a, m)
    expected = derived(a, card, m)
    report = ConsistencyReport(
        [Check(key, no, written, expected[key]) for key, (no, written) in rd.written.items() if key in expected]
    )
    return Imported(a, card, report)


def _line_for(loc: tuple, line_of: dict[tuple, int]) -> int | None:
    for n in range(len(loc), 0, -1):
        if (no := line_of.get(tuple(loc[:n]))) is not None:
            return no
    return None
