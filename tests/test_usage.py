"""Token usage: one type from the HTTP answer to the run log, the draft, the batch and the eval; one price rule."""

from __future__ import annotations

import json
import sqlite3

import pytest

from drafter.drafting.facts import DecomposeFacts, bound
from drafter.drafting.outputs import Decomposition
from drafter.errors import DrafterError
from drafter.llm.endpoints import load_config
from drafter.usage import Prices, Usage

from .conftest import SECRET


def test_cost_prices_cached_prompt_tokens_at_their_own_rate_else_as_input():
    u = Usage(prompt_tokens=1_000_000, cached_tokens=400_000, completion_tokens=100_000)
    assert u.cost(Prices(input=2.0, output=8.0)) == 2.8  # every prompt token at the input price
    assert u.cost(Prices(input=2.0, output=8.0, cached_input=0.5)) == pytest.approx(1.2 + 0.2 + 0.8)
    assert u.cost(None) is None  # unknown, not free


def test_usages_add_up_and_a_step_record_counts_as_one():
    from drafter.assessment import StepRecord

    step = StepRecord(step="decompose", attempts=1, requests=1, cache_hits=0, latency_ms=1.0, prompt_tokens=10,
                      cached_tokens=4, completion_tokens=3)  # fmt: skip
    total = Usage() + step + Usage(prompt_tokens=1, completion_tokens=1)
    assert total == Usage(prompt_tokens=11, cached_tokens=4, completion_tokens=4) and total.total_tokens == 15


def test_a_draft_written_before_cached_tokens_were_counted_still_loads():
    from drafter.assessment import StepRecord

    old = {"step": "decompose", "prompt_version": "decompose@abc", "attempts": 1, "requests": 1, "cache_hits": 0,
           "prompt_tokens": 10, "completion_tokens": 3, "latency_ms": 5.0}  # fmt: skip
    assert StepRecord.model_validate(old).cached_tokens == 0


def test_the_price_table_takes_an_optional_cached_input_price(tmp_path):
    cfg = tmp_path / "endpoints.toml"
    cfg.write_text("[prices.m]\ninput = 2\noutput = 8\ncached_input = 0.5\n\n[prices.n]\ninput = 1\noutput = 4\n")
    _, prices = load_config(cfg)
    assert prices == {"m": Prices(input=2, output=8, cached_input=0.5), "n": Prices(input=1, output=4)}
    cfg.write_text('[prices.m]\ninput = 2\noutput = "8"\n')
    with pytest.raises(DrafterError, match=r"prices\.m: expected input = N, output = N and optionally cached_input"):
        load_config(cfg)


SYSTEM = "You decompose roles into work activities. " * 120  # 5,160 characters: over 1,024 tokens


def _call(llm):
    tasks = "Tasks:\n" + "".join(f"- [{i}] (untyped, prior 25%) task {i}\n" for i in (1, 2, 3, 4))
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": tasks}]
    with bound(DecomposeFacts(known_ids=(1, 2, 3, 4), required_ids=())):
        return llm.structured("decompose", Decomposition, messages)[1]


def test_prompt_tokens_the_server_cached_are_recorded_and_priced_apart(llm_factory, fake_llm):
    fake_llm.script.prompt_cache = True
    llm = llm_factory(use_cache=False, prices=Prices(input=1000.0, output=2000.0, cached_input=100.0))
    first, second = _call(llm), _call(llm)
    assert first.usage.cached_tokens == 0
    # the whole prompt repeats (over 1,024 tokens): cached up to its last 128-token step
    cached, prompt = second.usage.cached_tokens, second.usage.prompt_tokens
    assert cached % 128 == 0 and 1024 <= cached and prompt - 128 < cached <= prompt
    assert second.usage.cost(llm.endpoint.prices) < first.usage.cost(llm.endpoint.prices)
    llm.log.flush()
    con = sqlite3.connect(llm.log.path)
    rows = con.execute("SELECT prompt_tokens, cached_tokens, completion_tokens FROM calls ORDER BY id").fetchall()
    assert rows == [tuple(r.usage.model_dump().values()) for r in (first, second)]
    totals = llm.log.usage_for_run(llm.run_id)
    assert totals.requests == 2 and totals.usage == first.usage + second.usage


def test_a_batch_counts_and_prices_cached_prompt_tokens(run_cli, tmp_path):
    from .fake_openai import FakeOpenAI, Script

    with FakeOpenAI(Script(prompt_cache=True, cache_min_tokens=128)) as server:  # counting, not the prefix's length
        cfg = tmp_path / "endpoints.toml"
        cfg.write_text(f'[endpoints.f]\nbase_url = "{server.base_url}"\nmodel = "m"\n\n'
                       "[prices.m]\ninput = 1000.0\noutput = 2000.0\ncached_input = 0.0\n")  # fmt: skip
        codes = tmp_path / "codes.txt"
        codes.write_text("11-1011.00\n11-2011.00\n")
        r = run_cli("batch", "--codes", str(codes), "--endpoint", "f", "--config", str(cfg), "-o", str(tmp_path / "d"),
                    "--json", env={"OPENAI_API_KEY": SECRET})  # fmt: skip
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["done"] == 2 and 0 < s["cached_tokens"] < s["prompt_tokens"]
    expected = Usage(prompt_tokens=s["prompt_tokens"], cached_tokens=s["cached_tokens"],
                     completion_tokens=s["completion_tokens"]).cost(Prices(input=1000.0, output=2000.0, cached_input=0.0))  # fmt: skip
    assert s["cost_usd"] == pytest.approx(expected, abs=1e-5)


def test_logs_show_tokens_and_cost_per_step_for_a_draft_and_a_batch(run_cli, tmp_path):
    from .fake_openai import FakeOpenAI, Script

    with FakeOpenAI(Script(prompt_cache=True, cache_min_tokens=128)) as server:
        cfg = tmp_path / "endpoints.toml"
        cfg.write_text(f'[endpoints.f]\nbase_url = "{server.base_url}"\nmodel = "m"\n\n'
                       "[prices.m]\ninput = 1000.0\noutput = 2000.0\ncached_input = 100.0\n")  # fmt: skip
        env = {"OPENAI_API_KEY": SECRET}
        d = run_cli("draft", "15-1252", "--endpoint", "f", "--config", str(cfg), "-o", str(tmp_path / "d"), env=env)
        assert d.returncode == 0, d.stderr
        assert "LLM total:" in d.stderr and "cached) +" in d.stderr and "$" in d.stderr
        run_id = json.loads((tmp_path / "d" / "15-1252.00.json").read_text())["provenance"]["inputs"]["run_id"]
        codes = tmp_path / "codes.txt"
        codes.write_text("43-4051.00\n")  # 19 and 15 tasks: four calls a draft
        b = run_cli("batch", "--codes", str(codes), "--endpoint", "f", "--config", str(cfg), "-o", str(tmp_path / "b"),
                    env=env)  # fmt: skip
        assert b.returncode == 0, b.stderr
        assert "By step" in b.stdout and "role_sections" in b.stdout and "per role done" in b.stdout
    one = json.loads(run_cli("logs", "--run", run_id, "--config", str(cfg), "--json").stdout)
    assert [s["step"] for s in one["steps"]] == ["decompose", "score_rows", "role_sections", "commentary"]
    for key in ("prompt_tokens", "cached_tokens", "completion_tokens"):
        assert sum(s[key] for s in one["steps"]) == one["totals"][key]
    everything = json.loads(run_cli("logs", "--config", str(cfg), "--json").stdout)
    assert everything["totals"]["requests"] == 8
    assert everything["totals"]["cached_tokens"] > 0  # the batch's role repeats the first role's step prefixes
    for totals in (one["totals"], everything["totals"]):
        expected = Usage(**{k: totals[k] for k in ("prompt_tokens", "cached_tokens", "completion_tokens")})
        assert totals["cost_usd"] == pytest.approx(
            expected.cost(Prices(input=1000.0, output=2000.0, cached_input=100.0)), abs=1e-5
        )
    batch_id = json.loads(run_cli("batch", "status", "--json").stdout)[0]["batch_id"]
    only_batch = json.loads(run_cli("logs", "--batch", batch_id, "--config", str(cfg), "--json").stdout)
    assert only_batch["totals"]["requests"] == 4 and all(c["run_id"].startswith(batch_id) for c in only_batch["calls"])
    unpriced = json.loads(run_cli("logs", "--json").stdout)  # the default endpoints file has no prices
    assert unpriced["totals"]["cost_usd"] is None and all(s["cost_usd"] is None for s in unpriced["steps"])
    text = run_cli("logs", "--run", run_id, "--config", str(cfg))
    assert "By step" in text.stdout and "cached" in text.stdout and "$" in text.stdout


def test_logs_name_a_run_by_its_first_characters_and_say_when_nothing_matches(run_cli, tmp_path, fake_llm):
    from .conftest import SECRET

    d = run_cli("draft", "29-2072", "--base-url", fake_llm.base_url, "--model", "m", "-o", str(tmp_path / "d"),
                env={"OPENAI_API_KEY": SECRET})  # fmt: skip
    assert d.returncode == 0, d.stderr
    run_id = json.loads((tmp_path / "d" / "29-2072.00.json").read_text())["provenance"]["inputs"]["run_id"]
    short = run_cli("logs", "--run", run_id[:6], "--json")
    assert short.returncode == 0, short.stderr
    assert json.loads(short.stdout)["totals"]["requests"] == 4  # the draft's four calls, found by a prefix
    missing = run_cli("logs", "--run", "nosuchrun")
    assert missing.returncode == 1 and "no run 'nosuchrun' in" in missing.stderr
    assert run_cli("logs", "--batch", "nosuchbatch").returncode == 1
    typo = run_cli("logs", "--config", str(tmp_path / "nope.toml"))
    assert typo.returncode == 2 and "nope.toml: no such endpoints file (--config)" in typo.stderr
