"""drafter's database in the states the hostile tests need: a real one, held by another process, or damaged."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Another process (a long batch, a sqlite3 shell) inside a write transaction: "write" is BEGIN IMMEDIATE on
# drafter's WAL database (readers go on, writers wait); "exclusive" turns the file to a rollback journal first
# and holds BEGIN EXCLUSIVE (readers wait too). It prints "held", holds for SECONDS, then lets go.
_HOLD = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "exclusive":
    con.execute("PRAGMA journal_mode=DELETE")
con.execute("BEGIN EXCLUSIVE" if sys.argv[2] == "exclusive" else "BEGIN IMMEDIATE")
con.execute("CREATE TABLE IF NOT EXISTS held_by_another_process (x)")
print("held", flush=True)
time.sleep(float(sys.argv[3]))
con.execute("ROLLBACK")
"""


def real_store(path: Path) -> Path:
    """A drafter database with every capability's tables (as a drafter that drafted, batched and accepted has)."""
    from drafter.batch.state import MIGRATIONS as BATCH
    from drafter.evaluation.runs import MIGRATIONS as EVAL
    from drafter.portfolio.audit import MIGRATIONS as REVIEW
    from drafter.store import Store

    from drafter.llm.runlog import MIGRATIONS as RUNLOG  # isort: skip

    path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(path)
    for migrations in (RUNLOG, BATCH, EVAL, REVIEW):
        store.migrate(migrations)
    store.close()
    return path


def corrupt_a_page(path: Path) -> Path:
    """A real database with its schema page overwritten: SQLite opens it, PRAGMA quick_check fails."""
    import sqlite3

    real_store(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # page 1 after the 100-byte header: sqlite_master
    path.write_bytes(bytes(data))
    return path


@contextmanager
def held(path: Path, mode: str = "write", seconds: float = 120) -> Iterator[subprocess.Popen]:
    """Another process holding ``path`` (see _HOLD) while the block runs; killed at its end."""
    p = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(path), mode, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "held"
        yield p
    finally:
        p.kill()
        p.wait()


def truncated(path: Path) -> Path:
    """A real database cut to its first third (a disk that filled up, a copy that stopped)."""
    real_store(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def junk(path: Path) -> Path:
    """A file that was never SQLite, where drafter keeps its database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not an SQLite database\n" * 100)
    return path


def header_only(path: Path) -> Path:
    """SQLite's magic string followed by zeros: looks like SQLite, is not a database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"SQLite format 3\x00" + bytes(5000))
    return path
