"""Local model servers met honestly (issue 23): modes that match the server, against the fake server."""

from __future__ import annotations

import json

import pytest

from drafter.errors import DrafterError
from drafter.llm.endpoints import Endpoint, resolve_endpoint
from drafter.testing.answers import requests_per_draft


@pytest.mark.parametrize("kind", ["llama-cpp-python", "llamacpp"])
def test_llama_cpp_servers_default_to_tools_mode_which_they_turn_into_a_grammar(kind):
    assert Endpoint(kind=kind).instructor_mode == "tools"


def test_an_unknown_mode_flag_is_named_as_the_flag():
    with pytest.raises(DrafterError) as e:
        resolve_endpoint(base_url="http://127.0.0.1:9/v1", model="m", mode="md_json")
    assert str(e.value).startswith("--mode: expected one of tools, json_schema, json, auto, got 'md_json'")
    assert "--mode.mode" not in str(e.value)


def test_draft_in_a_mode_the_server_refuses_exits_at_once_with_the_reason_and_one_line(run_cli, tmp_path, fake_llm):
    fake_llm.script.refuse_json_schema = True
    r = run_cli("draft", "29-2072", "--base-url", fake_llm.base_url, "--model", "m", "--mode", "json_schema",
                "-o", str(tmp_path / "d"), env={"OPENAI_API_KEY": "x"})  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "Max retries" not in r.stderr and "instructor" not in r.stderr  # drafter's one line, no library's
    assert r.stderr.count("error:") == 1
    assert "Only 'text' or 'json_object'" in r.stderr and "use --mode tools" in r.stderr
    assert fake_llm.count <= 2  # one per step of the first round, never five retries each
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


def _tool(body: dict) -> dict:
    return body["tools"][0]["function"]


def _defs(body: dict) -> dict:
    params = _tool(body)["parameters"]
    return params.get("$defs", {}) | {_tool(body)["name"]: params}


def test_the_schema_a_draft_sends_carries_task_ids_row_names_and_scores_as_enums(run_cli, tmp_path, fake_llm):
    """What a grammar-constrained server (llama.cpp, vLLM, OpenAI strict) can enforce is in the schema it sees:
    the role's O*NET task IDs, the rows to score, and every score's allowed values; max_tokens is sized per step."""
    r = run_cli("draft", "29-2072", "--base-url", fake_llm.base_url, "--model", "m", "-o", str(tmp_path / "d"),
                env={"OPENAI_API_KEY": "x"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    by_step = {_tool(b)["name"]: b for b in fake_llm.requests}
    decompose = by_step["Decomposition"]
    ids = _defs(decompose)["ActivityRow"]["properties"]["onet_task_ids"]
    asked = {
        int(x)
        for x in __import__("re").findall(r"\[(\d{4,6})\]", " ".join(m["content"] for m in decompose["messages"][1:]))
    }
    assert asked and set(ids["items"]["enum"]) == asked and ids["uniqueItems"] is True
    assert set(_defs(decompose)["ExcludedTask"]["properties"]["onet_task_id"]["enum"]) == asked
    rows = _defs(by_step["RowScores"])["RowScore"]["properties"]
    decided = [row["task"] for row in json.loads(_answer(fake_llm, "Decomposition"))["rows"]]
    assert rows["task"]["enum"] == decided and rows["score"]["enum"] == [1, 2, 3, 4, 5]
    scores = _defs(by_step["RowScores"])["RowScores"]["properties"]["scores"]
    assert scores["minItems"] == scores["maxItems"] == len(decided)  # one score per row, by the grammar too
    evidence = _defs(by_step["RoleSections"])["DraftEvidenceItem"]["properties"]["score"]
    assert evidence["enum"] == [-2, -1, 0, 1, 2]
    assert decompose["max_tokens"] == 512 + 80 * len(asked)
    assert by_step["RowScores"]["max_tokens"] == 512 + 160 * len(decided)
    assert by_step["RoleSections"]["max_tokens"] == 3072 and by_step["Commentary"]["max_tokens"] == 1536


def _answer(fake_llm, step: str) -> str:
    """The arguments the fake server answered ``step`` with (its valid answer for the recorded request)."""
    body = next(b for b in fake_llm.requests if _tool(b)["name"] == step)
    return json.dumps(fake_llm.answer(step, body))


@pytest.mark.parametrize(("kind", "peak"), [("llama-cpp-python", 1), ("openai", 2)])
def test_a_local_kind_runs_a_drafts_rounds_one_call_at_a_time(run_cli, tmp_path, fake_llm, kind, peak):
    """On a one-slot server, calls sent together wait in its queue and spend their timeout there. A large task
    list (25-2057, 40 tasks) is the draft whose scoring round has several calls."""
    fake_llm.script.latency = 0.3  # a round's calls overlap whenever they are sent together
    config = tmp_path / "endpoints.toml"
    config.write_text(f'[endpoints.local]\nkind = "{kind}"\nbase_url = "{fake_llm.base_url}"\nmodel = "m"\n')
    r = run_cli("draft", "25-2057", "--endpoint", "local", "--config", str(config), "-o", str(tmp_path / "d"),
                env={"OPENAI_API_KEY": "x"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert len(fake_llm.requests) == requests_per_draft("25-2057") > 4  # a round of several scoring calls
    assert fake_llm.peak_in_flight == peak


def test_concurrency_defaults_to_one_for_local_kinds_only():
    assert Endpoint(kind="llamacpp").max_in_flight == Endpoint(kind="ollama").max_in_flight == 1
    assert Endpoint(kind="vllm").max_in_flight is None and Endpoint(kind="llamacpp", concurrency=4).max_in_flight == 4


def test_a_local_kind_waits_600_s_for_an_answer_unless_a_timeout_is_configured(tmp_path):
    config = tmp_path / "endpoints.toml"
    config.write_text('[endpoints.cpu]\nkind = "llama-cpp-python"\nbase_url = "http://127.0.0.1:9/v1"\n'
                      '[endpoints.set]\nkind = "ollama"\nbase_url = "http://127.0.0.1:9/v1"\ntimeout = 90\n'
                      '[endpoints.hosted]\nkind = "vllm"\nbase_url = "http://127.0.0.1:9/v1"\n')  # fmt: skip
    timeouts = {name: resolve_endpoint(endpoint=name, config=config).timeout for name in ("cpu", "set", "hosted")}
    assert timeouts == {"cpu": 600, "set": 90, "hosted": 120}
    assert resolve_endpoint(endpoint="cpu", config=config, timeout=30).timeout == 30  # --timeout wins


def test_eval_takes_timeout_and_max_tokens_like_draft(run_cli, tmp_path, fake_llm):
    r = run_cli("eval", "--base-url", fake_llm.base_url, "--model", "m", "--timeout", "30", "--max-tokens", "2500",
                "--json", "--output", str(tmp_path / "runs"), env={"OPENAI_API_KEY": "x"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    sections = [b["max_tokens"] for b in fake_llm.requests if _tool(b)["name"] == "RoleSections"]
    assert sections and set(sections) == {2500}  # the step's own allowance (3,072), capped by --max-tokens


def test_batch_max_tokens_is_a_deprecated_alias_of_max_total_tokens(run_cli, tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("29-2072\n")
    new = run_cli("batch", "--codes", str(codes), "--offline", "--max-total-tokens", "1000", "-o", str(tmp_path / "a"))
    assert new.returncode == 0, new.stderr and "deprecated" not in new.stderr
    old = run_cli("batch", "--codes", str(codes), "--offline", "--max-tokens", "1000", "-o", str(tmp_path / "b"))
    assert old.returncode == 0, old.stderr
    assert "batch --max-tokens is deprecated" in old.stderr and "--max-total-tokens" in old.stderr


def test_an_invalid_answer_error_quotes_at_most_about_200_characters_of_it(llm_factory, fake_llm):
    from drafter.drafting.facts import DecomposeFacts, bound
    from drafter.drafting.outputs import Decomposition
    from drafter.llm.client import LLMError

    fake_llm.script.default = "malformed"
    ids = tuple(range(22877, 22894))
    tasks = "Tasks:\n" + "".join(f"- [{i}] (untyped, prior 6%) task {i}\n" for i in ids)
    with bound(DecomposeFacts(known_ids=ids, required_ids=ids)), pytest.raises(LLMError) as e:
        llm_factory(validation_retries=0).structured("decompose", Decomposition, [{"role": "user", "content": tasks}])
    assert e.value.kind == "invalid" and len(str(e.value)) < 400, str(e.value)


def test_eval_counts_the_requests_of_drafts_that_failed(run_cli, tmp_path, fake_llm):
    """An eval whose drafts all failed validation says how many requests it sent, not "0 requests"."""
    fake_llm.script.default = "invalid"
    r = run_cli("eval", "--base-url", fake_llm.base_url, "--model", "m", "--output", str(tmp_path / "runs"),
                env={"OPENAI_API_KEY": "x"})  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr
    (run,) = (tmp_path / "runs").glob("*.json")
    usage = json.loads(run.read_text(encoding="utf-8"))["usage"]
    assert usage["requests"] == fake_llm.count > 0
    assert 0 < usage["errors"] <= usage["requests"]  # the failed calls are counted, in the file and on screen
    assert f"LLM: {fake_llm.count} requests, {usage['errors']} failed" in r.stdout
