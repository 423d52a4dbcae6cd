"""The run log: every HTTP call to an LLM endpoint, in SQLite, which doubles as the response cache.

The ``calls`` table is this capability's (its migrations are below; the store module says how migrations
work). Nothing secret is stored: requests are logged as the JSON body the SDK sent (the API key travels only
in a header, which is not logged), and every text is passed through ``drafter.redact.redact`` (the configured
key, every secret the process was given) as a second guard.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..redact import redact
from ..store import Migrations, Store, open_store, schema_sql, store_path  # noqa: F401  (re-exported)
from ..usage import Usage

MIGRATIONS = Migrations("runlog")


@MIGRATIONS.add(legacy_version=1)
def create_calls(con: sqlite3.Connection) -> None:
    con.execute(
        """
        CREATE TABLE calls (
          id INTEGER PRIMARY KEY,
          ts REAL NOT NULL,
          run_id TEXT,
          step TEXT,
          endpoint TEXT,
          base_url TEXT,
          model TEXT,
          request_hash TEXT NOT NULL,
          request_json TEXT NOT NULL,
          response_json TEXT,
          status INTEGER,
          error TEXT,
          finish_reason TEXT,
          prompt_tokens INTEGER,
          completion_tokens INTEGER,
          total_tokens INTEGER,
          latency_ms REAL,
          attempt INTEGER,
          cached INTEGER NOT NULL DEFAULT 0
        )"""
    )
    con.execute("CREATE INDEX calls_hash ON calls(request_hash)")
    con.execute("CREATE INDEX calls_run ON calls(run_id)")


@MIGRATIONS.add
def add_cached_tokens(con: sqlite3.Connection) -> None:
    """Prompt tokens served by the server's prompt cache (priced apart from other input)."""
    con.execute("ALTER TABLE calls ADD COLUMN cached_tokens INTEGER")


_INSERT = (
    "INSERT INTO calls (ts, run_id, step, endpoint, base_url, model, request_hash, request_json, response_json, status,"
    " error, finish_reason, prompt_tokens, cached_tokens, completion_tokens, total_tokens, latency_ms, attempt, cached)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_STOP = object()


def request_hash(base_url: str, body: bytes) -> str:
    """Identity of a request for caching: the endpoint and the exact body the SDK sent (no headers, no key)."""
    return hashlib.sha256(base_url.rstrip("/").encode() + b"\n" + body).hexdigest()


def reported_usage(payload: dict) -> Usage | None:
    """The usage an OpenAI-style chat completion reports, or None when it reports none."""
    usage = payload.get("usage") or {}
    if usage.get("prompt_tokens") is None:
        return None
    details = usage.get("prompt_tokens_details") or {}
    return Usage(
        prompt_tokens=usage["prompt_tokens"],
        cached_tokens=details.get("cached_tokens") or 0,
        completion_tokens=usage.get("completion_tokens") or 0,
    )


@dataclass
class CallRecord:
    run_id: str | None
    step: str | None
    endpoint: str
    base_url: str
    model: str | None
    request_hash: str
    request_json: str
    response_json: str | None
    status: int | None
    error: str | None
    finish_reason: str | None
    usage: Usage | None  # None: the server reported none (the token columns stay NULL)
    total_tokens: int | None
    latency_ms: float
    attempt: int
    cached: bool


@dataclass(frozen=True)
class Failure:
    """A logged answer found unusable after it was recorded (it failed validation): its row gets the error, so
    ``drafter logs``, batch and eval count it as a failed call, and the cache never serves it again."""

    request_hash: str
    attempt: int
    error: str


_MARK = "UPDATE calls SET error = ? WHERE id = (SELECT MAX(id) FROM calls WHERE request_hash = ? AND attempt = ?)"


@dataclass(frozen=True)
class RunTotals:
    """A run's calls: requests that reached the network, answers from drafter's cache, the tokens used, and the
    calls that failed (an HTTP error, a timeout, an answer refused by validation: each is a request spent)."""

    requests: int = 0
    cache_hits: int = 0
    usage: Usage = field(default_factory=Usage)
    errors: int = 0


@dataclass(frozen=True)
class StepTotals:
    """The calls of one drafting step on one endpoint and model (a run's, a batch's or the whole log's)."""

    step: str | None
    endpoint: str | None
    model: str | None
    requests: int
    cache_hits: int
    usage: Usage
    errors: int

    def summary(self, prices) -> dict:
        """As JSON shows it: the counts, a Usage's fields, and the cost at ``prices`` (None: unknown)."""
        return {"step": self.step, "endpoint": self.endpoint, "model": self.model, "requests": self.requests,
                "cache_hits": self.cache_hits, **self.usage.model_dump(), "errors": self.errors,
                "cost_usd": self.usage.cost(prices)}  # fmt: skip


class RunLog:
    """Thread-safe, and cheap on the hot path of many concurrent calls.

    Call records are queued and written by one background thread in small transactions, so a request never
    waits for a commit; ``flush()`` makes everything queued visible (every read method here flushes first).
    Cache look-ups use the store's read connection per thread. A process killed mid-batch loses at most the
    records of its last few milliseconds: the batch state, which decides what is done, is written
    synchronously (through ``store.transaction()``).

    The log writes to the ``store`` it is handed (a batch opens the process's one store, ``open_store``, and
    hands it to its run log and its batch state alike), or, given none, to the process's one store of ``path``.
    """

    def __init__(self, path: Path | None = None, secrets: tuple[str, ...] = (), *, store: Store | None = None):
        self.store = store.share() if store is not None else open_store(path)
        self.store.migrate(MIGRATIONS)
        self.path = self.store.path
        self.secrets = secrets
        self._queue: queue.Queue = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self._failure: Exception | None = None  # what stopped the writer storing records, for flush() to raise

    def _ensure_writer(self) -> None:
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_loop, name="drafter-runlog", daemon=True)
                    self._writer.start()

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            batch = [item]
            while len(batch) < 500:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [b for b in batch if isinstance(b, tuple)]
            marks = [(f.error, f.request_hash, f.attempt) for f in batch if isinstance(f, Failure)]
            if rows or marks:
                try:
                    with self.store.transaction() as con:
                        con.executemany(_INSERT, rows)
                        con.executemany(_MARK, marks)  # after the rows: a failure is marked once its row is in
                except Exception as e:  # noqa: BLE001 - busy past the wait, disk full: flush() raises it in the caller
                    self._failure = self._failure or e
            for b in batch:
                if isinstance(b, threading.Event):
                    b.set()
            if any(b is _STOP for b in batch):
                return

    def flush(self) -> None:
        if self._writer is None:
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait()
        failure, self._failure = self._failure, None
        if failure is not None:  # the writer could not store some records: say so here, not in a dead thread
            raise failure

    def record(self, r: CallRecord) -> None:
        s = self.secrets
        self._ensure_writer()
        self._queue.put(
            (
                time.time(),
                r.run_id,
                r.step,
                r.endpoint,
                r.base_url,
                r.model,
                r.request_hash,
                redact(r.request_json, s),
                redact(r.response_json, s),
                r.status,
                redact(r.error, s),
                r.finish_reason,
                r.usage.prompt_tokens if r.usage else None,
                r.usage.cached_tokens if r.usage else None,
                r.usage.completion_tokens if r.usage else None,
                r.total_tokens,
                r.latency_ms,
                r.attempt,
                int(r.cached),
            )
        )

    def mark_failed(self, failure: Failure) -> None:
        """Record that the answer logged for ``failure``'s request and attempt was not usable (queued in order
        after that answer's own record)."""
        self._ensure_writer()
        self._queue.put(Failure(failure.request_hash, failure.attempt, redact(failure.error, self.secrets) or ""))

    def cached_response(self, req_hash: str) -> str | None:
        row = (
            self.store.reader()
            .execute(
                "SELECT response_json FROM calls WHERE request_hash = ? AND status BETWEEN 200 AND 299"
                " AND response_json IS NOT NULL AND error IS NULL AND cached = 0 ORDER BY id DESC LIMIT 1",
                (req_hash,),
            )
            .fetchone()
        )
        return row[0] if row else None

    def run_ids(self, prefix: str) -> list[str]:
        """The run ids in the log that start with ``prefix`` (a user may type the first characters, as with git)."""
        self.flush()
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        con = self.store.reader()  # reads never wait for another process's writer
        return [r[0] for r in con.execute(
            "SELECT DISTINCT run_id FROM calls WHERE run_id LIKE ? ESCAPE '\\' ORDER BY run_id", (like,))]  # fmt: skip

    def recent(self, limit: int = 20) -> list[sqlite3.Row]:
        self.flush()
        con = self.store.reader()
        con.row_factory = sqlite3.Row
        try:
            return list(con.execute("SELECT * FROM calls ORDER BY id DESC LIMIT ?", (limit,)))
        finally:
            con.row_factory = None

    def totals(self, run_id: str | None = None) -> dict[str, int]:
        """What ``drafter logs`` shows: calls (answers from the cache included), requests, cache hits, the tokens
        of the requests (a Usage's fields) and errors, of one run or of the whole log."""
        calls, errors, t = self._sums(run_id)
        return {"calls": calls, "requests": t.requests, "cache_hits": t.cache_hits, **t.usage.model_dump(),
                "errors": errors}  # fmt: skip

    def usage_for_run(self, run_id: str) -> RunTotals:
        return self._sums(run_id)[2]

    def by_step(self, run_id: str | None = None, run_prefix: str | None = None) -> list[StepTotals]:
        """Requests, cache hits, tokens and errors per step, endpoint and model, of one run, of the runs whose id
        starts with ``run_prefix`` (a batch's: ``<batch>:``), or of the whole log; in order of first use."""
        args: tuple
        if run_id is not None:
            where, args = "WHERE run_id = ?", (run_id,)
        elif run_prefix is not None:
            where, args = "WHERE substr(run_id, 1, ?) = ?", (len(run_prefix), run_prefix)
        else:
            where, args = "", ()
        self.flush()
        rows = (
            self.store.reader()
            .execute(
                "SELECT step, endpoint, model, COALESCE(SUM(cached = 0), 0), COALESCE(SUM(cached), 0),"
                " COALESCE(SUM(CASE WHEN cached = 0 THEN prompt_tokens END), 0),"
                " COALESCE(SUM(CASE WHEN cached = 0 THEN cached_tokens END), 0),"
                " COALESCE(SUM(CASE WHEN cached = 0 THEN completion_tokens END), 0),"
                f" COALESCE(SUM(error IS NOT NULL), 0) FROM calls {where}"
                " GROUP BY step, endpoint, model ORDER BY MIN(id)",
                args,
            )
            .fetchall()
        )
        return [
            StepTotals(
                step,
                endpoint,
                model,
                requests,
                hits,
                Usage(prompt_tokens=p, cached_tokens=c, completion_tokens=o),
                errors,
            )  # fmt: skip
            for step, endpoint, model, requests, hits, p, c, o, errors in rows
        ]

    def _sums(self, run_id: str | None) -> tuple[int, int, RunTotals]:
        where, args = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
        self.flush()
        calls, errors, requests, cache_hits, prompt, cached, completion = (
            self.store.reader()
            .execute(
                "SELECT COUNT(*), COALESCE(SUM(error IS NOT NULL), 0), COALESCE(SUM(cached = 0), 0),"
                " COALESCE(SUM(cached), 0), COALESCE(SUM(CASE WHEN cached = 0 THEN prompt_tokens END), 0),"
                " COALESCE(SUM(CASE WHEN cached = 0 THEN cached_tokens END), 0),"
                f" COALESCE(SUM(CASE WHEN cached = 0 THEN completion_tokens END), 0) FROM calls {where}",
                args,
            )
            .fetchone()
        )
        usage = Usage(prompt_tokens=prompt, cached_tokens=cached, completion_tokens=completion)
        return calls, errors, RunTotals(requests, cache_hits, usage, errors)

    def seed_cache(
        self, base_url: str, endpoint: str, body: bytes, response_json: str, run_id: str | None, step: str
    ) -> None:
        """Store an answer obtained elsewhere (a Batch API result) as the logged response to ``body``."""
        record = CallRecord(
            run_id=run_id, step=step, endpoint=endpoint, base_url=base_url, model=json.loads(body).get("model"),
            request_hash=request_hash(base_url, body), request_json=body.decode("utf-8"),
            response_json=response_json, status=200, error=None, finish_reason=None,
            usage=reported_usage(json.loads(response_json)), total_tokens=None, latency_ms=0.0, attempt=0, cached=False,
        )  # fmt: skip
        self.record(record)
        self.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._queue.put(_STOP)
            self._writer.join()
            self._writer = None
        self.store.close()
