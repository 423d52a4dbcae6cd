"""drafter's own SQLite database: one file, one write connection in WAL mode, and migrations per capability.

Several capabilities keep their records in one file (``store_path()``: ``$DRAFTER_HOME/drafter.db``, or the
``runlog.sqlite`` an older drafter made): the run log of LLM calls (which doubles as the response cache), batch
state, eval runs, the audit trail of accepted reviews; one ``Store`` per process (``open_store``) serves them all. The store owns the connection; it
knows no table. Each capability declares its own tables next to its code, as a named list of migrations,
and has the store apply that list before its first read or write. A new capability (say, an audit table of
accepted reviews) looks like this::

    from ..store import Migrations, Store

    MIGRATIONS = Migrations("review")


    @MIGRATIONS.add
    def create_review_accepts(con):
        con.execute(
            \"\"\"
            CREATE TABLE review_accepts (
              id INTEGER PRIMARY KEY,
              ts REAL NOT NULL,
              draft_path TEXT NOT NULL
            )\"\"\"
        )


    class ReviewLog:
        def __init__(self, store: Store):
            store.migrate(MIGRATIONS)  # cheap after the first time
            self.store = store

        def accept(self, path: str) -> None:
            with self.store.transaction() as con:
                con.execute("INSERT INTO review_accepts (ts, draft_path) VALUES (?, ?)", (time.time(), path))

and its tables go into docs/logs.md (tests/test_docs.py applies every declared ``Migrations`` and compares).

Rules, as in simonw/llm's ``migrations.py``: a migration is a function of a connection, applied once, in the
order declared, and recorded by name (``<capability>.<function name>``) in the ``_migrations`` table. A
released migration is never edited or removed (it has run on someone's database); to change a table, append
a migration (``ALTER TABLE …``). A capability's pending migrations run in one ``BEGIN IMMEDIATE``
transaction, so two processes opening the same file at once apply them once; for that, a migration uses
``con.execute`` (``executescript`` would commit half-way).

Databases written before named migrations counted them in ``PRAGMA user_version`` (calls = 1, eval runs = 2,
batches = 3). A migration that existed then names the count that covered it (``legacy_version``): on such a
database it is recorded as applied instead of being run again.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..errors import DrafterError
from .location import LEGACY_NAME, STORE_NAME, store_path  # noqa: F401  (re-exported)
from .trouble import (  # noqa: F401  (re-exported: drafter.store is where the store's errors are found)
    ATTEMPT_SECONDS,
    DEFAULT_WAIT,
    KEEP_AUDIT,
    MOVE_ASIDE,
    SAY_EVERY,
    WAIT_ENV,
    StoreBusy,
    busy_store,
    corrupt_store,
    is_busy,
    is_damaged,
    opened,
    say_waiting,
    store_error,
    store_wait,
)

MigrationFunction = Callable[[sqlite3.Connection], None]
T = TypeVar("T")


@dataclass(frozen=True)
class Migration:
    name: str
    apply: MigrationFunction
    legacy_version: int | None = None  # PRAGMA user_version from which an old database already has it


class Migrations:
    """One capability's schema: its migrations, in the order they are applied."""

    declared: dict[str, Migrations] = {}  # every capability's list by name, for the documentation test

    def __init__(self, capability: str):
        if capability in Migrations.declared:
            raise ValueError(f"migrations for {capability!r} are declared twice")
        self.capability = capability
        self.items: list[Migration] = []
        Migrations.declared[capability] = self

    def add(self, fn: MigrationFunction | None = None, *, legacy_version: int | None = None):
        """Decorator appending ``fn`` as the next migration (``@m.add`` or ``@m.add(legacy_version=N)``)."""

        def register(f: MigrationFunction) -> MigrationFunction:
            name = f"{self.capability}.{f.__name__}"
            if any(m.name == name for m in self.items):
                raise ValueError(f"migration {name} is declared twice")
            self.items.append(Migration(name, f, legacy_version))
            return f

        return register(fn) if fn is not None else register

    def __iter__(self) -> Iterator[Migration]:
        return iter(self.items)


class Store:
    """The database file, open for one process: a write connection under a lock, and a read connection per thread.

    WAL lets readers (cache look-ups in many threads) run beside the writer; ``synchronous=NORMAL`` with WAL
    survives a crash of drafter (only a power cut can lose the last commits). When another process holds the
    write lock (a long batch, a sqlite3 shell), a write waits up to ``wait`` seconds (``$DRAFTER_DB_WAIT``),
    saying so every few seconds, then ends in ``StoreBusy``; reads do not wait for writers. Only a file that is
    not SQLite or fails ``PRAGMA quick_check`` is reported damaged, with ``advice`` (``MOVE_ASIDE`` or
    ``KEEP_AUDIT``). ``open_store`` gives the one store a process shares; ``Store(path)`` is a connection of
    its own (as another process would have).
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        wait: float | None = None,
        advice: str = MOVE_ASIDE,
        on_wait: Callable[[Path, float, float], None] = say_waiting,
    ):
        self.path = Path(path or store_path())
        self.wait = store_wait() if wait is None else wait
        self.advice = advice
        self._on_wait = on_wait
        opened(self.path, advice)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, check_same_thread=False, timeout=min(ATTEMPT_SECONDS, self.wait))
        try:
            self.patiently(lambda: self._con.execute("PRAGMA journal_mode=WAL"))
            self._con.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as e:
            self._con.close()
            raise self.error(e) from None
        except BaseException:
            self._con.close()
            raise
        self._applied: set[str] = set()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._users = 1

    def share(self) -> Store:
        """One more user of this store (who closes it when done; the connections close with the last user)."""
        with _shared_lock:
            self._users += 1
        return self

    def error(self, e: sqlite3.Error) -> DrafterError:
        """This store's one line for ``e`` (busy, damaged with this store's advice, or what SQLite said)."""
        return store_error(e, self.path, self.advice)

    def patiently(self, attempt: Callable[[], T]) -> T:
        """``attempt()``, again while another process holds the database, for up to ``self.wait`` seconds."""
        started = time.monotonic()
        said: float | None = None
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as e:
                if not is_busy(e):
                    raise
            waited = time.monotonic() - started
            if waited >= self.wait:
                raise busy_store(self.path, self.wait) from None
            if said is None or waited - said >= SAY_EVERY:
                self._on_wait(self.path, waited, self.wait)
                said = waited
            time.sleep(0.05)

    def _recorded(self) -> set[str]:
        """Migrations the file has recorded, read without waiting for a writer (none: no table yet)."""
        try:
            return {row[0] for row in self.reader().execute("SELECT name FROM _migrations")}
        except sqlite3.OperationalError:
            return set()

    def migrate(self, migrations: Migrations) -> None:
        """Apply the capability's migrations this database has not had yet (in one transaction)."""
        names = {m.name for m in migrations}
        if names <= self._applied:
            return
        if names <= self._recorded():  # a database in use: no write lock needed to open it
            self._applied |= names
            return
        with self._lock:
            con = self._con
            self.patiently(lambda: con.execute("BEGIN IMMEDIATE"))
            try:
                con.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
                done = {row[0] for row in con.execute("SELECT name FROM _migrations")}
                (legacy,) = con.execute("PRAGMA user_version").fetchone()
                for m in migrations:
                    if m.name in done:
                        continue
                    if m.legacy_version is None or legacy < m.legacy_version:
                        m.apply(con)
                    con.execute("INSERT INTO _migrations (name, applied) VALUES (?, ?)", (m.name, time.time()))
            except sqlite3.OperationalError:
                con.rollback()
                raise
            except sqlite3.DatabaseError as e:  # not a database, or a damaged one
                con.rollback()
                raise self.error(e) from None
            except BaseException:
                con.rollback()
                raise
            con.commit()
            self._applied |= names

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The write connection under the store's lock, in a ``BEGIN IMMEDIATE`` transaction taken patiently
        (waiting for another process's writer, saying so); committed when the block ends, rolled back on error."""
        with self._lock:
            con = self._con
            self.patiently(lambda: con.execute("BEGIN IMMEDIATE"))
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()

    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection (reads never wait for the write lock)."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, check_same_thread=False, timeout=self.wait)
            con.execute("PRAGMA query_only = 1")
            self._local.con = con
            with self._readers_lock:
                self._readers.append(con)
        return con

    def close(self) -> None:
        """Close the connections (a shared store: when its last user closes it)."""
        with _shared_lock:
            self._users -= 1
            if self._users > 0:
                return
            key = self.path.absolute()
            if _shared.get(key) is self:
                del _shared[key]
        with self._readers_lock:
            for con in self._readers:
                con.close()
            self._readers.clear()
        with self._lock:
            self._con.close()


_shared: dict[Path, Store] = {}
_shared_lock = threading.Lock()
_shared_pid = os.getpid()
_inherited: list[Store] = []  # a forked child's copies of its parent's stores: kept alive, never used or closed


def open_store(path: Path | None = None, *, advice: str = MOVE_ASIDE) -> Store:
    """The process's one store of ``path`` (default: drafter's database), opened on first use and shared by the
    run log, batch state, eval runs and the audit trail; each user closes it, the last close closes it. A forked
    child opens its own (SQLite connections must not cross a fork)."""
    global _shared_pid
    given = Path(path or store_path())
    resolved = given.absolute()
    with _shared_lock:
        if os.getpid() != _shared_pid:
            _inherited.extend(_shared.values())
            _shared.clear()
            _shared_pid = os.getpid()
        store = _shared.get(resolved)
        if store is not None:
            store._users += 1  # share(), under the lock already held
            if advice != MOVE_ASIDE:
                store.advice = advice
            opened(store.path, store.advice)
            return store
    store = Store(given, advice=advice)
    with _shared_lock:
        if resolved in _shared:  # another thread opened it meanwhile: use that one
            other = _shared[resolved]
            other._users += 1
        else:
            _shared[resolved] = store
            return store
    store.close()
    return other


def schema_sql(path: Path) -> str:
    """The database's tables as SQL, as documented in docs/logs.md (a test keeps the two the same).

    SQLite keeps each ``CREATE`` statement as written, and splices a column added later by ``ALTER TABLE``
    in as ``, name TYPE`` after the last column; such columns are put on lines of their own here.
    """
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name").fetchall()
    finally:
        con.close()
    out = []
    for (sql,) in rows:
        head, _, body = sql.strip().partition("\n")
        if not body:
            out.append(head + ";")
            continue
        assert body.endswith(")"), sql
        lines = [piece for line in body[:-1].split("\n") for piece in _columns(line.strip())]
        for n in range(len(lines) - 1):  # a comma after every column but the last (before its comment)
            end = len(lines[n].split("--", 1)[0].rstrip())
            if not lines[n][:end].endswith(","):
                lines[n] = lines[n][:end] + "," + lines[n][end:]
        out.append("\n".join([head, *(f"  {line}" for line in lines), ");"]))
    return "\n".join(out) + "\n"


def _columns(line: str) -> list[str]:
    """A line of a CREATE TABLE split where ALTER TABLE spliced in columns (at ``, `` outside brackets and quotes)."""
    pieces, depth, quoted, start = [], 0, False, 0
    code = line.split("--", 1)[0]
    for i, ch in enumerate(code):
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch in "()":
            depth += 1 if ch == "(" else -1
        elif not quoted and depth == 0 and code.startswith(", ", i) and code[i + 2 :].strip():
            pieces.append(line[start:i].strip())
            start = i + 2
    pieces.append(line[start:].strip())
    return [p for p in pieces if p]
