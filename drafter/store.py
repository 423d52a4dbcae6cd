"""drafter's own SQLite database: one file, one write connection in WAL mode, and migrations per capability.

Several capabilities keep their records in one file (``$DRAFTER_HOME/runlog.sqlite``): the run log of LLM
calls (which doubles as the response cache), batch state, eval runs. The store owns the connection; it
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

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import DrafterError
from .paths import data_home

MigrationFunction = Callable[[sqlite3.Connection], None]


def runlog_path() -> Path:
    """The database file (named after its first capability, the run log)."""
    return data_home() / "runlog.sqlite"


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


def corrupt_store(path: Path, e: Exception) -> DrafterError:
    """The one line a damaged database file gets (docs/logs.md: A damaged run log): what to do, not a traceback."""
    return DrafterError(
        f"{path}: not a readable drafter database ({e}); move it aside (mv {path} {path}.damaged) and drafter "
        "starts a new one (its response cache, run log and batch progress are not carried over)"
    )


class Store:
    """The database file, open for one process: a write connection under a lock, and a read connection per thread.

    WAL lets readers (cache look-ups in many threads) run beside the writer; ``synchronous=NORMAL`` with WAL
    survives a crash of drafter (only a power cut can lose the last commits).
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path or runlog_path())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        try:
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as e:
            self._con.close()
            raise corrupt_store(self.path, e) from None
        self._applied: set[str] = set()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def migrate(self, migrations: Migrations) -> None:
        """Apply the capability's migrations this database has not had yet (in one transaction)."""
        if all(m.name in self._applied for m in migrations):
            return
        with self._lock:
            con = self._con
            con.execute("BEGIN IMMEDIATE")
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
                raise corrupt_store(self.path, e) from None
            except BaseException:
                con.rollback()
                raise
            con.commit()
            self._applied |= {m.name for m in migrations}

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The write connection under the store's lock; committed when the block ends, rolled back on error."""
        with self._lock, self._con:
            yield self._con

    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection (reads never wait for the write lock)."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            con.execute("PRAGMA query_only = 1")
            self._local.con = con
            with self._readers_lock:
                self._readers.append(con)
        return con

    def close(self) -> None:
        with self._readers_lock:
            for con in self._readers:
                con.close()
            self._readers.clear()
        with self._lock:
            self._con.close()


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
