"""Rich terminal views of labour-market figures. Presentation only: the figures and texts come from ``facts``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .facts import RoleFacts
from .figures import MEASURES, fmt_figure
from .tables import LabourTables


def figures_line(facts: RoleFacts) -> str:
    """One line for ``onet show``: employment and median wage with the release, or why there are none."""
    f = facts.role.figures
    if f is None:
        return f"No BLS figures: {facts.role.mapping.reason}."
    line = (
        f"Employment {fmt_figure(f.employment, 'employment')}, median annual wage "
        f"{fmt_figure(f.annual_median_wage, 'annual_median_wage')} ({f.release.citation}, SOC {f.soc_code} {f.title})"
    )
    if facts.role.mapping.how == "mapped":
        line += f"; {facts.role.mapping.reason}"
    return line + "."


def print_role_figures(console: Console, facts: RoleFacts, tables: LabourTables) -> None:
    """Every known release of a role's SOC code, then the changes drafter can state."""
    m = facts.role.mapping
    if facts.role.figures is None:
        console.print(f"{m.onet_code}: no BLS figures: {m.reason}.", soft_wrap=True)
        return
    f = facts.role.figures
    t = Table(title=f"{m.onet_code} → SOC {f.soc_code} {f.title}", title_justify="left")
    t.add_column("Release")
    for measure in MEASURES:
        t.add_column(MEASURES[measure][1].capitalize(), justify="right")
    for row in facts.role.history:
        t.add_row(row.release.citation, *(fmt_figure(row.get(measure), measure) for measure in MEASURES))
    console.print(t)
    console.print(f"Mapping: {m.reason}.", soft_wrap=True)
    for measure in MEASURES:
        if change := facts.change(measure):
            console.print(f"Change in {MEASURES[measure][1]}: {change}.", soft_wrap=True)
    known = ", ".join(r.citation for r in tables.releases)
    console.print(f"[dim]Releases known: {known}. U.S. Bureau of Labor Statistics, OEWS (public domain).[/]")
