"""The local O*NET store: an imported release kept as a SQLite file that takes precedence over bundled data.

An import builds a complete new file beside the old one and renames it into place, so a failed import leaves
the previous store exactly as it was.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path

from ..errors import DrafterError
from .model import Occupation, Task, TaskRatings

STORE_FORMAT = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE occupations (
  code TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL, alternate_titles TEXT NOT NULL
);
CREATE TABLE tasks (
  id INTEGER PRIMARY KEY, code TEXT NOT NULL REFERENCES occupations(code), statement TEXT NOT NULL,
  type TEXT NOT NULL, ratings TEXT
);
CREATE INDEX tasks_code ON tasks(code);
"""


def write_store(path: Path, occupations: list[Occupation], source: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".onet.", suffix=".sqlite.tmp", dir=path.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        with con:
            con.executescript(SCHEMA)
            con.execute(f"PRAGMA user_version = {STORE_FORMAT}")
            con.executemany(
                "INSERT INTO meta VALUES (?, ?)", [("source", source), ("occupations", str(len(occupations)))]
            )
            con.executemany(
                "INSERT INTO occupations VALUES (?, ?, ?, ?)",
                [(o.code, o.title, o.description, json.dumps(list(o.alternate_titles))) for o in occupations],
            )
            con.executemany(
                "INSERT INTO tasks VALUES (?, ?, ?, ?, ?)",
                [
                    (t.id, o.code, t.statement, t.type, json.dumps(t.ratings.__dict__) if t.ratings else None)
                    for o in occupations
                    for t in o.tasks
                ],
            )
        con.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_store(path: Path, code: str | None = None) -> list[Occupation]:
    """All occupations in the store (or just ``code``); an empty list when there is no store."""
    path = Path(path)
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    where, args = ("WHERE code = ?", (code,)) if code else ("", ())
    try:
        (version,) = con.execute("PRAGMA user_version").fetchone()
        if version != STORE_FORMAT:
            raise DrafterError(
                f"{path}: O*NET store format {version}, expected {STORE_FORMAT}; run `drafter onet import` again"
            )
        (source,) = con.execute("SELECT value FROM meta WHERE key = 'source'").fetchone()
        tasks: dict[str, list[Task]] = {}
        for tid, task_code, statement, ttype, ratings in con.execute(
            f"SELECT id, code, statement, type, ratings FROM tasks {where} ORDER BY id", args
        ):
            r = None
            if ratings:
                d = json.loads(ratings)
                r = TaskRatings({int(k): v for k, v in d["frequency"].items()}, d["importance"], d["relevance"])
            tasks.setdefault(task_code, []).append(Task(tid, statement, ttype, r))
        return [
            Occupation(occ, title, tuple(tasks.get(occ, ())), desc, tuple(json.loads(alt)), source=source)
            for occ, title, desc, alt in con.execute(
                f"SELECT code, title, description, alternate_titles FROM occupations {where}", args
            )
        ]
    except sqlite3.DatabaseError as e:
        raise DrafterError(f"{path}: not a readable O*NET store ({e}); run `drafter onet import` again") from None
    finally:
        con.close()
