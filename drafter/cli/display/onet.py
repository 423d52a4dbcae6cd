"""``drafter onet``: an occupation's tasks (``show``) and search results."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ...onet.official import AUTOMATION
from .common import shown


def print_occupation(console: Console, occ, shares: list[int], rule: str, labour_line: str = "", facts=None) -> None:
    """The occupation's tasks; ``labour_line`` states its official employment and wage (BLS OEWS, dated); ``facts``
    (labour.occupation.OccupationFacts) adds each task's observed AI use and the occupation's dated facts."""
    t = Table(
        title=f"{shown(occ.code)} {shown(occ.title)} — {len(occ.tasks)} tasks ({shown(occ.source)})",
        title_justify="left",
    )
    t.add_column("Task ID", justify="right")
    t.add_column("Type")
    t.add_column("Prior", justify="right")
    t.add_column("Human")
    t.add_column("GPT-4")
    if facts is not None and facts.observed:
        t.add_column("Observed AI use (AEI, Mar 2025)")
    t.add_column("Statement")
    for task, p in zip(occ.tasks, shares, strict=True):
        t.add_row(
            str(task.id),
            shown(task.type or "—"),
            f"{p}%",
            task.human_label or "—",
            task.gpt4_label or "—",
            *([_observed(facts.use_of(task.id))] if facts is not None and facts.observed else []),
            shown(task.statement),
        )
    console.print(t)
    console.print(
        f"Priors sum to {sum(shares)}% (rule: {rule}). Labels: E0 none, E1 direct LLM exposure, E2 with LLM-based tools."
    )
    if labour_line:
        console.print(shown(labour_line))
    if facts is not None and facts.lines():
        console.print("[bold]Occupation facts[/] (each dated and sourced; `drafter notes` writes them as notes):")
        for line in facts.lines():
            console.print(shown(line), markup=False, soft_wrap=True)
    console.print(
        "[dim]O*NET task statements © National Center for O*NET Development, CC BY 4.0; labels: GPTs are GPTs (MIT); "
        "employment and wages: U.S. Bureau of Labor Statistics, OEWS (public domain); includes information from the O*NET 29.3 "
        "Database by USDOL/ETA, used under CC BY 4.0; observed AI use: Anthropic Economic Index (Mar 2025).[/]"
    )


def _observed(use) -> str:
    """A task's observed use in a cell: '0.014%, 56% automation' or 'not reported' (never 0)."""
    if not use.reported:
        return "not reported"
    share = f"{float(f'{use.pct:.2g}'):g}% of conversations"
    return f"{share}, {round(use.share(AUTOMATION) * 100)}% automation" if use.modes else share


def print_search(console: Console, query: str, matches: list) -> None:
    t = Table(title=f"O*NET occupations matching {shown(repr(query))}", title_justify="left")
    for col in ("Code", "Title", "Score", "Matched on"):
        t.add_column(col, justify="right" if col == "Score" else "left")
    for m in matches:
        t.add_row(m.occupation.code, shown(m.occupation.title), f"{m.score:.2f}", shown(m.matched))
    console.print(t)
