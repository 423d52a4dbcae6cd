"""Commands on assessment files: score, render, import, validate, and the JSON Schema files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DrafterError
from .common import FileArg, console, fail

schema_app = typer.Typer(help="JSON Schema files for drafts and scorecards.", no_args_is_help=True)


def score(
    file: FileArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecard as JSON.")] = False,
    methodology: Annotated[str, typer.Option(help="Methodology id or TOML file.")] = "aijri-v1",
) -> None:
    """Compute the AIJRI scorecard of an assessment (and check a document's written figures)."""
    from .. import api

    a, report = api.read(file)
    card = api.score(a, methodology)
    if as_json:
        import json

        out = card.model_dump(mode="json")
        if report is not None:
            out["consistency"] = [c.__dict__ | {"agrees": c.agrees} for c in report.checks]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    from .display import print_scorecard

    print_scorecard(console(), a, card, report)


def render(
    file: FileArg,
    format: Annotated[str, typer.Option("--format", "-f", help="md (house format) or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Render an assessment in the house format (Markdown) or as JSON."""
    from .. import api
    from ..files import atomic_write

    if format not in ("md", "json"):
        fail(f"--format: expected md or json, got {format!r}")
    text = api.render(api.load(file), "md" if format == "md" else "json")
    if output:
        atomic_write(output, text)
        console(stderr=True).print(f"wrote {output}")
    else:
        sys.stdout.write(text)


def import_(
    document: Annotated[Path, typer.Argument(help="A house-format document (Markdown or the seed's plain text).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write.")],
    strict: Annotated[
        bool, typer.Option(help="Refuse a document whose written figures differ from the scorer.")
    ] = False,
) -> None:
    """Import a house-format document as a JSON assessment, with a consistency report."""
    from ..files import assessment_json, atomic_write, read_text
    from ..house_format import parse_house_format
    from .display import print_scorecard

    imported = parse_house_format(read_text(document), source=str(document))
    print_scorecard(console(stderr=True), imported.assessment, imported.scorecard, imported.report)
    if strict and not imported.report.ok:
        fail(
            f"{document}: {len(imported.report.disagreements)} written figure(s) differ from the scorer; nothing written"
        )
    atomic_write(output, assessment_json(imported.assessment))
    console(stderr=True).print(f"wrote {output}")


def validate(files: Annotated[list[Path], typer.Argument(help="Assessments to check (JSON or house format).")]) -> None:
    """Check hand-edited assessments against the schema and the methodology; exit 2 on any problem."""
    from .. import api

    out, problems = console(), 0
    for f in files:
        try:
            a, report = api.read(f)
        except DrafterError as e:
            problems += 1
            for line in str(e).splitlines():
                console(stderr=True).print(f"[red]invalid:[/] {line}", soft_wrap=True)
            continue
        bad = report.disagreements if report else []
        for c in bad:
            out.print(f"[yellow]{f}:line {c.line}: {c.figure} written {c.written!r}, computed {c.computed!r}[/]")
        out.print(f"[green]ok[/] {f} ({len(a.tasks)} task rows{', figures differ' if bad else ''})")
    if problems:
        raise typer.Exit(2)


@schema_app.command("export")
def schema_export(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the schema files.")] = Path("schemas"),
) -> None:
    """Write assessment.schema.json and scorecard.schema.json."""
    from ..schema_export import export

    for p in export(directory):
        console().print(f"wrote {p}")


def register(app: typer.Typer) -> None:
    app.command()(score)
    app.command()(render)
    app.command("import")(import_)
    app.command()(validate)
    app.add_typer(schema_app, name="schema")
