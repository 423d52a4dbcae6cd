"""Review commands: ``drafter diff`` (and ``--summary``), ``drafter review first|accept|sources|history``,
``drafter table`` (docs/review.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..safetext import shown
from .common import JsonOpt, checked, console, write_outputs

OtherRoleOpt = Annotated[
    bool,
    typer.Option("--other-role", help="Compare a final with a draft of another role (O*NET-SOC code) on purpose."),
]

review_app = typer.Typer(
    help="Review a draft: what to check first, accept the final (audit trail), history, the review page (serve).",
    no_args_is_help=True,
)


def diff(
    draft: Annotated[
        Path, typer.Argument(help="The draft (JSON or house format); with --summary, a folder of drafts.")
    ],
    final: Annotated[
        Path, typer.Argument(help="The final (JSON or house format); with --summary, a folder of finals.")
    ],
    summary: Annotated[
        bool, typer.Option("--summary", help="Compare folders: pair files by name, summarise what assessors changed.")
    ] = False,
    other_role: OtherRoleOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """What the assessor changed: every field, each row's score, the composite and zone.

    With --summary, over folders of drafts and finals: which fields assessors change most, by which prompt,
    mean |Δ| per field and per row score, and how often the zone changed."""
    from ..errors import DrafterError

    if summary:
        from ..portfolio.changes import diff_folders

        _diffs, s = diff_folders(draft, final, other_role=other_role)
        if s.pairs == 0:
            raise DrafterError(
                f"{draft} and {final}: no draft/final pairs (files are paired by name, e.g. 29-2072.00.json)"
            )
        if as_json:
            print(json.dumps(s.model_dump(mode="json"), indent=2, ensure_ascii=False))
            return
        from .display.review import print_summary

        print_summary(console(), s)
        return
    for p in (draft, final):
        if p.is_dir():
            raise DrafterError(f"{p}: a folder; to compare folders of drafts and finals use --summary")
    from ..documents import load_assessment
    from ..review.diff import diff as compute

    d_a, _ = load_assessment(draft)
    f_a, _ = load_assessment(final)
    d = compute(d_a, f_a, draft_name=str(draft), final_name=str(final), other_role=other_role)
    if as_json:
        print(json.dumps(d.model_dump(mode="json") | {"zone_changed": d.zone_changed}, indent=2, ensure_ascii=False))
        return
    from .display.review import print_diff

    print_diff(console(), d)


@review_app.command("accept")
def review_accept(
    final: Annotated[Path, typer.Argument(help="The final the assessor signs off (JSON or house format).")],
    draft: Annotated[Path, typer.Option("--draft", "-d", help="The draft it was edited from.")],
    by: Annotated[
        str | None, typer.Option(help="Who accepts (default $DRAFTER_ASSESSOR, else the login name).")
    ] = None,
    other_role: OtherRoleOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Record FINAL against its DRAFT in the audit trail: who, when, and every change.

    A final of another role than the draft's is refused unless --other-role. The draft is not touched; a
    house-format final whose written figures are stale is rewritten with the computed ones first (your file is
    kept as FINAL.~N~), so the file and the trail show the same figures."""
    from ..portfolio.audit import AuditTrail, accept_files, assessor_name

    who = assessor_name(by)

    def refreshed(n: int, backup: Path | None) -> None:
        kept = f"; kept your file as {backup}" if backup else ""
        console(stderr=True).print(
            f"{final}: {n} written figure(s) differed from the computed ones: rewrote them{kept}",
            markup=False, soft_wrap=True,
        )  # fmt: skip

    with AuditTrail() as trail:
        acc, d = accept_files(trail, draft, final, who, other_role=other_role, on_refreshed=refreshed)
    if as_json:
        from dataclasses import asdict

        print(json.dumps(asdict(acc) | {"when": acc.when, "store": str(trail.path)}, indent=2))
        return
    from .display.review import print_accepted

    print_accepted(console(), acc, d)


@review_app.command("first")
def review_first_cmd(
    file: Annotated[Path, typer.Argument(help="A draft (JSON or house format).")],
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="How many items to show.", callback=checked("limit"))
    ] = 20,
    as_json: JsonOpt = False,
) -> None:
    """What to check first in a draft, most important first.

    Inputs ranked by leverage × (1 + spread) × whether they can flip the zone; model-recalled evidence to verify;
    inputs awaiting input (docs/review.md)."""
    from .. import api

    a = api.load(file)
    r = api.review(a)
    if as_json:
        print(json.dumps(r.review_first.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    from .display.scorecard import print_review

    print_review(console(), a, r.scorecard, r.review_first, r.sensitivity, limit=limit)


@review_app.command("sources")
def review_sources(
    file: Annotated[Path, typer.Argument(help="A draft or a final (JSON or house format).")],
    draft: Annotated[
        Path | None,
        typer.Option("--draft", "-d", help="For a final: its draft (changed fields become the assessor's)."),
    ] = None,
    other_role: OtherRoleOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Where every field of a draft or final came from.

    Model (endpoint, model, prompt version), consensus, offline prior, O*NET, notes, assessor, or awaiting input."""
    from ..documents import load_assessment
    from ..review.provenance import count_by_kind, field_sources

    a, _ = load_assessment(file)
    if draft is None:
        sources = field_sources(a)
    else:
        from ..portfolio.audit import AuditTrail, recorded_acceptance, reviews_path
        from ..review.diff import diff as compute
        from ..review.diff import final_sources

        d, _ = load_assessment(draft)
        who = at = None
        if reviews_path().exists():
            with AuditTrail() as trail:
                acc = recorded_acceptance(trail, draft, file)
            if acc is not None:
                from datetime import UTC, datetime

                who, at = acc.who, datetime.fromtimestamp(acc.ts, UTC).replace(microsecond=0)
        sources = final_sources(
            d, a, compute(d, a, draft_name=str(draft), final_name=str(file), other_role=other_role), who, at
        )
    if as_json:
        print(json.dumps({k: v.model_dump(mode="json", exclude_none=True) for k, v in sources.items()}, indent=2))
        return
    from .display.review import print_sources

    print_sources(console(), file, sources, count_by_kind(sources))


@review_app.command("history")
def review_history(
    role: Annotated[
        str | None, typer.Argument(help="Only this role: an O*NET-SOC code (29-2072 or 29-2072.00), else a job title.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="How many, newest first.", callback=checked("limit"))
    ] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Accepted reviews, newest first (from the audit trail)."""
    from ..errors import DrafterError
    from ..portfolio.audit import AuditTrail, reviews_path

    if not reviews_path().exists():
        raise DrafterError(f"no audit trail yet at {reviews_path()} (drafter review accept creates it)")
    with AuditTrail() as trail:
        items = trail.history(role, limit)
    if as_json:
        from dataclasses import asdict

        print(json.dumps([asdict(i) | {"when": i.when} for i in items], indent=2))
        return
    if not items:
        from ..review.role import history_keys

        whose = f" of {history_keys(role)[0]}" if role else ""
        console().print(f"no accepted reviews{whose} in {reviews_path()}", markup=False, soft_wrap=True)
        return
    from .display.review import print_history

    print_history(console(), items, reviews_path())


@review_app.command("serve")
def review_serve(
    directory: Annotated[
        Path, typer.Argument(help="The folder of drafts (e.g. drafts/ as `make draft` wrote it).")
    ] = Path("drafts"),
    finals: Annotated[
        Path | None, typer.Option("--finals", help="Where finals are saved (default: finals/ beside DIRECTORY).")
    ] = None,
    port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; anything but 127.0.0.1/localhost needs --token.")
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option("--token", help="A secret every request must carry (printed in the URL); required off localhost."),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who accepts (default $DRAFTER_ASSESSOR or the login).")
    ] = None,
) -> None:
    """Serve the review page: the portfolio, each role as an editable form re-scored live, save and accept."""
    from ..portfolio.audit import assessor_name
    from ..web.serve import serve

    serve(directory, finals or directory.resolve().parent / "finals", host, port, token, assessor_name(by))


def table(
    directory: Annotated[Path, typer.Argument(help="A folder of drafts (.json, else .md).")],
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Also write the rows as CSV here.")] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the portfolio page here (self-contained HTML).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes sharing the drafts.")] = 1,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace a --csv/--html file drafter did not write or that was edited (keeps a backup)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """The portfolio: one row per draft — score, zone, interval, what is provisional, what to review first."""
    from rich.progress import Progress

    from ..errors import DrafterError
    from ..files import refuse_inputs
    from ..portfolio.table import build_portfolio, by_review_priority, employment_weighted, to_csv, to_json

    err = console(stderr=True)
    outputs = [p for p in (csv_out, html) if p]
    inputs = [p for p in directory.glob("*") if p.suffix in (".json", ".md")] if directory.is_dir() else []
    refuse_inputs(outputs, inputs)  # before the slow part: the table is read from these drafts
    with Progress(console=err, transient=True) as progress:
        bar = progress.add_task(f"reading {directory}", total=None)
        rows, problems = build_portfolio(
            directory, workers=workers, on_progress=lambda d, t: progress.update(bar, completed=d, total=t)
        )
    if not rows:
        raise DrafterError(f"{directory}: no drafts found (.json or .md assessments)")
    weighted = employment_weighted(rows) if (html or as_json) else None
    files: list[tuple[Path, str]] = [(csv_out, to_csv(rows))] if csv_out else []
    if html:
        files.append((html, _page(directory, html, rows, problems, weighted)))
    if files:  # the CSV and the page as one group: both replaced, or neither
        write_outputs(files, force, "table", inputs)
    if as_json:
        print(json.dumps(to_json(rows, problems, weighted.data if weighted else None), indent=2, ensure_ascii=False))
        return
    from .display.review import print_portfolio

    print_portfolio(console(), by_review_priority(rows), f"{len(rows)} drafts in {directory}, by review priority")
    for p in problems:
        err.print(f"[yellow]skipped:[/] {shown(p)}", soft_wrap=True)


def _page(directory: Path, html: Path, rows, problems, weighted) -> str:
    """The portfolio page, its links to each draft's Markdown rebased from the folder to where the page goes."""
    import os

    from ..portfolio.table import render_html

    base = os.path.relpath(directory.resolve(), html.resolve().parent)
    linked = [r.model_copy(update={"markdown": os.path.join(base, r.markdown) if r.markdown else None}) for r in rows]
    return render_html(linked, title=f"drafter portfolio — {directory}", problems=problems, weighted=weighted)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
    app.command("table")(table)
    app.add_typer(review_app, name="review")
