"""JSON Schema files generated from the pydantic models, so editors and non-Python tools can validate drafts."""

from __future__ import annotations

import json
from pathlib import Path

from .files import atomic_write


def schemas() -> dict[str, dict]:
    from .assessment import Assessment
    from .scoring import ScoreCard

    return {
        "assessment.schema.json": Assessment.model_json_schema(),
        "scorecard.schema.json": ScoreCard.model_json_schema(mode="serialization"),
    }


def schema_text(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def export(directory: Path) -> list[Path]:
    written = []
    for name, schema in schemas().items():
        path = Path(directory) / name
        atomic_write(path, schema_text(schema))
        written.append(path)
    return written
