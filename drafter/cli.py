"""The ``drafter`` command line: arguments in, one library call, rich or JSON out.

Kept thin and light to import: heavy modules (openai, instructor, the O*NET data) load inside the
commands that need them, so ``drafter --help`` and ``drafter score`` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from .errors import DrafterError

app = typer.Typer(
    help="Draft, score and evaluate AI job-resistance (AIJRI / JobZone) assessments.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)
schema_app = typer.Typer(help="JSON Schema files for drafts and scorecards.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
eval_app = typer.Typer(
    help="Judge drafts against the human-scored golden roles; gate CI on regressions.",
    invoke_without_command=True,
)
app.add_typer(eval_app, name="eval")
batch_app = typer.Typer(
    help="Draft many occupations: concurrent, rate-limited, resumable, costed.", invoke_without_command=True
)
app.add_typer(batch_app, name="batch")
onet_app = typer.Typer(
    help="O*NET occupations and task lists (bundled offline, or an imported release).", no_args_is_help=True
)
app.add_typer(onet_app, name="onet")


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def fail(message: str, code: int = 2) -> NoReturn:
    from rich.markup import escape  # messages quote the user's text, which may look like markup ("[/]")

    console = _console(stderr=True)
    for line in message.splitlines():
        console.print(f"[red]error:[/] {escape(line)}", soft_wrap=True)
    raise typer.Exit(code)


# Options shared by every command that talks to an LLM (shown together under "LLM endpoint" in --help).
_LLM = "LLM endpoint"
EndpointOpt = Annotated[str | None, typer.Option(help="A named endpoint from endpoints.toml.", rich_help_panel=_LLM)]
BaseUrlOpt = Annotated[
    str | None, typer.Option(help="OpenAI-compatible base URL (default $OPENAI_BASE_URL).", rich_help_panel=_LLM)
]
ModelOpt = Annotated[str | None, typer.Option(help="Model name.", rich_help_panel=_LLM)]
ApiKeyEnvOpt = Annotated[
    str | None,
    typer.Option(help="Environment variable holding the API key (default OPENAI_API_KEY).", rich_help_panel=_LLM),
]
ModeOpt = Annotated[str | None, typer.Option(help="instructor mode: tools, json_schema or json.", rich_help_panel=_LLM)]
TimeoutOpt = Annotated[float | None, typer.Option(help="Seconds to wait for one answer.", rich_help_panel=_LLM)]
NoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Always call the endpoint, even for a logged request.", rich_help_panel=_LLM)
]
ConfigOpt = Annotated[
    Path | None, typer.Option(help="Endpoints file (default $DRAFTER_HOME/endpoints.toml).", rich_help_panel=_LLM)
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Use the offline default even if an LLM is configured.", rich_help_panel=_LLM)
]

CalibrationOpt = Annotated[
    Path | None,
    typer.Option(
        help="A folder of your own scored assessments (house format or JSON, optionally a reference_points.json), "
        "beside the golden roles and reference points: the offline default borrows role-level priors from them, an "
        "LLM draft is shown the nearest as its calibration table and worked example (default $DRAFTER_CALIBRATION).",
    ),
]

FileArg = Annotated[
    Path, typer.Argument(help="An assessment: JSON draft or house-format Markdown.", show_default=False)
]


@app.command()
def score(
    file: FileArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecard as JSON.")] = False,
    methodology: Annotated[str, typer.Option(help="Methodology id or TOML file.")] = "aijri-v1",
) -> None:
    """Compute the AIJRI scorecard of an assessment (and check a document's written figures)."""
    from .files import load_assessment
    from .methodology import load_methodology
    from .scoring import score as compute

    a, report = load_assessment(file)
    card = compute(a, load_methodology(methodology))
    if as_json:
        import json

        out = card.model_dump(mode="json")
        if report is not None:
            out["consistency"] = [c.__dict__ | {"agrees": c.agrees} for c in report.checks]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    from .display import print_scorecard

    print_scorecard(_console(), a, card, report)


@app.command()
def render(
    file: FileArg,
    format: Annotated[str, typer.Option("--format", "-f", help="md (house format) or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Render an assessment in the house format (Markdown) or as JSON."""
    from .files import assessment_json, atomic_write, load_assessment
    from .house_format import render_markdown

    if format not in ("md", "json"):
        fail(f"--format: expected md or json, got {format!r}")
    a, _ = load_assessment(file)
    text = render_markdown(a) if format == "md" else assessment_json(a)
    if output:
        atomic_write(output, text)
        _console(stderr=True).print(f"wrote {output}")
    else:
        sys.stdout.write(text)


@app.command("import")
def import_(
    document: Annotated[Path, typer.Argument(help="A house-format document (Markdown or the seed's plain text).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write.")],
    strict: Annotated[
        bool, typer.Option(help="Refuse a document whose written figures differ from the scorer.")
    ] = False,
) -> None:
    """Import a house-format document as a JSON assessment, with a consistency report."""
    from .display import print_scorecard
    from .files import assessment_json, atomic_write, read_text
    from .house_format import parse_house_format

    imported = parse_house_format(read_text(document), source=str(document))
    print_scorecard(_console(stderr=True), imported.assessment, imported.scorecard, imported.report)
    if strict and not imported.report.ok:
        fail(
            f"{document}: {len(imported.report.disagreements)} written figure(s) differ from the scorer; nothing written"
        )
    atomic_write(output, assessment_json(imported.assessment))
    _console(stderr=True).print(f"wrote {output}")


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Assessments to check (JSON or house format).")]) -> None:
    """Check hand-edited assessments against the schema and the methodology; exit 2 on any problem."""
    from .files import load_assessment

    console, problems = _console(), 0
    for f in files:
        try:
            a, report = load_assessment(f)
        except DrafterError as e:
            problems += 1
            for line in str(e).splitlines():
                _console(stderr=True).print(f"[red]invalid:[/] {line}", soft_wrap=True)
            continue
        bad = report.disagreements if report else []
        for c in bad:
            console.print(f"[yellow]{f}:line {c.line}: {c.figure} written {c.written!r}, computed {c.computed!r}[/]")
        console.print(f"[green]ok[/] {f} ({len(a.tasks)} task rows{', figures differ' if bad else ''})")
    if problems:
        raise typer.Exit(2)


@schema_app.command("export")
def schema_export(
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the schema files.")] = Path("schemas"),
) -> None:
    """Write assessment.schema.json and scorecard.schema.json."""
    from .schema_export import export

    for p in export(directory):
        _console().print(f"wrote {p}")


OFFLINE_NOTICE = (
    "No LLM configured: drafting with the offline default (one row per O*NET task, scored from the published "
    "human exposure labels and a learned task model; protective principles, growth, evidence and barriers "
    "borrowed from the most similar human-scored role, or awaiting input when none is close). For an LLM draft "
    "pass --base-url/--model, set OPENAI_API_KEY, or name a configured --endpoint "
    "(docs/drafting.md: Configuring an endpoint)."
)


def _calibration_set(option: Path | None, console):
    """The calibration set for the offline default: shipped golden roles + the user's folder (if any)."""
    from .calibration import CalibrationSet, calibration_dir

    cal = CalibrationSet.load(calibration_dir(option))
    for why in cal.skipped:
        console.print(f"[yellow]calibration: skipped {why}[/]", soft_wrap=True)
    return cal


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "draft"


@app.command()
def draft(
    occupation: Annotated[
        str, typer.Argument(help="O*NET-SOC code (29-2072) or a custom task list (.csv/.yaml/.json).")
    ],
    title: Annotated[str | None, typer.Option(help="Job title for the draft (default: the O*NET title).")] = None,
    notes: Annotated[
        Path | None, typer.Option(help="Evidence notes for the prompts (projections, wages, tools).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the draft's .json and .md.")] = Path("drafts"),
    endpoint: EndpointOpt = None,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    mode: ModeOpt = None,
    timeout: TimeoutOpt = None,
    max_tokens: Annotated[int | None, typer.Option(help="Output token limit per call.")] = None,
    no_cache: NoCacheOpt = False,
    offline: OfflineOpt = False,
    config: ConfigOpt = None,
    calibration: CalibrationOpt = None,
    show_prompts: Annotated[
        bool,
        typer.Option(
            "--show-prompts",
            help="Print every step's prompt as it would be sent (calibration, rubric, notes), send nothing and write "
            "nothing. Steps 2-4 show stand-ins where a model's earlier answers would be.",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --show-prompts: every request's messages as JSON.")
    ] = False,
) -> None:
    """Draft an assessment of an occupation: with an LLM if one is configured, else with the offline default."""
    from .files import assessment_json, atomic_write, read_text
    from .house_format import render_markdown
    from .llm.endpoints import resolve_endpoint
    from .onet import resolve_occupation
    from .scoring import score as compute

    occ = resolve_occupation(occupation, title)
    notes_text = read_text(notes) if notes else None
    if show_prompts:
        _show_prompts(occ, title, notes_text, _calibration_set(calibration, _console(stderr=True)), as_json)
        return
    ep = None if offline else resolve_endpoint(
        endpoint=endpoint, base_url=base_url, model=model, api_key_env=api_key_env, mode=mode, timeout=timeout,
        max_tokens=max_tokens, config=config,
    )  # fmt: skip
    console = _console(stderr=True)
    if ep is None:
        from .drafting.offline import draft_offline

        console.print(f"[yellow]{OFFLINE_NOTICE}[/]", soft_wrap=True)
        a = draft_offline(occ, job_title=title, calibration=_calibration_set(calibration, console))
    else:
        if notice := _notes_notice(occ, notes is not None):  # issue 15: says what the prompts get as notes
            console.print(notice, soft_wrap=True)
        cal = _calibration_set(calibration, console)
        a = _draft_llm(occ, ep, title, notes_text, str(notes) if notes else None, not no_cache, console, cal)
    stem = occ.code if occ.code != "custom" else _slug(a.role.job_title)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    atomic_write(json_path, assessment_json(a))
    atomic_write(md_path, render_markdown(a))
    from .display import print_scorecard

    print_scorecard(_console(), a, compute(a), None)
    console.print(f"wrote {json_path} and {md_path}")


def _show_prompts(occ, title, notes_text, cal, as_json) -> None:
    """What an LLM draft of ``occ`` would send, step by step; nothing is sent or written."""
    from .drafting.calibrate import calibration_for
    from .drafting.preview import preview_prompts, preview_text

    steps = preview_prompts(
        occ, job_title=title, notes=notes_text, calibration=calibration_for(occ, title or occ.title, cal)
    )
    if as_json:
        import json

        print(json.dumps([{"step": s.step, "response_model": s.response_model, "messages": s.messages}
                          for s in steps], indent=2, ensure_ascii=False))  # fmt: skip
        return
    sys.stdout.write(preview_text(steps))


def _draft_llm(occ, ep, title, notes_text, notes_source, use_cache, console, cal):
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .drafting.calibrate import calibration_for
    from .drafting.pipeline import STEPS, draft_with_llm
    from .llm.client import LLM

    calibration = calibration_for(occ, title or occ.title, cal)
    if calibration.table:
        shown = ", ".join(f"{c['title']} ({c['score']})" for c in calibration.table)
        example = f"; worked example: {calibration.example['title']}" if calibration.example else ""
        console.print(f"Calibrated on {shown}{example}", soft_wrap=True)

    console.print(f"Drafting {occ.code} {occ.title} with {ep.describe()}", soft_wrap=True)
    llm = LLM(ep, use_cache=use_cache)
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} steps"),
                        TimeElapsedColumn(), console=console, transient=True)  # fmt: skip
    try:
        with progress:
            bar = progress.add_task("decompose", total=len(STEPS))

            def on_step(step, result):
                if result is None:
                    progress.update(bar, description=f"{step}…")
                    return
                progress.advance(bar)
                tokens = result.usage.total_tokens
                note = f", {result.cache_hits} from cache" if result.cache_hits else ""
                if result.usage_missing:
                    note += f", usage not reported for {result.usage_missing} answer(s)"
                progress.console.print(
                    f"[green]✓[/] {step}: {result.attempts} attempt(s){note}, {tokens:,} tokens, {result.latency_ms / 1000:.1f} s"
                )

            return draft_with_llm(
                occ, llm, job_title=title, notes=notes_text, notes_source=notes_source, on_step=on_step,
                calibration=calibration,
            ).assessment  # fmt: skip
    finally:
        llm.close()


@app.command()
def logs(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many recent calls.")] = 20,
    run: Annotated[str | None, typer.Option(help="Only this run id (totals too).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Recent LLM calls from the run log, with totals (requests, cache hits, tokens, errors)."""
    from .llm.runlog import RunLog, runlog_path

    if not runlog_path().exists():
        fail(f"no run log yet at {runlog_path()} (it is created by the first LLM draft)", 1)
    log = RunLog()
    rows = [r for r in log.recent(limit if not run else 10_000) if not run or r["run_id"] == run][:limit]
    totals = log.totals(run)
    if as_json:
        import json

        keep = ("id", "ts", "run_id", "step", "endpoint", "model", "status", "error", "finish_reason", "prompt_tokens",
                "completion_tokens", "latency_ms", "attempt", "cached")  # fmt: skip
        print(json.dumps({"totals": totals, "calls": [{k: r[k] for k in keep} for r in rows]}, indent=2))
        return
    from datetime import datetime

    from rich.table import Table

    t = Table(title=f"Run log {runlog_path()}", title_justify="left")
    for col in ("When", "Run", "Step", "Model", "Try", "Status", "Tokens in/out", "ms", "Cache", "Error"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            datetime.fromtimestamp(r["ts"]).strftime("%m-%d %H:%M:%S"), r["run_id"] or "", r["step"] or "", r["model"] or "",
            str(r["attempt"]), str(r["status"] or "—"), f"{r['prompt_tokens'] or 0}/{r['completion_tokens'] or 0}",
            f"{r['latency_ms']:.0f}", "hit" if r["cached"] else "", (r["error"] or "")[:40],
        )  # fmt: skip
    console = _console()
    console.print(t)
    console.print(
        f"Totals: {totals['calls']} calls = {totals['requests']} network requests + {totals['cache_hits']} cache hits; "
        f"{totals['prompt_tokens']:,} prompt + {totals['completion_tokens']:,} completion tokens; {totals['errors']} errors"
    )


@batch_app.callback()
def batch_run(
    ctx: typer.Context,
    codes: Annotated[Path | None, typer.Option(help="A file of SOC codes, one per line (# comments allowed).")] = None,
    group: Annotated[str | None, typer.Option(help="An O*NET major group, e.g. 29.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every O*NET occupation.")] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the drafts.")] = Path("drafts"),
    concurrency: Annotated[
        int, typer.Option(help="LLM requests in flight at once (roles in flight: half as many again).")
    ] = 8,
    processes: Annotated[
        int, typer.Option(help="Worker processes sharing the roles (0: one per 16 concurrent roles, up to the cores).")
    ] = 0,
    rpm: Annotated[float | None, typer.Option(help="Requests per minute, shared by all workers.")] = None,
    tpm: Annotated[float | None, typer.Option(help="Tokens per minute, shared by all workers.")] = None,
    max_cost: Annotated[
        float | None, typer.Option(help="Stop before spending more than this (USD; needs prices).")
    ] = None,
    max_tokens_total: Annotated[
        int | None, typer.Option("--max-tokens", help="Stop before using more tokens than this.")
    ] = None,
    role_retries: Annotated[int, typer.Option(help="Re-drafts of a role after a retryable failure.")] = 2,
    include_scored: Annotated[
        bool, typer.Option("--include-scored", help="Also draft roles humans already scored.")
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Draft this batch's failed roles again.")
    ] = False,
    via: Annotated[str | None, typer.Option(help="openai-batch: write Batch API JSONL instead of drafting.")] = None,
    requests_out: Annotated[Path, typer.Option(help="Where --via openai-batch writes the JSONL.")] = Path(
        "batch-requests.jsonl"
    ),
    offline: OfflineOpt = False,
    endpoint: EndpointOpt = None,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    mode: ModeOpt = None,
    timeout: TimeoutOpt = None,
    no_cache: NoCacheOpt = False,
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the final summary as JSON.")] = False,
) -> None:
    """Draft many roles; re-run the same command to resume after a stop or a crash."""
    if ctx.invoked_subcommand is not None:
        return
    from .batch import human_scored_codes, select_codes
    from .llm.endpoints import resolve_endpoint
    from .onet.catalog import Catalog

    catalog = Catalog.load()
    selected = select_codes(catalog, codes, group, all_)
    skipped = [] if include_scored else sorted(set(selected) & human_scored_codes())
    selected = [c for c in selected if c not in skipped]
    ep = None if offline else resolve_endpoint(
        endpoint=endpoint, base_url=base_url, model=model, api_key_env=api_key_env, mode=mode, timeout=timeout, config=config
    )  # fmt: skip
    console = _console(stderr=True)
    if skipped:
        console.print(
            f"Skipping {len(skipped)} role(s) already scored by humans ({', '.join(skipped)}); --include-scored drafts them."
        )
    if via is not None:
        if via != "openai-batch":
            fail(f"--via: expected openai-batch, got {via!r}")
        if ep is None:
            fail(
                "--via openai-batch needs an endpoint (--endpoint, --base-url/--model or OPENAI_API_KEY) to shape the requests"
            )
        from .batch.jsonl import write_requests
        from .batch.state import batch_id_for

        n = write_requests(selected, ep, requests_out, batch_id_for(selected, out, f"llm:{ep.model}"))
        console.print(
            f"wrote {n} requests to {requests_out}; submit it, then: drafter batch collect RESULTS.jsonl --out {out}"
        )
        return
    from .batch import BatchSettings

    settings = BatchSettings(
        concurrency=concurrency, rpm=rpm, tpm=tpm, max_cost=max_cost, max_tokens=max_tokens_total,
        role_retries=role_retries, retry_failed=retry_failed, use_cache=not no_cache, processes=processes,
    )  # fmt: skip
    _run_batch(selected, ep, out, settings, as_json, console, catalog)


def _run_batch(codes, ep, out, settings, as_json, console, catalog=None) -> None:
    import time

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .batch import run_batch

    priced = bool(ep and ep.prices)
    progress = Progress(
        TextColumn("[bold]drafting[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[rate]} roles/min · {task.fields[tokens]} tok · {task.fields[cost]} · {task.fields[failed]} failed"),
        console=console, transient=as_json,
    )  # fmt: skip
    bar = None
    t_start = time.perf_counter()

    def on_start(b) -> None:
        nonlocal bar
        console.print(
            f"Batch {b.batch_id} ({b.backend}): {b.roles} roles — {b.done} done, {b.failed} failed, {b.pending} to draft"
            + (f"; resumed {b.recovered} interrupted" if b.recovered else "")
            + (f", adopted {b.adopted} finished file(s)" if b.adopted else "")
            + (f", removed {b.cleaned} partial file(s)" if b.cleaned else "")
        )
        progress.start()
        bar = progress.add_task(
            "batch", total=b.pending, rate="0.0", tokens="0", cost="$0.00" if priced else "cost n/a", failed=0
        )

    def on_role(code, status, p) -> None:
        assert bar is not None  # on_start ran first
        minutes = (time.perf_counter() - t_start) / 60
        progress.update(
            bar, advance=1, rate=f"{(p.done + p.failed) / minutes:.1f}" if minutes else "0.0", tokens=f"{p.tokens:,}",
            cost=f"${p.cost:.2f}" if priced else "cost n/a", failed=p.failed,
        )  # fmt: skip
        if status == "failed":
            progress.console.print(f"[red]✗[/] {p.events[-1]}", soft_wrap=True)

    try:
        summary = run_batch(codes, ep, out, settings, catalog=catalog, on_start=on_start, on_role=on_role)
    finally:
        progress.stop()
    if as_json:
        import json

        print(json.dumps(summary, indent=2))
        return
    from .display import print_batch_summary

    print_batch_summary(_console(), summary)


@batch_app.command("status")
def batch_status(
    batch_id: Annotated[str | None, typer.Argument(help="A batch id (default: list all batches).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Done / failed / pending per batch, and each failure's reason."""
    from .batch.state import BatchState, list_batches
    from .llm.runlog import RunLog, runlog_path

    if not runlog_path().exists():
        fail("no batches yet", 1)
    log = RunLog()
    if batch_id is None:
        batches = list_batches(log)
        if as_json:
            import json

            print(json.dumps(batches, indent=2))
            return
        from datetime import datetime

        from rich.table import Table

        t = Table(title="Batches", title_justify="left")
        for col in ("Batch", "Created", "Backend", "Done", "Failed", "Pending", "Folder"):
            t.add_column(col)
        for b in batches:
            t.add_row(b["batch_id"], datetime.fromtimestamp(b["created"]).strftime("%Y-%m-%d %H:%M"), b["config"]["backend"],
                      str(b["done"]), str(b["failed"]), str(b["pending"]), b["out_dir"])  # fmt: skip
        _console().print(t)
        return
    state = BatchState(log, batch_id)
    counts, totals = state.counts(), state.totals()
    if sum(counts.values()) == 0:
        fail(f"no batch {batch_id!r}; `drafter batch status` lists them")
    failed = [
        {"code": r.code, "cause": r.cause, "error": r.error, "attempts": r.attempts} for r in state.roles("failed")
    ]
    if as_json:
        import json

        print(json.dumps({"batch_id": batch_id, **counts, **totals, "failed_roles": failed}, indent=2))
        return
    console = _console()
    console.print(f"Batch {batch_id}: {counts['done']} done, {counts['failed']} failed, {counts['pending'] + counts['running']} pending; "
                  f"{totals['requests']} requests, {totals['prompt_tokens'] + totals['completion_tokens']:,} tokens")  # fmt: skip
    for f_ in failed:
        console.print(
            f"  [red]{f_['code']}[/] {f_['cause']} after {f_['attempts']} attempt(s): {f_['error']}", soft_wrap=True
        )


@batch_app.command("collect")
def batch_collect(
    results: Annotated[Path, typer.Argument(help="The Batch API output file (JSONL).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the drafts.")] = Path("drafts"),
    concurrency: Annotated[int, typer.Option(help="LLM requests in flight at once for the remaining steps.")] = 8,
    endpoint: EndpointOpt = None,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    mode: ModeOpt = None,
    config: ConfigOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the final summary as JSON.")] = False,
) -> None:
    """Validate Batch API answers, run the remaining steps, and write the drafts."""
    from .batch.jsonl import check_answers, read_results
    from .llm.endpoints import resolve_endpoint
    from .llm.runlog import RunLog

    ep = resolve_endpoint(
        endpoint=endpoint, base_url=base_url, model=model, api_key_env=api_key_env, mode=mode, config=config
    )
    if ep is None:
        fail(
            "collect needs the endpoint the requests were written for (--endpoint, --base-url/--model or OPENAI_API_KEY)"
        )
    answers, engine_failed, problems = read_results(results)
    console = _console(stderr=True)
    log = RunLog(secrets=(ep.api_key,) if ep.api_key else ())
    try:
        invalid = check_answers(answers, ep, log)
    finally:
        log.close()
    console.print(
        f"{results}: {len(answers)} answers, {len(answers) - len(invalid)} valid, {len(invalid)} invalid, "
        f"{len(engine_failed)} failed in the batch engine, {len(problems)} unreadable lines"
    )
    for code, why in sorted(invalid.items()):
        console.print(f"  [yellow]{code}[/] invalid answer (will be re-asked with the error): {why}", soft_wrap=True)
    for code, why in sorted(engine_failed.items()):
        console.print(f"  [yellow]{code}[/] {why} (will be drafted live)", soft_wrap=True)
    for p in problems:
        console.print(f"  [red]{p}[/]", soft_wrap=True)
    codes = sorted(set(answers) | set(engine_failed))
    if not codes:
        fail(f"{results}: no usable answers")
    from .batch import BatchSettings

    _run_batch(codes, ep, out, BatchSettings(concurrency=concurrency), as_json, console)


@eval_app.callback()
def eval_run(
    ctx: typer.Context,
    drafts: Annotated[
        Path | None, typer.Option(help="Judge the drafts in this folder instead of drafting now.")
    ] = None,
    tier: Annotated[
        str, typer.Option(help="golden (human-scored roles) or onet-labels (published human task labels).")
    ] = "golden",
    backend: Annotated[
        str | None, typer.Option(help="onet-labels tier: offline, gpt4-labels, or an LLM via the flags below.")
    ] = None,
    sample: Annotated[
        int | None, typer.Option(help="onet-labels tier: evaluate N random occupations (default all).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for --sample.")] = 0,
    samples: Annotated[
        int, typer.Option(help="Drafts per role (use with temperature > 0); mean and spread are reported.")
    ] = 1,
    offline: OfflineOpt = False,
    endpoint: EndpointOpt = None,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    api_key_env: ApiKeyEnvOpt = None,
    mode: ModeOpt = None,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature (0 = cached, repeatable).")] = None,
    no_cache: NoCacheOpt = False,
    config: ConfigOpt = None,
    baseline: Annotated[Path | None, typer.Option(help="A stored run to compare with (its JSON file).")] = None,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit 1 when the gate fails.")
    ] = False,
    gate: Annotated[Path | None, typer.Option(help="Gate thresholds (default evals/gate.toml).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the run's JSON and HTML report.")] = Path(
        "eval-runs"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")] = False,
    calibration: CalibrationOpt = None,
) -> None:
    """Run an evaluation: drafts vs the golden roles (default), or per-task scores vs human labels."""
    if ctx.invoked_subcommand is not None:
        return
    from dataclasses import replace

    from .llm.endpoints import resolve_endpoint

    ep = None
    if not offline and backend in (None, "llm"):
        ep = resolve_endpoint(
            endpoint=endpoint, base_url=base_url, model=model, api_key_env=api_key_env, mode=mode, config=config
        )
        if ep is not None and temperature is not None:
            ep = replace(ep, temperature=temperature)
    console = _console(stderr=True)
    if tier == "onet-labels":
        _eval_labels(ep, backend, sample, seed, as_json, console)
        return
    if tier != "golden":
        fail(f"--tier: expected golden or onet-labels, got {tier!r}")
    if samples > 1 and (ep is None or ep.temperature == 0) and drafts is None:
        console.print(
            "[yellow]--samples > 1 at temperature 0 (or offline) repeats identical drafts; spread will be 0.[/]"
        )
    _eval_golden(
        ep, drafts, samples, no_cache, baseline, fail_on_regression, gate, output, as_json, console, calibration
    )


def _eval_golden(ep, drafts, samples, no_cache, baseline, fail_on_regression, gate_path, output, as_json, console,
                 calibration=None):  # fmt: skip
    import json

    from .evaluation.gate import evaluate_gate, load_gate
    from .evaluation.runner import LLMBackend, OfflineBackend, run_eval
    from .evaluation.runs import load_run, save_run

    checks = load_gate(gate_path)
    base = load_run(baseline) if baseline else None
    llm = None
    if drafts is not None:
        backend = None
    elif ep is None:
        from .calibration import calibration_dir

        console.print("[yellow]No LLM configured: evaluating the offline default.[/]")
        backend = OfflineBackend(calibration_dir=calibration_dir(calibration))
        for why in backend.calibration.skipped:
            console.print(f"[yellow]calibration: skipped {why}[/]", soft_wrap=True)
    else:
        from .calibration import calibration_dir
        from .llm.client import LLM

        console.print(f"Evaluating {ep.describe()}", soft_wrap=True)
        llm = LLM(ep, use_cache=not no_cache)
        backend = LLMBackend(llm, calibration_dir=calibration_dir(calibration))
        for why in backend.calibration.skipped:
            console.print(f"[yellow]calibration: skipped {why}[/]", soft_wrap=True)
    try:
        with console.status("drafting and judging…"):
            run = run_eval(backend=backend, drafts_dir=drafts, samples=samples,
                           on_role=lambda key, status: console.print(f"  {key}: {status}"))  # fmt: skip
    finally:
        if llm:
            llm.close()
    violations = evaluate_gate(run, base, checks)
    gate = {
        "baseline": str(baseline) if baseline else "perfect agreement",
        "violations": [v.describe() for v in violations],
    }
    json_path, html_path = save_run(run, output, gate)
    if as_json:
        summary = run.model_dump(mode="json", include={"run_id", "aggregates", "usage"})
        print(json.dumps(summary | {"gate": gate, "json": str(json_path), "html": str(html_path)}, indent=2))
    else:
        from .display import print_comparison, print_eval

        if base is not None:
            from .evaluation.runs import compare_runs

            rows = [r for r in compare_runs(base, run) if r["scope"] == "mean" or r["verdict"]]
            print_comparison(_console(), rows, f"Against the baseline {baseline} (roles: changed metrics only)")
        print_eval(_console(), run, gate)
        console.print(f"wrote {json_path} and {html_path}")
    if fail_on_regression and violations:
        raise typer.Exit(1)


def _eval_labels(ep, backend, sample, seed, as_json, console) -> None:
    import json

    from .evaluation.labels_tier import run_label_tier

    name = backend or ("llm" if ep is not None else "offline")
    if name not in ("offline", "gpt4-labels", "llm"):
        fail(f"--backend: expected offline, gpt4-labels or llm, got {name!r}")
    llm = None
    if name == "llm":
        if ep is None:
            fail("--backend llm needs an endpoint (--endpoint, --base-url/--model or OPENAI_API_KEY)")
        from .llm.client import LLM

        llm = LLM(ep)
    from rich.progress import Progress

    try:
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task(f"onet-labels tier ({name})", total=None)
            result = run_label_tier(llm if llm else name, sample=sample, seed=seed,
                                    on_progress=lambda done, total: progress.update(bar, completed=done, total=total))  # fmt: skip
    finally:
        if llm:
            llm.close()
    if as_json:
        print(json.dumps(result, indent=2))
        return
    from .display import print_label_tier

    print_label_tier(_console(), result, name)


@eval_app.command("compare")
def eval_compare(
    a: Annotated[Path, typer.Argument(help="Earlier run (JSON).")],
    b: Annotated[Path, typer.Argument(help="Later run (JSON).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Compare two stored eval runs metric by metric."""
    from .evaluation.runs import compare_runs, load_run

    rows = compare_runs(load_run(a), load_run(b))
    if as_json:
        import json

        print(json.dumps(rows, indent=2))
        return
    from .display import print_comparison

    print_comparison(_console(), rows, f"{a.name} → {b.name}")


@onet_app.command("show")
def onet_show(
    occupation: Annotated[
        str, typer.Argument(help="O*NET-SOC code (29-2072 or 29-2072.00) or a custom task list file.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List an occupation's tasks with type, time-share prior and the published exposure labels."""
    from .onet import resolve_occupation
    from .onet.priors import priors

    occ = resolve_occupation(occupation)
    shares, rule = priors(occ.tasks)
    if as_json:
        import json

        rows = [
            {
                "id": t.id,
                "statement": t.statement,
                "type": t.type,
                "prior_pct": p,
                "human": t.human_label,
                "gpt4": t.gpt4_label,
                "gpt4_automation": t.gpt4_automation,
            }
            for t, p in zip(occ.tasks, shares, strict=True)
        ]
        out = {"code": occ.code, "title": occ.title, "source": occ.source, "prior_rule": rule, "tasks": rows}
        print(json.dumps(out | {"labour": _labour_json(occ.code)}, indent=2))  # issue 15: BLS figures
        return
    from rich.table import Table

    t = Table(title=f"{occ.code} {occ.title} — {len(occ.tasks)} tasks ({occ.source})", title_justify="left")
    t.add_column("Task ID", justify="right")
    t.add_column("Type")
    t.add_column("Prior", justify="right")
    t.add_column("Human")
    t.add_column("GPT-4")
    t.add_column("Statement")
    for task, p in zip(occ.tasks, shares, strict=True):
        t.add_row(
            str(task.id), task.type or "—", f"{p}%", task.human_label or "—", task.gpt4_label or "—", task.statement
        )
    console = _console()
    console.print(t)
    console.print(
        f"Priors sum to {sum(shares)}% (rule: {rule}). Labels: E0 none, E1 direct LLM exposure, E2 with LLM-based tools."
    )
    console.print(_labour_line(occ.code), soft_wrap=True)  # issue 15: employment and median wage, dated
    console.print(
        "[dim]O*NET task statements © National Center for O*NET Development, CC BY 4.0; labels: GPTs are GPTs (MIT); "
        "employment and wages: U.S. Bureau of Labor Statistics, OEWS (public domain).[/]"
    )


@onet_app.command("search")
def onet_search(
    query: Annotated[str, typer.Argument(help="Words of a job title, e.g. 'medical coder'.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many matches.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Find occupations by title, alternate title or task wording (ranked, fuzzy)."""
    from .onet.catalog import Catalog

    matches = Catalog.load().search(query, limit)
    if as_json:
        import json

        print(
            json.dumps(
                [
                    {"code": m.occupation.code, "title": m.occupation.title, "score": m.score, "matched": m.matched}
                    for m in matches
                ],
                indent=2,
            )
        )
        return
    if not matches:
        fail(f"no occupation matches {query!r}", 1)
    from rich.table import Table

    t = Table(title=f"O*NET occupations matching {query!r}", title_justify="left")
    for col in ("Code", "Title", "Score", "Matched on"):
        t.add_column(col, justify="right" if col == "Score" else "left")
    for m in matches:
        t.add_row(m.occupation.code, m.occupation.title, f"{m.score:.2f}", m.matched)
    _console().print(t)


@onet_app.command("import")
def onet_import(
    directory: Annotated[Path, typer.Argument(help="An unzipped O*NET database text release (db_30_0_text).")],
) -> None:
    """Import an official O*NET text release into the local store (used before the bundled data)."""
    from .onet import import_release

    n_occ, n_tasks, path = import_release(directory)
    _console().print(f"imported {n_occ} occupations and {n_tasks} tasks from {directory} into {path}")


# --- issue 15: official labour-market figures (BLS OEWS): `drafter notes`, `drafter bls import|show`, and the
# helpers `onet show` and `draft` call. One contiguous block, to move into the drafter/cli/ package as a module.
bls_app = typer.Typer(
    help="Official employment and wages (BLS OEWS): the bundled May 2025 table and newer imported releases.",
    no_args_is_help=True,
)
app.add_typer(bls_app, name="bls")


def _role_facts(code: str):
    from .labour.facts import shared_facts

    return shared_facts().role(code)


def _release_facts(code: str):
    """The releases alone (no scored assessments read): what `onet show` needs, kept fast."""
    from .labour.facts import LabourFacts
    from .labour.tables import LabourTables

    return LabourFacts(LabourTables.load()).role(code)


def _labour_json(code: str) -> dict:
    """What `onet show --json` adds: the role's SOC mapping and figures (`bls show` adds earlier ones)."""
    return _release_facts(code).to_json()


def _labour_line(code: str) -> str:
    from .labour.views import figures_line

    return figures_line(_release_facts(code))


def _notes_notice(occ, notes_given: bool) -> str | None:
    """What `draft` says about the notes an LLM draft gets when no --notes file is given."""
    if notes_given:
        return None
    facts = _role_facts(occ.code)
    if facts.role.figures is None:
        return f"No --notes and no official figures for this role ({facts.role.mapping.reason}): evidence is the model's recall."
    code = occ.code.removesuffix(".00")
    return (
        f"No --notes: the prompts carry the official figures of SOC {facts.role.figures.soc_code} "
        f"({facts.citation}) as notes; `drafter notes {code}` writes a notes file to complete."
    )


@app.command("notes")
def notes_cmd(
    occupation: Annotated[str, typer.Argument(help="O*NET-SOC code (29-2072 or 29-2072.00).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The notes file (default notes/CODE.md).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Job title for the heading (default: the O*NET title).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing notes file.")] = False,
) -> None:
    """Write an evidence-notes file for a role: its dated, cited BLS figures, then empty headings to complete."""
    from .labour.notes import notes_document, write_notes_file
    from .onet.catalog import Catalog

    occ = Catalog.load_one(occupation)
    path = output or Path("notes") / f"{occ.code.removesuffix('.00')}.md"
    facts = _role_facts(occ.code)
    write_notes_file(path, notes_document(facts, title or occ.title), force=force)
    console = _console(stderr=True)
    if facts.role.figures is None:
        console.print(f"[yellow]No BLS figures for {occ.code}: {facts.role.mapping.reason}.[/]", soft_wrap=True)
    console.print(f"wrote {path}; complete it, then: drafter draft {occupation} --notes {path}", soft_wrap=True)


@bls_app.command("import")
def bls_import(
    files: Annotated[
        list[Path], typer.Argument(help="BLS OE time-series files: oe.data.0.Current (and oe.occupation for titles).")
    ],
) -> None:
    """Import a newer OEWS release from the BLS time-series files into the local store (atomically)."""
    from .labour.timeseries import import_timeseries

    imported, path = import_timeseries(files)
    for table, replaced in imported:
        again = " (replacing the earlier import of it)" if replaced else ""
        _console().print(
            f"imported {table.release.citation} ({table.release.id}): {len(table.rows):,} SOC codes into {path}{again}"
        )


@bls_app.command("show")
def bls_show(
    occupation: Annotated[str, typer.Argument(help="O*NET-SOC code (29-2072 or 29-2072.00).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """A role's SOC code, its figures in every known release, and the changes drafter can state."""
    from .labour.facts import shared_facts
    from .labour.views import print_role_figures

    facts = shared_facts()
    role = facts.role(occupation)
    if as_json:
        import json

        history = [r.to_json() for r in role.role.history]
        print(json.dumps(role.to_json() | {"history": history}, indent=2))
        return
    print_role_figures(_console(), role, facts.tables)


# --- end issue 15 ---


def main() -> None:
    try:
        app()
    except DrafterError as e:
        _exit_with(str(e), e.exit_code)
    except OSError as e:  # an unreadable input or unwritable output: one line, not a traceback
        where = e.filename or ""
        _exit_with(f"{where}: {e.strerror or e}" if where else str(e), 2)
    except KeyboardInterrupt:
        sys.exit(130)


def _exit_with(message: str, code: int) -> NoReturn:
    try:
        fail(message, code)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
