"""Evidence notes from official figures: the notes file an assessor completes, and the notes a draft gets by default.

An LLM can only *recall* wages and employment (past its training cut-off, unverified). Given the figures as notes
it cites them with source "notes" instead, and the draft carries a dated, sourced figure a reviewer can check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DrafterError
from .facts import RoleFacts
from .occupation import HEADING, OccupationFacts

if TYPE_CHECKING:
    from ..onet.model import Occupation

TEMPLATE = "notes.md.j2"
HEADINGS = ("Projections", "Named tools", "Company actions", "Expert bodies")


def notes_document(facts: RoleFacts, title: str, occupation: OccupationFacts | None = None) -> str:
    """The notes file: the role's dated, cited figures and occupation facts, then the template's empty headings for
    the assessor."""
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
        occupation=occupation.document() if occupation and occupation.lines() else None,
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


def official_notes(facts: RoleFacts, occupation: OccupationFacts | None = None) -> OfficialNotes | None:
    """The figures and occupation facts, as the notes of a draft given no notes file; None when there are none."""
    lines = facts.figure_lines()
    block = occupation.document() if occupation and occupation.lines() else ""
    if not lines and not block:
        return None
    parts, cited = [], []
    if lines:
        f = facts.role.figures
        assert f is not None
        parts.append(
            f"Official figures ({facts.citation}), supplied by drafter from the published BLS table:\n"
            + "\n".join(lines)
        )
        cited.append(f"{facts.citation}, SOC {f.soc_code}")
    if block:
        parts.append(block)
        cited.append("occupation facts: O*NET 29.3, Anthropic Economic Index")
    kind = (
        "official figures and occupation facts"
        if lines and block
        else "official figures"
        if lines
        else "occupation facts"
    )
    return OfficialNotes("\n\n".join(parts), f"{kind} only ({'; '.join(cited)}); no notes file given")


def notes_for_draft(
    onet_code: str, notes: str | None, notes_source: str | None, occ: Occupation | None = None
) -> tuple[str | None, str | None]:
    """The notes a draft's prompts get, and what its provenance records: the assessor's notes (with the occupation
    facts appended unless they already hold them, as a `drafter notes` file does; the provenance keeps naming the
    file, which other commands read back), else the role's official figures
    and facts (so the model cites them instead of recalling them), else none. ``occ`` saves a catalog lookup."""
    from .facts import shared_facts

    occupation = draft_facts(onet_code, occ)
    if notes is not None:
        if occupation is None or not occupation.lines() or HEADING in notes:
            return notes, notes_source
        return (
            f"{notes.rstrip()}\n\n{occupation.document()}",
            notes_source,  # a path elsewhere read back,
        )
    official = official_notes(shared_facts().role(onet_code), occupation)
    return (official.text, official.source) if official else (None, notes_source)


def draft_facts(onet_code: str, occ: Occupation | None = None) -> OccupationFacts | None:
    """The occupation facts a draft's notes carry (the BLS figures apart: they come first, as official figures);
    None for a custom task list."""
    if onet_code == "custom":
        return None
    from ..onet.catalog import Catalog
    from .occupation import occupation_facts

    return occupation_facts(occ if occ is not None else Catalog.load_one(onet_code))
