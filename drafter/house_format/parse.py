"""House-format document -> assessment, plus a report that recomputes every figure the author wrote.

Walks the same declaration as the renderer (``spec.SECTIONS``). Accepts the seed's plain layout (section
titles as bare lines, no blank lines) and drafter's Markdown (``##`` headings, blank lines, a metadata
comment). Structural problems raise ``HouseFormatError`` with the line number and what was expected; figures
that disagree with the scorer are *reported*, not fatal, since the author's choices (scores, shares) are the
input and the printed arithmetic is only a claim about them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..assessment import Assessment
from ..errors import DrafterError, format_validation_error
from ..files import ascii_minus
from ..methodology import Methodology, load_methodology
from ..scoring import ScoreCard, score
from .render import derived
from .spec import (
    METADATA_TAG,
    SECTIONS,
    Cell,
    Commentary,
    Derived,
    EachRow,
    Field,
    Generated,
    Line,
    Paragraph,
    Row,
    Table,
    put,
    unescape,
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
        return ascii_minus(self.written) == self.computed


@dataclass
class ConsistencyReport:
    checks: list[Check] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # read, but something may be lost (e.g. task IDs)
    # the scorecard the written figures were checked against (the document's methodology): a caller that shows
    # or records the figures uses it instead of scoring the same assessment again
    card: ScoreCard | None = None

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
_SEPARATOR = re.compile(r"\|(\s*:?-{3,}:?\s*\|)+")


def _bare(text: str) -> str:
    return _HEADING_MARK.sub("", text).strip()


class _Reader:
    def __init__(self, text: str, source: str):
        self.source = source
        text = text.removeprefix("\ufeff")
        self.lines = [_Line(i, raw.rstrip()) for i, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
        self.pos = 0
        self.written: dict[str, tuple[int, str]] = {}
        self.line_of: dict[tuple, int] = {}  # field path -> line, for pydantic's errors

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
        if line is None or _bare(line.text) != expected:
            got = repr(line.text[:60]) if line else "end of document"
            raise self.error(f"expected section heading {expected!r}, got {got}")
        self.pos += 1

    def cells(self, line: _Line, width: int | None = None, what: str = "") -> list[str]:
        """A table row's cells, unescaped; more cells than the table has columns means an unescaped '|'."""
        body = line.text.strip()
        if not (body.startswith("|") and body.endswith("|") and len(body) > 1 and body[-2] != "\\"):
            raise self.error(f"expected a table row starting and ending with '|', got {body[:60]!r}", line)
        cells = [unescape(c.strip()) for c in _PIPE.split(body[1:-1])]
        if width is not None and len(cells) > width:
            raise self.error(
                f"{what} table row has {len(cells)} cells, the table has {width} columns; "
                "write a '|' inside a cell as '\\|'",
                line,
            )
        return cells

    def note(self, key: str, line_no: int, written: str) -> None:
        self.written[key] = (line_no, written)


def parse_house_format(text: str, source: str = "", m: Methodology | None = None) -> Imported:
    m = m or load_methodology()
    rd = _Reader(text, source)
    data: dict[str, Any] = {}
    meta: dict = {}
    for n, section in enumerate(SECTIONS):
        if section.optional and ((line := rd.peek()) is None or _bare(line.text) != section.heading):
            continue
        rd.heading(section.heading)
        following = SECTIONS[n + 1].heading if n + 1 < len(SECTIONS) else None
        for part in section.parts:
            if isinstance(part, Table):
                _table(rd, part, data, m)
            elif isinstance(part, Line):
                _line(rd, part, data)
            elif isinstance(part, Paragraph):
                _paragraph(rd, part, data, following)
            elif isinstance(part, Commentary):
                _commentary(rd, part, data, following)
            elif isinstance(part, Generated):
                _skip_generated(rd, following)
    meta = _metadata(rd)

    warnings = _task_ids(rd, data, meta)
    data["schema_version"] = meta.get("schema_version", 1)
    # excluded tasks have a table of their own; documents written before it carry them in the metadata
    data["unmapped_onet_tasks"] = data.get("unmapped_onet_tasks") or meta.get("unmapped_onet_tasks", {})
    data["provenance"] = meta.get("provenance") or {"drafted_by": "human", "inputs": {"document": source or "<text>"}}
    data["uncertainty"] = meta.get("uncertainty")
    try:
        a = Assessment.model_validate(data)
    except ValidationError as e:
        raise HouseFormatError(format_validation_error(e, source, lambda loc: _line_for(loc, rd.line_of))) from None

    card = score(a, m)
    expected = derived(a, card, m)
    checks = [Check(key, no, written, expected[key]) for key, (no, written) in rd.written.items() if key in expected]
    return Imported(a, card, ConsistencyReport(checks, warnings, card))


def _read_cell(rd: _Reader, cell: Cell, text: str, line: _Line, base: tuple, data: dict, what: str, i: int = 0):
    if isinstance(cell, Derived):
        rd.note(cell.key.format(i=i), line.no, text)
    elif isinstance(cell, Field):
        try:
            value = cell.codec.read(text)
        except ValueError as e:
            raise rd.error(f"{what}: {e}", line) from None
        path = base + cell.path
        put(data, path, value)
        for sub in value if isinstance(value, dict) else ():
            rd.line_of[path + (sub,)] = line.no
        for known in (path, base):
            if known:
                rd.line_of[known] = line.no
    elif text:
        raise rd.error(f"{what}: expected this cell empty, got {text!r}", line)


def _table(rd: _Reader, t: Table, data: dict, m: Methodology) -> None:
    width = len(t.header)
    if t.optional:
        nxt = rd.peek()
        if (
            nxt is None
            or not nxt.text.lstrip().startswith("|")
            or rd.cells(nxt)[0].casefold() != t.header[0].casefold()
        ):
            return  # not written: an empty list (the default)
    header = rd.take()
    if [h.casefold() for h in rd.cells(header)] != [h.casefold() for h in t.header]:
        raise rd.error(
            f"expected the {t.what} table header | {' | '.join(t.header)} |, got {header.text[:80]!r}", header
        )
    sep = rd.take()
    if not _SEPARATOR.fullmatch(sep.text.replace(" ", "")):
        raise rd.error("expected a table separator like |---|---|", sep)

    named = {r.label.format(m=m).casefold(): r for r in t.rows if isinstance(r, Row)}
    each = next((r for r in t.rows if isinstance(r, EachRow)), None)
    entries: list[dict] = []  # the rows of a keyed EachRow, made a mapping at the end
    seen: set[str] = set()
    unknown: list[tuple[_Line, str]] = []
    n_each = 0
    while (line := rd.peek()) is not None and line.text.lstrip().startswith("|") and not _starts_table(rd):
        rd.pos += 1
        cells = rd.cells(line, width, t.what)
        row = named.get(cells[0].casefold())
        if row is None and each is not None:
            what = f"{each.noun} {cells[0]!r}"
            if each.keyed:
                entry: dict = {}
                _row_cells(rd, t, each.cells, cells, line, (), entry, what, n_each)
                if entry["key"] in {e["key"] for e in entries}:
                    raise rd.error(f"{t.what} table: {each.noun} {cells[0]!r} appears twice", line)
                entries.append(entry)
            else:
                _row_cells(rd, t, each.cells, cells, line, each.path + (n_each,), data, what, n_each)
            n_each += 1
            continue
        if row is None:
            unknown.append((line, cells[0]))
            continue
        if row.label.casefold() in seen:
            raise rd.error(f"{t.what} table: row {row.label.format(m=m)!r} appears twice", line)
        seen.add(row.label.casefold())
        _row_cells(rd, t, row.cells, cells[1:], line, row.base, data, row.label.format(m=m))
    if each is not None and each.keyed:
        put(data, each.path, {e["key"]: e["value"] for e in entries})
    missing = [r.label.format(m=m) for r in named.values() if r.holds_fields and r.label.casefold() not in seen]
    at = unknown[0][0] if unknown else None
    found = f" (found {', '.join(repr(label) for _, label in unknown)})" if unknown else ""
    if missing:
        raise rd.error(f"{t.what} table: missing row(s) {', '.join(missing)}{found}", at)
    if unknown:
        labels = ", ".join(r.label.format(m=m) for r in named.values())
        raise rd.error(f"{t.what} table: unknown row {unknown[0][1]!r}; expected one of {labels}", at)


def _starts_table(rd: _Reader) -> bool:
    """The next line is the header of another table (a table row followed by a separator)."""
    after = rd.lines[rd.pos + 1] if rd.pos + 1 < len(rd.lines) else None
    return after is not None and bool(_SEPARATOR.fullmatch(after.text.replace(" ", "")))


def _row_cells(rd, t: Table, spec: tuple[Cell, ...], cells: list[str], line, base: tuple, data: dict, what: str, i=0):
    """A row's cells after its label (for a task row: all of them) against the cells the format declares."""
    needed = max((k + 1 for k, c in enumerate(spec) if isinstance(c, Field)), default=0)
    if len(cells) < needed:
        shown = len(t.header) - len(spec)
        raise rd.error(
            f"{what}: expected {len(t.header)} cells ({' | '.join(t.header)}), got {len(cells) + shown}", line
        )
    for text in cells[len(spec) :]:
        if text:
            raise rd.error(f"{what}: unexpected text in an extra cell ({text[:40]!r})", line)
    for k, cell in enumerate(spec):
        _read_cell(rd, cell, cells[k] if k < len(cells) else "", line, base, data, what, i)


def _line(rd: _Reader, part: Line, data: dict) -> None:
    line = rd.peek()
    if line is None or not line.text.startswith(part.prefix):
        if part.required:
            got = repr(line.text[:60]) if line else "end of document"
            raise rd.error(f"expected a line starting {part.prefix!r}, got {got}")
        return
    rd.pos += 1
    if isinstance(part.value, Derived):
        rd.note(part.value.key, line.no, line.text)
    elif isinstance(part.value, Field):
        rest = unescape(line.text[len(part.prefix) :].strip(), in_table=False)
        _read_cell(rd, part.value, rest, line, (), data, part.prefix.rstrip(":").lower())


def _paragraph(rd: _Reader, part: Paragraph, data: dict, following: str | None) -> None:
    lines = []
    while (nxt := rd.peek()) is not None and _bare(nxt.text) != following:
        lines.append(rd.take())
    if lines:
        rd.line_of[part.value.path] = lines[0].no
    put(data, part.value.path, part.value.codec.read("\n".join(x.text for x in lines)))


def _is_metadata(line: _Line) -> bool:
    return line.text.startswith(f"<!-- {METADATA_TAG}")


def _metadata(rd: _Reader) -> dict:
    """drafter's metadata comment, which ends a document drafter wrote (absent from others)."""
    line = rd.peek()
    if line is None:
        return {}
    if not _is_metadata(line):
        raise rd.error(f"expected the end of the document or drafter's metadata comment, got {line.text[:60]!r}", line)
    rd.pos += 1
    try:
        meta = json.loads(line.text[len(f"<!-- {METADATA_TAG}") : line.text.rindex("-->")])
    except ValueError as e:
        raise rd.error(f"drafter metadata comment: expected JSON ({e})", line) from None
    except RecursionError:
        raise rd.error("drafter metadata comment: nested too deeply to read", line) from None
    if not isinstance(meta, dict):
        raise rd.error("drafter metadata comment: expected a JSON object", line)
    if (extra := rd.peek()) is not None:
        raise rd.error("unexpected text after drafter's metadata comment", extra)
    return meta


def _skip_generated(rd: _Reader, following: str | None) -> None:
    """A generated section is drafter's own writing from the figures: nothing in it is read."""
    while (line := rd.peek()) is not None and not _is_metadata(line) and _bare(line.text) != following:
        rd.pos += 1


def _commentary(rd: _Reader, part: Commentary, data: dict, following: str | None) -> None:
    """Titled sections up to the next section (drafter's generated notes) or drafter's metadata comment."""
    sections: list[dict] = []
    known = {h.casefold() for h in part.known_headings}
    while (line := rd.peek()) is not None and not _is_metadata(line) and _bare(line.text) != following:
        rd.pos += 1
        if _HEADING_MARK.match(line.text) or line.text.strip().casefold() in known:
            sections.append({"heading": _bare(line.text), "body": []})
            rd.line_of[part.path + (len(sections) - 1,)] = line.no
        elif not sections:
            raise rd.error(f"expected a commentary heading such as {part.known_headings[0]!r}", line)
        else:
            sections[-1]["body"].append(line.text)
    put(data, part.path, [{"heading": s["heading"], "body": "\n".join(s["body"])} for s in sections])


def _task_ids(rd: _Reader, data: dict, meta: dict) -> list[str]:
    """Each task row's O*NET task IDs: from its own comment, else (documents written before rows carried
    them) from the metadata by row name. A row left without IDs in a document that carries them is named."""
    tasks = [t for t in data.get("tasks", []) if isinstance(t, dict)]
    legacy: dict = meta.get("onet_task_ids") or {}
    carries = bool(legacy) or any("onet_task_ids" in t for t in tasks)
    warnings = []
    for i, t in enumerate(tasks):
        if "onet_task_ids" in t:
            continue
        t["onet_task_ids"] = legacy.get(t.get("task"), [])
        if carries and not t["onet_task_ids"]:
            where = f"{rd.source}:" if rd.source else ""
            warnings.append(
                f"{where}line {rd.line_of.get(('tasks', i), '?')}: task row {t.get('task')!r} carries no O*NET task "
                "IDs (no <!-- onet: … --> comment); eval will count the tasks it covered as uncovered"
            )
    names = {t.get("task") for t in tasks}
    for name, ids in legacy.items():
        if name not in names:
            gone = f"O*NET task IDs {ids} were recorded for a task row {name!r} that is no longer there"
            warnings.append(f"{rd.source}: {gone}" if rd.source else gone)
    return warnings


def _line_for(loc: tuple, line_of: dict[tuple, int]) -> int | None:
    for n in range(len(loc), 0, -1):
        if (no := line_of.get(tuple(loc[:n]))) is not None:
            return no
    return None
