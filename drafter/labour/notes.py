"""Evidence notes from official figures: the notes file an assessor completes, and the notes a draft gets by default.

An LLM can only *recall* wages and employment (past its training cut-off, unverified). Given the figures as notes
it cites them with source "notes" instead, and the draft carries a dated, sourced figure a reviewer can check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import DrafterError
from .facts import RoleFacts

TEMPLATE = "notes.md.j2"
HEADINGS = ("Projections", "Named tools", "Company actions", "Expert bodies")


def notes_document(facts: RoleFacts, title: str) -> str:
    """The notes file: the role's dated, cited figures, then the template's empty headings for the assessor."""
    import jinja2

    source = (resources.files(__package__) / "data" / TEMPLATE).read_text(encoding="utf-8")
    template = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True).from_string(source)
    code = facts.role.mapping.onet_code
    return template.render(
        title=title,
        code=code.removesuffix(".00") if re.fullmatch(r"\d{2}-\d{4}\.\d{2}", code) else None,
        citation=facts.citation,
        lines=facts.figure_lines(),
        reason=facts.role.mapping.reason,
    )


def write_notes_file(path: Path, text: str, force: bool = False) -> Path | None:
    """An existing file (an assessor's work) is replaced only with ``force``, which keeps it as a numbered backup
    (returned); written like every output a user names (``files.write_owned``: a full disk replaces nothing)."""
    from ..files import write_owned

    path = Path(path)
    if path.is_dir():
        raise DrafterError(f"{path}: is a folder; expected a notes file path")
    if path.exists() and not force:
        raise DrafterError(f"{path}: already exists (an assessor's notes are never overwritten); --force replaces it")
    return write_owned(path, text, force=True, origin="notes")


@dataclass(frozen=True)
class OfficialNotes:
    text: str  # what the prompts receive as notes
    source: str  # what the draft's provenance records as its notes


def official_notes(facts: RoleFacts) -> OfficialNotes | None:
    """The figures alone, as the notes of a draft given no notes file; None when BLS publishes none for the role."""
    lines = facts.figure_lines()
    if not lines:
        return None
    f = facts.role.figures
    assert f is not None
    text = f"Official figures ({facts.citation}), supplied by drafter from the published BLS table:\n" + "\n".join(
        lines
    )
    return OfficialNotes(text, f"official figures only ({facts.citation}, SOC {f.soc_code}); no notes file given")


def notes_for_draft(onet_code: str, notes: str | None, notes_source: str | None) -> tuple[str | None, str | None]:
    """The notes a draft's prompts get, and what its provenance records: the assessor's notes when given, else the
    role's official figures (so the model cites them instead of recalling them), else none."""
    if notes is not None:
        return notes, notes_source
    from .facts import shared_facts

    official = official_notes(shared_facts().role(onet_code))
    return (official.text, official.source) if official else (None, notes_source)
