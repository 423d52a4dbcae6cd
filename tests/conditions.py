"""Hostile conditions for the writer's tests: a real full file system and a real process holding a writer lock.

A full disk is a small tmpfs mounted over the test's folder and filled to the last page (root only: elsewhere the
tests that need it skip, saying why; tests/test_writer.py also covers a file size limit, which needs no root).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import ROOT


@contextmanager
def small_tmpfs(where: Path, size: str = "512k") -> Iterator[Path]:
    """A real file system of ``size`` mounted at ``where`` for the duration (skips where it cannot be mounted)."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("a full disk is a small tmpfs, and only root may mount one here")
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True
    )
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs at {where}: {r.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> Path:
    """Fill the file system under ``folder`` until it says it is full (ENOSPC); the filler file is returned."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        assert e.errno == errno.ENOSPC, e
    finally:
        os.close(fd)
    return filler


HOLD = """import sys
from pathlib import Path
from drafter.files import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


@contextmanager
def lock_held(path: Path) -> Iterator[int]:
    """Another drafter process holding the writer lock of ``path``'s role (as a concurrent run writing it would),
    until the block ends; yields its pid."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc.pid
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
