"""Assessments as files: reading a JSON draft or a house-format document, writing a draft's pair of files.

Above ``house_format`` (it parses documents) and below everything that reads or writes drafts (drafting's
callers: the CLI, batch, eval and the Python API), so ``files`` can stay a leaf that O*NET code may use too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from .assessment import Assessment
from .files import (
    assessment_from_json,
    assessment_json,
    check_overwrite,
    is_json,
    numbered_backup,
    read_text,
    write_owned,
    written_unchanged,
)
from .house_format import ConsistencyReport, parse_house_format, render_markdown
from .scoring import ScoreCard


class Loaded(NamedTuple):
    """An assessment read from disk; ``report`` compares a document's written figures with the scorer
    (None for JSON, which has no written figures)."""

    assessment: Assessment
    report: ConsistencyReport | None


def load_assessment(path: Path) -> Loaded:
    """A JSON draft or a house-format document (Markdown or the seed's plain text)."""
    path = Path(path)
    text = read_text(path)
    if is_json(path, text):
        return Loaded(assessment_from_json(text, str(path)), None)
    imported = parse_house_format(text, source=str(path))
    return Loaded(imported.assessment, imported.report)


def draft_paths(folder: Path, stem: str) -> tuple[Path, Path]:
    """Where a draft's JSON and house-format Markdown go."""
    return Path(folder) / f"{stem}.json", Path(folder) / f"{stem}.md"


DRAFT_ONLY = ("draft",)  # a new draft replaces only an unedited draft, never a review stored by `drafter import`


def drafted_by(json_path: Path) -> str | None:
    """Who made the draft stored at ``json_path`` (its provenance), or None: no file, or not a readable draft."""
    import json

    try:
        return json.loads(Path(json_path).read_text(encoding="utf-8"))["provenance"]["drafted_by"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def write_draft(
    a: Assessment,
    card: ScoreCard | None,
    folder: Path,
    stem: str,
    force: bool = False,
    on_replaced: Callable[[str | None, list[Path]], None] | None = None,
) -> tuple[Path, Path]:
    """Write ``stem.md`` then ``stem.json``, each atomically: the JSON's presence means a complete draft
    (a resumed batch relies on it). ``card`` is the draft's scorecard, so the Markdown is not scored again.

    Neither is written if either is a file drafter did not write or that was edited since (an assessor's
    review): ``files.OverwriteRefused``; ``force`` writes anyway, keeping the old files as numbered backups.
    An unedited draft made by another drafter (an LLM draft, redrafted offline) is kept as a numbered backup too:
    a draft someone paid for is never replaced silently. ``on_replaced(drafted_by, kept)`` is told, when an
    earlier draft was there, who made it and the backups kept of it."""
    json_path, md_path = draft_paths(folder, stem)
    check_overwrite([md_path, json_path], force, DRAFT_ONLY)
    before = drafted_by(json_path)
    kept: list[Path] = []
    if before is not None and before != a.provenance.drafted_by:  # e.g. an offline redraft of a paid LLM draft
        for p in (md_path, json_path):
            if p.exists() and written_unchanged(p, DRAFT_ONLY):  # (edited files: write_owned keeps them with force)
                kept.append(numbered_backup(p))
    for path, text in ((md_path, render_markdown(a, card=card)), (json_path, assessment_json(a))):
        if (backup := write_owned(path, text, force, "draft", DRAFT_ONLY)) is not None:
            kept.append(backup)
    if on_replaced is not None and (before is not None or kept):
        on_replaced(before, sorted(kept))
    return json_path, md_path
