"""``--mode auto`` (issue 23, item 2): the mode an endpoint honours, probed once and remembered without secrets."""

from __future__ import annotations

import json
import sqlite3

from .fake_openai import FakeOpenAI, Script

PASSWORD = "hunter2-DO-NOT-STORE"
KEY = "sk-auto-DO-NOT-STORE-0123456789"


def _probes(server: FakeOpenAI) -> list[dict]:
    return [b for b in server.requests if "ModeProbe" in json.dumps(b)]


def _draft(run_cli, tmp_path, server: FakeOpenAI, *extra: str):
    url = server.base_url.replace("http://", f"http://drafter:{PASSWORD}@")
    return run_cli("draft", "29-2072", "--base-url", url, "--model", "m", "--mode", "auto", *extra,
                   "-o", str(tmp_path / "d"), "--force", env={"OPENAI_API_KEY": KEY})  # fmt: skip


def test_auto_mode_probes_once_and_the_second_run_sends_no_probe(run_cli, tmp_path):
    with FakeOpenAI(Script(refuse_tools=True)) as server:  # no tools: the probe falls back to json_schema
        first = _draft(run_cli, tmp_path, server)
        assert first.returncode == 0, first.stderr
        probes = _probes(server)
        assert [("tools" if p.get("tools") else p["response_format"]["type"]) for p in probes] == [
            "tools",
            "json_schema",
        ]
        assert first.stderr.count("--mode auto: json_schema") == 1 and "probed" in first.stderr
        drafted = [b for b in server.requests if b not in probes]
        assert drafted and all(b["response_format"]["type"] == "json_schema" for b in drafted)

        seen = server.count
        second = _draft(run_cli, tmp_path, server, "--no-cache")
        assert second.returncode == 0, second.stderr
        assert _probes(server) == probes and server.count > seen  # drafted again, probed not again
        assert "--mode auto: json_schema" in second.stderr and "remembered" in second.stderr


def test_no_secret_in_the_stored_probe_row(run_cli, tmp_path):
    with FakeOpenAI() as server:
        r = _draft(run_cli, tmp_path, server)
        assert r.returncode == 0, r.stderr
    con = sqlite3.connect(tmp_path / "home" / "drafter.db")
    try:
        rows = con.execute("SELECT base_url, model, mode FROM endpoint_modes").fetchall()
    finally:
        con.close()
    assert rows == [(server.base_url, "m", "tools")]  # the public URL: no user:password
    assert PASSWORD not in repr(rows) and KEY not in repr(rows)


def test_reprobe_forgets_the_remembered_mode_and_asks_again(run_cli, tmp_path):
    with FakeOpenAI() as server:
        assert _draft(run_cli, tmp_path, server).returncode == 0
        assert len(_probes(server)) == 1  # tools, accepted at once
        again = _draft(run_cli, tmp_path, server, "--reprobe", "--no-cache")
        assert again.returncode == 0, again.stderr
        assert len(_probes(server)) == 2 and "probed" in again.stderr


def test_drafter_endpoints_shows_the_remembered_mode_and_forgets_it(run_cli, tmp_path):
    with FakeOpenAI(Script(refuse_tools=True)) as server:
        assert _draft(run_cli, tmp_path, server).returncode == 0
    listed = run_cli("endpoints", "--json")
    assert listed.returncode == 0, listed.stderr
    remembered = json.loads(listed.stdout)["remembered"]
    assert [(p["base_url"], p["model"], p["mode"]) for p in remembered] == [(server.base_url, "m", "json_schema")]
    assert PASSWORD not in listed.stdout
    forgot = run_cli("endpoints", "--forget", "--json")
    assert forgot.returncode == 0 and json.loads(forgot.stdout)["remembered"] == []
    assert "forgot 1 remembered mode(s)" in forgot.stderr


def test_a_server_that_cannot_be_asked_fails_in_one_line_and_remembers_nothing(run_cli, tmp_path):
    r = run_cli("draft", "29-2072", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--mode", "auto",
                "-o", str(tmp_path / "d"), env={"OPENAI_API_KEY": KEY})  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr and r.stderr.count("error:") == 1
    assert "--mode auto: could not ask http://127.0.0.1:9/v1 which mode it accepts" in r.stderr
    con = sqlite3.connect(tmp_path / "home" / "drafter.db")
    try:
        assert con.execute("SELECT count(*) FROM endpoint_modes").fetchone() == (0,)
    finally:
        con.close()
