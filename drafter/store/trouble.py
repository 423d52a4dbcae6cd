"""When drafter's database cannot be used: busy (another process holds it) or damaged (not SQLite, or failing
``PRAGMA quick_check``), told apart, each with its one line; and how long a command waits for a busy one."""

from __future__ import annotations

import math
import os
import sqlite3
import sys
from pathlib import Path

from ..errors import DrafterError
from .location import store_path

WAIT_ENV = "DRAFTER_DB_WAIT"
DEFAULT_WAIT = 30.0  # seconds a command waits for another process to let go of the database
ATTEMPT_SECONDS = 0.25  # SQLite's own busy wait per attempt; between attempts the store says it is waiting
SAY_EVERY = 5.0


MOVE_ASIDE = (
    "move it aside (mv {path} {path}.damaged) and drafter starts a new one (its response cache, run log and batch "
    "progress are not carried over; accepted reviews can be read back with sqlite3 {path}.damaged .recover)"
)
KEEP_AUDIT = (
    "it holds the audit trail of accepted reviews, so keep it where it is: copy it (cp {path} {path}.copy) and "
    "read back what is left with sqlite3 {path}.copy .recover"
)


def corrupt_store(path: Path, e: Exception, advice: str = MOVE_ASIDE) -> DrafterError:
    """The one line a damaged database file gets (docs/logs.md: A busy or damaged run log): what to do, not a traceback.

    Only a file that is not SQLite or fails ``PRAGMA quick_check`` is damaged (``store_error`` decides); the
    audit trail's commands pass ``KEEP_AUDIT``, which never suggests moving the file aside."""
    return DrafterError(f"{path}: not a readable drafter database ({e}); " + advice.format(path=path))


class StoreBusy(DrafterError):
    """Another process held the database for longer than this one would wait (exit 5: try again later)."""

    exit_code = 5


def busy_store(path: Path, waited: float) -> StoreBusy:
    return StoreBusy(
        f"{path}: busy: another process holds drafter's database (a running batch, an open sqlite3 shell) and did "
        f"not let go within {waited:g}s; the file is fine: run the command again when that process is done, or "
        f"wait longer with {WAIT_ENV}=SECONDS"
    )


def store_wait() -> float:
    """How long to wait for a busy database: ``$DRAFTER_DB_WAIT`` seconds, else 30."""
    raw = os.environ.get(WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_WAIT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not (math.isfinite(seconds) and seconds >= 0):
        raise DrafterError(f"{WAIT_ENV}: expected the seconds to wait for a busy database (a number >= 0), got {raw!r}")
    return seconds


def is_busy(e: BaseException) -> bool:
    """Whether SQLite gave up because another connection holds a lock (not because the file is bad)."""
    if not isinstance(e, sqlite3.OperationalError):
        return False
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "database is locked" in str(e) or "database is busy" in str(e)


def is_damaged(path: Path) -> bool:
    """True when the file is not an SQLite database or fails ``PRAGMA quick_check`` (checked on a connection of
    its own, so a failed transaction elsewhere does not colour the verdict)."""
    if not Path(path).is_file():
        return False
    try:
        con = sqlite3.connect(path, timeout=ATTEMPT_SECONDS)
    except sqlite3.Error:
        return False
    try:
        return con.execute("PRAGMA quick_check").fetchall() != [("ok",)]
    except sqlite3.OperationalError:  # busy, or an I/O error: no verdict on the file's content
        return False
    except sqlite3.DatabaseError:  # not a database, or malformed
        return True
    finally:
        con.close()


def store_error(e: sqlite3.Error, path: Path | None = None, advice: str | None = None) -> DrafterError:
    """The one line a database error gets: busy (another process holds it), damaged (only if the file fails the
    check), or what SQLite said, naming the file. Without ``path``: the store this process opened last."""
    if path is None:
        path, advice = _last_opened
    if path is None:
        path = store_path()
    if is_busy(e):
        return busy_store(path, store_wait())
    if is_damaged(path):
        return corrupt_store(path, e, advice or MOVE_ASIDE)
    return DrafterError(f"{path}: {e}")


def say_waiting(path: Path, waited: float, limit: float) -> None:
    """Progress while waiting for another process (stderr: stdout may be JSON)."""
    sys.stderr.write(
        f"waiting for {path}: another process holds it (a running batch, an open sqlite3 shell); "
        f"{waited:.0f}s of {limit:g}s ({WAIT_ENV})\n"
    )
    sys.stderr.flush()


_last_opened: tuple[Path | None, str | None] = (None, None)


def opened(path: Path, advice: str) -> None:
    """Remember the store this process opened last: an error that reaches the CLI unconverted is about it."""
    global _last_opened
    _last_opened = (path, advice)
