"""What the display modules share: zone styles, number formats and the text helpers every cell goes through."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Console
from rich.table import Table

from ...safetext import clean, shown
from ..common import PIPE_WIDTH

__all__ = ["ZONE_STYLE", "Col", "fitted_table", "fmt", "num", "short", "shown", "zone"]

ZONE_STYLE = {"Red": "bold red", "Yellow": "bold yellow", "Green": "bold green"}


def zone(value: str) -> str:
    """A zone in its colour (an unknown name, e.g. from a damaged stored run, printed plainly)."""
    style = ZONE_STYLE.get(value)
    return f"[{style}]{value}[/]" if style else shown(value)


def fmt(v, pct: bool = False, signed: bool = False, places: int = 2) -> str:
    if v is None:
        return "—"
    if pct:
        return f"{v * 100:.0f}%"
    return f"{v:+.{places}f}" if signed else f"{v:.{places}f}"


def num(v) -> str:
    if v is None:
        return "—"
    return f"{v:g}" if isinstance(v, float) else str(v)


def short(v, n: int = 60) -> str:
    """User or model text for a cell: one line, at most ``n`` characters (an ellipsis marks a cut), escaped."""
    text = "—" if v is None else clean(str(v))
    text = text.replace("\n", " ").replace("\t", " ")
    return shown(text if len(text) <= n else text[: n - 1] + "…")


@dataclass(frozen=True)
class Col:
    """A column of a table that fits the terminal: ``keep`` columns (codes, zones, field names: what a reader
    types back or scans for) are never wrapped or cut; columns with a ``drop`` rank are left out, highest rank
    first, while the table cannot fit the console's width; the rest wrap."""

    name: str
    justify: Literal["left", "right"] = "left"
    keep: bool = False
    drop: int = 0  # 0: always shown


def fitted_table(console: Console, title: str, cols: Sequence[Col], rows: Iterable[Sequence[str]]) -> Table:
    """A table of ``rows`` (one cell per column of ``cols``) narrowed to the console: optional columns dropped,
    highest ``drop`` first, until the table's narrowest rendering fits (80 columns included)."""
    rows = list(rows)
    shown_cols = list(range(len(cols)))
    while True:
        t = Table(title=title, title_justify="left")
        for i in shown_cols:
            c = cols[i]
            t.add_column(c.name, justify=c.justify, no_wrap=c.keep, min_width=len(c.name) if c.keep else None)
        for row in rows:
            t.add_row(*(row[i] for i in shown_cols))
        optional = [i for i in shown_cols if cols[i].drop]
        if not optional or fits(console, t):
            return t
        shown_cols.remove(max(optional, key=lambda i: cols[i].drop))


def fits(console: Console, table: Table) -> bool:
    """Whether ``table`` can render within the console's width without cutting a ``no_wrap`` cell."""
    from rich.measure import Measurement

    unbounded = console.options.update_width(PIPE_WIDTH)  # measured unclamped: the narrowest it can be
    return Measurement.get(console, unbounded, table).minimum <= console.width
