"""The portfolio table of the review page: ``drafter table``'s rows (the same figures, by the same
``portfolio.table.portfolio_row``), for the drafts folder and the finals folder. A role with a saved final shows
the final's figures (score, range, zone, sub-label, what awaits) with the draft's score beside them; a final
without a draft is listed too. A row is computed once per file version (path, size, mtime) and kept for the life
of the server, so the page is rebuilt only for files that changed (the review-first list costs ~50 ms a role).

An entry the page does not serve (a symlink out of its folder, a folder named ``X.json``) or a file that is not an
assessment is listed under "Not read" with the reason; it never takes the page down."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .workspace import UnknownRole, Workspace

_cache: dict[tuple[str, int, int], Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class RoleRow:
    stem: str
    row: Any  # portfolio.table.PortfolioRow: the final's when there is a readable final, else the draft's
    draft: Any  # the draft's PortfolioRow, None when there is no readable draft
    final: bool  # a readable final is saved: ``row`` is its figures
    accepted: int  # accepted reviews of this role in the audit trail
    changed: str  # when the newest of its files changed (UTC)
    final_problem: bool = False  # a final is there but is not read (listed under "Not read")

    @property
    def has_draft(self) -> bool:
        return self.draft is not None


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
    """Every role's row (its final's figures where one is saved) by review priority, and one line per entry of
    either folder that is not read, with the reason."""
    from ..portfolio.table import by_review_priority

    problems: list[str] = []
    drafts: dict[str, Any] = {}
    finals: dict[str, Any] = {}
    files: dict[str, list[Path]] = {}
    for stem in ws.stems():
        try:
            path = ws.draft_path(stem)
        except UnknownRole:
            problems += ws.not_served(stem)
            continue
        files.setdefault(stem, []).append(path)
        r = _row(path, ws.drafts)
        if isinstance(r, str):
            problems.append(r)
        else:
            drafts[stem] = r
    unread: set[str] = set()
    for stem in ws.final_stems():
        if linked := ws.linked_out(stem):
            problems.append(linked)
            unread.add(stem)
            continue
        found = ws.finals_of(stem)
        if not found:
            continue
        files.setdefault(stem, []).extend(found)
        r = _row(found[0], ws.finals)
        if isinstance(r, str):
            problems.append(r)
            unread.add(stem)
        else:
            finals[stem] = r
    accepted = _accepted_counts()
    shown = {stem: finals.get(stem) or drafts[stem] for stem in sorted(drafts.keys() | finals.keys())}
    stem_of = {id(r): stem for stem, r in shown.items()}  # (each file's row is its own object)
    out = []
    for r in by_review_priority(list(shown.values())):
        stem = stem_of[id(r)]
        newest = max(p.stat().st_mtime for p in files[stem] if p.is_file())
        when = datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%d %H:%M")
        out.append(
            RoleRow(stem, r, drafts.get(stem), stem in finals, accepted.get(r.code or r.title, 0), when, stem in unread)
        )
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
