"""Rich terminal views of library results. Presentation only: nothing here computes a figure."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .assessment import Assessment
from .house_format import ConsistencyReport
from .scoring import ScoreCard

ZONE_STYLE = {"Red": "bold red", "Yellow": "bold yellow", "Green": "bold green"}


def scorecard_table(a: Assessment, card: ScoreCard) -> Table:
    title = a.role.job_title + (f" (SOC {a.role.soc_code})" if a.role.soc_code else "")
    t = Table(title=f"AIJRI scorecard — {title}", title_justify="left", show_lines=False)
    t.add_column("Figure")
    t.add_column("Value", justify="right")
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
    t.add_row("Sub-label", card.sub_label, "; ".join(f"{c.name} {c.shown}" for c in card.sub_label_criteria))
    if card.overridden:
        t.add_row("Assessor override", f"[{style}]{card.final_zone.value}[/]", a.assessor_override.note[:80])
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
            + ", ".join(card.pending)
        )
    for w in card.label_warnings:
        console.print(f"[yellow]Label check:[/] {w}")
    if report is not None:
        bad = report.disagreements
        if bad:
            console.print(
                f"[red]Consistency: {len(bad)} of {len(report.checks)} written figures differ from the scorer:[/]"
            )
            for c in bad:
                console.print(f"  line {c.line} {c.figure}: written {c.written!r}, computed {c.computed!r}")
        else:
            console.print(f"[green]Consistency: all {len(report.checks)} written figures agree with the scorer.[/]")
