"""Batch drafting: many roles, concurrently, rate-limited, resumable, within a cost cap.

One asyncio event loop runs up to ``concurrency`` roles at once through the drafter's async path (for the
LLM pipeline: one shared connection pool, rate limiter and run log); file writes and database updates go to
worker threads so they never stall the loop. The offline default, which is CPU-bound, drafts in the loop's
thread pool. The state of every role lives in SQLite (``drafter.batch.state``), so a killed batch resumes
where it stopped.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents import draft_paths, write_draft
from ..drafting.base import Draft, Drafter
from ..errors import DrafterError
from ..files import OverwriteRefused
from ..llm.runlog import RunTotals
from .state import BatchState


def _classify(e: Exception) -> tuple[str, str, bool]:
    """(cause, message, worth another try) for a role's failure."""
    from ..llm.client import LLMError

    if isinstance(e, LLMError):
        return e.kind, str(e), e.kind.retryable
    if isinstance(e, DrafterError):
        return "input", str(e), False
    return "internal", f"{type(e).__name__}: {e}", False


@dataclass
class Caps:
    """Stop before a cap is crossed: a role starts only if its estimated cost still fits, counting roles in flight."""

    max_cost: float | None = None
    max_tokens: int | None = None
    spent_cost: float = 0.0
    spent_tokens: int = 0
    worst_cost: float = 0.0  # largest cost of a finished role, the estimate for the next one
    worst_tokens: int = 0
    finished: int = 0

    @property
    def active(self) -> bool:
        return self.max_cost is not None or self.max_tokens is not None

    def allows(self, in_flight: int) -> bool | None:
        """True: start; False: the cap would be crossed; None: wait (calibrating on the first role)."""
        if not self.active:
            return True
        if self.finished == 0:
            return None if in_flight else True
        margin = 1.25
        if self.max_cost is not None and self.spent_cost + (in_flight + 1) * self.worst_cost * margin > self.max_cost:
            return False
        if (
            self.max_tokens is not None
            and self.spent_tokens + (in_flight + 1) * self.worst_tokens * margin > self.max_tokens
        ):
            return False
        return True

    def add(self, tokens: int, cost: float | None) -> None:
        self.finished += 1
        self.spent_tokens += tokens
        self.worst_tokens = max(self.worst_tokens, tokens)
        if cost is not None:
            self.spent_cost += cost
            self.worst_cost = max(self.worst_cost, cost)


@dataclass
class Progress:
    done: int = 0
    failed: int = 0
    tokens: int = 0
    cost: float = 0.0
    events: list[str] = field(default_factory=list)


class BatchLock:
    """One process per batch: a second run of the same batch refuses instead of drafting twice."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> BatchLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise DrafterError(f"this batch is already running in another process (lock {self.path})") from None
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


# Builds the drafter of one forked worker process: (its run log, how many processes share the work, the
# requests in flight it may keep). Given only for drafters worth forking for (the LLM pipeline).
WorkerDrafter = Callable[[Any, int, int], Drafter]


class BatchRunner:
    def __init__(
        self,
        state: BatchState,
        out_dir: Path,
        drafter: Drafter,
        *,
        catalog=None,
        concurrency: int = 8,
        role_retries: int = 2,
        caps: Caps | None = None,
        on_role: Callable[[str, str, Progress], None] = lambda code, status, progress: None,
        worker_drafter: WorkerDrafter | None = None,
        force: bool = False,
        draft_timeout: float | None = None,
    ):
        from ..onet.catalog import Catalog

        self.state = state
        self.out_dir = Path(out_dir)
        self.drafter = drafter
        self.worker_drafter = worker_drafter
        self.force = force
        self.draft_timeout = draft_timeout  # a deadline per attempt at a role, on top of each request's own
        self.catalog = catalog or Catalog.load()
        self.concurrency = max(1, concurrency)
        self.role_retries = role_retries
        self.caps = caps or Caps()
        self.on_role = on_role
        self.progress = Progress()
        self.stopped_by_cap = False
        self.crashed_workers: list[int] = []
        self.prices = drafter.prices

    # --- one role --------------------------------------------------------------------------------------

    def run_id(self, code: str) -> str:
        return f"{self.state.batch_id}:{code}"

    def paths(self, code: str) -> tuple[Path, Path]:
        return draft_paths(self.out_dir, code)

    async def process(self, code: str) -> tuple[str, str | None, str | None, RunTotals]:
        """Draft one role (retrying what is worth retrying); file and database work goes to a thread."""
        self.state.start(code)
        for attempt in range(self.role_retries + 1):
            try:
                async with asyncio.timeout(self.draft_timeout):
                    draft = await self.drafter.adraft(
                        self.catalog.get(code), run_id=self.run_id(code), extra_inputs={"batch_id": self.state.batch_id}
                    )
            except TimeoutError:  # the per-draft deadline (each request's own is an LLMError)
                if attempt >= self.role_retries:  # a timeout is worth another try, as a request's is
                    why = f"no complete draft from {self.drafter.name} within the {self.draft_timeout:g} s deadline"
                    return await asyncio.to_thread(self._fail, code, "timeout", f"{why} (--draft-timeout)")
                continue
            except Exception as e:  # noqa: BLE001 - every failure of a role is recorded, the batch goes on
                cause, message, retry = _classify(e)
                if not (retry and attempt < self.role_retries):
                    return await asyncio.to_thread(self._fail, code, cause, message)
                continue
            return await asyncio.to_thread(self._complete, code, draft)
        raise AssertionError("unreachable")

    def _complete(self, code: str, draft: Draft) -> tuple[str, str | None, str | None, RunTotals]:
        try:
            json_path, _ = write_draft(draft.assessment, draft.scorecard, self.out_dir, code, force=self.force)
        except OverwriteRefused as e:  # an assessor's edited draft is kept; the role fails, saying why
            return self._fail(code, "kept-edits", str(e))
        totals = self._totals(code)
        self.state.finish(code, totals, totals.usage.cost(self.prices), draft_path=str(json_path), wrote_draft=True)
        return "done", None, None, totals

    def _fail(self, code: str, cause: str, message: str) -> tuple[str, str, str, RunTotals]:
        totals = self._totals(code)
        self.state.finish(code, totals, totals.usage.cost(self.prices), cause=cause, error=message)
        return "failed", cause, message, totals

    def _totals(self, code: str) -> RunTotals:
        return self.drafter.run_usage(self.run_id(code)) or RunTotals()

    # --- resume ----------------------------------------------------------------------------------------

    def adopt_finished_files(self) -> int:
        """Pending roles whose complete draft file already names this batch are done (killed before marking)."""
        from ..documents import load_assessment

        adopted = 0
        for role in self.state.roles("pending"):
            json_path, _ = self.paths(role.code)
            if not json_path.exists():
                continue
            try:
                a, _ = load_assessment(json_path)
            except DrafterError:
                continue  # not a complete draft: it will be drafted again and replaced atomically
            if a.provenance.inputs.get("batch_id") == self.state.batch_id:
                totals = self._totals(role.code)
                self.state.finish(
                    role.code,
                    totals,
                    totals.usage.cost(self.prices),
                    draft_path=str(json_path),
                    wrote_draft=role.drafted == 0,
                )
                adopted += 1
        return adopted

    def clean_stale_temporaries(self) -> int:
        n = 0
        for p in self.out_dir.glob(".*.tmp"):
            p.unlink(missing_ok=True)
            n += 1
        return n

    # --- the loop --------------------------------------------------------------------------------------

    async def _run(self, codes: list[str]) -> None:
        queue = list(reversed(codes))
        in_flight = 0

        async def worker() -> None:
            nonlocal in_flight
            while queue and not self.stopped_by_cap:
                verdict = self.caps.allows(in_flight)
                if verdict is None:
                    await asyncio.sleep(0.02)
                    continue
                if verdict is False:
                    self.stopped_by_cap = True
                    return
                code = queue.pop()
                in_flight += 1
                try:
                    status, cause, message, totals = await self.process(code)
                finally:
                    in_flight -= 1
                tokens = totals.usage.total_tokens
                cost = totals.usage.cost(self.prices)
                self.caps.add(tokens, cost)
                self.progress.tokens += tokens
                self.progress.cost += cost or 0.0
                if status == "done":
                    self.progress.done += 1
                else:
                    self.progress.failed += 1
                    self.progress.events.append(f"{code}: {cause}: {message}")
                self.on_role(code, status, self.progress)

        if self.drafter.io_bound:
            # `concurrency` requests in flight (the drafter's request slots), from half as many roles again:
            # a role's own work between its calls then never leaves a slot idle.
            roles_at_once = self.concurrency + (self.concurrency + 1) // 2
            threads = self.concurrency
        else:
            roles_at_once = self.concurrency
            threads = min(self.concurrency, os.cpu_count() or 2)
        roles_at_once = min(roles_at_once, max(1, len(codes)))  # a worker per role at most, however many slots
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="drafter-batch") as pool:
            asyncio.get_running_loop().set_default_executor(pool)  # file writes, database updates, CPU-bound drafts
            try:
                await asyncio.gather(*(worker() for _ in range(roles_at_once)))
            finally:
                await self.drafter.aclose()

    def run(self, codes: list[str], processes: int = 1) -> dict:
        """Draft the given pending roles; returns timing figures (wall and CPU seconds of the drafting phase).

        With ``processes`` > 1 (LLM drafting without a cost cap, where fork exists) the roles are split over
        that many forked worker processes, each with its own event loop, connections and share of the rate
        limits: one interpreter's event loop saturates at a few dozen concurrent drafts.
        """
        import resource

        t0, c0 = time.perf_counter(), time.process_time()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        forks = self.worker_drafter is not None and not self.caps.active and hasattr(os, "fork")
        if processes > 1 and forks and len(codes) > 1:
            self._run_forked(codes, processes)
        else:
            asyncio.run(self._run(codes))
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        children = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
        return {
            "drafting_seconds": round(time.perf_counter() - t0, 3),
            "cpu_seconds": round(time.process_time() - c0 + children, 3),
            "processes": processes if self.worker_drafter is not None and processes > 1 and not self.caps.active else 1,
        }

    def _run_forked(self, codes: list[str], processes: int) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        per_process = max(1, -(-self.concurrency // processes))
        shares = [codes[i::processes] for i in range(processes)]
        started = time.time() - 1.0
        _warm_up()  # forked workers inherit imported modules and compiled templates instead of each building them
        me = os.getpid()
        workers = [
            ctx.Process(target=_worker_process, args=(self, share, per_process, processes, me))
            for share in shares
            if share
        ]
        for w in workers:
            w.start()
        seen: set[str] = set()
        try:
            while any(w.is_alive() for w in workers):
                self._report_finished(started, seen)
                time.sleep(0.2)
        except KeyboardInterrupt:  # Ctrl-C: the workers (which ignore it) stop with the batch; files are atomic
            for w in workers:
                w.terminate()
            for w in workers:
                w.join()
            raise
        for w in workers:
            w.join()
        self._report_finished(started, seen)
        self.crashed_workers = [w.exitcode or -1 for w in workers if w.exitcode != 0]

    def _report_finished(self, since: float, seen: set[str]) -> None:
        """Progress for roles finished by worker processes, read from the batch state."""
        for code, status, cause, error, tokens, cost in self.state.finished_since(since):
            if code in seen:
                continue
            seen.add(code)
            self.progress.tokens += tokens
            self.progress.cost += cost or 0.0
            if status == "done":
                self.progress.done += 1
            else:
                self.progress.failed += 1
                self.progress.events.append(f"{code}: {cause}: {error}")
            self.on_role(code, status, self.progress)


def _warm_up() -> None:
    from ..drafting import outputs, pipeline, prompts  # noqa: F401

    for name in ("system.j2", "decompose.j2", "score_rows.j2", "role_sections.j2", "commentary.j2"):
        prompts._env(str(prompts.prompts_dir())).get_template(name)
        prompts.prompt_version(name)


def _die_with_parent(parent_pid: int) -> None:
    """A worker must not outlive a killed batch: it would draft beside the batch that resumes."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _worker_process(parent: BatchRunner, codes: list[str], concurrency: int, processes: int, parent_pid: int) -> None:
    """A forked worker: its own run-log connections, drafter and share of the limits, same batch state. Ctrl-C
    reaches the whole process group: the parent handles it (and stops the workers), so a worker ignores it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    from ..llm.runlog import RunLog
    from ..store import open_store

    assert parent.worker_drafter is not None  # only drafters with a worker factory fork
    store = open_store(parent.state.store.path)  # the child's own connection to the same file (none cross a fork)
    log = RunLog(store=store)  # the drafter's clients add their keys to what it redacts
    drafter = parent.worker_drafter(log, processes, concurrency)
    child = BatchRunner(
        BatchState(store, parent.state.batch_id), parent.out_dir, drafter, catalog=parent.catalog,
        concurrency=concurrency, role_retries=parent.role_retries, force=parent.force,
        draft_timeout=parent.draft_timeout,
    )  # fmt: skip
    try:
        with drafter:
            asyncio.run(child._run(codes))
    finally:
        log.close()
        store.close()
