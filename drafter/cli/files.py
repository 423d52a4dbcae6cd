"""Commands on assessment files: score, render, import, validate, and the JSON Schema files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DrafterError
from ..safetext import shown
from .common import FileArg, console, fail

ForceOpt = Annotated[
    bool, typer.Option("--force", help="Replace a file drafter did not write or that was edited (keeps a backup).")
]
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
        print(json.dumps(out | review_json(a, card), indent=2, ensure_ascii=False))
        return
    from .display.scorecard import print_scorecard

    print_scorecard(console(), a, card, report)
    print_review_of(a, card)


def review_json(a, card) -> dict:
    """The spread, zone-flip sensitivity and review-first list that go with a scorecard (docs/review.md)."""
    from ..review.priority import review_first
    from ..sensitivity import sensitivity

    sens = sensitivity(a, card=card)
    return {
        "uncertainty": a.uncertainty.model_dump(mode="json") if a.uncertainty else None,
        "sensitivity": sens.model_dump(mode="json"),
        "review_first": review_first(a, sens=sens, card=card).model_dump(mode="json"),
    }


def print_review_of(a, card) -> None:
    """Under a printed scorecard: the spread, the zone flips and what to check first."""
    from ..review.priority import review_first
    from ..sensitivity import sensitivity
    from .display.scorecard import print_review

    sens = sensitivity(a, card=card)
    print_review(console(), a, card, review_first(a, sens=sens, card=card), sens)


def render(
    file: FileArg,
    format: Annotated[str, typer.Option("--format", "-f", help="md (house format) or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    force: ForceOpt = False,
) -> None:
    """Render an assessment in the house format (Markdown) or as JSON."""
    from .. import api
    from ..files import is_json, read_text, refuse_same_path

    if format not in ("md", "json"):
        fail(f"--format: expected md or json, got {format!r}")
    a = api.load(file)
    if output:
        refuse_same_path(file, output, "json" if is_json(file, read_text(file)) else "md", format)
    text = api.render(a, "md" if format == "md" else "json")
    if output:
        _write(output, text, force, "render")
    else:
        sys.stdout.write(text)


def import_(
    document: Annotated[Path, typer.Argument(help="A house-format document (Markdown or the seed's plain text).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write.")],
    strict: Annotated[
        bool, typer.Option(help="Refuse a document whose written figures differ from the scorer.")
    ] = False,
    force: ForceOpt = False,
) -> None:
    """Import a house-format document as a JSON assessment, with a consistency report."""
    from ..files import assessment_json, read_text, refuse_same_path
    from ..house_format import parse_house_format
    from .display.scorecard import print_scorecard

    refuse_same_path(document, output, "md", "json")
    imported = parse_house_format(read_text(document), source=str(document))
    print_scorecard(console(stderr=True), imported.assessment, imported.scorecard, imported.report)
    if strict and not imported.report.ok:
        fail(
            f"{document}: {len(imported.report.disagreements)} written figure(s) differ from the scorer; nothing written"
        )
    _write(output, assessment_json(imported.assessment), force, "import")


def _write(output: Path, text: str, force: bool, origin: str) -> None:
    """Write a user-named output file, never losing one drafter did not write or that was edited (README)."""
    from ..files import write_owned

    backup = write_owned(output, text, force, origin)
    err = console(stderr=True)
    if backup:
        err.print(f"kept the previous {output} as {backup}", markup=False, soft_wrap=True)
    err.print(f"wrote {output}", markup=False, soft_wrap=True)


def validate(files: Annotated[list[Path], typer.Argument(help="Assessments to check (JSON or house format).")]) -> None:
    """Check hand-edited assessments against the schema and the methodology; exit 2 on any problem."""
    from rich.markup import escape

    from .. import api

    out, problems = console(), 0
    for f in files:
        try:
            a, report = api.read(f)
        except DrafterError as e:
            problems += 1
            for line in str(e).splitlines():
                console(stderr=True).print(f"[red]invalid:[/] {shown(line)}", soft_wrap=True)
            continue
        bad = report.disagreements if report else []
        for c in bad:
            out.print(
                escape(f"{f}:line {c.line}: {c.figure} written {c.written!r}, computed {c.computed!r}"), style="yellow"
            )
        # what `score` shows beside the figures: label/score mismatches and the document's import warnings
        for w in api.score(a).label_warnings:
            out.print(escape(f"{f}: label check: {w}"), style="yellow", soft_wrap=True)
        for w in report.warnings if report else []:
            out.print(escape(f"{f}: warning: {w}"), style="yellow", soft_wrap=True)
        out.print(f"[green]ok[/] {escape(str(f))} ({len(a.tasks)} task rows{', figures differ' if bad else ''})")
    if problems:
        raise typer.Exit(2)


@schema_app.command("export")
def schema_export(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the schema files.")] = Path("schemas"),
) -> None:
    """Write assessment.schema.json and scorecard.schema.json."""
    from ..schema_export import export

    for p in export(directory):
        console().print(f"wrote {p}", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(score)
    app.command()(render)
    app.command("import")(import_)
    app.command()(validate)
    app.add_typer(schema_app, name="schema")
