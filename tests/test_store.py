"""drafter's database: named migrations per capability, applied once, and logs written by older versions."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest

from drafter.batch.state import BatchState
from drafter.evaluation.runs import EvalRun, record_run
from drafter.llm.runlog import RunLog, schema_sql
from drafter.store import Migrations, Store

# The run log's schema before named migrations (drafter/llm/runlog.py up to 858e4de), verbatim: the scripts ran
# in order and PRAGMA user_version counted them.
OLD_MIGRATIONS: list[str] = [
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


RESPONSE = json.dumps({"choices": [{"message": {"content": "{}"}, "finish_reason": "stop"}], "usage": {}})


def _old_log(path, version: int) -> None:
    """A log as the old code left it, with a call, an eval run and a finished batch role in it."""
    con = sqlite3.connect(path)
    for i, script in enumerate(OLD_MIGRATIONS[:version], start=1):
        con.executescript(script)
        con.execute(f"PRAGMA user_version = {i}")
    con.execute(
        "INSERT INTO calls (ts, run_id, step, request_hash, request_json, response_json, status, prompt_tokens,"
        " completion_tokens, cached) VALUES (1.0, 'r1', 'decompose', 'h1', '{}', ?, 200, 10, 5, 0)",
        (RESPONSE,),
    )
    if version >= 2:
        con.execute("INSERT INTO eval_runs VALUES ('e1', 1.0, 'offline', '{}', '{}', '[]', '{}', NULL)")
    if version >= 3:
        con.execute("INSERT INTO batches VALUES ('b1', 1.0, '/tmp/d', '{}')")
        con.execute("INSERT INTO batch_roles (batch_id, code, status, drafted) VALUES ('b1', '29-2072.00', 'done', 1)")
    con.commit()
    con.close()


def _every_capability(log: RunLog) -> None:
    BatchState(log.store, "b1")
    run = EvalRun(run_id="e2", created_at="2026-01-01T00:00:00+00:00", config={"backend": "offline"}, roles=[],
                  aggregates={})  # fmt: skip
    record_run(log.store, run, None)


def _fresh_schema(tmp_path) -> str:
    log = RunLog(tmp_path / "fresh.sqlite")
    _every_capability(log)
    log.close()
    return schema_sql(tmp_path / "fresh.sqlite")


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_log_written_before_named_migrations_upgrades_in_place_and_keeps_its_rows(tmp_path, version):
    path = tmp_path / "runlog.sqlite"
    _old_log(path, version)
    log = RunLog(path)
    try:
        _every_capability(log)
        assert log.cached_response("h1") == RESPONSE  # the old cache still answers
        state = BatchState(log.store, "b1")
        if version >= 3:
            assert state.counts()["done"] == 1 and state.roles("done")[0].drafted == 1
        with log.store.transaction() as con:
            runs = [r[0] for r in con.execute("SELECT run_id FROM eval_runs ORDER BY run_id")]
            applied = {r[0] for r in con.execute("SELECT name FROM _migrations")}
        assert runs == (["e1", "e2"] if version >= 2 else ["e2"])
        assert {"runlog.create_calls", "batch.create_batches", "eval.create_eval_runs"} <= applied
    finally:
        log.close()
    assert schema_sql(path) == _fresh_schema(tmp_path)


@pytest.fixture
def capability():
    """A throw-away capability (removed from the declared ones, which the documentation test applies)."""
    made = []

    def make(name: str) -> Migrations:
        made.append(name)
        return Migrations(name)

    yield make
    for name in made:
        Migrations.declared.pop(name, None)


def test_each_migration_runs_once_across_openings(tmp_path, capability):
    notes = capability("notes")
    runs = []

    @notes.add
    def create_notes(con):
        runs.append("create")
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")

    for _ in range(3):
        store = Store(tmp_path / "db.sqlite")
        store.migrate(notes)
        store.migrate(notes)
        store.close()
    assert runs == ["create"]

    @notes.add
    def add_author(con):
        runs.append("alter")
        con.execute("ALTER TABLE notes ADD COLUMN author TEXT")

    store = Store(tmp_path / "db.sqlite")
    store.migrate(notes)
    with store.transaction() as con:
        columns = [r[1] for r in con.execute("PRAGMA table_info(notes)")]
        names = [r[0] for r in con.execute("SELECT name FROM _migrations ORDER BY rowid")]
    store.close()
    assert runs == ["create", "alter"] and columns == ["id", "body", "author"]
    assert names == ["notes.create_notes", "notes.add_author"]


def test_a_failing_migration_leaves_nothing_half_applied(tmp_path, capability):
    broken = capability("broken")

    @broken.add
    def create_a(con):
        con.execute("CREATE TABLE a (x)")

    @broken.add
    def create_b(con):
        raise sqlite3.OperationalError("disk says no")

    store = Store(tmp_path / "db.sqlite")
    with pytest.raises(sqlite3.OperationalError):
        store.migrate(broken)
    with store.transaction() as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    store.close()
    assert tables == set()  # not even the bookkeeping table: the whole transaction was rolled back


def test_two_processes_opening_the_file_at_once_create_a_capabilitys_tables_once(tmp_path, capability):
    race = capability("race")
    started = threading.Barrier(4)

    @race.add
    def create_t(con):
        time.sleep(0.1)  # the others have opened and are asking meanwhile
        con.execute("CREATE TABLE t (x)")  # a second run would fail: the table exists
        con.execute("INSERT INTO t VALUES (1)")

    earlier = capability("earlier")

    @earlier.add
    def nothing(con):
        pass

    store = Store(tmp_path / "db.sqlite")  # a database some capability already uses
    store.migrate(earlier)
    store.close()
    errors = []

    def open_and_migrate():
        store = Store(tmp_path / "db.sqlite")  # own connection, as another process has
        try:
            started.wait()
            store.migrate(race)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            store.close()

    threads = [threading.Thread(target=open_and_migrate) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    con = sqlite3.connect(tmp_path / "db.sqlite")
    assert con.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    con.close()


def test_a_capability_is_declared_once(capability):
    capability("twice")
    with pytest.raises(ValueError, match="declared twice"):
        Migrations("twice")


def test_one_store_per_process_is_shared_by_the_run_log_batch_state_eval_runs_and_the_audit_trail(
    tmp_path, monkeypatch
):
    import os

    from drafter.evaluation.report import save_run
    from drafter.portfolio.audit import AuditTrail
    from drafter.store import open_store, store_path

    opened = []
    real_init = Store.__init__
    monkeypatch.setattr(Store, "__init__", lambda self, *a, **k: (opened.append(a), real_init(self, *a, **k))[1])
    monkeypatch.setattr("drafter.evaluation.report.render_report", lambda run, gate: "")  # the row is what counts
    db = store_path()  # $DRAFTER_HOME/drafter.db (the test's own home)
    log = RunLog()
    trail = AuditTrail()
    state = BatchState(log.store, "b1")
    store = open_store()
    try:
        assert log.store is trail.store is state.store is store
        run = EvalRun(run_id="r1", created_at="2026-01-01T00:00:00+00:00", config={"backend": "offline"}, roles=[],
                      aggregates={})  # fmt: skip
        save_run(run, tmp_path / "runs")
        assert store.reader().execute("SELECT COUNT(*) FROM eval_runs").fetchone()[0] == 1
        assert len(opened) == 1 and store.path == db  # one set of connections, opened once, for all four
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a forked child must not use its parent's connections: it opens its own
            os.write(write, b"1" if open_store() is not store else b"0")
            os._exit(0)
        os.waitpid(pid, 0)
        assert os.read(read, 1) == b"1"
    finally:
        store.close()
        trail.close()
        log.close()
    fresh = open_store()  # its last user closed it: the next opening is a new one
    try:
        assert fresh is not store and len(opened) == 2
    finally:
        fresh.close()
