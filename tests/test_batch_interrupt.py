"""Ctrl-C of a batch: what is done stays done, the batch says how far it got and how to resume (exit 130), and
the same command resumes it without drafting anything twice."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import ROOT

INTERRUPTED = re.compile(r"interrupted: (\d+) done, rerun the same command to resume \((\d+) still to draft\)")


def _start(args: list[str], home: Path, env: dict | None = None) -> subprocess.Popen:
    """The real CLI in a session of its own, so that a signal can go to its whole process group (as Ctrl-C does)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "drafter", *args], cwd=ROOT, env=base | {"DRAFTER_HOME": str(home), **(env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _ctrl_c_once_drafts_appear(p: subprocess.Popen, out: Path, drafts: int) -> tuple[str, str]:
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.json"))) < drafts and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.poll() is None, "the batch ended before it could be interrupted"
    os.killpg(p.pid, signal.SIGINT)  # the terminal sends Ctrl-C to every process of the foreground group
    return p.communicate(timeout=120)


def test_ctrl_c_says_how_many_are_done_and_the_same_command_resumes(tmp_path, run_cli):
    out = tmp_path / "d"
    args = ["batch", "--group", "53", "--offline", "--concurrency", "1", "-o", str(out)]
    p = _start(args, tmp_path / "home")
    _, err = _ctrl_c_once_drafts_appear(p, out, 2)
    assert p.returncode == 130, err
    assert "Traceback" not in err
    found = INTERRUPTED.search(" ".join(err.split()))
    assert found, err
    done, pending = int(found[1]), int(found[2])
    assert done >= 2 and done + pending == 52  # --group 53 has 52 roles; none left running

    r = run_cli(*args, "--json")  # the same command (run_cli uses the same DRAFTER_HOME)
    assert r.returncode == 0, r.stderr
    assert f"52 roles — {done} done, 0 failed, {pending} to draft" in r.stderr
    s = json.loads(r.stdout)
    assert (s["done"], s["failed"], s["duplicates"]) == (52, 0, 0)


def test_ctrl_c_of_a_batch_with_worker_processes_stops_them_and_says_so(tmp_path):
    from .fake_openai import FakeOpenAI, Script

    codes = tmp_path / "codes.txt"
    codes.write_text("\n".join(["11-1011.00", "11-2011.00", "13-2011.00", "15-1252.00", "43-4051.00", "53-3032.00",
                                "41-2031.00", "43-9061.00"]) + "\n")  # fmt: skip
    out = tmp_path / "d"
    with FakeOpenAI(Script(latency=0.3)) as server:
        p = _start(["batch", "--codes", str(codes), "--base-url", server.base_url, "--model", "m", "--processes", "2",
                    "--concurrency", "2", "-o", str(out)], tmp_path / "home", {"OPENAI_API_KEY": "sk-x"})  # fmt: skip
        _, err = _ctrl_c_once_drafts_appear(p, out, 1)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "Process ForkProcess" not in err
    found = INTERRUPTED.search(" ".join(err.split()))
    assert found and int(found[1]) >= 1 and int(found[1]) + int(found[2]) == 8, err
