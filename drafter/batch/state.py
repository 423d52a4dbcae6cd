"""Batch state in drafter's database: which roles are pending, running, done or failed, and what each cost.

Exactly-once: a role is marked done in the same step that counts its draft file as written, and the file is
written (atomically) before that. A process killed between the two leaves a pending role whose file exists
and names this batch; the next run adopts that file instead of drafting again.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..llm.runlog import MIGRATIONS as RUNLOG_MIGRATIONS
from ..llm.runlog import RunTotals
from ..store import Migrations, Store
from ..usage import Usage

MIGRATIONS = Migrations("batch")


@MIGRATIONS.add(legacy_version=3)
def create_batches(con) -> None:
    con.execute(
        """
        CREATE TABLE batches (
          batch_id TEXT PRIMARY KEY,
          created REAL NOT NULL,
          out_dir TEXT NOT NULL,
          config_json TEXT NOT NULL
        )"""
    )
    con.execute(
        """
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
        )"""
    )


@MIGRATIONS.add
def add_cached_tokens(con) -> None:
    """Prompt tokens served by the server's prompt cache (priced apart from other input)."""
    con.execute("ALTER TABLE batch_roles ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0")


@MIGRATIONS.add
def create_batch_requests(con) -> None:
    """The roles whose step (a) went into a Batch API file (``batch --via openai-batch``): ``batch collect`` takes
    results for these roles only."""
    con.execute(
        """
        CREATE TABLE batch_requests (
          batch_id TEXT NOT NULL,
          code TEXT NOT NULL,
          written REAL NOT NULL,
          PRIMARY KEY (batch_id, code)
        )"""
    )


def record_requests(store: Store, batch_id: str, codes: list[str]) -> None:
    """Remember that ``codes`` were written as Batch API requests of ``batch_id``."""
    store.migrate(MIGRATIONS)
    with store.transaction() as con:
        con.executemany(
            "INSERT OR REPLACE INTO batch_requests VALUES (?, ?, ?)", [(batch_id, c, time.time()) for c in codes]
        )


def requested_roles(store: Store, batch_id: str) -> set[str]:
    """The roles written as Batch API requests of ``batch_id`` (empty: none recorded in this database)."""
    store.migrate(MIGRATIONS)
    rows = store.reader().execute("SELECT code FROM batch_requests WHERE batch_id = ?", (batch_id,))
    return {code for (code,) in rows}


def batch_id_for(codes: list[str], out_dir: Path, backend: str, calibration: str = "") -> str:
    """The same command (roles, output folder, backend, the user's calibration roles) names the same batch, so
    re-running it resumes; ``--calibration`` with other scored roles is another batch, which drafts again.
    ``calibration`` is ``CalibrationSet.user_key()`` (empty for the shipped roles alone: ids stay as they were)."""
    fields = {"codes": sorted(codes), "out": str(Path(out_dir).resolve()), "backend": backend}
    if calibration:
        fields["calibration"] = calibration
    key = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass
class RoleState:
    code: str
    status: str
    attempts: int
    cause: str | None
    error: str | None
    requests: int
    cache_hits: int
    usage: Usage
    cost_usd: float | None
    drafted: int
    draft_path: str | None

    @classmethod
    def from_row(cls, row: tuple) -> RoleState:
        code, status, attempts, cause, error, requests, cache_hits, prompt, cached, completion, *rest = row
        usage = Usage(prompt_tokens=prompt, cached_tokens=cached, completion_tokens=completion)
        return cls(code, status, attempts, cause, error, requests, cache_hits, usage, *rest)


class BatchState:
    """One batch's rows in drafter's store, the one the batch's run log writes to (the totals read its calls
    for 429s)."""

    def __init__(self, store: Store, batch_id: str):
        store.migrate(RUNLOG_MIGRATIONS)  # the calls table the totals read, on a store no run log has opened yet
        store.migrate(MIGRATIONS)
        self.store = store
        self.batch_id = batch_id

    def create(self, codes: list[str], out_dir: Path, config: dict) -> None:
        with self.store.transaction() as con:
            con.execute(
                "INSERT OR IGNORE INTO batches VALUES (?, ?, ?, ?)",
                (self.batch_id, time.time(), str(Path(out_dir).resolve()), json.dumps(config)),
            )
            con.executemany(
                "INSERT OR IGNORE INTO batch_roles (batch_id, code, updated) VALUES (?, ?, ?)",
                [(self.batch_id, c, time.time()) for c in codes],
            )

    def recover(self, retry_failed: bool) -> int:
        """Roles left running by a killed process go back to pending (and failures too, if asked)."""
        statuses = ("running", "failed") if retry_failed else ("running",)
        with self.store.transaction() as con:
            cur = con.execute(
                f"UPDATE batch_roles SET status = 'pending', cause = NULL, error = NULL, updated = ? "
                f"WHERE batch_id = ? AND status IN ({','.join('?' * len(statuses))})",
                (time.time(), self.batch_id, *statuses),
            )
            return cur.rowcount

    def roles(self, status: str | None = None) -> list[RoleState]:
        sql = "SELECT code, status, attempts, cause, error, requests, cache_hits, prompt_tokens, cached_tokens, " \
              "completion_tokens, cost_usd, drafted, draft_path FROM batch_roles WHERE batch_id = ?"  # fmt: skip
        args: tuple = (self.batch_id,)
        if status:
            sql += " AND status = ?"
            args += (status,)
        con = self.store.reader()  # reads never wait for another process's writer
        return [RoleState.from_row(row) for row in con.execute(sql + " ORDER BY code", args)]

    def counts(self) -> dict[str, int]:
        rows = (
            self.store.reader()
            .execute("SELECT status, COUNT(*) FROM batch_roles WHERE batch_id = ? GROUP BY status", (self.batch_id,))
            .fetchall()
        )
        return {"pending": 0, "running": 0, "done": 0, "failed": 0} | dict(rows)

    def start(self, code: str) -> None:
        with self.store.transaction() as con:
            con.execute(
                "UPDATE batch_roles SET status = 'running', attempts = attempts + 1, updated = ? WHERE batch_id = ? AND code = ?",
                (time.time(), self.batch_id, code),
            )

    def finish(self, code: str, totals: RunTotals, cost: float | None, *, draft_path: str | None = None,
               cause: str | None = None, error: str | None = None, wrote_draft: bool = False) -> None:  # fmt: skip
        status = "done" if draft_path else "failed"
        u = totals.usage
        with self.store.transaction() as con:
            con.execute(
                "UPDATE batch_roles SET status = ?, cause = ?, error = ?, requests = ?, cache_hits = ?, prompt_tokens = ?,"
                " cached_tokens = ?, completion_tokens = ?, cost_usd = ?, drafted = drafted + ?, draft_path = ?, updated = ?"
                " WHERE batch_id = ? AND code = ?",
                (status, cause, error, totals.requests, totals.cache_hits, u.prompt_tokens, u.cached_tokens,
                 u.completion_tokens, cost, int(wrote_draft), draft_path, time.time(), self.batch_id, code),
            )  # fmt: skip

    def finished_since(self, since: float) -> list[tuple]:
        """(code, status, cause, error, total tokens, cost) of roles finished since ``since``."""
        return (
            self.store.reader()
            .execute(
                "SELECT code, status, cause, error, prompt_tokens + completion_tokens, cost_usd FROM batch_roles"
                " WHERE batch_id = ? AND status IN ('done', 'failed') AND updated >= ? ORDER BY updated",
                (self.batch_id, since),
            )
            .fetchall()
        )

    def totals(self) -> dict:
        """The batch's figures as its summary shows them (JSON): requests, cache hits, the tokens of a ``Usage``,
        cost, failures by cause, duplicate drafts and 429s."""
        con = self.store.reader()
        requests, cache_hits, prompt, cached, completion, cost, max_drafted = con.execute(
            "SELECT COALESCE(SUM(requests), 0), COALESCE(SUM(cache_hits), 0), COALESCE(SUM(prompt_tokens), 0),"
            " COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(completion_tokens), 0), SUM(cost_usd),"
            " COALESCE(MAX(drafted), 0) FROM batch_roles WHERE batch_id = ?",
            (self.batch_id,),
        ).fetchone()
        causes = dict(
            con.execute(
                "SELECT cause, COUNT(*) FROM batch_roles WHERE batch_id = ? AND status = 'failed' GROUP BY cause",
                (self.batch_id,),
            ).fetchall()
        )
        duplicates = con.execute(
            "SELECT COUNT(*) FROM batch_roles WHERE batch_id = ? AND drafted > 1", (self.batch_id,)
        ).fetchone()[0]
        throttled = con.execute(
            "SELECT COUNT(*) FROM calls WHERE status = 429 AND run_id LIKE ?", (self.batch_id + ":%",)
        ).fetchone()[0]
        usage = Usage(prompt_tokens=prompt, cached_tokens=cached, completion_tokens=completion)
        return {
            "requests": requests,
            "cache_hits": cache_hits,
            **usage.model_dump(),
            "cost_usd": cost,
            "max_drafted": max_drafted,
        } | {  # fmt: skip
            "failures_by_cause": causes,
            "duplicates": duplicates,
            "throttled_429": throttled,
        }


def list_batches(store: Store) -> list[dict]:
    store.migrate(MIGRATIONS)
    con = store.reader()
    rows = con.execute(
        "SELECT b.batch_id, b.created, b.out_dir, b.config_json,"
        " SUM(r.status = 'done'), SUM(r.status = 'failed'), SUM(r.status IN ('pending', 'running')), COUNT(r.code)"
        " FROM batches b LEFT JOIN batch_roles r ON r.batch_id = b.batch_id GROUP BY b.batch_id ORDER BY b.created DESC"
    ).fetchall()
    keys = ("batch_id", "created", "out_dir", "config", "done", "failed", "pending", "roles")
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for b in out:
        b["config"] = json.loads(b["config"])
    return out
