"""Assessments as files: reading a JSON draft or a house-format document, writing a draft's pair of files.

Above ``house_format`` (it parses documents) and below everything that reads or writes drafts (drafting's
callers: the CLI, batch, eval and the Python API), so ``files`` can stay a leaf that O*NET code may use too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from .assessment import Assessment
from .files import assessment_from_json, assessment_json, is_json, read_text, write_owned_files, written_unchanged
from .house_format import ConsistencyReport, parse_house_format, render_markdown
from .methodology import Methodology
from .scoring import ScoreCard


class Loaded(NamedTuple):
    """An assessment read from disk; ``report`` compares a document's written figures with the scorer
    (None for JSON, which has no written figures)."""

    assessment: Assessment
    report: ConsistencyReport | None


def load_assessment(path: Path, m: Methodology | None = None) -> Loaded:
    """A JSON draft or a house-format document (Markdown or the seed's plain text); a document's written figures
    are checked against methodology ``m`` (default: the bundled one)."""
    path = Path(path)
    text = read_text(path)
    if is_json(path, text):
        return Loaded(assessment_from_json(text, str(path)), None)
    imported = parse_house_format(text, source=str(path), m=m)
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
    inputs: tuple[Path, ...] = (),
) -> tuple[Path, Path]:
    """Write ``stem.md`` and ``stem.json`` as a pair (``files.write_owned_files``): both are on disk before either
    replaces the old pair, and the JSON is renamed last, so its presence means a complete draft (a resumed batch
    relies on it). ``card`` is the draft's scorecard, so the Markdown is not scored again.

    Neither is written if either is a file drafter did not write or that was edited since (an assessor's
    review): ``files.OverwriteRefused``; ``force`` writes anyway, keeping both old files as numbered backups.
    An unedited draft made by another drafter (an LLM draft, redrafted offline) is kept as a numbered backup too:
    a draft someone paid for is never replaced silently. ``on_replaced(drafted_by, kept)`` is told, when an
    earlier draft was there, who made it and the backups kept of it. Neither is written onto one of ``inputs``
    (the task list or notes the draft was made from), ``force`` or not."""
    json_path, md_path = draft_paths(folder, stem)
    before = drafted_by(json_path)
    kept = write_owned_files(
        [(md_path, render_markdown(a, card=card)), (json_path, assessment_json(a))],
        force, "draft", DRAFT_ONLY,
        keep_old=before is not None and before != a.provenance.drafted_by,  # e.g. an offline redraft of an LLM draft
        inputs=inputs,
    )  # fmt: skip
    if on_replaced is not None and (before is not None or kept):
        on_replaced(before, sorted(kept))
    return json_path, md_path


def import_outputs(
    a: Assessment, card: ScoreCard | None, json_path: Path, document: Path, force: bool
) -> tuple[list[tuple[Path, str]], str | None]:
    """What ``drafter import DOCUMENT -o X.json`` writes, and a note when ``X.md`` beside it is left as it was.

    ``X.json`` and ``X.md`` are a draft's pair: an import that rewrote only the JSON would leave the Markdown
    showing the figures from before the review. So the Markdown is rewritten from the import too (one group with
    the JSON), when drafter wrote it and it is unedited, or with ``force`` (which keeps it as a backup); an
    edited one, or the very document imported, is left as it was, and the note says so."""
    json_path = Path(json_path)
    files = [(json_path, assessment_json(a))]
    md = json_path.with_suffix(".md")
    if json_path.suffix.lower() != ".json" or not md.exists():
        return files, None
    if _is_same(md, Path(document)):
        return files, f"{md} left as it was: it is the document imported"
    if not (force or written_unchanged(md)):
        return files, (
            f"{md} left as it was (edited since drafter wrote it, or not drafter's): it does not show this import; "
            f"`drafter render {json_path} -o {md} --force` rewrites it from the import, keeping a backup"
        )
    return [(md, render_markdown(a, card=card)), *files], None


def _is_same(a: Path, b: Path) -> bool:
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
