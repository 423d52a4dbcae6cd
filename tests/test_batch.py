"""`drafter batch`: resumable and exactly-once under faults and SIGKILL, costed, capped, and via the Batch API."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
from pathlib import Path

import pytest

from drafter.batch.jsonl import validate_batch_line
from drafter.batch.runner import Caps
from drafter.llm.limiter import RateLimiter

from .conftest import ROOT, SECRET
from .fake_openai import requests_per_draft, run_batch_file


def _load_fault_run():
    spec = importlib.util.spec_from_file_location("fault_run", ROOT / "benchmarks" / "fault_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.fault_run


def test_fault_run_killed_halfway_ends_with_every_role_done_once_or_failed_with_a_cause(tmp_path):
    # no retries anywhere, so faults turn into failures the run must record with their cause
    r = _load_fault_run()(60, concurrency=8, work=tmp_path, http_retries=0, validation_retries=0, role_retries=0)
    assert r["problems"] == []
    assert r["done"] + r["failed"] == 60 and r["duplicates"] == 0
    assert r["failed"] > 0 and set(r["failures_by_cause"]) <= {"rate_limited", "server_error", "invalid"}
    assert 0 < r["done_when_killed"] < 60


def test_fault_run_with_two_worker_processes_killed_halfway_drafts_every_role_exactly_once(tmp_path):
    r = _load_fault_run()(80, concurrency=16, work=tmp_path, processes=2)
    assert r["problems"] == []
    assert r["done"] + r["failed"] == 80 and r["duplicates"] == 0 and 0 < r["done_when_killed"] < 80


def _codes(tmp_path: Path, codes: list[str]) -> Path:
    path = tmp_path / "codes.txt"
    path.write_text("# roles\n" + "\n".join(codes) + "\n", encoding="utf-8")
    return path


CODES = ["11-1011.00", "11-2011.00", "13-2011.00", "15-1252.00", "29-2072.00", "43-4051.00"]


def test_batch_skips_human_scored_roles_and_a_rerun_drafts_nothing(run_cli, tmp_path, fake_llm):
    args = ("batch", "--codes", str(_codes(tmp_path, CODES)), "--base-url", fake_llm.base_url, "--model", "m",
            "-o", str(tmp_path / "drafts"), "--json")  # fmt: skip
    r = run_cli(*args, env={"OPENAI_API_KEY": SECRET})
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s["roles"], s["done"], s["failed"], s["duplicates"]) == (5, 5, 0, 0)
    assert "Skipping 1 role(s) already scored by humans (29-2072.00)" in r.stderr
    expected = sum(requests_per_draft(c) for c in CODES if c != "29-2072.00")  # large task lists: scored in parts
    assert s["requests"] == fake_llm.count == expected > 20 and s["prompt_tokens"] > 0
    assert sorted(p.name for p in (tmp_path / "drafts").glob("*.json")) == [
        f"{c}.json" for c in CODES if c != "29-2072.00"
    ]
    again = run_cli(*args, env={"OPENAI_API_KEY": SECRET})
    assert json.loads(again.stdout)["done"] == 5 and fake_llm.count == expected
    assert "0 to draft" in again.stderr
    status = json.loads(run_cli("batch", "status", s["batch_id"], "--json").stdout)
    assert (status["done"], status["failed"], status["pending"]) == (5, 0, 0)


def test_failed_roles_keep_their_reason_and_retry_failed_drafts_them(run_cli, tmp_path, fake_llm):
    fake_llm.script.default = "500"
    cfg = tmp_path / "endpoints.toml"
    cfg.write_text(
        f'[endpoints.f]\nbase_url = "{fake_llm.base_url}"\nmodel = "m"\nhttp_retries = 0\n', encoding="utf-8"
    )
    args = ("batch", "--codes", str(_codes(tmp_path, CODES[:2])), "--endpoint", "f", "--config", str(cfg),
            "--role-retries", "1", "-o", str(tmp_path / "d"), "--json")  # fmt: skip
    s = json.loads(run_cli(*args).stdout)
    assert (s["done"], s["failed"], s["failures_by_cause"]) == (0, 2, {"server_error": 2})
    status = json.loads(run_cli("batch", "status", s["batch_id"], "--json").stdout)
    assert all(f["attempts"] == 1 and "HTTP 500" in f["error"] for f in status["failed_roles"])
    assert fake_llm.count == 4  # each role drafted twice (one role retry), one request each
    fake_llm.script.default = "valid"
    s2 = json.loads(run_cli(*args, "--retry-failed").stdout)
    assert (s2["done"], s2["failed"], s2["duplicates"]) == (2, 0, 0)


def test_cost_cap_stops_before_it_is_crossed_and_reports_cost(run_cli, tmp_path, fake_llm):
    cfg = tmp_path / "endpoints.toml"
    cfg.write_text(
        f'[endpoints.f]\nbase_url = "{fake_llm.base_url}"\nmodel = "m"\n\n[prices.m]\ninput = 1000.0\noutput = 2000.0\n',
        encoding="utf-8",
    )
    codes = _codes(tmp_path, [c for c in CODES if c != "29-2072.00"])

    def batch(out: str, cap: float):
        r = run_cli("batch", "--codes", str(codes), "--endpoint", "f", "--config", str(cfg), "-o", str(tmp_path / out),
                    "--concurrency", "2", "--json", "--max-cost", str(cap), "--no-cache")  # fmt: skip
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    first = batch("d", 1_000_000)
    per_role = first["cost_usd"] / first["done"]
    assert first["done"] == 5 and first["cost_usd"] > 0 and not first["stopped_by_cap"]
    capped = batch("d2", per_role * 2.6)
    assert capped["stopped_by_cap"] and capped["cost_usd"] <= per_role * 2.6
    assert capped["done"] >= 1 and capped["pending"] > 0


def test_max_cost_without_prices_is_refused(run_cli, tmp_path, fake_llm):
    r = run_cli("batch", "--codes", str(_codes(tmp_path, CODES[:1])), "--base-url", fake_llm.base_url, "--model", "m",
                "--max-cost", "5", env={"OPENAI_API_KEY": "x"})  # fmt: skip
    assert r.returncode == 2 and "--max-cost needs prices for m" in r.stderr


def test_a_bad_codes_file_names_the_line(run_cli, tmp_path):
    path = tmp_path / "codes.txt"
    path.write_text("11-1011.00\n99-9999.00\n", encoding="utf-8")
    r = run_cli("batch", "--codes", str(path), "--offline")
    assert r.returncode == 2 and f"{path}:line 2: no O*NET occupation 99-9999.00" in r.stderr


def test_offline_batch_of_a_major_group(run_cli, tmp_path):
    r = run_cli("batch", "--group", "53", "--offline", "-o", str(tmp_path / "d"), "--json")
    s = json.loads(r.stdout)
    assert s["failed"] == 0 and s["done"] == s["roles"] == len(list((tmp_path / "d").glob("53-*.json")))


def test_openai_batch_jsonl_is_valid_line_by_line_and_collect_writes_drafts(run_cli, tmp_path, fake_llm):
    env = {"OPENAI_API_KEY": SECRET}
    codes = _codes(tmp_path, CODES[:4])
    requests = tmp_path / "requests.jsonl"
    r = run_cli("batch", "--codes", str(codes), "--base-url", fake_llm.base_url, "--model", "m", "--via", "openai-batch",
                "--requests-out", str(requests), "-o", str(tmp_path / "d"), env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in requests.read_text(encoding="utf-8").splitlines()]
    assert [validate_batch_line(x, f"line {i}") for i, x in enumerate(lines)] == [
        f"{lines[0]['custom_id'].split(':')[0]}:{c}:decompose" for c in CODES[:4]
    ]
    assert fake_llm.count == 0  # writing the file sends nothing
    assert lines[0]["body"]["tool_choice"]["function"]["name"] == "Decomposition"

    fake_llm.queue("invalid")  # the engine's first answer is schema-invalid
    results = tmp_path / "results.jsonl"
    assert run_batch_file(fake_llm, requests, results, fail_codes=(CODES[3],)) == 4
    engine_requests = fake_llm.count
    r = run_cli("batch", "collect", str(results), "--base-url", fake_llm.base_url, "--model", "m", "-o", str(tmp_path / "d"),
                "--json", env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "3 answers, 2 valid, 1 invalid, 1 failed in the batch engine" in r.stderr
    assert f"{CODES[0]} invalid answer (will be re-asked with the error)" in r.stderr
    s = json.loads(r.stdout)
    assert (s["done"], s["failed"]) == (4, 0)
    # valid answers were not asked again: 2 roles' live steps, 1 re-ask + the live steps, the engine-failed role's all
    live = [requests_per_draft(c) - 1 for c in CODES[:4]]
    assert fake_llm.count - engine_requests == live[1] + live[2] + (1 + live[0]) + (live[3] + 1)


def test_rate_limiter_paces_requests_and_pauses_on_429():
    clock = {"t": 0.0}
    waits: list[float] = []

    def sleep(s):
        waits.append(s)
        clock["t"] += s

    lim = RateLimiter(rpm=60, tpm=None, clock=lambda: clock["t"], sleep=sleep)
    for _ in range(61):
        lim.acquire()
    assert clock["t"] == pytest.approx(1.0, abs=0.02)  # the bucket holds 60; the 61st waits a second
    lim.on_429(5.0)
    before = clock["t"]
    lim.acquire()
    assert clock["t"] - before >= 5.0 and lim.throttled == 1 and lim.rate_factor == 0.75


def test_caps_calibrate_on_the_first_role_then_reserve_for_roles_in_flight():
    caps = Caps(max_cost=10.0)
    assert caps.allows(0) is True and caps.allows(1) is None
    caps.add(100, 2.0)
    assert caps.allows(0) is True  # 2 + 2.5 <= 10
    assert caps.allows(2) is True  # 2 + 3 x 2.5 = 9.5
    assert caps.allows(3) is False  # 2 + 4 x 2.5 = 12


def test_batch_state_survives_in_sqlite(run_cli, tmp_path):
    run_cli("batch", "--group", "45", "--offline", "-o", str(tmp_path / "d"))
    con = sqlite3.connect(tmp_path / "home" / "drafter.db")
    assert con.execute("SELECT COUNT(*), SUM(drafted) FROM batch_roles WHERE status = 'done'").fetchone()[0] > 0


def test_a_budget_below_what_one_event_loop_does_keeps_the_batch_in_one_process():
    from drafter.batch import default_processes

    assert default_processes(1) == 1
    assert default_processes(64) == min(os.cpu_count() or 1, 4)
    assert default_processes(64, tpm=2_000_000) == 1  # ~33 calls/s at 1,000 tokens a call
    assert default_processes(64, rpm=500) == 1
    assert default_processes(64, rpm=60_000, tpm=60_000_000) == min(os.cpu_count() or 1, 4)


def test_the_batch_summary_breaks_tokens_and_cost_down_by_step(run_cli, tmp_path, fake_llm):
    cfg = tmp_path / "endpoints.toml"
    cfg.write_text(
        f'[endpoints.f]\nbase_url = "{fake_llm.base_url}"\nmodel = "m"\ntpm = 5000000\n\n'
        "[prices.m]\ninput = 1000.0\noutput = 2000.0\ncached_input = 100.0\n",
        encoding="utf-8",
    )
    codes = _codes(tmp_path, ["15-1252.00", "43-4051.00"])  # 19 and 15 tasks: one scoring call each
    r = run_cli("batch", "--codes", str(codes), "--endpoint", "f", "--config", str(cfg), "-o", str(tmp_path / "d"),
                "--json", env={"OPENAI_API_KEY": SECRET})  # fmt: skip
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert [x["step"] for x in s["steps"]] == ["decompose", "score_rows", "role_sections", "commentary"]
    assert all(x["requests"] == 2 and x["model"] == "m" for x in s["steps"])
    for key in ("prompt_tokens", "cached_tokens", "completion_tokens"):
        assert sum(x[key] for x in s["steps"]) == s[key]
    assert sum(x["cost_usd"] for x in s["steps"]) == pytest.approx(s["cost_usd"], abs=1e-5)
    assert s["budget"] == {"rpm": None, "tpm": 5_000_000} and s["processes"] == 1
