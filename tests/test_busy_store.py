"""Busy is not damaged: a database another process holds is waited for (saying so) and then called busy; only a
file that is not SQLite or fails PRAGMA quick_check is called damaged; the audit trail is never to be moved aside."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from drafter.files import assessment_json
from drafter.inputs import with_value
from drafter.store import Store, StoreBusy, store_error

from .store_kit import corrupt_a_page, held, real_store

FAST = {"DRAFTER_DB_WAIT": "1"}


@pytest.fixture
def home(tmp_path):
    return tmp_path / "home"


@pytest.fixture
def db(home):
    return real_store(home / "drafter.db")


@pytest.fixture
def pair(tmp_path, golden):
    """A draft and an assessor's final of it, for review accept."""
    d, f = tmp_path / "draft.json", tmp_path / "final.json"
    d.write_text(assessment_json(golden))
    f.write_text(assessment_json(with_value(golden, "tasks[0].score", 1)))
    return d, f


def _codes(tmp_path):
    (tmp_path / "codes.txt").write_text("11-1011.00\n")
    return "codes.txt"


def test_a_batch_waits_for_a_database_another_process_holds_then_says_it_is_busy(run_cli, tmp_path, db):
    with held(db):
        started = time.monotonic()
        r = run_cli("batch", "--codes", _codes(tmp_path), "--offline", "-o", "d", cwd=tmp_path, env=FAST)
        took = time.monotonic() - started
    assert r.returncode == 5, r.stderr
    assert f"waiting for {db}: another process holds it" in r.stderr  # progress while it waits
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {db}: busy: another process holds drafter's database")
    assert "DRAFTER_DB_WAIT" in last
    assert "not a readable" not in r.stderr and "aside" not in r.stderr and "Traceback" not in r.stderr
    assert took < 15  # bounded by DRAFTER_DB_WAIT, not SQLite's 30 s


def test_a_batch_goes_on_when_the_other_process_lets_go_within_the_wait(run_cli, tmp_path, db):
    with held(db, seconds=1.5):
        r = run_cli("batch", "--codes", _codes(tmp_path), "--offline", "-o", "d", "--json", cwd=tmp_path,
                    env={"DRAFTER_DB_WAIT": "30"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert f"waiting for {db}: another process holds it" in r.stderr
    assert (tmp_path / "d" / "11-1011.00.json").exists()


def test_reading_commands_do_not_wait_for_another_process_writing(run_cli, tmp_path, db):
    with held(db):
        for args in (("logs",), ("batch", "status"), ("review", "history")):
            r = run_cli(*args, env=FAST)
            assert r.returncode == 0, (args, r.stderr)
            assert "waiting" not in r.stderr


def test_review_accept_on_a_busy_database_never_says_move_it_aside(run_cli, db, pair):
    d, f = pair
    with held(db):
        r = run_cli("review", "accept", str(f), "--draft", str(d), "--by", "ana", env=FAST)
    assert r.returncode == 5, r.stderr
    assert f"error: {db}: busy: another process holds" in r.stderr
    assert "aside" not in r.stderr and "mv " not in r.stderr and "damaged" not in r.stderr


@pytest.mark.parametrize("make", ["junk", "corrupt-page"])
@pytest.mark.parametrize("command", ["history", "accept"])
def test_the_audit_trail_in_a_damaged_file_is_kept_where_it_is(run_cli, home, pair, make, command):
    db = home / "drafter.db"
    if make == "junk":
        home.mkdir()
        db.write_bytes(b"not SQLite\n" * 200)
    else:
        corrupt_a_page(db)
    before = db.read_bytes()
    d, f = pair
    args = ("review", "history") if command == "history" else ("review", "accept", str(f), "--draft", str(d))
    r = run_cli(*args, env={"DRAFTER_ASSESSOR": "ana"})
    assert r.returncode == 2, r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: {db}: not a readable drafter database")
    assert "audit trail" in line and "keep it where it is" in line
    assert "aside" not in r.stderr and "mv " not in r.stderr
    assert db.read_bytes() == before


def test_a_database_with_a_corrupt_page_is_called_damaged(run_cli, home):
    db = corrupt_a_page(home / "drafter.db")
    r = run_cli("logs")
    assert r.returncode == 2, r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: {db}: not a readable drafter database (database disk image is malformed)")
    assert f"mv {db} {db}.damaged" in line


def test_an_error_on_a_sound_file_is_reported_as_it_is_not_as_damage(tmp_path):
    db = real_store(tmp_path / "db.sqlite")
    e = store_error(sqlite3.OperationalError("disk I/O error"), db)
    assert str(e) == f"{db}: disk I/O error" and e.exit_code == 2


def test_store_waits_for_the_writer_and_reports_progress_then_busy(tmp_path):
    db = real_store(tmp_path / "db.sqlite")
    said = []
    store = Store(db, wait=0.6, on_wait=lambda path, waited, limit: said.append((path, limit)))
    try:
        with held(db):
            with pytest.raises(StoreBusy, match="busy: another process holds"):
                with store.transaction() as con:
                    con.execute("INSERT INTO _migrations VALUES ('x', 1)")
        with store.transaction() as con:  # let go: the same store writes again
            con.execute("INSERT INTO _migrations VALUES ('x', 1)")
    finally:
        store.close()
    assert said == [(db, 0.6)]


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_a_bad_wait_setting_is_one_line(run_cli, db, value):
    r = run_cli("logs", env={"DRAFTER_DB_WAIT": value})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    expected = (
        f"error: DRAFTER_DB_WAIT: expected the seconds to wait for a busy database (a number >= 0), got {value!r}"
    )
    assert r.stderr.strip() == expected


def test_a_new_home_gets_drafter_db_and_an_older_runlog_sqlite_stays_in_use(run_cli, tmp_path, home):
    r = run_cli("batch", "--codes", _codes(tmp_path), "--offline", "-o", "d", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in home.glob("*.db")) == ["drafter.db"] and not (home / "runlog.sqlite").exists()

    older = tmp_path / "older"
    legacy = real_store(older / "runlog.sqlite")  # what an older drafter made, with a batch in it
    con = sqlite3.connect(legacy)
    con.execute("INSERT INTO batches VALUES ('0123456789ab', 1, '/drafts', '{\"backend\": \"offline\"}')")
    con.commit()
    con.close()
    r = run_cli("batch", "status", "--json", env={"DRAFTER_HOME": str(older)})
    assert r.returncode == 0, r.stderr
    assert [b["batch_id"] for b in json.loads(r.stdout)] == ["0123456789ab"]
    r = run_cli(
        "batch", "--codes", _codes(tmp_path), "--offline", "-o", "d2", cwd=tmp_path, env={"DRAFTER_HOME": str(older)}
    )
    assert r.returncode == 0, r.stderr
    assert not (older / "drafter.db").exists()  # the batch went into the file that was there
    assert sqlite3.connect(legacy).execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 2


def test_call_records_the_log_cannot_store_are_reported_by_flush_not_lost_in_a_hung_thread(tmp_path):
    from drafter.llm.runlog import CallRecord, RunLog

    db = real_store(tmp_path / "db.sqlite")
    store = Store(db, wait=0.3, on_wait=lambda *a: None)
    log = RunLog(store=store)
    record = CallRecord(run_id="r", step="decompose", endpoint="e", base_url="u", model="m", request_hash="h",
                        request_json="{}", response_json="{}", status=200, error=None, finish_reason="stop",
                        usage=None, total_tokens=None, latency_ms=1.0, attempt=1, cached=False)  # fmt: skip
    try:
        with held(db):
            log.record(record)
            with pytest.raises(StoreBusy):
                log.flush()
        log.record(record)  # the writer is still alive: once the other process lets go, records are stored
        assert log.totals("r")["calls"] == 1
    finally:
        log.close()
        store.close()
