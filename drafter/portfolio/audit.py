"""The audit trail: every final an assessor accepts, recorded against its draft — who, when, what changed.

Each acceptance is one row written in one transaction, with both documents in full, their SHA-256, the
diff and where every field of the final came from; a row is either there completely or not at all, and a
committed row survives the process being killed (the store's WAL journal). Nothing is ever updated or
deleted; the same pair of files (by content) is recorded once (a unique index, so two processes accepting at
once cannot both record it).

The table lives in drafter's database (``drafter/store.py``), declared here as the ``review`` capability's
migrations; its schema is in docs/logs.md with the others.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ..assessment import Assessment
from ..errors import DrafterError
from ..review.diff import Diff, diff, final_sources
from ..review.role import history_keys, role_key
from ..safetext import clean
from ..store import KEEP_AUDIT, Migrations, open_store, store_path

MIGRATIONS = Migrations("review")


@MIGRATIONS.add
def create_review_accepts(con) -> None:
    """One row per accepted final (drafter review accept)."""
    con.execute(
        """
        CREATE TABLE review_accepts (
          id INTEGER PRIMARY KEY,
          ts REAL NOT NULL,
          who TEXT NOT NULL,
          role TEXT NOT NULL,               -- O*NET-SOC code, else the job title
          draft_path TEXT NOT NULL,
          final_path TEXT NOT NULL,
          draft_sha256 TEXT NOT NULL,       -- of the file as read
          final_sha256 TEXT NOT NULL,
          draft_json TEXT NOT NULL,         -- both documents in full, as assessments
          final_json TEXT NOT NULL,
          diff_json TEXT NOT NULL,          -- drafter.review.diff.Diff
          sources_json TEXT NOT NULL,       -- field path -> where the final's value came from
          score_before TEXT NOT NULL,
          score_after TEXT NOT NULL,
          zone_before TEXT NOT NULL,
          zone_after TEXT NOT NULL,
          changes INTEGER NOT NULL
        )"""
    )
    con.execute("CREATE INDEX review_accepts_role ON review_accepts(role)")
    con.execute("CREATE UNIQUE INDEX review_accepts_pair ON review_accepts(draft_sha256, final_sha256)")


WHO_ENV = "DRAFTER_ASSESSOR"


def reviews_path() -> Path:
    """drafter's database, which holds the audit trail beside the run log and batch state."""
    return store_path()


def assessor_name(option: str | None = None) -> str:
    """Who is accepting: the option, else $DRAFTER_ASSESSOR, else the login name."""
    if option and option.strip():
        return option.strip()
    if env := os.environ.get(WHO_ENV, "").strip():
        return env
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise DrafterError(f"cannot tell who is accepting: pass --by NAME or set {WHO_ENV}") from None


@dataclass(frozen=True)
class Accepted:
    id: int
    ts: float
    who: str
    role: str
    draft_path: str
    final_path: str
    score_before: str
    score_after: str
    zone_before: str
    zone_after: str
    changes: int
    new: bool = True  # False: this exact pair was already recorded

    @property
    def when(self) -> str:
        return datetime.fromtimestamp(self.ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AuditTrail:
    def __init__(self, path: Path | None = None):
        self.store = open_store(path or reviews_path(), advice=KEEP_AUDIT)  # damaged: never "move it aside"
        self.store.migrate(MIGRATIONS)
        self.path = self.store.path

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> AuditTrail:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def accept(
        self,
        draft: Assessment,
        final: Assessment,
        *,
        draft_path: Path,
        final_path: Path,
        draft_bytes: bytes,
        final_bytes: bytes,
        who: str,
        now: float | None = None,
        other_role: bool = False,
    ) -> tuple[Accepted, Diff]:
        """Record ``final`` as accepted against ``draft``; the same pair (by content) is recorded once.

        A final of another role than the draft's is refused (``review.role.RoleMismatch``) unless
        ``other_role``."""
        who = clean(who)  # a name from --by or the environment is stored without escape sequences (safetext)
        d = diff(draft, final, draft_name=str(draft_path), final_name=str(final_path), other_role=other_role)
        ds, fs = _sha(draft_bytes), _sha(final_bytes)
        ts = time.time() if now is None else now
        sources = final_sources(draft, final, d, who, datetime.fromtimestamp(ts, UTC).replace(microsecond=0))
        row = (
            ts, who, role_key(final), str(draft_path), str(final_path), ds, fs, draft.model_dump_json(),
            final.model_dump_json(), d.model_dump_json(),
            json.dumps({k: v.model_dump(mode="json") for k, v in sources.items()}),
            d.score_before, d.score_after, d.zone_before.value, d.zone_after.value, len(d.changes),
        )  # fmt: skip
        with self.store.transaction() as con:
            cur = con.execute(
                "INSERT INTO review_accepts (ts, who, role, draft_path, final_path, draft_sha256, final_sha256,"
                " draft_json, final_json, diff_json, sources_json, score_before, score_after, zone_before,"
                " zone_after, changes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (draft_sha256, final_sha256) DO NOTHING",
                row,
            )
            new = cur.rowcount == 1
            (id_,) = con.execute(
                "SELECT id FROM review_accepts WHERE draft_sha256 = ? AND final_sha256 = ?", (ds, fs)
            ).fetchone()
        return self.get(id_, new=new), d

    def _con(self):
        return self.store.reader()

    def get(self, id: int, new: bool = True) -> Accepted:
        r = (
            self._con()
            .execute(
                "SELECT id, ts, who, role, draft_path, final_path, score_before, score_after, zone_before, zone_after,"
                " changes FROM review_accepts WHERE id = ?",
                (id,),
            )
            .fetchone()
        )
        if r is None:
            raise DrafterError(f"{self.path}: no accepted review #{id}")
        return replace(Accepted(*r), new=new)

    def history(self, role: str | None = None, limit: int = 50) -> list[Accepted]:
        """Newest first; ``role`` is a code in either form (29-2072, 29-2072.00) or a custom role's title."""
        keys = history_keys(role) if role else ()
        where = f"WHERE role IN ({','.join('?' * len(keys))})" if keys else ""
        args = (*keys, limit)
        rows = (
            self._con()
            .execute(
                "SELECT id, ts, who, role, draft_path, final_path, score_before, score_after, zone_before, zone_after,"
                f" changes FROM review_accepts {where} ORDER BY id DESC LIMIT ?",
                args,
            )
            .fetchall()
        )
        return [Accepted(*r) for r in rows]

    def record(self, id: int) -> dict:
        """One acceptance in full (documents, diff, sources), as stored."""
        con = self._con()
        con.row_factory = sqlite3.Row
        try:
            r = con.execute("SELECT * FROM review_accepts WHERE id = ?", (id,)).fetchone()
        finally:
            con.row_factory = None
        if r is None:
            raise DrafterError(f"{self.path}: no accepted review #{id}")
        out = dict(r)
        for k in ("draft_json", "final_json", "diff_json", "sources_json"):
            out[k.removesuffix("_json")] = json.loads(out.pop(k))
        return out


def recorded_acceptance(trail: AuditTrail, draft_path: Path, final_path: Path) -> Accepted | None:
    """The acceptance of exactly these two files (by content), if there is one."""
    ds, fs = _sha(Path(draft_path).read_bytes()), _sha(Path(final_path).read_bytes())
    row = (
        trail._con()
        .execute(
            "SELECT id FROM review_accepts WHERE draft_sha256 = ? AND final_sha256 = ? ORDER BY id LIMIT 1", (ds, fs)
        )
        .fetchone()
    )
    return None if row is None else trail.get(row[0], new=False)


Refreshed = Callable[[int, Path | None], None]
"""Told, when a final's written figures were stale and were rewritten, how many differed and the backup kept."""


def accept_files(
    trail: AuditTrail,
    draft_path: Path,
    final_path: Path,
    who: str,
    *,
    other_role: bool = False,
    on_refreshed: Refreshed | None = None,
) -> tuple[Accepted, Diff]:
    """Read both files (JSON or house format) and record the final against the draft.

    The trail records figures computed by the scorer; a final whose written figures disagree with them (an
    edited score in a copied document) is first rewritten with the computed ones, the assessor's file kept as
    a numbered backup, so the accepted file never prints a figure other than the trail's. The role is checked
    before anything is written."""
    from ..documents import load_assessment
    from ..review.role import check_same_role

    draft, _ = load_assessment(draft_path)
    final, report = load_assessment(final_path)
    if not other_role:
        check_same_role(draft, final, str(draft_path), str(final_path))
    if report is not None and not report.ok:
        backup = _refresh_figures(final_path, final)
        if on_refreshed is not None:
            on_refreshed(len(report.disagreements), backup)
    return trail.accept(
        draft, final, draft_path=draft_path, final_path=final_path, draft_bytes=Path(draft_path).read_bytes(),
        final_bytes=Path(final_path).read_bytes(), who=who, other_role=other_role,
    )  # fmt: skip


def _refresh_figures(path: Path, a: Assessment) -> Path | None:
    """Rewrite a house-format document with the scorer's figures, through the protected writer (the file is
    the assessor's, so it is kept as a numbered backup, which is returned)."""
    from ..files import write_owned
    from ..house_format import render_markdown

    return write_owned(path, render_markdown(a), force=True, origin="accept")
