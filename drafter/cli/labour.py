"""``drafter notes`` and ``drafter bls``: official labour-market figures (BLS OEWS) for evidence notes.

Also the helpers ``onet show`` and ``draft`` call to state a role's figures (docs/labour-market.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import JsonOpt, console

if TYPE_CHECKING:
    from ..labour.facts import RoleFacts

bls_app = typer.Typer(
    help="Official employment and wages (BLS OEWS): the bundled May 2025 table and newer imported releases.",
    no_args_is_help=True,
)


def role_facts(code: str) -> RoleFacts:
    """A role's figures in every known release, and the earlier figures cited by scored assessments."""
    from ..labour.facts import shared_facts

    return shared_facts().role(code)


def release_facts(code: str) -> RoleFacts:
    """The releases alone (no scored assessments read): what ``onet show`` needs, kept fast."""
    from ..labour.facts import LabourFacts
    from ..labour.tables import LabourTables

    return LabourFacts(LabourTables.load()).role(code)


def notes_notice(code: str) -> str:
    """What ``draft`` says about the notes an LLM draft gets when no --notes file is given."""
    facts = role_facts(code)
    if facts.role.figures is None:
        return f"No --notes and no official figures for this role ({facts.role.mapping.reason}): evidence is the model's recall."
    return (
        f"No --notes: the prompts carry the official figures of SOC {facts.role.figures.soc_code} "
        f"({facts.citation}) as notes; `drafter notes {code.removesuffix('.00')}` writes a notes file to complete."
    )


def notes(
    occupation: Annotated[str, typer.Argument(help="O*NET-SOC code (29-2072 or 29-2072.00).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The notes file (default notes/CODE.md).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Job title for the heading (default: the O*NET title).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing notes file (keeps a numbered backup).")
    ] = False,
) -> None:
    """Write an evidence-notes file for a role: its dated, cited BLS figures and occupation facts (O*NET 29.3,
    Anthropic Economic Index), then empty headings to complete."""
    from ..labour.notes import notes_document, write_notes_file
    from ..onet.catalog import Catalog

    occ = Catalog.load_one(occupation)
    path = output or Path("notes") / f"{occ.code.removesuffix('.00')}.md"
    facts = role_facts(occ.code)
    from ..labour.occupation import occupation_facts

    document = notes_document(facts, title or occ.title, occupation_facts(occ))
    backup = write_notes_file(path, document, force=force)
    err = console(stderr=True)
    if backup:
        err.print(f"kept the previous {path} as {backup}", markup=False, soft_wrap=True)
    if facts.role.figures is None:
        err.print(f"[yellow]No BLS figures for {occ.code}: {facts.role.mapping.reason}.[/]", soft_wrap=True)
    err.print(
        f"wrote {path}; complete it, then: drafter draft {occupation} --notes {path}", soft_wrap=True, markup=False
    )


@bls_app.command("import")
def bls_import(
    files: Annotated[
        list[Path], typer.Argument(help="BLS OE time-series files: oe.data.0.Current (and oe.occupation for titles).")
    ],
) -> None:
    """Import a newer OEWS release from the BLS time-series files into the local store (atomically)."""
    from ..labour.timeseries import import_timeseries

    imported, path = import_timeseries(files)
    for table, replaced in imported:
        again = " (replacing the earlier import of it)" if replaced else ""
        console().print(
            f"imported {table.release.citation} ({table.release.id}): {len(table.rows):,} SOC codes into {path}{again}",
            markup=False,
        )


@bls_app.command("show")
def bls_show(
    occupation: Annotated[str, typer.Argument(help="O*NET-SOC code (29-2072 or 29-2072.00).")],
    as_json: JsonOpt = False,
) -> None:
    """A role's SOC code, its figures in every known release, and the changes drafter can state."""
    from ..labour.facts import shared_facts
    from ..labour.views import print_role_figures

    facts = shared_facts()
    role = facts.role(occupation)
    if as_json:
        import json

        history = [r.to_json() for r in role.role.history]
        print(json.dumps(role.to_json() | {"history": history}, indent=2))
        return
    print_role_figures(console(), role, facts.tables)


def register(app: typer.Typer) -> None:
    app.command("notes")(notes)
    app.add_typer(bls_app, name="bls")
