"""drafter against a real model server (llama-cpp-python + SmolLM2-135M-Instruct, 8,192-token context).

A 135M model cannot write a valid assessment, so these tests assert drafter's behaviour, not the content: every
run ends in bounded time with a clean exit code and drafter's one line (no traceback), every request the server
answered is in the run log with the server's own token counts, no request asks for more than the context
window holds, nothing half-written is left, and a mode the server rejects is said at once.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from .conftest import FIGURES

CONTEXT = 8192
CLEAN_EXITS = {0, 3}  # a draft, or drafter's "the LLM failed" with its one line


def _endpoints(tmp_path: Path, url: str, window: bool = True, **settings) -> Path:
    path = tmp_path / "endpoints.toml"
    lines = ["[endpoints.local]", f'base_url = "{url}"', 'model = "smollm2"', 'kind = "llama-cpp-python"',
             'api_key_env = "LOCAL_MODEL_KEY"', "validation_retries = 1", "http_retries = 1"]  # fmt: skip
    lines += [f"context_window = {CONTEXT}"] if window else []  # llama-cpp-python tells none: a user states it
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _calls(db: Path) -> list[sqlite3.Row]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return list(con.execute("SELECT * FROM calls ORDER BY id"))
    finally:
        con.close()


@pytest.fixture
def drafter_cli(tmp_path):
    """The real CLI in a fresh process (as ``run_cli``), with a deadline fit for a model on two cores."""
    import os
    import subprocess
    import sys

    def run(*args: str, limit: float = 900):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
        env |= {"DRAFTER_HOME": str(tmp_path / "home"), "COLUMNS": "200", "LOCAL_MODEL_KEY": "none"}
        return subprocess.run([sys.executable, "-m", "drafter", *args], capture_output=True, text=True, env=env,
                              timeout=limit)  # fmt: skip

    return run


def _one_task(tmp_path: Path) -> Path:
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("id,text\n1,Assign diagnosis codes to patient records\n", encoding="utf-8")
    return tasks


def _check_clean(r, started: float, limit: float) -> None:
    assert r.returncode in CLEAN_EXITS, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    if r.returncode:
        assert r.stderr.strip().splitlines()[-1].startswith("error: "), r.stderr[-1000:]
    assert time.monotonic() - started < limit, f"took {time.monotonic() - started:.0f} s (bound {limit} s)"


def _check_log(home: Path, test: str) -> list[sqlite3.Row]:
    """Every answered request is in the run log with the server's own token counts, and none asked for more than
    the context window holds; the calls are kept for the tier's figures (conftest.py)."""
    db = next((p for p in (home / "drafter.db", home / "runlog.sqlite") if p.exists()), None)
    assert db is not None, f"no run log in {home}"
    return _check_log_at(db, test)


def _check_log_at(db: Path, test: str) -> list[sqlite3.Row]:
    calls = _calls(db)
    assert calls, "no call in the run log"
    for c in calls:
        if c["status"] == 200 and not c["cached"]:
            assert c["prompt_tokens"] and c["prompt_tokens"] > 0, dict(c)  # the server's own count
            assert c["completion_tokens"] is not None, dict(c)
        body = json.loads(c["request_json"]) if c["request_json"] else {}
        asked = body.get("max_tokens") or body.get("max_completion_tokens") or 0
        if c["prompt_tokens"]:
            assert c["prompt_tokens"] + asked <= CONTEXT, (c["step"], c["prompt_tokens"], asked)
    FIGURES.extend((test, dict(c)) for c in calls)
    return calls


@pytest.mark.parametrize("mode", ["tools", "json", "json_schema"])
def test_a_one_task_draft_ends_cleanly_in_each_mode(local_server, drafter_cli, tmp_path, mode):
    url, _ = local_server
    out = tmp_path / "drafts"
    started = time.monotonic()
    r = drafter_cli("draft", str(_one_task(tmp_path)), "--title", "Coder", "--endpoint", "local", "--config",
                    str(_endpoints(tmp_path, url)), "--mode", mode, "-o", str(out))  # fmt: skip
    _check_clean(r, started, 900)
    home = tmp_path / "home"
    calls = _check_log(home, f"one task, --mode {mode}")
    if r.returncode == 0:
        assert sorted(p.suffix for p in out.iterdir()) == [".json", ".md"]
    else:
        assert not out.exists() or not any(out.iterdir())  # nothing half-written
    if mode == "json_schema":  # this server answers HTTP 500 for a json_schema response_format: said at once
        assert len(calls) <= 2, [(c["step"], c["status"]) for c in calls]


def test_mode_auto_finds_tools_on_the_real_server_without_a_configured_window(local_server, drafter_cli, tmp_path):
    """The default a user meets first: no mode and no context window in the endpoint. --mode auto asks the server
    once (tools are accepted: llama-cpp-python turns a forced tool into a grammar), remembers it, and the draft
    ends cleanly with nothing half-written."""
    url, _ = local_server
    out = tmp_path / "drafts"
    config = str(_endpoints(tmp_path, url, window=False))
    started = time.monotonic()
    r = drafter_cli("draft", str(_one_task(tmp_path)), "--title", "Coder", "--endpoint", "local", "--config", config,
                    "--mode", "auto", "-o", str(out))  # fmt: skip
    _check_clean(r, started, 900)
    _check_log(tmp_path / "home", "one task, --mode auto, no window configured")
    if r.returncode:
        assert not out.exists() or not any(out.iterdir())  # nothing half-written
    listed = drafter_cli("endpoints", "--config", config, "--json")
    assert listed.returncode == 0, listed.stderr[-1000:]
    remembered = json.loads(listed.stdout)["remembered"]
    assert [(m["model"], m["mode"]) for m in remembered] == [("smollm2", "tools")], remembered


def test_a_29_2072_draft_a_two_role_batch_and_an_eval_end_cleanly(local_server, drafter_cli, tmp_path):
    url, _ = local_server
    config = str(_endpoints(tmp_path, url))
    started = time.monotonic()
    r = drafter_cli(
        "draft", "29-2072", "--endpoint", "local", "--config", config, "-o", str(tmp_path / "d"), limit=1800
    )
    _check_clean(r, started, 1800)
    codes = tmp_path / "codes.txt"
    codes.write_text("43-4051\n15-1252\n", encoding="utf-8")
    started = time.monotonic()
    b = drafter_cli("batch", "--codes", str(codes), "--endpoint", "local", "--config", config, "--role-retries", "0",
                    "-o", str(tmp_path / "b"), "--json", limit=2400)  # fmt: skip
    assert b.returncode in {0, 4} and "Traceback" not in b.stderr, b.stderr[-2000:]
    assert time.monotonic() - started < 2400
    started = time.monotonic()
    e = drafter_cli("eval", "--endpoint", "local", "--config", config, "-o", str(tmp_path / "runs"), limit=1800)
    assert e.returncode in {0, 1, 3} and "Traceback" not in e.stderr, e.stderr[-2000:]
    _check_log(tmp_path / "home", "29-2072, batch, eval")


def test_every_steps_request_is_accepted_by_the_real_server(local_server, llm_factory, tmp_path):
    """A 135M model stops at decompose, so the later steps would never meet the server: here each call of a
    29-2072 draft goes to the real server (its request shape and schema grammar accepted: HTTP 200, within the
    window), and the draft goes on with the fake server's valid answer to the same call."""
    from drafter.drafting.drive import answers_from, drive
    from drafter.drafting.pipeline import steps
    from drafter.drafting.request import DraftRequest, ModelRef
    from drafter.errors import DrafterError
    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog
    from drafter.methodology import load_methodology
    from drafter.onet.catalog import Catalog

    url, _ = local_server
    real = LLM(Endpoint(name="local", kind="llama-cpp-python", base_url=url, model="smollm2", max_tokens=48,
                        timeout=600, http_retries=0, validation_retries=0, context_window=CONTEXT,
                        api_key_env="LOCAL_MODEL_KEY"), RunLog(tmp_path / "real.sqlite"), use_cache=False)  # fmt: skip
    fake = llm_factory(kind="llama-cpp-python")
    to_real, to_fake = answers_from(real), answers_from(fake)
    refused: list[str] = []

    def answer(call):
        try:
            to_real(call)  # 48 tokens of an answer: the shape is what is tested, not the content
        except DrafterError as e:
            refused.append(f"{call.step}: {e}")
        return to_fake(call)

    request = DraftRequest.resolve(Catalog.load().get("29-2072"), {}, run_id="shapes")
    draft = drive(steps(request, load_methodology(), ModelRef.of(fake)), answer, serial=True)
    real.close()
    assert draft.assessment.tasks
    calls = _check_log_at(tmp_path / "real.sqlite", "every step's shape")
    assert [c["step"] for c in calls] == ["decompose", "score_rows", "role_sections", "commentary"], refused
    assert all(c["status"] == 200 for c in calls), [(c["step"], c["status"], c["error"]) for c in calls]
    assert all("not sent" not in r for r in refused), refused
