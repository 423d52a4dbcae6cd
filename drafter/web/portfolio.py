"""The portfolio table of the review page: ``drafter table``'s rows (the same figures), with each role's final
and accepted state. A row is computed once per draft file version (path, size, mtime) and kept for the life of
the server, so the page is rebuilt only for drafts that changed (the review-first list costs ~50 ms a role)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .workspace import Workspace

_cache: dict[tuple[str, int, int], Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class RoleRow:
    stem: str
    row: Any  # portfolio.table.PortfolioRow
    final: bool
    accepted: int  # accepted reviews of this role in the audit trail
    changed: str  # when the newest of its files changed (UTC)


def _row(path: Path, folder: Path):
    from ..errors import DrafterError
    from ..portfolio.table import portfolio_row

    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _lock:
        if key in _cache:
            return _cache[key]
    row: Any
    try:
        row = portfolio_row(path, folder)
    except DrafterError as e:
        row = str(e).splitlines()[0]
    with _lock:
        _cache[key] = row
    return row


def portfolio_rows(ws: Workspace) -> tuple[list[RoleRow], list[str]]:
    """Every draft's row by review priority, and one line per file that is not an assessment."""
    from ..portfolio.table import by_review_priority

    rows: list[Any] = []
    problems: list[str] = []
    for stem in ws.stems():
        r = _row(ws.draft_path(stem), ws.drafts)
        (problems if isinstance(r, str) else rows).append(r)
    accepted = _accepted_counts()
    out = []
    for r in by_review_priority(rows):
        stem = Path(r.file).stem
        finals = [ws.finals / f"{stem}{s}" for s in (".json", ".md")]
        newest = max(p.stat().st_mtime for p in [ws.drafts / r.file, *finals] if p.is_file())
        when = datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%d %H:%M")
        out.append(RoleRow(stem, r, any(p.is_file() for p in finals), accepted.get(r.code or r.title, 0), when))
    return out, problems


def _accepted_counts() -> dict[str, int]:
    from ..portfolio.audit import AuditTrail, reviews_path

    if not reviews_path().exists():
        return {}
    with AuditTrail() as trail:
        items = trail.history(None, 100_000)
    counts: dict[str, int] = {}
    for i in items:
        counts[i.role] = counts.get(i.role, 0) + 1
    return counts
