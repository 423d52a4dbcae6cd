"""Output to a pipe is plain and unwrapped (no $COLUMNS, no terminal), and batch ids are never cut."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import GOLDEN


def _piped(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_")) and k != "COLUMNS"}
    env["DRAFTER_HOME"] = str(tmp_path / "home")
    return subprocess.run([sys.executable, "-m", "drafter", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)  # fmt: skip


def test_long_lines_to_a_pipe_are_not_wrapped(tmp_path):
    deep = tmp_path / ("a-rather-long-folder-name-for-reviewed-assessments" * 2)
    deep.mkdir()
    (deep / "29-2072.00.json").write_text(GOLDEN.read_text())
    r = _piped(tmp_path, "validate", str(deep / "29-2072.00.json"))
    assert r.returncode == 0, r.stderr
    assert f"ok {deep / '29-2072.00.json'} (7 task rows)" in r.stdout.splitlines()
    assert "\x1b[" not in r.stdout  # plain: no colour codes


def test_batch_status_to_a_pipe_shows_whole_ids(tmp_path):
    (tmp_path / "codes.txt").write_text("29-2072.00\n")
    assert _piped(tmp_path, "batch", "--codes", "codes.txt", "--offline", "--include-scored", "-o", "d").returncode == 0
    (batch,) = json.loads(_piped(tmp_path, "batch", "status", "--json").stdout)
    table = _piped(tmp_path, "batch", "status").stdout
    assert batch["batch_id"] in table and str(tmp_path / "d") in table
