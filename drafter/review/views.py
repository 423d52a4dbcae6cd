"""Rich terminal views of the review library: presentation only, nothing here computes a figure."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..assessment import Assessment
from ..scoring import ScoreCard
from ..sensitivity import Sensitivity
from .audit import Accepted
from .diff import Diff
from .portfolio import PortfolioRow
from .priority import ReviewFirst
from .summary import Summary
from .text import uncertainty_lines

ZONE_STYLE = {"Red": "bold red", "Yellow": "bold yellow", "Green": "bold green"}


def _short(v, n: int = 60) -> str:
    text = "—" if v is None else str(v)
    text = text.replace("\n", " ")
    return escape(text if len(text) <= n else text[: n - 1] + "…")


def print_review(
    console: Console, a: Assessment, card: ScoreCard, rf: ReviewFirst, sens: Sensitivity, limit: int = 8
) -> None:
    """Under the scorecard: the spread, the zone-flip sensitivity and the review-first list."""
    for line in uncertainty_lines(a):
        console.print(f"[cyan]Spread:[/] {escape(line)}", soft_wrap=True)
    console.print(f"[cyan]Sensitivity:[/] {escape(sens.boundary_line())}", soft_wrap=True)
    flips = sens.flips()
    for f in flips[:5]:
        assert f.zone_flip is not None
        console.print(f"  [cyan]zone flip:[/] {escape(f.zone_flip.describe())}", soft_wrap=True)
    if len(flips) > 5:
        console.print(f"  [dim]… {len(flips) - 5} more inputs can flip the zone (drafter score FILE --json)[/]")
    if not flips:
        console.print("  no single input can change the zone")
    for i in [i for i in sens.inputs if i.sub_label_flip][:3]:
        assert i.sub_label_flip is not None
        console.print(f"  [cyan]sub-label:[/] {escape(i.sub_label_flip.describe('sub_label'))}", soft_wrap=True)
    if not rf.items:
        console.print(
            "[green]Review first:[/] nothing stands out (no spread, nothing pending, no zone flip within one step)"
        )
        return
    t = Table(title=f"Review first — {rf.count} item(s), most important first", title_justify="left")
    t.add_column("#", justify="right")
    t.add_column("Input")
    t.add_column("Value", justify="right")
    t.add_column("Priority", justify="right")
    t.add_column("Why")
    for n, it in enumerate(rf.items[:limit], 1):
        value = "awaiting" if it.value is None else str(it.value)
        t.add_row(str(n), _short(it.name, 48), value, f"{it.priority:.2f}", escape("; ".join(it.reasons)))
    console.print(t)
    if rf.count > limit:
        console.print(f"[dim]… {rf.count - limit} more: drafter review first FILE[/]")


def print_diff(console: Console, d: Diff, limit: int | None = None) -> None:
    t = Table(title=f"{d.draft} → {d.final}: {len(d.changes)} field change(s)", title_justify="left")
    for col in ("Field", "Before", "After", "Δ", "Draft's source"):
        t.add_column(col, justify="right" if col == "Δ" else "left")
    for c in d.changes[:limit] if limit else d.changes:
        delta = "" if c.delta is None else f"{c.delta:+g}"
        t.add_row(
            escape(c.path),
            _short(c.before),
            _short(c.after),
            delta,
            _short(c.source.describe() if c.source else "", 50),
        )
    console.print(t)
    rows = Table(title="Row scores (draft rows matched through O*NET task IDs)", title_justify="left")
    for col in ("Final row", "Kind", "Draft row(s)", "Time", "Score", "Δ"):
        rows.add_column(col, justify="right" if col in ("Time", "Score", "Δ") else "left")
    for r in d.rows:
        time_ = f"{_num(r.time_before)} → {_num(r.time_after)}"
        score_ = f"{_num(r.score_before)} → {_num(r.score_after)}"
        delta = "" if r.delta is None else f"{r.delta:+g}"
        rows.add_row(_short(r.final_row, 40), r.kind, _short(" + ".join(r.draft_rows), 50), time_, score_, delta)
    console.print(rows)
    zone = f"[{ZONE_STYLE[d.zone_before.value]}]{d.zone_before.value}[/] → [{ZONE_STYLE[d.zone_after.value]}]{d.zone_after.value}[/]"
    moved = " [bold]zone changed[/]" if d.zone_changed else ""
    console.print(
        f"Composite {d.score_before} → {d.score_after} ({d.score_delta:+.1f}); zone {zone}{moved}; "
        f"sub-label {escape(d.sub_label_before)} → {escape(d.sub_label_after)}"
    )


def _num(v) -> str:
    if v is None:
        return "—"
    return f"{v:g}" if isinstance(v, float) else str(v)


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
            escape(", ".join(f"{k} ×{v}" for k, v in st.prompt_versions.items())),
        )
    console.print(steps)
    t = Table(title="Fields assessors change most", title_justify="left")
    for col in ("Field", "Step", "Changed", "Of", "Rate", "Mean |Δ|"):
        t.add_column(col, justify="left" if col in ("Field", "Step") else "right")
    for f in s.fields[:limit]:
        if not f.changed:
            continue
        t.add_row(escape(f.field), f.step or "", str(f.changed), str(f.instances), f"{f.change_rate:.0%}",
                  "" if f.mean_abs_delta is None else f"{f.mean_abs_delta:.3f}")  # fmt: skip
    console.print(t)
    for what, items in (
        ("unpaired drafts", s.unpaired_drafts),
        ("unpaired finals", s.unpaired_finals),
        ("unreadable", s.unreadable),
    ):
        if items:
            console.print(
                f"[yellow]{len(items)} {what}:[/] {escape(', '.join(items[:10]))}{' …' if len(items) > 10 else ''}",
                soft_wrap=True,
            )


PORTFOLIO_COLUMNS = (
    "Code",
    "Title",
    "TR",
    "Ev·Ba·Gr",
    "Score",
    "Zone",
    "Sub-label",
    "Interval",
    "Pend.",
    "Review",
    "By",
)


def print_portfolio(console: Console, rows: list[PortfolioRow], title: str, limit: int | None = None) -> None:
    t = Table(title=title, title_justify="left")
    for col in PORTFOLIO_COLUMNS:
        t.add_column(col, justify="right" if col in ("TR", "Score", "Pend.", "Review") else "left")
    for r in rows[:limit] if limit else rows:
        style = ZONE_STYLE[r.final_zone.value]
        modifiers = f"{r.evidence_modifier:.2f}·{r.barrier_modifier:.2f}·{r.growth_modifier:.2f}"
        t.add_row(
            r.code or "", _short(r.title, 36), f"{r.task_resistance:.2f}", modifiers, f"{r.score:.1f}",
            f"[{style}]{r.final_zone.value}[/]", escape(r.sub_label), r.interval, str(r.provisional or ""),
            str(r.review_first or ""), escape(r.drafted_by),
        )  # fmt: skip
    console.print(t)


def print_accepted(console: Console, acc: Accepted, d: Diff) -> None:
    if not acc.new:
        console.print(
            f"already recorded: #{acc.id} by {escape(acc.who)} at {acc.when} (the same draft and final); nothing new written"
        )
        return
    console.print(
        f"recorded #{acc.id}: {escape(acc.final_path)} accepted against {escape(acc.draft_path)} by {escape(acc.who)} at {acc.when}; "
        f"{acc.changes} field change(s), composite {acc.score_before} → {acc.score_after}, zone {acc.zone_before} → {acc.zone_after}"
    )
