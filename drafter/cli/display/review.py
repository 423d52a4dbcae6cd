"""Reviewing: ``diff`` (and ``--summary``), the portfolio (``table``) and the audit trail (``review accept``,
``history``, ``sources``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .common import ZONE_STYLE, Col, fits, fitted_table, num, short, shown

if TYPE_CHECKING:
    from ...portfolio.audit import Accepted
    from ...portfolio.changes import Summary
    from ...portfolio.table import PortfolioRow
    from ...review.diff import Diff


DIFF_COLUMNS = (
    Col("Field", keep=True),
    Col("Before"),
    Col("After"),
    Col("Δ", "right", keep=True),
    Col("Draft's source", drop=1),
)
ROW_COLUMNS = (
    Col("Final row"),
    Col("Kind", drop=1),
    Col("Draft row(s)", drop=2),
    Col("Time", "right", keep=True),
    Col("Score", "right", keep=True),
    Col("Δ", "right", keep=True),
)


def print_diff(console: Console, d: Diff, limit: int | None = None) -> None:
    """Every field change, then the row scores and the zone. A field path is never cut: where the table cannot
    fit (a long path at 80 columns), each change is printed as a path line with its values below it."""
    title = f"{shown(d.draft)} → {shown(d.final)}: {len(d.changes)} field change(s)"
    changes = d.changes[:limit] if limit else d.changes
    cells = [
        (shown(c.path), short(c.before), short(c.after), "" if c.delta is None else f"{c.delta:+g}",
         short(c.source.describe() if c.source else "", 50))
        for c in changes
    ]  # fmt: skip
    t = fitted_table(console, title, DIFF_COLUMNS, cells)
    if fits(console, t):
        console.print(t)
    else:
        console.print(title)
        for path, before, after, delta, source in cells:
            console.print(f"[bold]{path}[/]" + (f"  Δ {delta}" if delta else "") + f"  [dim]({source})[/]")
            console.print(f"    before: {before}\n    after:  {after}")
    rows = [
        (short(r.final_row, 40), shown(r.kind), short(" + ".join(r.draft_rows), 50),
         f"{num(r.time_before)} → {num(r.time_after)}", f"{num(r.score_before)} → {num(r.score_after)}",
         "" if r.delta is None else f"{r.delta:+g}")
        for r in d.rows
    ]  # fmt: skip
    console.print(fitted_table(console, "Row scores (draft rows matched through O*NET task IDs)", ROW_COLUMNS, rows))
    zone = f"[{ZONE_STYLE[d.zone_before.value]}]{d.zone_before.value}[/] → [{ZONE_STYLE[d.zone_after.value]}]{d.zone_after.value}[/]"
    moved = " [bold]zone changed[/]" if d.zone_changed else ""
    console.print(
        f"Composite {d.score_before} → {d.score_after} ({d.score_delta:+.1f}); zone {zone}{moved}; "
        f"sub-label {shown(d.sub_label_before)} → {shown(d.sub_label_after)}"
    )


FIELD_COLUMNS = (
    Col("Field", keep=True),
    Col("Step", drop=2),
    Col("Changed", "right", keep=True),
    Col("Of", "right", drop=1),
    Col("Rate", "right", keep=True),
    Col("Mean |Δ|", "right", drop=3),
)


def print_summary(console: Console, s: Summary, limit: int = 25) -> None:
    console.print(
        f"{s.pairs} draft/final pair(s); zone changed in {s.zone_changed}"
        + (f" ({s.zone_change_rate:.0%})" if s.zone_change_rate is not None else "")
        + (f": {', '.join(f'{k} ×{v}' for k, v in s.zone_transitions.items())}" if s.zone_transitions else "")
        + (f"; composite mean |Δ| {s.composite_mean_abs_delta}" if s.composite_mean_abs_delta is not None else "")
    )
    rs = s.row_scores
    if rs["rows"]:
        console.print(f"Row scores: {rs['changed']} of {rs['rows']} rows changed, mean |Δ| {rs['mean_abs_delta']}")
    steps = Table(
        title="Changes by the prompt that wrote the draft's value (improve the top one first)", title_justify="left"
    )
    for col in ("Step", "Changes", "Roles", "By prompt version"):
        steps.add_column(col, justify="right" if col in ("Changes", "Roles") else "left")
    for st in s.steps:
        steps.add_row(
            st.step,
            str(st.changes),
            f"{st.roles_changed}/{s.pairs}",
            shown(", ".join(f"{k} ×{v}" for k, v in st.prompt_versions.items())),
        )
    console.print(steps)
    cells = [
        (shown(f.field), shown(f.step or ""), str(f.changed), str(f.instances), f"{f.change_rate:.0%}",
         "" if f.mean_abs_delta is None else f"{f.mean_abs_delta:.3f}")
        for f in s.fields[:limit]
        if f.changed
    ]  # fmt: skip
    console.print(fitted_table(console, "Fields assessors change most", FIELD_COLUMNS, cells))
    for what, items in (
        ("unpaired drafts", s.unpaired_drafts),
        ("unpaired finals", s.unpaired_finals),
        ("unreadable", s.unreadable),
    ):
        if items:
            console.print(
                f"[yellow]{len(items)} {what}:[/] {shown(', '.join(items[:10]))}{' …' if len(items) > 10 else ''}"
            )


PORTFOLIO_COLUMNS = (
    Col("Code", keep=True),
    Col("Title"),
    Col("TR", "right", drop=5),
    Col("Ev·Ba·Gr", drop=7),
    Col("Score", "right", keep=True),
    Col("Zone", keep=True),
    Col("Sub-label", drop=3),
    Col("Interval", drop=6),
    Col("Until set", drop=8),
    Col("Pend.", "right", drop=2),
    Col("Review", "right", keep=True),
    Col("By", drop=4),
)
"""At 80 columns the code, title, score, zone and review count stay; the range until awaiting inputs are set,
the modifiers, interval, task resistance, drafter, sub-label and pending count go first, in that order (the CSV,
JSON and page have them all)."""


def print_portfolio(console: Console, rows: list[PortfolioRow], title: str, limit: int | None = None) -> None:
    cells = []
    for r in rows[:limit] if limit else rows:
        style = ZONE_STYLE[r.final_zone.value]
        modifiers = f"{r.evidence_modifier:.2f}·{r.barrier_modifier:.2f}·{r.growth_modifier:.2f}"
        cells.append((
            shown(r.code or ""), short(r.title, 36), f"{r.task_resistance:.2f}", modifiers, f"{r.score:.1f}",
            f"[{style}]{r.final_zone.value}[/]", shown(r.sub_label), r.interval, r.until_set, str(r.provisional or ""),
            str(r.review_first or ""), shown(r.drafted_by),
        ))  # fmt: skip
    console.print(fitted_table(console, shown(title), PORTFOLIO_COLUMNS, cells))


def print_accepted(console: Console, acc: Accepted, d: Diff) -> None:
    if not acc.new:
        console.print(
            f"already recorded: #{acc.id} by {shown(acc.who)} at {acc.when} (the same draft and final); nothing new written"
        )
        return
    console.print(
        f"recorded #{acc.id}: {shown(acc.final_path)} accepted against {shown(acc.draft_path)} by {shown(acc.who)} at {acc.when}; "
        f"{acc.changes} field change(s), composite {acc.score_before} → {acc.score_after}, zone {acc.zone_before} → {acc.zone_after}"
    )


def print_history(console: Console, items: list[Accepted], where: object) -> None:
    t = Table(title=f"Accepted reviews ({shown(where)})", title_justify="left")
    for col in ("#", "When", "Who", "Role", "Changes", "Composite", "Zone", "Final"):
        t.add_column(col, no_wrap=col in ("Role", "Zone"))
    for i in items:
        t.add_row(str(i.id), i.when, shown(i.who), shown(i.role), str(i.changes), f"{i.score_before} → {i.score_after}",
                  f"{shown(i.zone_before)} → {shown(i.zone_after)}", shown(i.final_path))  # fmt: skip
    console.print(t)


def print_sources(console: Console, file: object, sources: dict, by_kind: dict) -> None:
    """Where each field of ``file`` came from (``review sources``)."""
    t = Table(title=f"Where each field of {shown(file)} came from", title_justify="left")
    t.add_column("Field", no_wrap=True)
    t.add_column("Source")
    for path, src in sources.items():
        t.add_row(shown(path), shown(src.describe()))
    console.print(t)
    console.print("By kind: " + shown(", ".join(f"{k} {n}" for k, n in by_kind.items())))
