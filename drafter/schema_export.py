"""JSON Schema files generated from the pydantic models, so editors and non-Python tools can validate drafts."""

from __future__ import annotations

import json
from pathlib import Path

from .files import atomic_write, write_owned_files


def schemas() -> dict[str, dict]:
    from .assessment import Assessment
    from .scoring import ScoreCard

    return {
        "assessment.schema.json": Assessment.model_json_schema(),
        "scorecard.schema.json": ScoreCard.model_json_schema(mode="serialization"),
    }


def schema_text(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def export(directory: Path, force: bool = False) -> list[Path]:
    """Write the schema files into ``directory``. A file there that is an earlier schema of the same model (its
    JSON's ``title`` is the model's: generated, so regenerated) is replaced; any other file of that name (a
    user's) goes through the protected writer: refused unless ``force``, which keeps it as a numbered backup."""
    files = [(Path(directory) / name, schema_text(schema), schema.get("title")) for name, schema in schemas().items()]
    if any(path.exists() and not _generated(path, title) for path, _, title in files):
        write_owned_files([(path, text) for path, text, _ in files], force, "schema")
    else:
        for path, text, _ in files:
            atomic_write(path, text)
    return [path for path, _, _ in files]


def _generated(path: Path, title: str | None) -> bool:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(found, dict) and found.get("title") == title and "properties" in found
