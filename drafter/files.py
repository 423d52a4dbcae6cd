"""Reading a user's files (assessments, task lists, codes files, notes) and writing any file atomically.

Every user file is read through ``read_text``, so what editors and spreadsheets add is handled once: a UTF-8
byte-order mark (Excel's "CSV UTF-8", Notepad) is dropped, and a UTF-16 file is named as such. A typographic
minus (U+2212, from Word, Excel or a Markdown editor) is accepted wherever a number is read, through
``ascii_minus`` (text) and ``loads_json`` (JSON numbers), and kept as typed everywhere else.

A leaf: reading house-format documents is ``drafter.documents`` (it sits above the house format).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .assessment import Assessment
from .errors import DrafterError, format_validation_error


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file.

    The file gets the mode a plain ``open()`` would give it (the existing file's, else 0666 less the umask):
    ``mkstemp`` alone would leave every draft private (0600) to whoever wrote it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (os.umask is set-and-get, and a
    batch writes from several threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


# --- overwrite protection: an assessor's file is never replaced unasked ------------------------------------

WRITTEN_DIR = ".drafter-written"
"""Beside the files drafter writes: one ``NAME.sha256`` per file, the hash of what drafter last wrote there and
which command wrote it (``draft``, ``import``, ``render``). One small file per written file (not one shared
manifest), so concurrent batch workers never contend."""
ANY_ORIGIN: tuple[str, ...] = ()


class OverwriteRefused(DrafterError):
    """An existing file drafter did not write, or that changed since it wrote it; ``--force`` replaces it."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record(path: Path) -> Path:
    return path.parent / WRITTEN_DIR / f"{path.name}.sha256"


def written_unchanged(path: Path, origins: tuple[str, ...] = ANY_ORIGIN) -> bool:
    """Whether ``path`` holds exactly what drafter last wrote there (by one of ``origins``, if given: a
    reviewed draft stored by ``drafter import`` is drafter's file but an assessor's work, not a draft's)."""
    try:
        digest, _, origin = _record(path).read_text(encoding="ascii").strip().partition(" ")
        return digest == _digest(Path(path).read_bytes()) and (not origins or origin in origins)
    except (FileNotFoundError, UnicodeDecodeError):
        return False


def check_overwrite(paths: list[Path], force: bool, origins: tuple[str, ...] = ANY_ORIGIN) -> None:
    """Refuse (before anything is written) when any of ``paths`` is a file drafter may not replace."""
    if force:
        return
    kept = [p for p in paths if Path(p).exists() and not written_unchanged(Path(p), origins)]
    if kept:
        names = ", ".join(str(p) for p in kept)
        what = "a draft drafter wrote" if origins == ("draft",) else "a file drafter wrote"
        raise OverwriteRefused(
            f"{names}: edited since drafter wrote it, or not {what} (an imported review counts as edited); "
            f"nothing written (--force replaces it and keeps the old file as a numbered backup, e.g. {kept[0]}.~1~)"
        )


def numbered_backup(path: Path) -> Path:
    """Copy ``path`` to the first free ``path.~N~`` (GNU cp --backup=numbered style) and return that name."""
    n = 1
    while (backup := path.with_name(f"{path.name}.~{n}~")).exists():
        n += 1
    shutil.copy2(path, backup)
    return backup


def write_owned(
    path: Path, data: str | bytes, force: bool = False, origin: str = "draft", replaces: tuple[str, ...] = ANY_ORIGIN
) -> Path | None:
    """Write ``path`` atomically unless that would lose someone's file: a file drafter did not write (by one
    of ``replaces``, if given), or that changed since, is refused, or with ``force`` kept as a numbered backup,
    which is returned. ``origin`` names the command writing, for the next write's check."""
    path = Path(path)
    check_overwrite([path], force, replaces)
    backup = numbered_backup(path) if path.exists() and not written_unchanged(path, replaces) else None
    raw = data.encode("utf-8") if isinstance(data, str) else data
    atomic_write(path, raw)
    atomic_write(_record(path), f"{_digest(raw)} {origin}\n")
    return backup


def refuse_same_path(source: Path, output: Path, source_format: str, output_format: str) -> None:
    """Reading and writing one path in two formats would replace the document with its conversion."""
    if source_format != output_format and Path(source).resolve() == Path(output).resolve():
        raise DrafterError(
            f"{output}: is the input ({source_format}); writing {output_format} there would replace it. "
            f"Choose another output file"
        )


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
    except RecursionError:  # json's parser recurses once per level: deep nesting is a hostile file, not a bug
        raise error(too_deep(source, "JSON")) from None


def too_deep(source: str, kind: str) -> str:
    """The one-line error for a file nested deeper than Python's parsers go (JSON or YAML, ~1,000 levels): no
    file drafter reads is more than a few levels deep, so such a file is refused, not a crash."""
    return f"{source}: invalid {kind}: nested too deeply (more than ~1,000 levels of arrays or objects)"


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
