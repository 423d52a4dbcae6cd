"""The two folders the review page serves: drafts (read only) and finals (written through the protected writer).

A role is named by its draft's file stem (``29-2072.00``). Only plain names of drafts in the folder are served:
a name with a separator or a leading dot, or whose file resolves outside the folder (a symlink), is unknown, so
``../`` or an absolute path cannot reach a file outside the folders. A final is the pair ``FINALS/STEM.json`` +
``FINALS/STEM.md`` (an assessor's copied ``.md`` alone is read too); saving writes the pair with the scorer's
figures, never over the draft. A final that is a symlink resolving outside the finals folder is neither read nor
written (``linked_out``), and a final that does not read as an assessment is not written over: the page opens
from the draft and says why (``Loaded.final_problem``), and saving is refused as a conflict naming the file.

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


def _plain(stem: str) -> bool:
    return stem == Path(stem).name and not stem.startswith(".") and not any(c in stem for c in "/\\\0")


def _outside(p: Path, folder: Path) -> bool:
    """Whether ``p`` (an entry of ``folder``, which is resolved) resolves to somewhere not directly in it."""
    try:
        return p.resolve().parent != folder
    except (OSError, RuntimeError):  # a symlink loop
        return True


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
    final_problem: str | None = None  # the final on disk cannot be used (unreadable, a link out): one line, why


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
        """The roles: every draft in the folder (JSON, else house format), by file name (not a hidden file)."""
        return _stems(self.drafts)

    def final_stems(self) -> list[str]:
        """Every final in the finals folder by file name, whether or not it has a draft."""
        return _stems(self.finals) if self.finals.is_dir() else []

    def draft_path(self, stem: str) -> Path:
        """The draft of ``stem``; a name that is not a plain file name, or names no draft, is unknown."""
        for suffix in (".json", ".md"):
            p = self.drafts / f"{stem}{suffix}"
            if _plain(stem) and p.is_file() and not _outside(p, self.drafts):
                return p
        raise UnknownRole(f"no draft named {stem!r} in {self.drafts}")

    def not_served(self, stem: str) -> list[str]:
        """Why each entry named ``stem`` in the drafts folder is not a draft the page serves (one line each)."""
        return [f"{p}: {why}" for p in self._entries(self.drafts, stem) if (why := _why_not(p, self.drafts))]

    def final_files(self, stem: str) -> list[Path]:
        """The final's files that exist now (JSON first)."""
        self.draft_path(stem)  # only roles that have a draft
        return self.finals_of(stem)

    def finals_of(self, stem: str) -> list[Path]:
        """The files of the final named ``stem`` that exist now and lie in the finals folder (JSON first)."""
        return [p for p in self._entries(self.finals, stem) if p.is_file() and not _outside(p, self.finals)]

    def linked_out(self, stem: str) -> str | None:
        """One line when a file of the final is a symlink resolving outside the finals folder: such a final is
        neither read nor written (as a draft linked out of its folder is not served), else None."""
        for p in self._entries(self.finals, stem):
            if p.is_symlink() and _outside(p, self.finals):
                return f"{p}: {_why_not(p, self.finals)}"
        return None

    @staticmethod
    def _entries(folder: Path, stem: str) -> list[Path]:
        if not _plain(stem):
            return []
        return [p for p in (folder / f"{stem}.json", folder / f"{stem}.md") if p.is_symlink() or p.exists()]

    def final_hash(self, stem: str) -> str:
        h = hashlib.sha256()
        for p in self.final_files(stem):
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        return h.hexdigest()

    def load(self, stem: str) -> Loaded:
        """The draft and its final; a final that cannot be used is None, with ``final_problem`` saying why."""
        draft = load_assessment(self.draft_path(stem)).assessment
        files = self.final_files(stem)
        final, problem = None, self.linked_out(stem)
        if files and problem is None:
            try:
                final = load_assessment(files[0]).assessment
            except DrafterError as e:
                problem = _one_line(e)
        return Loaded(draft, final, self.final_hash(stem), files, problem)

    def save(self, stem: str, final: Assessment, base_hash: str, keep_old: bool = False) -> list[Path] | Conflict:
        """Write the final pair unless the final changed since ``base_hash``; the numbered backups kept.
        ``keep_old``: keep the version replaced as a numbered backup even when drafter wrote it (saving over
        another assessor's version after a conflict)."""
        from ..files import assessment_json, write_owned_files
        from ..house_format import render_markdown

        now = self.final_hash(stem)
        if self.linked_out(stem) or (now != base_hash and self.final_files(stem)):
            return self._conflict(stem, now)  # (a final removed since the page loaded it: nothing to lose)
        if self.final_files(stem) and (problem := self._unreadable(stem)):
            return Conflict(None, now, problem)  # the hash matches, but what is there is not a final: kept
        json_path, md_path = self.finals / f"{stem}.json", self.finals / f"{stem}.md"
        # force: the assessor saw and edited exactly what is on disk (the hash matched), so an assessor's own
        # file is replaced, kept as FILE.~N~; never the draft (a different folder, and an input of this write)
        return write_owned_files(
            [(json_path, assessment_json(final)), (md_path, render_markdown(final))], True, "review",
            inputs=[self.draft_path(stem)], keep_old=keep_old,
        )  # fmt: skip

    def _conflict(self, stem: str, now: str) -> Conflict:
        if linked := self.linked_out(stem):
            return Conflict(None, now, linked)
        files = self.final_files(stem)
        if not files:
            return Conflict(None, now, "the final was removed since the page loaded it")
        try:
            return Conflict(load_assessment(files[0]).assessment, now)
        except DrafterError as e:
            return Conflict(None, now, _one_line(e))

    def _unreadable(self, stem: str) -> str | None:
        try:
            load_assessment(self.final_files(stem)[0])
        except DrafterError as e:
            return _one_line(e)
        return None

    def accept(self, stem: str, who: str):
        """Record the saved final against its draft in the audit trail (what ``review accept`` records)."""
        from ..portfolio.audit import AuditTrail, accept_files

        if linked := self.linked_out(stem):
            raise DrafterError(linked)
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


def _stems(folder: Path) -> list[str]:
    return sorted({p.stem for pattern in ("*.md", "*.json") for p in folder.glob(pattern) if _plain(p.stem)})


def _why_not(p: Path, folder: Path) -> str | None:
    """Why the entry ``p`` of ``folder`` is not served as a file of it (None: it is)."""
    if p.is_symlink() and _outside(p, folder):
        try:
            target = str(p.readlink())
        except OSError:
            target = "?"
        return f"a symbolic link to {target}, outside {folder}; drafter neither reads nor writes it"
    if p.is_dir():
        return "a folder, not a file"
    if not p.is_file():
        return "not a regular file"
    return None


def _one_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
