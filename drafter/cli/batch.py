"""``drafter batch``: many roles (run, resume, status), and Batch API files (write, collect)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..safetext import shown
from .common import (
    CalibrationOpt,
    EndpointOptions,
    JsonOpt,
    calibration_set,
    checked,
    console,
    endpoint_options,
    fail,
)

if TYPE_CHECKING:
    from rich.console import Console

    from ..batch import BatchSettings
    from ..llm.endpoints import Endpoint

batch_app = typer.Typer(
    help="Draft many occupations: concurrent, rate-limited, resumable, costed.", invoke_without_command=True
)
ROLES_FAILED_EXIT = 4
"""A batch that ended with failed roles (docs/batch.md: exit codes): a script must not read it as all done."""
NEEDS_ENDPOINT = "(--endpoint, --base-url/--model or OPENAI_API_KEY)"


@batch_app.callback()
@endpoint_options(
    "offline", "endpoint", "base_url", "model", "api_key_env", "mode", "timeout", "context_window", "reprobe",
    "no_cache", "config",
)  # fmt: skip
def batch_run(
    ctx: typer.Context,
    codes: Annotated[Path | None, typer.Option(help="A file of SOC codes, one per line (# comments allowed).")] = None,
    group: Annotated[str | None, typer.Option(help="An O*NET major group, e.g. 29.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every O*NET occupation.")] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the drafts.")] = Path("drafts"),
    concurrency: Annotated[
        int | None,
        typer.Option(
            help="LLM requests in flight at once (roles in flight: half as many again) [default: the endpoint's "
            "concurrency; 1 for local kinds (docs/local-models.md); else 8].",
            callback=checked("concurrency"),
        ),
    ] = None,
    processes: Annotated[
        int,
        typer.Option(
            help="Worker processes sharing the roles (0: one per 16 requests in flight, up to the cores; one when the budget is small).",
            callback=checked("processes"),
        ),
    ] = 0,
    rpm: Annotated[
        float | None, typer.Option(help="Requests per minute, shared by all workers.", callback=checked("rpm"))
    ] = None,
    tpm: Annotated[
        float | None, typer.Option(help="Tokens per minute, shared by all workers.", callback=checked("tpm"))
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option(help="Stop before spending more than this (USD; needs prices).", callback=checked("max_cost")),
    ] = None,
    max_tokens_total: Annotated[
        int | None,
        typer.Option(
            "--max-total-tokens",
            help="Stop before the batch uses more tokens than this, all calls together.",
            callback=checked("max_tokens_total"),
        ),
    ] = None,
    max_tokens_deprecated: Annotated[
        int | None,
        typer.Option(
            "--max-tokens",
            hidden=True,
            callback=checked("max_tokens_total"),
            help="Deprecated name of --max-total-tokens (draft's --max-tokens is per call).",
        ),  # fmt: skip
    ] = None,
    role_retries: Annotated[
        int, typer.Option(help="Re-drafts of a role after a retryable failure.", callback=checked("role_retries"))
    ] = 2,
    draft_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds for one attempt at a role's whole draft (each request also has --timeout).",
            callback=checked("draft_timeout"),
        ),
    ] = None,
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
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace drafts (and the --requests-out file or portfolio/ files) edited since drafter wrote them "
            "(keeps numbered backups).",
        ),
    ] = False,
    calibration: CalibrationOpt = None,
    llm: EndpointOptions = EndpointOptions(),
    as_json: Annotated[bool, typer.Option("--json", help="Print the final summary as JSON.")] = False,
) -> None:
    """Draft many roles; re-run the same command to resume after a stop or a crash."""
    if ctx.invoked_subcommand is not None:
        return
    from ..batch import BatchSettings, select_roles, write_request_file
    from ..onet.catalog import Catalog

    catalog = Catalog.load()
    selection = select_roles(catalog, codes, group, all_, include_scored)
    ep = llm.resolve()
    err = console(stderr=True)
    if max_tokens_deprecated is not None:
        err.print(
            "warning: batch --max-tokens is deprecated: it is the batch's total token budget, now --max-total-tokens "
            "(draft's --max-tokens is a limit per call)", markup=False, soft_wrap=True,
        )  # fmt: skip
        max_tokens_total = max_tokens_total if max_tokens_total is not None else max_tokens_deprecated
    if skipped := selection.skipped_scored:
        err.print(
            f"Skipping {len(skipped)} role(s) already scored by humans ({', '.join(skipped)}); --include-scored drafts them."
        )
    if via is not None:
        if via != "openai-batch":
            fail(f"--via: expected openai-batch, got {via!r}")
        if ep is None:
            fail(f"--via openai-batch needs an endpoint {NEEDS_ENDPOINT} to shape the requests")
        cal = calibration_set(calibration, err)
        n, backup = write_request_file(selection.codes, ep, out, requests_out, cal, force, [codes] if codes else [])
        if backup:
            err.print(f"kept the previous {requests_out} as {backup}", markup=False, soft_wrap=True)
        err.print(
            f"wrote {n} requests to {requests_out}; submit it, then: drafter batch collect RESULTS.jsonl --out {out}"
        )
        return
    if concurrency is None:
        concurrency = (ep.max_in_flight if ep is not None else None) or 8
    settings = BatchSettings(
        concurrency=concurrency, rpm=rpm, tpm=tpm, max_cost=max_cost, max_tokens=max_tokens_total,
        role_retries=role_retries, retry_failed=retry_failed, use_cache=llm.use_cache, processes=processes,
        force=force, calibration=calibration_set(calibration, err), draft_timeout=draft_timeout,
    )  # fmt: skip
    _run(selection.codes, ep, out, settings, as_json, err, catalog)


def _run(
    codes: list[str], ep: Endpoint | None, out: Path, settings: BatchSettings, as_json: bool, err: Console, catalog=None
) -> None:
    """The batch with a live progress bar (roles per minute, tokens, cost, failures), then its summary; Ctrl-C
    ends it with how far it got (exit 130)."""
    from ..batch import BatchInterrupted, run_batch

    bar = _ProgressBar(err, priced=bool(ep and ep.prices), transient=as_json)
    try:
        summary = run_batch(codes, ep, out, settings, catalog=catalog, on_start=bar.on_start, on_role=bar.on_role)
    except BatchInterrupted as e:  # not an error: what is done stays done, and the same command resumes
        bar.stop()
        err.print(f"[yellow]{e}[/]", soft_wrap=True)
        raise typer.Exit(e.exit_code) from None
    finally:
        bar.stop()
    _report(summary, as_json, err)


class _ProgressBar:
    """What a running batch shows on stderr: how it started, then a bar with roles per minute, tokens, cost and
    failures, and each failure as it happens."""

    def __init__(self, err: Console, priced: bool, transient: bool):
        import time

        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.err, self.priced, self.started = err, priced, time.perf_counter()
        self.progress = Progress(
            TextColumn("[bold]drafting[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[rate]} roles/min · {task.fields[tokens]} tok · {task.fields[cost]} · {task.fields[failed]} failed"),
            console=err, transient=transient,
        )  # fmt: skip
        self.task: Any = None  # the bar's rich TaskID, once the batch has started

    def on_start(self, b) -> None:
        self.err.print(
            f"Batch {b.batch_id} ({b.drafter}): {b.roles} roles — {b.done} done, {b.failed} failed, {b.pending} to draft"
            + (f"; resumed {b.recovered} interrupted" if b.recovered else "")
            + (f", adopted {b.adopted} finished file(s)" if b.adopted else "")
            + (f", removed {b.cleaned} partial file(s)" if b.cleaned else "")
        )
        self.progress.start()
        cost = "$0.00" if self.priced else "cost n/a"
        self.task = self.progress.add_task("batch", total=b.pending, rate="0.0", tokens="0", cost=cost, failed=0)

    def on_role(self, code, status, p) -> None:
        import time

        assert self.task is not None  # on_start ran first
        minutes = (time.perf_counter() - self.started) / 60
        self.progress.update(
            self.task, advance=1, rate=f"{(p.done + p.failed) / minutes:.1f}" if minutes else "0.0",
            tokens=f"{p.tokens:,}", cost=f"${p.cost:.2f}" if self.priced else "cost n/a", failed=p.failed,
        )  # fmt: skip
        if status == "failed":
            self.progress.console.print(f"[red]✗[/] {shown(p.events[-1])}", soft_wrap=True)

    def stop(self) -> None:
        self.progress.stop()


def _report(summary: dict, as_json: bool, err: Console) -> None:
    """The summary (a table, or JSON on stdout), and exit 4 with how to retry when roles failed."""
    if summary["portfolio"]:
        err.print(f"portfolio: {', '.join(summary['portfolio'])}")
    if summary.get("portfolio_kept"):
        err.print(summary["portfolio_kept"], style="yellow", markup=False, soft_wrap=True)
    if as_json:
        import json

        print(json.dumps(summary, indent=2))
    else:
        from .display.runs import print_batch_summary

        print_batch_summary(console(), summary)
    if summary["failed"]:
        hint = "re-run the same `drafter batch` command with --retry-failed to draft them again"
        if "kept-edits" in summary["failures_by_cause"]:
            hint += " (kept-edits: add --force to replace the edited drafts, keeping numbered backups)"
        err.print(f"[red]{summary['failed']} role(s) failed[/]; {hint}", soft_wrap=True)
        raise typer.Exit(ROLES_FAILED_EXIT)


@batch_app.command("status")
def batch_status(
    batch_id: Annotated[str | None, typer.Argument(help="A batch id (default: list all batches).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Done / failed / pending per batch, and each failure's reason."""
    import json

    from ..batch.state import BatchState, list_batches
    from ..store import open_store, store_path
    from .display.runs import print_batch_status, print_batches

    if not store_path().exists():
        fail("no batches yet", 1)
    store = open_store()  # the process ends after this command: its one store closes with it
    if batch_id is None:
        batches = list_batches(store)
        if as_json:
            print(json.dumps(batches, indent=2))
        else:
            print_batches(console(), batches)
        return
    state = BatchState(store, batch_id)
    counts, totals = state.counts(), state.totals()
    if sum(counts.values()) == 0:
        fail(f"no batch {batch_id!r}; `drafter batch status` lists them")
    failed = [
        {"code": r.code, "cause": r.cause, "error": r.error, "attempts": r.attempts} for r in state.roles("failed")
    ]
    if as_json:
        print(json.dumps({"batch_id": batch_id, **counts, **totals, "failed_roles": failed}, indent=2))
    else:
        print_batch_status(console(), batch_id, counts, totals, failed)


@batch_app.command("collect")
@endpoint_options("endpoint", "base_url", "model", "api_key_env", "mode", "config")
def batch_collect(
    results: Annotated[Path, typer.Argument(help="The Batch API output file (JSONL).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the drafts.")] = Path("drafts"),
    concurrency: Annotated[
        int,
        typer.Option(help="LLM requests in flight at once for the remaining steps.", callback=checked("concurrency")),
    ] = 8,
    calibration: CalibrationOpt = None,
    llm: EndpointOptions = EndpointOptions(),
    as_json: Annotated[bool, typer.Option("--json", help="Print the final summary as JSON.")] = False,
) -> None:
    """Validate Batch API answers, run the remaining steps, and write the drafts."""
    from ..batch import BatchSettings, collect_results

    ep = llm.resolve()
    if ep is None:
        fail(f"collect needs the endpoint the requests were written for {NEEDS_ENDPOINT}")
    err = console(stderr=True)
    cal = calibration_set(calibration, err)  # the set the requests were written with: their prompts must match
    got = collect_results(results, ep, cal)
    err.print(
        f"{results}: {got.answers} answers, {got.answers - len(got.invalid)} valid, {len(got.invalid)} invalid, "
        f"{len(got.engine_failed)} failed in the batch engine, {len(got.problems)} unreadable lines"
    )
    for code, why in sorted(got.invalid.items()):
        err.print(
            f"  [yellow]{shown(code)}[/] invalid answer (will be re-asked with the error): {shown(why)}", soft_wrap=True
        )
    for code, why in sorted(got.engine_failed.items()):
        err.print(f"  [yellow]{shown(code)}[/] {shown(why)} (will be drafted live)", soft_wrap=True)
    for p in got.problems:
        err.print(f"  [red]{shown(p)}[/]", soft_wrap=True)
    if not got.codes:
        fail(f"{results}: no usable answers")
    try:
        _run(got.codes, ep, out, BatchSettings(concurrency=concurrency, calibration=cal), as_json, err)
    except typer.Exit as e:
        if e.exit_code != ROLES_FAILED_EXIT or not got.problems:
            raise
    if got.problems:  # every good line was collected; the bad ones are named above, and the exit says so
        err.print(f"[red]{len(got.problems)} line(s) of {results} not collected[/] (named above)", soft_wrap=True)
        raise typer.Exit(ROLES_FAILED_EXIT)


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")
