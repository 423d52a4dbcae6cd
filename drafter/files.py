"""Reading text files with one-line errors, writing any file atomically, and an assessment as JSON.

A leaf: reading house-format documents is ``drafter.documents`` (it sits above the house format)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from .assessment import Assessment
from .errors import DrafterError, format_validation_error


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_json(path: Path, text: str) -> bool:
    return path.suffix.lower() == ".json" or text.lstrip().startswith("{")


def assessment_from_json(text: str, source: str) -> Assessment:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DrafterError(f"{source}:line {e.lineno}:col {e.colno}: invalid JSON: {e.msg}") from None
    try:
        return Assessment.model_validate(data)
    except ValidationError as e:
        raise DrafterError(format_validation_error(e, source)) from None


def read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DrafterError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise DrafterError(f"{path}: expected UTF-8 text ({e.reason} at byte {e.start})") from None


def assessment_json(a: Assessment) -> str:
    return a.model_dump_json(indent=2, exclude_none=False) + "\n"
