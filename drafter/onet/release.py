"""Reading an official O*NET database text release (tab-separated, header row, ``n/a`` for missing).

Only the columns drafter uses are required; others are ignored, so later releases that add columns still load.
Every problem names the file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import DrafterError
from .model import Occupation, Task, TaskRatings

OCCUPATION_DATA = "Occupation Data.txt"
TASK_STATEMENTS = "Task Statements.txt"
TASK_RATINGS = "Task Ratings.txt"
ALTERNATE_TITLES = "Alternate Titles.txt"
CODE_RE = re.compile(r"\d{2}-\d{4}\.\d{2}")


class ReleaseError(DrafterError):
    pass


@dataclass
class _Row:
    path: Path
    line: int
    cells: list[str]
    columns: dict[str, int]

    def error(self, column: str, expected: str) -> ReleaseError:
        col = self.columns[column] + 1
        got = self.cells[col - 1]
        return ReleaseError(f"{self.path}:line {self.line}:column {col} ({column}): expected {expected}, got {got!r}")

    def text(self, column: str) -> str:
        return self.cells[self.columns[column]].strip()

    def code(self) -> str:
        v = self.text("O*NET-SOC Code")
        if not CODE_RE.fullmatch(v):
            raise self.error("O*NET-SOC Code", "a code like 29-2072.00")
        return v

    def integer(self, column: str) -> int:
        v = self.text(column)
        try:
            f = float(v)
        except ValueError:
            raise self.error(column, "an integer") from None
        if f != int(f):
            raise self.error(column, "an integer")
        return int(f)

    def number(self, column: str) -> float | None:
        v = self.text(column)
        if v.lower() == "n/a" or v == "":
            return None
        try:
            return float(v)
        except ValueError:
            raise self.error(column, "a number or n/a") from None


def read_tsv(path: Path, required: tuple[str, ...]) -> Iterator[_Row]:
    try:
        f = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ReleaseError(f"{path}: no such file (expected part of an O*NET text release)") from None
    with f:
        try:
            header = f.readline().rstrip("\r\n").split("\t")
            columns = {name.strip(): i for i, name in enumerate(header)}
            missing = [c for c in required if c not in columns]
            if missing:
                raise ReleaseError(f"{path}:line 1: missing column(s) {', '.join(missing)}; found {', '.join(columns)}")
            for line_no, raw in enumerate(f, start=2):
                line = raw.rstrip("\r\n")
                if not line.strip():
                    continue
                cells = line.split("\t")
                if len(cells) != len(header):
                    raise ReleaseError(
                        f"{path}:line {line_no}:column {min(len(cells), len(header)) + 1}: "
                        f"expected {len(header)} tab-separated columns, got {len(cells)}"
                    )
                yield _Row(path, line_no, cells, columns)
        except UnicodeDecodeError as e:
            raise ReleaseError(f"{path}: expected UTF-8 text ({e.reason} at byte {e.start})") from None


def read_release(directory: Path) -> list[Occupation]:
    """Parse a release folder into occupations with tasks, ratings and alternate titles."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ReleaseError(f"{directory}: not a folder (expected an unzipped O*NET text release)")

    occupations: dict[str, dict] = {}
    for row in read_tsv(directory / OCCUPATION_DATA, ("O*NET-SOC Code", "Title")):
        desc = row.text("Description") if "Description" in row.columns else ""
        occupations[row.code()] = {"title": row.text("Title"), "description": desc, "tasks": [], "alt": []}

    tasks: dict[int, dict] = {}
    for row in read_tsv(directory / TASK_STATEMENTS, ("O*NET-SOC Code", "Task ID", "Task")):
        code = row.code()
        if code not in occupations:
            raise row.error("O*NET-SOC Code", f"a code listed in {OCCUPATION_DATA}")
        tid = row.integer("Task ID")
        if tid in tasks:
            raise row.error("Task ID", "a task ID not already used")
        ttype = row.text("Task Type") if "Task Type" in row.columns else ""
        ttype = "" if ttype.lower() == "n/a" else ttype
        if ttype not in ("Core", "Supplemental", ""):
            raise row.error("Task Type", "Core, Supplemental or empty")
        tasks[tid] = {"code": code, "statement": row.text("Task"), "type": ttype}
        occupations[code]["tasks"].append(tid)

    ratings: dict[int, dict] = {}
    if (directory / TASK_RATINGS).exists():
        cols = ("O*NET-SOC Code", "Task ID", "Scale ID", "Category", "Data Value")
        for row in read_tsv(directory / TASK_RATINGS, cols):
            tid = row.integer("Task ID")
            if tid not in tasks:
                raise row.error("Task ID", f"a task ID listed in {TASK_STATEMENTS}")
            r = ratings.setdefault(tid, {"frequency": {}, "importance": None, "relevance": None})
            scale = row.text("Scale ID")
            value = row.number("Data Value")
            if scale == "FT":
                cat = row.integer("Category")
                if not 1 <= cat <= 7:
                    raise row.error("Category", "an FT frequency category 1-7")
                if value is not None:
                    r["frequency"][cat] = value
            elif scale == "IM":
                if value is not None and not 1 <= value <= 5:
                    raise row.error("Data Value", "an importance between 1 and 5")
                r["importance"] = value
            elif scale == "RT":
                if value is not None and not 0 <= value <= 100:
                    raise row.error("Data Value", "a relevance percent between 0 and 100")
                r["relevance"] = value
            else:
                raise row.error("Scale ID", "FT, IM or RT")

    if (directory / ALTERNATE_TITLES).exists():
        for row in read_tsv(directory / ALTERNATE_TITLES, ("O*NET-SOC Code", "Alternate Title")):
            code = row.code()
            if code in occupations:
                occupations[code]["alt"].append(row.text("Alternate Title"))

    version = _release_version(directory)
    out = []
    for code, o in sorted(occupations.items()):
        task_objs = tuple(
            Task(
                id=tid,
                statement=tasks[tid]["statement"],
                type=tasks[tid]["type"],
                ratings=TaskRatings(**ratings[tid]) if tid in ratings else None,
            )
            for tid in sorted(o["tasks"])
        )
        out.append(
            Occupation(code, o["title"], task_objs, o["description"], tuple(o["alt"]), source=f"release {version}")
        )
    return out


def _release_version(directory: Path) -> str:
    m = re.search(r"(\d+)[._](\d+)", directory.name)
    return f"{m.group(1)}.{m.group(2)}" if m else directory.name
