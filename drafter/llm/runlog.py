"""The run log: every HTTP call to an LLM endpoint, in SQLite, which doubles as the response cache.

Schema changes are appended to ``MIGRATIONS`` (never edited), and ``PRAGMA user_version`` records how many
have run, so an old log upgrades in place. Nothing secret is stored: requests are logged as the JSON body
the SDK sent (the API key travels only in a header, which is not logged), and every text is passed through
``redact`` with the configured key as a second guard.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sqlite3
import textwrap
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..paths import data_home

MIGRATIONS: list[str] = [
    # 1: calls
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
    );
    CREATE INDEX calls_hash ON calls(request_hash);
    CREATE INDEX calls_run ON calls(run_id);
    """,
    # 2: eval runs (the full run is also written as JSON beside its HTML report)
    """
    CREATE TABLE eval_runs (
      run_id TEXT PRIMARY KEY,
      ts REAL NOT NULL,
      backend TEXT NOT NULL,
      config_json TEXT NOT NULL,
      aggregates_json TEXT NOT NULL,
      roles_json TEXT NOT NULL,
      usage_json TEXT NOT NULL,
      json_path TEXT
    );
    """,
    # 3: batches and the state of every role in them (resumable, exactly-once)
    """
    CREATE TABLE batches (
      batch_id TEXT PRIMARY KEY,
      created REAL NOT NULL,
      out_dir TEXT NOT NULL,
      config_json TEXT NOT NULL
    );
    CREATE TABLE batch_roles (
      batch_id TEXT NOT NULL REFERENCES batches(batch_id),
      code TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending',  -- pending | running | done | failed
      attempts INTEGER NOT NULL DEFAULT 0,
      cause TEXT,
      error TEXT,
      requests INTEGER NOT NULL DEFAULT 0,
      cache_hits INTEGER NOT NULL DEFAULT 0,
      prompt_tokens INTEGER NOT NULL DEFAULT 0,
      completion_tokens INTEGER NOT NULL DEFAULT 0,
      cost_usd REAL,
      drafted INTEGER NOT NULL DEFAULT 0,      -- times a draft file was written: exactly-once means 1
      draft_path TEXT,
      updated REAL,
      PRIMARY KEY (batch_id, code)
    );
    """,
]


_INSERT = (
    "INSERT INTO calls (ts, run_id, step, endpoint, base_url, model, request_hash, request_json, response_json, status,"
    " error, finish_reason, prompt_tokens, completion_tokens, total_tokens, latency_ms, attempt, cached)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_STOP = object()


def schema_sql(path: Path) -> str:
    """The log's tables as SQL, as documented in docs/logs.md (a test keeps the two the same)."""
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name").fetchall()
    finally:
        con.close()
    return "\n".join(textwrap.dedent("      " + r[0].strip()).strip() + ";" for r in rows) + "\n"


def runlog_path() -> Path:
    return data_home() / "runlog.sqlite"


def request_hash(base_url: str, body: bytes) -> str:
    """Identity of a request for caching: the endpoint and the exact body the SDK sent (no headers, no key)."""
    return hashlib.sha256(base_url.rstrip("/").encode() + b"\n" + body).hexdigest()


def redact(text: str | None, secrets: tuple[str, ...]) -> str | None:
    if text is None:
        return None
    for s in secrets:
        if s and len(s) >= 8:
            text = text.replace(s, "[REDACTED]")
    return text


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
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    latency_ms: float
    attempt: int
    cached: bool


class RunLog:
    """Thread-safe, and cheap on the hot path of many concurrent calls.

    Call records are queued and written by one background thread in small transactions, so a request never
    waits for a commit; ``flush()`` makes everything queued visible (every read method here flushes first).
    Cache look-ups use a read connection per thread (WAL lets readers run beside the writer). A process
    killed mid-batch loses at most the records of its last few milliseconds: the batch state, which decides
    what is done, is written synchronously through ``transaction()``.
    """

    def __init__(self, path: Path | None = None, secrets: tuple[str, ...] = ()):
        self.path = Path(path or runlog_path())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.secrets = secrets
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across crashes of drafter
        self._migrate()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._queue: queue.Queue = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    def _reader(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            con.execute("PRAGMA query_only = 1")
            self._local.con = con
            with self._writer_lock:
                self._readers.append(con)
        return con

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
            if rows:
                with self._lock, self._con:
                    self._con.executemany(_INSERT, rows)
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

    def _migrate(self) -> None:
        with self._lock, self._con:
            (done,) = self._con.execute("PRAGMA user_version").fetchone()
            for i, script in enumerate(MIGRATIONS[done:], start=done + 1):
                self._con.executescript(script)
                self._con.execute(f"PRAGMA user_version = {i}")

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
                r.prompt_tokens,
                r.completion_tokens,
                r.total_tokens,
                r.latency_ms,
                r.attempt,
                int(r.cached),
            )
        )

    def cached_response(self, req_hash: str) -> str | None:
        row = (
            self._reader()
            .execute(
                "SELECT response_json FROM calls WHERE request_hash = ? AND status BETWEEN 200 AND 299"
                " AND response_json IS NOT NULL AND cached = 0 ORDER BY id DESC LIMIT 1",
                (req_hash,),
            )
            .fetchone()
        )
        return row[0] if row else None

    def recent(self, limit: int = 20) -> list[sqlite3.Row]:
        self.flush()
        with self._lock:
            self._con.row_factory = sqlite3.Row
            try:
                return list(self._con.execute("SELECT * FROM calls ORDER BY id DESC LIMIT ?", (limit,)))
            finally:
                self._con.row_factory = None

    def totals(self, run_id: str | None = None) -> dict[str, int]:
        where, args = ("WHERE run_id = ?", (run_id,)) if run_id else ("", ())
        self.flush()
        with self._lock:
            row = self._con.execute(
                "SELECT COUNT(*), COALESCE(SUM(cached = 0), 0), COALESCE(SUM(cached), 0),"
                " COALESCE(SUM(CASE WHEN cached = 0 THEN prompt_tokens END), 0),"
                " COALESCE(SUM(CASE WHEN cached = 0 THEN completion_tokens END), 0),"
                " COALESCE(SUM(error IS NOT NULL), 0)"
                f" FROM calls {where}",
                args,
            ).fetchone()
        keys = ("calls", "requests", "cache_hits", "prompt_tokens", "completion_tokens", "errors")
        return dict(zip(keys, row, strict=True))

    @contextmanager
    def transaction(self):
        """The log's connection under its lock, committed on success (for the batch state)."""
        with self._lock, self._con:
            yield self._con

    def usage_for_run(self, run_id: str) -> dict[str, int]:
        self.flush()
        with self._lock:
            row = self._con.execute(
                "SELECT COALESCE(SUM(cached = 0), 0), COALESCE(SUM(cached), 0),"
                " COALESCE(SUM(CASE WHEN cached = 0 THEN prompt_tokens END), 0),"
                " COALESCE(SUM(CASE WHEN cached = 0 THEN completion_tokens END), 0) FROM calls WHERE run_id = ?",
                (run_id,),
            ).fetchone()
        return dict(zip(("requests", "cache_hits", "prompt_tokens", "completion_tokens"), row, strict=True))

    def seed_cache(
        self, base_url: str, endpoint: str, body: bytes, response_json: str, run_id: str | None, step: str
    ) -> None:
        """Store an answer obtained elsewhere (a Batch API result) as the logged response to ``body``."""
        record = CallRecord(
            run_id=run_id, step=step, endpoint=endpoint, base_url=base_url, model=json.loads(body).get("model"),
            request_hash=request_hash(base_url, body), request_json=body.decode("utf-8"),
            response_json=response_json, status=200, error=None, finish_reason=None, prompt_tokens=None,
            completion_tokens=None, total_tokens=None, latency_ms=0.0, attempt=0, cached=False,
        )  # fmt: skip
        payload = json.loads(response_json)
        usage = payload.get("usage") or {}
        record.prompt_tokens, record.completion_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")
        self.record(record)
        self.flush()

    def record_eval(self, run: dict, json_path: str | None) -> None:
        with self._lock, self._con:
            self._con.execute(
                "INSERT OR REPLACE INTO eval_runs VALUES (?,?,?,?,?,?,?,?)",
                (
                    run["run_id"],
                    time.time(),
                    run["config"]["backend"],
                    redact(json.dumps(run["config"]), self.secrets),
                    json.dumps(run["aggregates"]),
                    json.dumps([{k: r[k] for k in ("key", "kind", "metrics")} for r in run["roles"]]),
                    json.dumps(run["usage"]),
                    json_path,
                ),
            )

    def close(self) -> None:
        if self._writer is not None:
            self._queue.put(_STOP)
            self._writer.join()
            self._writer = None
        with self._writer_lock:
            for con in self._readers:
                con.close()
            self._readers.clear()
        with self._lock:
            self._con.close()
