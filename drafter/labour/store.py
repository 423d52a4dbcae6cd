"""Imported OEWS releases, kept in one SQLite file under the drafter home (``$DRAFTER_HOME/bls.sqlite``).

Values are stored as the text BLS printed (``24.59``, not a float) with their status, so a capped or unpublished
figure stays what it was. An import writes a complete new file beside the old one (the releases already stored
plus the new ones) and renames it into place: a failed import leaves the previous store exactly as it was.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from .figures import MEASURES, Figure, LabourDataError, Release, ReleaseTable, SocFigures, Status

STORE_FORMAT = 1

SCHEMA = """
CREATE TABLE releases (id TEXT PRIMARY KEY, source TEXT NOT NULL, imported_at TEXT NOT NULL);
CREATE TABLE occupations (
  release TEXT NOT NULL REFERENCES releases(id), soc_code TEXT NOT NULL, title TEXT NOT NULL, display_level INTEGER,
  PRIMARY KEY (release, soc_code)
);
CREATE TABLE figures (
  release TEXT NOT NULL, soc_code TEXT NOT NULL, measure TEXT NOT NULL, value TEXT, status TEXT NOT NULL,
  footnotes TEXT NOT NULL, PRIMARY KEY (release, soc_code, measure),
  FOREIGN KEY (release, soc_code) REFERENCES occupations(release, soc_code)
);
"""


def read_store(path: Path) -> list[ReleaseTable]:
    """Every imported release, oldest first; an empty list when nothing was imported."""
    path = Path(path)
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (version,) = con.execute("PRAGMA user_version").fetchone()
        if version != STORE_FORMAT:
            raise LabourDataError(
                f"{path}: BLS store format {version}, expected {STORE_FORMAT}; run `drafter bls import` again"
            )
        releases = {rid: Release(rid, src) for rid, src in con.execute("SELECT id, source FROM releases ORDER BY id")}
        rows: dict[str, dict[str, SocFigures]] = {rid: {} for rid in releases}
        for rid, code, title, level in con.execute("SELECT release, soc_code, title, display_level FROM occupations"):
            rows[rid][code] = SocFigures(code, title, level, releases[rid], {})
        for rid, code, measure, value, status, notes in con.execute(
            "SELECT release, soc_code, measure, value, status, footnotes FROM figures"
        ):
            rows[rid][code].figures[measure] = Figure(
                None if value is None else Decimal(value), Status(status), tuple(n for n in notes.split(";") if n)
            )
        return [ReleaseTable(releases[rid], rows[rid]) for rid in releases]
    except (sqlite3.DatabaseError, KeyError, ValueError) as e:
        raise LabourDataError(f"{path}: not a readable BLS store ({e}); run `drafter bls import` again") from None
    finally:
        con.close()


def write_store(path: Path, tables: list[ReleaseTable]) -> None:
    """Replace the store with exactly ``tables`` (atomically)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bls.", suffix=".sqlite.tmp", dir=path.parent)
    os.close(fd)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        con = sqlite3.connect(tmp)
        with con:
            con.executescript(SCHEMA)
            con.execute(f"PRAGMA user_version = {STORE_FORMAT}")
            for t in tables:
                con.execute("INSERT INTO releases VALUES (?, ?, ?)", (t.release.id, t.release.source, now))
                con.executemany(
                    "INSERT INTO occupations VALUES (?, ?, ?, ?)",
                    [(t.release.id, r.soc_code, r.title, r.display_level) for r in t.rows.values()],
                )
                con.executemany(
                    "INSERT INTO figures VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (t.release.id, r.soc_code, m, None if f.value is None else str(f.value), f.status.value,
                         ";".join(f.footnotes))
                        for r in t.rows.values()
                        for m, f in r.figures.items()
                        if m in MEASURES
                    ],
                )  # fmt: skip
        con.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_releases(path: Path, new: list[ReleaseTable]) -> list[tuple[Release, bool]]:
    """Store ``new`` beside the releases already imported; a release imported again replaces its old copy.

    Returns each new release with whether it replaced one already stored."""
    kept = {t.release.id: t for t in read_store(path)}
    replaced = [(t.release, t.release.id in kept) for t in new]
    kept |= {t.release.id: t for t in new}
    write_store(path, [kept[k] for k in sorted(kept)])
    return replaced
