"""The local-model tier: drafter against a real model server (llama-cpp-python with SmolLM2-135M-Instruct),
started once for the session by ``scripts/local_model.py``. Runs only under ``make test-local`` (which sets
``DRAFTER_TEST_LOCAL=1`` and installs the server first); the regular suite skips it."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from ..conftest import ROOT

ENV = "DRAFTER_TEST_LOCAL"
FIGURES: list[tuple[str, dict]] = []  # (test, run-log row) of every call the tier's drafter runs made


def pytest_terminal_summary(terminalreporter):
    """The tier's figures, from the run logs (the server's own token counts, drafter's measured latency): what
    docs/local-models.md quotes. Printed only when the tier ran."""
    if not FIGURES:
        return
    write = terminalreporter.write_line
    write("")
    write("local-model tier: per step, from the run logs (prompt tokens against the 8,192-token window)")
    write(
        f"{'step':<14}{'requests':>9}{'HTTP 200':>9}{'prompt tokens':>16}{'max completion':>15}{'s/request p50':>14}{'max':>6}"
    )
    steps = sorted({row["step"] or "?" for _, row in FIGURES})
    for step in steps:
        rows = [r for _, r in FIGURES if (r["step"] or "?") == step]
        prompts = [r["prompt_tokens"] for r in rows if r["prompt_tokens"]]
        completions = [r["completion_tokens"] for r in rows if r["completion_tokens"]]
        seconds = sorted(r["latency_ms"] / 1000 for r in rows if r["latency_ms"] is not None)
        span = f"{min(prompts)}-{max(prompts)}" if prompts else "-"
        p50 = f"{seconds[len(seconds) // 2]:.1f}" if seconds else "-"
        top = f"{seconds[-1]:.0f}" if seconds else "-"
        ok = sum(1 for r in rows if r["status"] == 200)
        write(f"{step:<14}{len(rows):>9}{ok:>9}{span:>16}{max(completions, default=0):>15}{p50:>14}{top:>6}")


def pytest_collection_modifyitems(config, items):
    if os.environ.get(ENV):
        return
    skip = pytest.mark.skip(reason=f"the real-model tier runs under `make test-local` ({ENV}=1)")
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(skip)


def _script():
    spec = importlib.util.spec_from_file_location("local_model", ROOT / "scripts" / "local_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def local_server(tmp_path_factory):
    """The server's base URL (…/v1); its log is kept beside the session's temporary files."""
    script = _script()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    log = tmp_path_factory.mktemp("local-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "local_model.py"), "serve", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 300
    while True:
        try:
            if httpx2.get(url + "/models", timeout=5).status_code == 200:
                break
        except httpx2.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the local model server did not start: {log.read_text()[-3000:]}")
        time.sleep(1)
    yield url, script
    proc.terminate()
    try:
        proc.wait(5)  # a server busy with an abandoned request does not stop at once
    except subprocess.TimeoutExpired:
        proc.kill()
