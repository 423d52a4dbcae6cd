"""The scorecard (``score``, ``draft``) and what sits under it: the spread, sensitivity and review-first list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .common import ZONE_STYLE, short, shown

if TYPE_CHECKING:  # annotations only: `onet show` and `--help` do not load pydantic models through here
    from ...assessment import Assessment
    from ...house_format import ConsistencyReport
    from ...review.priority import ReviewFirst
    from ...scoring import ScoreCard
    from ...sensitivity import Sensitivity


def scorecard_table(a: Assessment, card: ScoreCard) -> Table:
    title = a.role.job_title + (f" (SOC {a.role.soc_code})" if a.role.soc_code else "")
    t = Table(title=f"AIJRI scorecard — {shown(title)}", title_justify="left", show_lines=False)
    t.add_column("Figure")
    t.add_column(
        "Value",
        justify="right",
    )
    t.add_column("From", style="dim")
    t.add_row("Weighted total", card.weighted_total.shown, card.weighted_total.formula)
    t.add_row("Task resistance", card.task_resistance.shown + "/5.0", card.task_resistance.formula)
    t.add_row("Evidence modifier", card.evidence_modifier.shown, card.evidence_modifier.formula)
    t.add_row("Barrier modifier", card.barrier_modifier.shown, card.barrier_modifier.formula)
    t.add_row("Growth modifier", card.growth_modifier.shown, card.growth_modifier.formula)
    t.add_row("Raw", card.raw.shown, card.raw.formula)
    style = ZONE_STYLE[card.final_zone.value]
    t.add_row("[bold]JobZone score[/]", f"[{style}]{card.score.shown}[/]", card.score.formula)
    t.add_row("Zone", f"[{style}]{card.zone.value}[/]", card.zone_bands)
    t.add_row("Sub-label", shown(card.sub_label), "; ".join(f"{c.name} {c.shown}" for c in card.sub_label_criteria))
    if card.overridden:
        t.add_row("Assessor override", f"[{style}]{card.final_zone.value}[/]", short(a.assessor_override.note, 80))
    t.add_row("Time scoring 3+", f"{card.pct_time_high}%", "")
    t.add_row(
        "Split (disp/aug/none)",
        f"{card.displacement_pct}% / {card.augmentation_pct}% / {card.not_involved_pct}%",
        "",
    )
    t.add_row(
        "Quick screen", card.quick_screen, f"protective {card.protective_total}/9, growth {card.growth_correlation}"
    )
    return t


def print_scorecard(console: Console, a: Assessment, card: ScoreCard, report: ConsistencyReport | None) -> None:
    console.print(scorecard_table(a, card))
    if card.pending:
        console.print(
            f"[yellow]Provisional:[/] {len(card.pending)} input(s) awaiting assessor input, counted as neutral (0): "
            + shown(", ".join(card.pending))
        )
    if card.priors:
        console.print(
            f"[yellow]Provisional:[/] {len(card.priors)} input(s) borrowed from similar human-scored roles "
            '("Prior from:" in the draft), until an assessor confirms or rewrites them'
        )
    for w in card.label_warnings:
        console.print(f"[yellow]Label check:[/] {shown(w)}")
    if report is not None:
        bad = report.disagreements
        if bad:
            console.print(
                f"[red]Consistency: {len(bad)} of {len(report.checks)} written figures differ from the scorer:[/]"
            )
            for c in bad:
                console.print(shown(f"  line {c.line} {c.figure}: written {c.written!r}, computed {c.computed!r}"))
        else:
            console.print(f"[green]Consistency: all {len(report.checks)} written figures agree with the scorer.[/]")
        for w in report.warnings:
            console.print(f"[yellow]Warning:[/] {shown(w)}")


def print_review(
    console: Console, a: Assessment, card: ScoreCard, rf: ReviewFirst, sens: Sensitivity, limit: int = 8
) -> None:
    """Under the scorecard: the spread, the zone-flip sensitivity and the review-first list."""
    from ...review.text import uncertainty_lines

    for line in uncertainty_lines(a):
        console.print(f"[cyan]Spread:[/] {shown(line)}")
    console.print(f"[cyan]Sensitivity:[/] {shown(sens.boundary_line())}")
    if sens.awaiting_range is not None:
        console.print(f"[yellow]Range:[/] {shown(sens.awaiting_range.line())}")
    flips = sens.flips()
    for f in flips[:5]:
        assert f.zone_flip is not None
        console.print(f"  [cyan]zone flip:[/] {shown(f.zone_flip.describe())}")
    if len(flips) > 5:
        console.print(f"  [dim]… {len(flips) - 5} more inputs can flip the zone (drafter score FILE --json)[/]")
    if not flips:
        console.print("  no single input can change the zone")
    for i in [i for i in sens.inputs if i.sub_label_flip][:3]:
        assert i.sub_label_flip is not None
        console.print(f"  [cyan]sub-label:[/] {shown(i.sub_label_flip.describe('sub_label'))}")
    if not rf.items:
        console.print(
            "[green]Review first:[/] nothing stands out (no spread, nothing pending, no zone flip within one step)"
        )
        return
    t = Table(title=f"Review first — {rf.count} item(s), most important first", title_justify="left")
    t.add_column("#", justify="right")
    t.add_column("Input", overflow="fold")  # a field path is typed back into an editor: folded, never cut
    t.add_column("Value", justify="right")
    t.add_column("Priority", justify="right")
    t.add_column("Why")
    for n, it in enumerate(rf.items[:limit], 1):
        value = "awaiting" if it.value is None else shown(it.value)
        t.add_row(str(n), shown(it.name), value, f"{it.priority:.2f}", shown("; ".join(it.reasons)))
    console.print(t)
    if rf.count > limit:
        console.print(f"[dim]… {rf.count - limit} more: drafter review first FILE[/]")
