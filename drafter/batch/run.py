"""A batch from start to summary: its state and lock, the runner, what an interruption leaves, the summary and
the portfolio the batch ends with."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DrafterError
from .settings import BatchSettings, default_processes


@dataclass
class BatchStart:
    """What a batch found when it started, for the caller to show."""

    batch_id: str
    drafter: str  # the drafter's name: "offline" or "llm:MODEL"
    roles: int
    done: int
    failed: int
    pending: int
    recovered: int
    adopted: int
    cleaned: int


class BatchInterrupted(DrafterError):
    """Ctrl-C (SIGINT) during a batch: what is done stays done; the same command resumes (exit 130, as a shell's)."""

    exit_code = 130

    def __init__(self, done: int, pending: int):
        super().__init__(f"interrupted: {done} done, rerun the same command to resume ({pending} still to draft)")
        self.done, self.pending = done, pending


def run_batch(
    codes: list[str],
    endpoint,
    out: Path,
    settings: BatchSettings,
    *,
    catalog=None,
    on_start: Callable[[BatchStart], None] = lambda start: None,
    on_role: Callable[[str, str, object], None] = lambda code, status, progress: None,
) -> dict:
    """Draft ``codes`` into ``out`` (resuming the same batch if it ran before), then write the portfolio of ``out``;
    returns the summary (``portfolio``: the files written). Ctrl-C ends it in ``BatchInterrupted``."""
    from ..drafting.choose import drafter_for
    from ..llm.runlog import RunLog
    from ..store import open_store
    from .state import BatchState, batch_id_for

    if settings.max_cost is not None and endpoint is not None and not endpoint.prices:
        raise DrafterError(
            f'--max-cost needs prices for {endpoint.model}: add [prices."{endpoint.model}"] input = …, output = … '
            "to endpoints.toml"
        )
    store = open_store()  # the process's one store: the run log, the batch state and the portfolio's trail share it
    log = RunLog(store=store, secrets=(endpoint.api_key,) if endpoint is not None and endpoint.api_key else ())
    try:
        drafter = drafter_for(
            endpoint, log=log, use_cache=settings.use_cache, concurrency=settings.concurrency, rpm=settings.rpm,
            tpm=settings.tpm, catalog=catalog, calibration=settings.calibration,
        )  # fmt: skip
        cal = settings.calibration
        state = BatchState(store, batch_id_for(codes, out, drafter.name, cal.user_key() if cal is not None else ""))
        started = time.perf_counter()
        runner, timing = _draft(state, drafter, endpoint, codes, out, settings, catalog, on_start, on_role)
        summary = _summary(state, log, drafter, runner, len(codes), timing, time.perf_counter() - started)
    finally:
        log.close()
        store.close()
    # a batch ends with its portfolio (docs/review.md); an edited portfolio file is kept, and the summary says so
    summary["portfolio"], summary["portfolio_kept"] = write_batch_portfolio(out, settings.force)
    return summary


def _draft(state, drafter, endpoint, codes, out, settings, catalog, on_start, on_role) -> tuple[Any, dict]:
    """Under the batch's lock: record the roles, recover what a killed run left, then draft the pending roles."""
    from ..paths import data_home
    from .runner import BatchLock, BatchRunner, Caps

    with drafter, BatchLock(data_home() / "batches" / f"{state.batch_id}.lock"):
        budget = drafter.budget() or {}
        config = {"backend": drafter.name, "concurrency": settings.concurrency, "rpm": budget.get("rpm"),
                  "tpm": budget.get("tpm")}  # fmt: skip
        state.create(codes, out, config)
        runner = BatchRunner(
            state, out, drafter, catalog=catalog, concurrency=settings.concurrency, role_retries=settings.role_retries,
            caps=Caps(settings.max_cost, settings.max_tokens), on_role=on_role,
            worker_drafter=_worker_drafter(endpoint, settings) if drafter.io_bound else None, force=settings.force,
            draft_timeout=settings.draft_timeout,
        )  # fmt: skip
        Path(out).mkdir(parents=True, exist_ok=True)
        recovered = state.recover(settings.retry_failed)
        cleaned = runner.clean_stale_temporaries()
        adopted = runner.adopt_finished_files()
        pending = [r.code for r in state.roles("pending")]
        before = state.counts()
        on_start(BatchStart(state.batch_id, drafter.name, len(codes), before["done"], before["failed"], len(pending),
                            recovered, adopted, cleaned))  # fmt: skip
        processes = settings.processes or default_processes(settings.concurrency, budget.get("rpm"), budget.get("tpm"))
        try:
            return runner, runner.run(pending, processes)
        except KeyboardInterrupt:
            state.recover(retry_failed=False)  # roles in flight go back to pending: the rerun drafts them
            counts = state.counts()
            raise BatchInterrupted(counts["done"], counts["pending"]) from None


def _worker_drafter(endpoint, settings: BatchSettings):
    """How a forked worker builds its drafter: its own connections and an equal share of the budgets (the flags'
    or the endpoint's, and what the server's headers say)."""
    from ..drafting.choose import drafter_for

    def build(worker_log, processes: int, concurrency: int):
        return drafter_for(
            endpoint, log=worker_log, use_cache=settings.use_cache, concurrency=concurrency, rpm=settings.rpm,
            tpm=settings.tpm, budget_share=1 / processes, calibration=settings.calibration,
        )  # fmt: skip

    return build


def _summary(state, log, drafter, runner, roles: int, timing: dict, wall: float) -> dict:
    """The batch's figures as JSON shows them: counts, tokens, cost, failures, timing, and tokens per step."""
    from ..drafting.steps import step_order

    counts, totals = state.counts(), state.totals()
    by_step = sorted(log.by_step(run_prefix=f"{state.batch_id}:"), key=lambda t: step_order(t.step))
    steps = [t.summary(drafter.prices) for t in by_step]  # in the pipeline's order
    return {
        "batch_id": state.batch_id, "backend": drafter.name, "roles": roles, **counts,
        "stopped_by_cap": runner.stopped_by_cap, "crashed_workers": runner.crashed_workers, "requests": totals["requests"], "cache_hits": totals["cache_hits"],
        "prompt_tokens": totals["prompt_tokens"], "cached_tokens": totals["cached_tokens"], "completion_tokens": totals["completion_tokens"],
        "cost_usd": totals["cost_usd"], "failures_by_cause": totals["failures_by_cause"], "duplicates": totals["duplicates"],
        "throttled_429": totals["throttled_429"], "wall_seconds": round(wall, 3), **timing,
        "steps": steps, "budget": drafter.budget(),
    }  # fmt: skip


def write_batch_portfolio(out: Path, force: bool = False) -> tuple[list[str], str | None]:
    """OUT/portfolio/: index.html, portfolio.csv and .json, one row per draft by review priority (none: no drafts).
    Written like any file a user may edit (``files.write_owned_files``): an edited one is kept unless ``force``
    (numbered backups); then no file is written and the second value says why (the drafts are written anyway)."""
    from ..files import OverwriteRefused
    from ..portfolio.table import build_portfolio, write_portfolio

    if not Path(out).is_dir():
        return [], None
    rows, problems = build_portfolio(out)
    if not rows:
        return [], None
    try:
        paths = write_portfolio(out, rows, problems, title=f"drafter portfolio — {out}", force=force)
    except OverwriteRefused as e:
        return [], f"portfolio not rewritten: {e}"
    return [str(p) for p in paths], None
