"""Reading a user's files (assessments, task lists, codes files, notes) and writing any file atomically.

Every user file is read through ``read_text``, so what editors and spreadsheets add is handled once: a UTF-8
byte-order mark (Excel's "CSV UTF-8", Notepad) is dropped, and a UTF-16 file is named as such. A typographic
minus (U+2212, from Word, Excel or a Markdown editor) is accepted wherever a number is read, through
``ascii_minus`` (text) and ``loads_json`` (JSON numbers), and kept as typed everywhere else.

A leaf: reading house-format documents is ``drafter.documents`` (it sits above the house format).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

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


MINUS_SIGN = "\u2212"
# a JSON string (skipped, so its text stays as typed) or a U+2212 minus starting a number
_JSON_MINUS = re.compile(r'"(?:[^"\\]|\\.)*"|\u2212(?=[0-9])')


def ascii_minus(text: str) -> str:
    """A number as typed, with a typographic minus (U+2212) read as the ASCII '-' that int() and float() need."""
    return text.replace(MINUS_SIGN, "-")


def loads_json(text: str, source: str, error: type[DrafterError] = DrafterError) -> Any:
    """JSON from a user's file; a U+2212 minus before a number counts as '-', and a syntax error names the line."""
    text = _JSON_MINUS.sub(lambda mt: "-" if mt.group() == MINUS_SIGN else mt.group(), text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise error(f"{source}:line {e.lineno}:col {e.colno}: invalid JSON: {e.msg}") from None


def assessment_from_json(text: str, source: str) -> Assessment:
    data = loads_json(text, source)
    try:
        return Assessment.model_validate(data)
    except ValidationError as e:
        raise DrafterError(format_validation_error(e, source)) from None


def read_text(path: Path) -> str:
    """A user's text file: UTF-8 with or without a byte-order mark, line endings as ``\\n``."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DrafterError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        with open(path, "rb") as f:
            start = f.read(2)
        if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise DrafterError(
                f"{path}: expected UTF-8 text, got UTF-16; save it as UTF-8 (Excel: CSV UTF-8)"
            ) from None
        raise DrafterError(f"{path}: expected UTF-8 text ({e.reason} at byte {e.start})") from None


def assessment_json(a: Assessment) -> str:
    return a.model_dump_json(indent=2, exclude_none=False) + "\n"
