"""Batch drafting of many occupations: selection, the resumable runner, and Batch API files."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..codes import normalise_onet_code
from ..errors import DrafterError


def human_scored_codes() -> set[str]:
    from ..evaluation.golden import load_golden_roles, load_reference_points

    codes = set(load_golden_roles())
    codes |= {p.onet_code for p in load_reference_points().points if p.onet_code}
    return codes


@dataclass(frozen=True)
class Selection:
    """The roles a batch drafts, and the ones it leaves out because humans already scored them."""

    codes: list[str]
    skipped_scored: list[str]


def select_roles(
    catalog, codes_file: Path | None, group: str | None, all_: bool, include_scored: bool = False
) -> Selection:
    """Name the roles one way (a codes file, a major group or all); roles with a human-scored golden role or
    reference point are skipped unless ``include_scored``: a draft of them would only repeat the assessors."""
    selected = select_codes(catalog, codes_file, group, all_)
    skipped = [] if include_scored else sorted(set(selected) & human_scored_codes())
    return Selection([c for c in selected if c not in skipped], skipped)


def select_codes(catalog, codes_file: Path | None, group: str | None, all_: bool) -> list[str]:
    """The roles a batch covers, in code order; a bad line of a codes file is named with its line number."""
    chosen = sum(x is not None and x is not False for x in (codes_file, group, all_ or None))
    if chosen != 1:
        raise DrafterError("name the roles one way: a file of SOC codes, --group NN, or --all")
    if all_:
        return sorted(catalog.by_code)
    if group is not None:
        if not (len(group) == 2 and group.isdigit()):
            raise DrafterError(f"--group: expected a two-digit O*NET major group such as 29, got {group!r}")
        codes = sorted(c for c in catalog.by_code if c.startswith(group + "-"))
        if not codes:
            raise DrafterError(f"--group {group}: no occupations in that major group")
        return codes
    from ..files import read_text
    from ..onet.catalog import UnknownOccupation

    assert codes_file is not None

    found: list[str] = []
    for n, raw in enumerate(read_text(codes_file).splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            code = normalise_onet_code(line.split()[0].rstrip(","))
            catalog.get(code)
        except (ValueError, UnknownOccupation) as e:
            raise DrafterError(f"{codes_file}:line {n}: {e}") from None
        if code not in found:
            found.append(code)
    if not found:
        raise DrafterError(f"{codes_file}: no SOC codes in the file")
    return sorted(found)


def write_request_file(
    codes: list[str], endpoint, out: Path, requests_out: Path, calibration=None, force: bool = False, inputs=()
) -> tuple[int, Path | None]:
    """Step (a) of every role as OpenAI Batch API JSONL, under the batch id a live run would use, its prompts
    calibrated on ``calibration`` (a ``CalibrationSet``; default: the shipped roles). ``requests_out`` is written
    like any output a user names (``files.write_owned_files``); returns the requests written and the backup kept."""
    from ..drafting.base import drafter_name
    from .jsonl import write_requests
    from .state import batch_id_for

    batch_id = batch_id_for(codes, out, drafter_name(endpoint), calibration.user_key() if calibration else "")
    return write_requests(codes, endpoint, requests_out, batch_id, calibration, force, inputs)


@dataclass(frozen=True)
class Collected:
    """Batch API results read and checked: the roles to draft now, and what was wrong with the rest."""

    answers: int
    invalid: dict[str, str]  # code -> validation problem (step (a) is asked again with the error)
    engine_failed: dict[str, str]  # code -> the batch engine's reason (drafted live)
    problems: list[str]  # unreadable lines
    codes: list[str]


def collect_results(results: Path, endpoint, calibration=None) -> Collected:
    """Store each Batch API answer under its request in the run log and validate it by replay (no network);
    ``calibration`` is the set the requests were written with (default: the shipped roles)."""
    from ..llm.runlog import RunLog
    from .jsonl import check_answers, read_results

    answers, engine_failed, problems = read_results(results)
    log = RunLog(secrets=(endpoint.api_key,) if endpoint.api_key else ())
    try:
        invalid = check_answers(answers, endpoint, log, calibration)
    finally:
        log.close()
    codes = sorted(set(answers) | set(engine_failed))
    return Collected(len(answers), invalid, engine_failed, problems, codes)


@dataclass
class BatchSettings:
    concurrency: int = 8
    rpm: float | None = None
    tpm: float | None = None
    max_cost: float | None = None
    max_tokens: int | None = None
    role_retries: int = 2
    retry_failed: bool = False
    use_cache: bool = True
    processes: int = 0  # 0: one per 16 concurrent roles, at most one per core
    force: bool = False  # replace drafts edited since drafter wrote them (keeping numbered backups)
    calibration: Any = None  # the CalibrationSet the prompts (and offline priors) use; None: the shipped roles


ONE_LOOP_CALLS_PER_SECOND = 100  # what one worker process's event loop sustains with room to spare (docs/batch.md)


def default_processes(concurrency: int, rpm: float | None = None, tpm: float | None = None) -> int:
    """One worker process per 16 requests in flight, up to the cores; but one when the endpoint's budget allows
    fewer calls than one event loop makes (a process's share of a budget is fixed, so a second process would
    only leave part of the budget idle whenever its roles run out first). A call is reckoned at 1,000 tokens
    or more, so a tokens-per-minute budget up to 6 M keeps one process."""
    n = min(os.cpu_count() or 1, max(1, concurrency // 16))
    calls_per_second = [b / 60 for b in (rpm, tpm / 1000 if tpm else None) if b]
    if calls_per_second and min(calls_per_second) <= ONE_LOOP_CALLS_PER_SECOND:
        return 1
    return n


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
    """Draft ``codes`` into ``out`` (resuming the same batch if it ran before); returns the summary."""
    import time

    from ..drafting.base import drafter_for
    from ..llm.runlog import RunLog
    from ..paths import data_home
    from .runner import BatchLock, BatchRunner, Caps
    from .state import BatchState, batch_id_for

    if settings.max_cost is not None and endpoint is not None and not endpoint.prices:
        raise DrafterError(
            f'--max-cost needs prices for {endpoint.model}: add [prices."{endpoint.model}"] input = …, output = … '
            "to endpoints.toml"
        )
    log = RunLog(secrets=(endpoint.api_key,) if endpoint is not None and endpoint.api_key else ())
    drafter = drafter_for(
        endpoint, log=log, use_cache=settings.use_cache, concurrency=settings.concurrency, rpm=settings.rpm,
        tpm=settings.tpm, catalog=catalog, calibration=settings.calibration,
    )  # fmt: skip

    def worker_drafter(worker_log, processes: int, concurrency: int):
        """A forked worker's drafter: its own connections and an equal share of the budgets (the flags' or the
        endpoint's, and what the server's headers say)."""
        return drafter_for(
            endpoint, log=worker_log, use_cache=settings.use_cache, concurrency=concurrency, rpm=settings.rpm,
            tpm=settings.tpm, budget_share=1 / processes, calibration=settings.calibration,
        )  # fmt: skip

    cal = settings.calibration
    batch_id = batch_id_for(codes, out, drafter.name, cal.user_key() if cal is not None else "")
    state = BatchState(log, batch_id)
    started = time.perf_counter()
    with drafter, BatchLock(data_home() / "batches" / f"{batch_id}.lock"):
        budget = drafter.budget() or {}
        config = {"backend": drafter.name, "concurrency": settings.concurrency, "rpm": budget.get("rpm"),
                  "tpm": budget.get("tpm")}  # fmt: skip
        state.create(codes, out, config)
        runner = BatchRunner(
            state, out, drafter, catalog=catalog, concurrency=settings.concurrency, role_retries=settings.role_retries,
            caps=Caps(settings.max_cost, settings.max_tokens), on_role=on_role,
            worker_drafter=worker_drafter if drafter.io_bound else None, force=settings.force,
        )  # fmt: skip
        Path(out).mkdir(parents=True, exist_ok=True)
        recovered = state.recover(settings.retry_failed)
        cleaned = runner.clean_stale_temporaries()
        adopted = runner.adopt_finished_files()
        pending = [r.code for r in state.roles("pending")]
        before = state.counts()
        on_start(BatchStart(batch_id, drafter.name, len(codes), before["done"], before["failed"], len(pending),
                            recovered, adopted, cleaned))  # fmt: skip
        processes = settings.processes or default_processes(settings.concurrency, budget.get("rpm"), budget.get("tpm"))
        timing = runner.run(pending, processes)
    counts, totals = state.counts(), state.totals()
    from ..drafting.steps import step_order

    by_step = sorted(log.by_step(run_prefix=f"{batch_id}:"), key=lambda t: step_order(t.step))
    steps = [t.summary(drafter.prices) for t in by_step]  # in the pipeline's order
    return {
        "batch_id": batch_id, "backend": drafter.name, "roles": len(codes), **counts,
        "stopped_by_cap": runner.stopped_by_cap, "crashed_workers": runner.crashed_workers, "requests": totals["requests"], "cache_hits": totals["cache_hits"],
        "prompt_tokens": totals["prompt_tokens"], "cached_tokens": totals["cached_tokens"], "completion_tokens": totals["completion_tokens"],
        "cost_usd": totals["cost_usd"], "failures_by_cause": totals["failures_by_cause"], "duplicates": totals["duplicates"],
        "throttled_429": totals["throttled_429"], "wall_seconds": round(time.perf_counter() - started, 3), **timing,
        "steps": steps, "budget": drafter.budget(),
    }  # fmt: skip
