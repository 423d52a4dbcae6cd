"""The two folders the review page serves: drafts (read only) and finals (written through the protected writer).

A role is named by its draft's file stem (``29-2072.00``). Only plain names of drafts in the folder are served:
a name with a separator or a leading dot, or whose file resolves outside the folder (a symlink), is unknown, so
``../`` or an absolute path cannot reach a file outside the folders. A final is the pair ``FINALS/STEM.json`` + ``FINALS/STEM.md`` (an assessor's
copied ``.md`` alone is read too); saving writes the pair with the scorer's figures, never over the draft.

Saving is refused when the final changed on disk since the page loaded it (another assessor, an editor): the
page sends the hash of the final it started from, and a different hash now is a conflict, reported with both
versions so nothing typed is lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..assessment import Assessment
from ..documents import load_assessment
from ..errors import DrafterError


class UnknownRole(DrafterError):
    """No draft of that name in the drafts folder."""


@dataclass(frozen=True)
class Conflict:
    """The final changed since the page loaded it: what is on disk now, and its hash."""

    current: Assessment | None
    current_hash: str
    problem: str | None = None  # the file on disk no longer reads as an assessment: why


@dataclass(frozen=True)
class Loaded:
    draft: Assessment
    final: Assessment | None
    final_hash: str  # of the final's files as they are now ("" + hash of nothing when there is no final)
    final_files: list[Path]


class Workspace:
    def __init__(self, drafts: Path, finals: Path):
        self.drafts = Path(drafts).resolve()
        self.finals = Path(finals).resolve()
        if not self.drafts.is_dir():
            raise DrafterError(f"{drafts}: no such folder of drafts")
        if self.finals == self.drafts:
            raise DrafterError(
                f"--finals {finals}: must not be the drafts folder (a final is never written over a draft)"
            )

    def stems(self) -> list[str]:
        """The roles: every draft in the folder (JSON, else house format), by file name."""
        found = {p.stem: p for p in sorted(self.drafts.glob("*.md"))}
        found |= {p.stem: p for p in sorted(self.drafts.glob("*.json"))}
        return sorted(found)

    def draft_path(self, stem: str) -> Path:
        """The draft of ``stem``; a name that is not a plain file name, or names no draft, is unknown."""
        plain = stem == Path(stem).name and not stem.startswith(".") and not any(c in stem for c in "/\\\0")
        for suffix in (".json", ".md"):
            p = self.drafts / f"{stem}{suffix}"
            if plain and p.is_file() and p.resolve().parent == self.drafts:
                return p
        raise UnknownRole(f"no draft named {stem!r} in {self.drafts}")

    def final_files(self, stem: str) -> list[Path]:
        """The final's files that exist now (JSON first)."""
        self.draft_path(stem)  # only roles that have a draft
        return [p for p in (self.finals / f"{stem}.json", self.finals / f"{stem}.md") if p.is_file()]

    def final_hash(self, stem: str) -> str:
        h = hashlib.sha256()
        for p in self.final_files(stem):
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        return h.hexdigest()

    def load(self, stem: str) -> Loaded:
        draft = load_assessment(self.draft_path(stem)).assessment
        files = self.final_files(stem)
        final = load_assessment(files[0]).assessment if files else None
        return Loaded(draft, final, self.final_hash(stem), files)

    def save(self, stem: str, final: Assessment, base_hash: str, keep_old: bool = False) -> list[Path] | Conflict:
        """Write the final pair unless the final changed since ``base_hash``; the numbered backups kept.
        ``keep_old``: keep the version replaced as a numbered backup even when drafter wrote it (saving over
        another assessor's version after a conflict)."""
        from ..files import assessment_json, write_owned_files
        from ..house_format import render_markdown

        now = self.final_hash(stem)
        if now != base_hash:
            return self._conflict(stem, now)
        json_path, md_path = self.finals / f"{stem}.json", self.finals / f"{stem}.md"
        # force: the assessor saw and edited exactly what is on disk (the hash matched), so an assessor's own
        # file is replaced, kept as FILE.~N~; never the draft (a different folder, and an input of this write)
        return write_owned_files(
            [(json_path, assessment_json(final)), (md_path, render_markdown(final))], True, "review",
            inputs=[self.draft_path(stem)], keep_old=keep_old,
        )  # fmt: skip

    def _conflict(self, stem: str, now: str) -> Conflict:
        files = self.final_files(stem)
        if not files:
            return Conflict(None, now, "the final was removed since the page loaded it")
        try:
            return Conflict(load_assessment(files[0]).assessment, now)
        except DrafterError as e:
            return Conflict(None, now, str(e))

    def accept(self, stem: str, who: str):
        """Record the saved final against its draft in the audit trail (what ``review accept`` records)."""
        from ..portfolio.audit import AuditTrail, accept_files

        files = self.final_files(stem)
        if not files:
            raise DrafterError(f"{stem}: save the final before accepting it")
        with AuditTrail() as trail:
            return accept_files(trail, self.draft_path(stem), files[0], who)

    def history(self, a: Assessment) -> list:
        from ..portfolio.audit import AuditTrail, reviews_path
        from ..review.role import role_key

        if not reviews_path().exists():
            return []
        with AuditTrail() as trail:
            return trail.history(role_key(a), 20)
