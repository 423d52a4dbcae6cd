"""``drafter onet``: an occupation's tasks (``show``) and search results."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .common import shown


def print_occupation(console: Console, occ, shares: list[int], rule: str, labour_line: str = "") -> None:
    """The occupation's tasks; ``labour_line`` states its official employment and wage (BLS OEWS, dated)."""
    t = Table(
        title=f"{shown(occ.code)} {shown(occ.title)} — {len(occ.tasks)} tasks ({shown(occ.source)})",
        title_justify="left",
    )
    t.add_column("Task ID", justify="right")
    t.add_column("Type")
    t.add_column("Prior", justify="right")
    t.add_column("Human")
    t.add_column("GPT-4")
    t.add_column("Statement")
    for task, p in zip(occ.tasks, shares, strict=True):
        t.add_row(
            str(task.id),
            shown(task.type or "—"),
            f"{p}%",
            task.human_label or "—",
            task.gpt4_label or "—",
            shown(task.statement),
        )
    console.print(t)
    console.print(
        f"Priors sum to {sum(shares)}% (rule: {rule}). Labels: E0 none, E1 direct LLM exposure, E2 with LLM-based tools."
    )
    if labour_line:
        console.print(shown(labour_line))
    console.print(
        "[dim]O*NET task statements © National Center for O*NET Development, CC BY 4.0; labels: GPTs are GPTs (MIT); "
        "employment and wages: U.S. Bureau of Labor Statistics, OEWS (public domain).[/]"
    )


def print_search(console: Console, query: str, matches: list) -> None:
    t = Table(title=f"O*NET occupations matching {shown(repr(query))}", title_justify="left")
    for col in ("Code", "Title", "Score", "Matched on"):
        t.add_column(col, justify="right" if col == "Score" else "left")
    for m in matches:
        t.add_row(m.occupation.code, shown(m.occupation.title), f"{m.score:.2f}", shown(m.matched))
    console.print(t)
