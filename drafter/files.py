"""Reading a user's files (assessments, task lists, codes files, notes); writing them safely.

Every user file is read through ``read_text``, so what editors and spreadsheets add is handled once: a UTF-8
byte-order mark (Excel's "CSV UTF-8", Notepad) is dropped, and a UTF-16 file is named as such. A typographic
minus (U+2212, from Word, Excel or a Markdown editor) is accepted wherever a number is read, through
``ascii_minus`` (text) and ``loads_json`` (JSON numbers), and kept as typed everywhere else.

Every file a user names is written by ``write_owned_files`` (one group of files at a time: a draft's pair, a
table's CSV and page): it refuses to replace an assessor's file or a command's own input, keeps numbered
backups with ``--force``, stages every file before replacing any (a full disk leaves the old files as they
were and names the file), and serialises processes writing one role with a lock file (docs/review.md).

A leaf: reading house-format documents is ``drafter.documents`` (it sits above the house format).
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .assessment import Assessment
from .errors import DrafterError, format_validation_error


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file.

    The file gets the mode a plain ``open()`` would give it (the existing file's, else 0666 less the umask):
    ``mkstemp`` alone would leave every draft private (0600) to whoever wrote it. For drafter's own stores;
    a file a user names goes through ``write_owned_files``, which also guards what is already there."""
    path = Path(path)
    tmp = _stage(path, data.encode("utf-8") if isinstance(data, str) else data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _stage(path: Path, raw: bytes) -> Path:
    """``raw`` in a synced temporary file beside ``path`` (``.NAME.XXXX.tmp``, which a resumed batch cleans up),
    with the mode ``path`` has or a new file would get; the caller renames it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(name, mode)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


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


# --- the protected writer: an assessor's file is never replaced unasked, lost or half-written ---------------

WRITTEN_DIR = ".drafter-written"
"""Beside the files drafter writes: one ``NAME.sha256`` per file, the hash of what drafter last wrote there and
which command wrote it (``draft``, ``import``, ``render``, ``table``…). One small file per written file (not one
shared manifest), so concurrent batch workers never contend; ``STEM.lock`` while a process writes a role."""
ANY_ORIGIN: tuple[str, ...] = ()
LOCK_WAIT_ENV = "DRAFTER_LOCK_WAIT"
LOCK_WAIT = 10.0  # seconds a writer waits for another process writing the same role's files


class OverwriteRefused(DrafterError):
    """An existing file drafter did not write, or that changed since it wrote it; ``--force`` replaces it."""


class WriteFailed(DrafterError):
    """The disk was full (or another OS error) while writing: nothing was replaced."""


class WriterBusy(DrafterError):
    """Another process held the role's lock for longer than ``LOCK_WAIT`` seconds."""


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


def _at_risk(path: Path, origins: tuple[str, ...], new: bytes | None = None) -> bool:
    """Whether writing ``path`` could lose something: it exists, drafter did not write it (or it changed since),
    and it does not already hold exactly ``new``."""
    if not path.exists() or written_unchanged(path, origins):
        return False
    try:
        return new is None or path.read_bytes() != new
    except OSError:
        return True


def check_overwrite(paths: list[Path], force: bool, origins: tuple[str, ...] = ANY_ORIGIN) -> None:
    """Refuse (before anything is written) when any of ``paths`` is a file drafter may not replace."""
    _refuse_overwrite({Path(p): None for p in paths}, force, origins)


def _refuse_overwrite(new: dict[Path, bytes | None], force: bool, origins: tuple[str, ...]) -> None:
    if force:
        return
    kept = [p for p, data in new.items() if _at_risk(p, origins, data)]
    if kept:
        names = ", ".join(str(p) for p in kept)
        what = "a draft drafter wrote" if origins == ("draft",) else "a file drafter wrote"
        raise OverwriteRefused(
            f"{names}: edited since drafter wrote it, or not {what} (an imported review counts as edited); "
            f"nothing written (--force replaces it and keeps the old file as a numbered backup, e.g. {kept[0]}.~1~)"
        )


def numbered_backup(path: Path) -> Path:
    """Keep ``path`` as the first free ``path.~N~`` (GNU cp --backup=numbered style) and return that name."""
    return _backup(path, _free_backup_number([path]))


def _free_backup_number(paths: list[Path]) -> int:
    """The first N free for every one of ``paths``: a pair's backups share a number (``X.md.~2~``, ``X.json.~2~``)."""
    n = 1
    while any(p.with_name(f"{p.name}.~{n}~").exists() for p in paths):
        n += 1
    return n


def _backup(path: Path, n: int) -> Path:
    """A hard link (no disk space needed, so a full disk cannot stop it), else a copy; never replaces a file."""
    backup = path.with_name(f"{path.name}.~{n}~")
    try:
        os.link(path, backup)
    except FileExistsError:  # taken meanwhile: never copy over it
        raise
    except OSError:  # no hard links here
        shutil.copy2(path, backup)
    return backup


def refuse_inputs(outputs: list[Path], inputs: list[Path]) -> None:
    """An output file that is one of the command's own inputs (the draft a table reads, the codes file of a
    batch) would be replaced by what was made from it: refused, before anything is written."""
    for out in outputs:
        for source in inputs:
            if _same_file(Path(out), Path(source)):
                raise DrafterError(
                    f"{out}: is an input of this command ({source}); writing there would replace it, so nothing "
                    f"was written. Choose another output file"
                )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def write_owned(
    path: Path,
    data: str | bytes,
    force: bool = False,
    origin: str = "draft",
    replaces: tuple[str, ...] = ANY_ORIGIN,
    inputs: list[Path] | tuple[Path, ...] = (),
) -> Path | None:
    """One file through ``write_owned_files``; the numbered backup kept of the old file, if any."""
    backups = write_owned_files([(Path(path), data)], force, origin, replaces, inputs=inputs)
    return backups[0] if backups else None


def write_owned_files(
    files: Sequence[tuple[Path, str | bytes]],
    force: bool = False,
    origin: str = "draft",
    replaces: tuple[str, ...] = ANY_ORIGIN,
    *,
    inputs: list[Path] | tuple[Path, ...] = (),
    keep_old: bool = False,
) -> list[Path]:
    """The one way drafter writes files a user names (drafts, imports, renders, tables, request files, portfolios),
    as a group that is replaced together or not at all.

    Refused before anything is written: an output that is one of ``inputs``, or a file drafter did not write (by
    one of ``replaces``, if given) or that changed since and does not already hold the new content — unless
    ``force``, which keeps every existing file of the group as a numbered backup (``keep_old`` keeps them even
    when unedited: a draft by another drafter). Then, holding the group's lock (``writer_lock``), every file is
    written to a temporary first; only when all are on disk are they renamed into place, and a failure (a full
    disk) puts back what was there and names the file and the cause. ``origin`` names the command writing, for
    the next write's check. Returns the backups kept."""
    new = {Path(p): d.encode("utf-8") if isinstance(d, str) else d for p, d in files}
    for p in new:
        if p.is_dir():
            raise DrafterError(f"{p}: is a folder; expected a file name")
    refuse_inputs(list(new), list(inputs))
    _refuse_overwrite(dict(new), force, replaces)  # early, so a refusal leaves not even a lock file behind
    first = next(iter(new))
    try:
        with writer_lock(first):
            _refuse_overwrite(dict(new), force, replaces)  # again: another process may have written meanwhile
            existing = [p for p in new if p.exists()]
            at_risk = any(_at_risk(p, replaces, new[p]) for p in existing)
            return _commit(new, origin, existing if (keep_old or at_risk) else [])
    except WriteFailed:
        raise
    except OSError as e:  # the lock's folder or file could not be made
        raise WriteFailed(_failed(first, e)) from None


def _failed(path: Path, e: OSError) -> str:
    """One line: the file, what went wrong in words, the OS's own words, and that nothing was replaced."""
    cause = {
        errno.ENOSPC: "disk full",
        errno.EDQUOT: "disk quota exceeded",
        errno.EFBIG: "file too large (a file size limit)",
        errno.EROFS: "read-only file system",
        errno.EACCES: "permission denied",
    }.get(e.errno or 0, "error")
    return f"{path}: {cause} while writing ({e.strerror or e}); nothing was replaced"


def _commit(new: dict[Path, bytes], origin: str, back_up: list[Path]) -> list[Path]:
    """Stage every file and its record, keep the backups, then rename all into place (``_swap``)."""
    staged: list[tuple[Path, Path]] = []  # (temporary, final), in writing order: each file, then its record
    made: list[Path] = []
    current = next(iter(new))
    try:
        for current, raw in new.items():
            staged.append((_stage(current, raw), current))
            staged.append((_stage(_record(current), f"{_digest(raw)} {origin}\n".encode("ascii")), _record(current)))
        n = _free_backup_number(back_up)
        for current in back_up:
            made.append(_backup(current, n))
    except OSError as e:
        _discard([t for t, _ in staged] + made)
        raise WriteFailed(_failed(current, e)) from None
    try:
        _swap(staged)
    except WriteFailed:
        _discard(made)
        raise
    return made


def _swap(staged: list[tuple[Path, Path]]) -> None:
    """Rename each temporary onto its file; on a failure, put every file back as it was (from a hard link to its
    old content) and remove what was new, so the group stays as it was."""
    olds: list[tuple[Path, Path | None, bool]] = []  # (final, link to its old content, existed)
    try:
        for tmp, final in staged:
            existed = final.exists()
            olds.append((final, _link_old(final) if existed else None, existed))
            os.replace(tmp, final)
    except OSError as e:
        for done, old, existed in reversed(olds):
            if old is not None:
                os.replace(old, done)
            elif not existed:
                done.unlink(missing_ok=True)
        _discard([t for t, _ in staged])
        raise WriteFailed(_failed(final, e)) from None
    finally:
        _discard([old for _, old, _ in olds if old is not None])


def _link_old(path: Path) -> Path | None:
    link = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.old.tmp")
    try:
        link.unlink(missing_ok=True)
        os.link(path, link)
        return link
    except OSError:  # a file system without hard links: no rollback for this file
        return None


def _discard(paths: list[Path]) -> None:
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass


@contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Hold ``.drafter-written/STEM.lock`` beside ``path`` while writing: one role's files (``X.md``, ``X.json``)
    are written by one process at a time, so two runs into one folder never leave the Markdown of one and the
    JSON of the other. A second writer waits up to ``DRAFTER_LOCK_WAIT`` seconds (default 10), then names the
    process holding it. The holder removes the file when done (a waiter that got a removed file tries again)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: writes are still atomic per file, but not serialised
        yield
        return
    lock = Path(path).parent / WRITTEN_DIR / f"{Path(path).stem}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            _acquire(fcntl, fd, path)
            if os.path.exists(lock) and os.path.samestat(os.fstat(fd), os.stat(lock)):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed the file as we waited: take the new one
    try:
        try:  # who holds it, for a waiter's message; best effort (a full disk must fail on the files, naming them)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except OSError:
            pass
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def _acquire(fcntl: Any, fd: int, path: Path) -> None:
    wait = float(os.environ.get(LOCK_WAIT_ENV) or LOCK_WAIT)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
                raise WriterBusy(
                    f"{path}: another drafter process (pid {holder}) is writing {Path(path).stem} in this folder; "
                    f"waited {wait:g} s, nothing was written (try again when it has finished)"
                ) from None
            time.sleep(0.05)


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
