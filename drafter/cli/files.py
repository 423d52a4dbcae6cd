"""Commands on assessment files: score, render, import, validate, and the JSON Schema files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DrafterError
from ..safetext import clean
from .common import FileArg, console, fail, write_outputs

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

    a, report = api.read(file, methodology)
    r = api.review(a, methodology, report.card if report else None)  # the scorecard and its review, computed once
    card = r.scorecard
    if as_json:
        import json

        out = card.model_dump(mode="json")
        if report is not None:
            out["consistency"] = [c.__dict__ | {"agrees": c.agrees} for c in report.checks]
        print(json.dumps(out | r.as_json(), indent=2, ensure_ascii=False))
        return
    from .display.scorecard import print_review, print_scorecard

    print_scorecard(console(), a, card, report)
    print_review(console(), a, card, r.review_first, r.sensitivity)


def print_review_of(a, card) -> None:
    """Under a printed scorecard (``drafter draft``): the spread, the zone flips and what to check first."""
    from .. import api
    from .display.scorecard import print_review

    r = api.review(a, card=card)
    print_review(console(), a, card, r.review_first, r.sensitivity)


def render(
    file: FileArg,
    format: Annotated[str, typer.Option("--format", "-f", help="md (house format) or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Rewrite FILE itself, in its own format, with every figure recomputed (an edited document's stale "
            "written figures); an assessor's file needs --force, which keeps it as FILE.~N~.",
        ),
    ] = False,
    force: ForceOpt = False,
) -> None:
    """Render an assessment in the house format (Markdown) or as JSON."""
    from .. import api
    from ..files import is_json, read_text, refuse_same_path

    if format not in ("md", "json"):
        fail(f"--format: expected md or json, got {format!r}")
    if refresh:
        _refresh(file, output, force)
        return
    a = api.load(file)
    if output:
        refuse_same_path(file, output, "json" if is_json(file, read_text(file)) else "md", format)
    text = api.render(a, "md" if format == "md" else "json")
    if output:
        write_outputs([(output, text)], force, "render", inputs=[file])
    else:
        sys.stdout.write(text)


def _refresh(file: Path, output: Path | None, force: bool) -> None:
    """``render FILE --refresh``: FILE rewritten in place with the scorer's figures, only when some differ."""
    from .. import api

    if output is not None and output.resolve() != file.resolve():
        fail(f"{file}: --refresh rewrites this file itself; to write the rendered assessment elsewhere use -o alone")
    a, report = api.read(file)
    if report is None or report.ok:
        what = "a JSON assessment has no written figures" if report is None else "its written figures agree"
        console(stderr=True).print(f"{file}: {what}; nothing to refresh", markup=False, soft_wrap=True)
        return
    write_outputs([(file, api.render(a, "md"))], force, "render")  # FILE itself: the point of --refresh


def stale_figures(path: Path, bad: list) -> str:
    """One line for a document whose written figures disagree with the scorer's, with the command that
    rewrites them (docs/review.md): which figures, the composite when it moved, and how to refresh."""
    import re
    import shlex

    from ..files import written_unchanged

    where = ", ".join(f"line {c.line} {c.figure}" for c in bad)
    moved = ""
    for c in bad:
        if c.figure == "score_line":
            w, k = (re.search(r"=\s*(\S+)/100", t) for t in (c.written, c.computed))
            if w and k:
                moved = f"; JobZone score written {w.group(1)}, computed {k.group(1)}"
    force = "" if written_unchanged(path) else " --force (keeps your file as a numbered backup)"
    return (
        f"{path}:line {bad[0].line}: {len(bad)} written figure(s) differ from the computed ones ({where}{moved}); "
        f"refresh them: drafter render {shlex.quote(str(path))} --refresh{force}"
    )


def import_(
    document: Annotated[Path, typer.Argument(help="A house-format document (Markdown or the seed's plain text).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="JSON file to write (and X.md beside it, if drafter wrote that).")
    ],
    strict: Annotated[
        bool, typer.Option(help="Refuse a document whose written figures differ from the scorer.")
    ] = False,
    force: ForceOpt = False,
) -> None:
    """Import a house-format document as a JSON assessment (and its Markdown beside it), with a consistency report."""
    from ..documents import import_outputs
    from ..files import check_overwrite, read_text, refuse_inputs, refuse_same_path
    from ..house_format import parse_house_format
    from .display.scorecard import print_scorecard

    refuse_same_path(document, output, "md", "json")
    imported = parse_house_format(read_text(document), source=str(document))
    refuse_inputs([output], [document])  # refusals in one line, before the scorecard (the writer checks again)
    check_overwrite([output], force)
    print_scorecard(console(stderr=True), imported.assessment, imported.scorecard, imported.report)
    if strict and not imported.report.ok:
        fail(
            f"{document}: {len(imported.report.disagreements)} written figure(s) differ from the scorer; nothing written"
        )
    files, note = import_outputs(imported.assessment, imported.scorecard, output, document, force)
    write_outputs(files, force, "import", inputs=[document])
    if note:
        console(stderr=True).print(note, markup=False, soft_wrap=True, style="yellow")


def validate(files: Annotated[list[Path], typer.Argument(help="Assessments to check (JSON or house format).")]) -> None:
    """Check hand-edited assessments against the schema and the methodology; exit 2 on any problem.

    A document whose written figures disagree with the computed ones (a score edited, the figures not) is a
    problem too: one line names them and the command that refreshes them."""
    from rich.markup import escape

    from .. import api

    out, err, problems = console(), console(stderr=True), 0
    for f in files:
        try:
            a, report = api.read(f)
        except DrafterError as e:
            problems += 1
            for line in str(e).splitlines():
                err.print(f"error: {clean(line)}", markup=False, soft_wrap=True)
            continue
        bad = report.disagreements if report else []
        if bad:
            problems += 1
            err.print(f"error: {stale_figures(f, bad)}", markup=False, soft_wrap=True)
        # what `score` shows beside the figures: label/score mismatches and the document's import warnings
        for w in (report.card if report and report.card else api.score(a)).label_warnings:
            out.print(escape(f"{f}: label check: {w}"), style="yellow", soft_wrap=True)
        for w in report.warnings if report else []:
            out.print(escape(f"{f}: warning: {w}"), style="yellow", soft_wrap=True)
        if not bad:
            out.print(f"[green]ok[/] {escape(str(f))} ({len(a.tasks)} task rows)")
    if problems:
        raise typer.Exit(2)


@schema_app.command("export")
def schema_export(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the schema files.")] = Path("schemas"),
    force: ForceOpt = False,
) -> None:
    """Write assessment.schema.json and scorecard.schema.json (an earlier export is replaced; any other file of
    those names is kept unless --force, which keeps it as a numbered backup)."""
    from ..schema_export import export

    for p in export(directory, force):
        console().print(f"wrote {p}", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(score)
    app.command()(render)
    app.command("import")(import_)
    app.command()(validate)
    app.add_typer(schema_app, name="schema")
