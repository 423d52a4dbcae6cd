"""Official labour-market figures (BLS OEWS national estimates) as plain, exact data.

A figure is either a number BLS published, a *capped* value (footnote 5: BLS publishes the top of its wage range,
not the wage), or *not published* (``-`` in the tables: e.g. footnote 4, occupations paid annually have no hourly
wage). The last two are never turned into numbers: a reader of a draft must not meet a wage nobody published.
Values are ``Decimal`` so ``24.59`` stays ``24.59`` from the file to the printed draft.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import NamedTuple

from ..errors import DrafterError
from ..lazy import LazyMapping


class LabourDataError(DrafterError):
    pass


class Status(StrEnum):
    PUBLISHED = "published"
    CAPPED = "capped"  # footnote 5: at or above the top of the published wage range; the value is the cap
    NOT_PUBLISHED = "not published"  # "-" in the BLS tables


# Each measure: (BLS time-series datatype code, what it is, unit). Only these four are read and stored.
MEASURES: dict[str, tuple[str, str, str]] = {
    "employment": ("01", "employment", "count"),
    "annual_mean_wage": ("04", "annual mean wage", "annual"),
    "hourly_median_wage": ("08", "hourly median wage", "hourly"),
    "annual_median_wage": ("13", "annual median wage", "annual"),
}
DATATYPE_TO_MEASURE = {code: name for name, (code, _, _) in MEASURES.items()}

# The top of the published wage range (SOURCE.md); a footnote-5 wage at or above it is a capped value.
WAGE_CAP = {"hourly": Decimal("115.00"), "annual": Decimal("239200")}

FOOTNOTES = {
    "1": "detailed occupations do not sum to totals",
    "2": "annual wages are hourly x 2,080 where hourly wages are published",
    "4": "paid annually: BLS publishes no hourly wage",
    "5": "at or above the top of the published wage range: BLS publishes the cap, not the wage",
    "8": "estimate not released",
}


class Figure(NamedTuple):  # a tuple: thousands are built per table, and a frozen dataclass is slow to build
    value: Decimal | None  # the published number; the cap when CAPPED; None when NOT_PUBLISHED
    status: Status
    footnotes: tuple[str, ...] = ()

    @property
    def number(self) -> Decimal | None:
        """The value only when BLS published it as such: what arithmetic (sums, trends) may use."""
        return self.value if self.status is Status.PUBLISHED else None

    def to_json(self) -> dict:
        return {
            "value": None if self.value is None else str(self.value),
            "status": self.status.value,
            "footnotes": list(self.footnotes),
        }


NOT_PUBLISHED = Figure(None, Status.NOT_PUBLISHED)


@dataclass(frozen=True)
class Release:
    """One OEWS release: ``2025A01`` is the May 2025 estimates (OEWS estimates refer to May of the year)."""

    id: str
    source: str = ""

    @property
    def year(self) -> int:
        return int(self.id[:4])

    @property
    def label(self) -> str:
        return f"May {self.year}" if self.id.endswith("A01") else self.id

    @property
    def citation(self) -> str:
        return f"BLS OEWS, {self.label}"


@dataclass(frozen=True)
class SocFigures:
    """The four figures of one SOC code in one release."""

    soc_code: str
    title: str
    display_level: int | None
    release: Release
    figures: dict[str, Figure] = field(default_factory=dict)

    def get(self, measure: str) -> Figure:
        return self.figures.get(measure, NOT_PUBLISHED)

    @property
    def employment(self) -> Figure:
        return self.get("employment")

    @property
    def annual_median_wage(self) -> Figure:
        return self.get("annual_median_wage")

    def to_json(self) -> dict:
        return {
            "soc_code": self.soc_code,
            "title": self.title,
            "release": self.release.id,
            "release_label": self.release.label,
            "citation": self.release.citation,
            **{m: self.get(m).to_json() for m in MEASURES},
        }


@dataclass
class ReleaseTable:
    release: Release
    rows: Mapping[str, SocFigures]


def unit(measure: str) -> str:
    return MEASURES[measure][2]


def fmt_value(value: Decimal, measure: str) -> str:
    u = unit(measure)
    if u == "count":
        return f"{int(value):,}"
    if u == "hourly":
        return f"${value:,.2f}"
    return f"${int(value):,}"


def fmt_figure(fig: Figure, measure: str) -> str:
    """How a figure is printed: the number, '$239,200 or more' for a capped wage, 'not published' otherwise."""
    if fig.status is Status.PUBLISHED and fig.value is not None:
        return fmt_value(fig.value, measure)
    if fig.status is Status.CAPPED and fig.value is not None:
        return f"{fmt_value(fig.value, measure)} or more (BLS cap)"
    why = "; ".join(FOOTNOTES[f] for f in fig.footnotes if f in FOOTNOTES and f in ("4", "8"))
    return f"not published by BLS ({why})" if why else "not published by BLS"


def parse_value(text: str, measure: str, footnotes: tuple[str, ...], where: str | None = None) -> Figure:
    """One cell of a BLS table or time series: a number, or ``-``; footnote 5 makes a wage at the cap capped.

    ``where`` prefixes an error (file, line, column); the caller may instead catch ``ValueError`` and add it."""
    text = text.strip()
    if text == "-":
        return Figure(None, Status.NOT_PUBLISHED, footnotes)
    try:
        value = Decimal(text.replace(",", "")) if "," in text else Decimal(text)
    except InvalidOperation:
        value = None
    u = MEASURES[measure][2]
    problem = (
        "expected a number or '-' (not published)"
        if value is None
        else "expected a non-negative number"
        if not value.is_finite() or value < 0
        else "expected a whole number of workers"
        if u == "count" and value != value.to_integral_value()
        else None
    )
    if problem or value is None:
        message = f"{problem}, got {text!r}"
        raise LabourDataError(f"{where}: {message}") if where else ValueError(message)
    if "5" in footnotes and u != "count" and value >= WAGE_CAP[u]:
        return Figure(value, Status.CAPPED, footnotes)
    return Figure(value, Status.PUBLISHED, footnotes)


def parse_footnotes(text: str, where: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in text.replace(",", ";").split(";") if p.strip())
    for p in parts:
        if not p.isalnum() or len(p) > 2:
            raise LabourDataError(f"{where}: expected footnote codes such as 4 or 4;5, got {text!r}")
    return parts


TABLE_COLUMNS = ("soc_code", "title", "display_level", *MEASURES, "footnotes")


def read_national_table(text: str, release: Release, source: str, lazy: bool = False) -> ReleaseTable:
    """The national table layout of ``data/oews_national_2025.csv`` (SOURCE.md): one row per SOC code.

    ``lazy`` checks the layout, the codes and the column counts at once but parses a row's figures when it is
    first looked up: for the bundled table (checked whole by the tests), so that `onet show` or one draft does
    not parse 800 rows to print one (issue 14: start-up). A user's file is read eagerly: every error at import."""
    import re

    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    missing = [c for c in TABLE_COLUMNS if c not in header]
    if missing:
        raise LabourDataError(f"{source}:line 1: missing column(s) {', '.join(missing)}")
    col = {c: header.index(c) for c in TABLE_COLUMNS}
    soc_re = re.compile(r"\d{2}-\d{4}")
    raw: dict[str, tuple[int, list[str]]] = {}
    for cells in reader:
        line = reader.line_num
        if len(cells) != len(header):
            raise LabourDataError(f"{source}:line {line}: expected {len(header)} columns, got {len(cells)}")
        code = cells[col["soc_code"]].strip()
        if not soc_re.fullmatch(code):
            raise LabourDataError(f"{source}:line {line}: soc_code: expected a SOC code like 29-2072, got {code!r}")
        if code in raw:
            raise LabourDataError(f"{source}:line {line}: soc_code: {code} is listed twice")
        raw[code] = (line, cells)
    rows = LazyMapping(raw, lambda code: _parse_row(code, *raw[code], col, release, source))
    return ReleaseTable(release, rows if lazy else dict(rows.items()))


def _parse_row(
    code: str, line: int, cells: list[str], col: dict[str, int], release: Release, source: str
) -> SocFigures:
    """One SOC code's row of a national table; an error names the file, line and column."""
    notes = (
        parse_footnotes(cells[col["footnotes"]], f"{source}:line {line}: footnotes") if cells[col["footnotes"]] else ()
    )
    figures = {}
    for m in MEASURES:  # errors are located only when one occurs: building the location per cell is the cost
        try:
            figures[m] = parse_value(cells[col[m]], m, notes)
        except ValueError as e:
            raise LabourDataError(f"{source}:line {line}: {m}: {e}") from None
    level = cells[col["display_level"]].strip()
    return SocFigures(code, cells[col["title"]].strip(), int(level) if level.isdigit() else None, release, figures)
