"""The context window is known and respected (issue 23, item 5): read from the server or configured, checked
before every request (re-asks included), what does not fit trimmed or refused in one line."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from drafter.llm.client import LLM, ErrorKind, LLMError
from drafter.llm.endpoints import Endpoint
from drafter.llm.runlog import RunLog
from drafter.llm.window import Budget, ContextOverflow, plan, prompt_tokens, refit

from .fake_openai import FakeOpenAI, Script
from .fake_openai import prompt_tokens as server_tokens


class Note(BaseModel):
    text: str


def _llm(server: FakeOpenAI, tmp_path, **settings) -> LLM:
    ep = Endpoint(**({"name": "t", "kind": "openai", "base_url": server.base_url, "model": "fake-model",
                      "api_key_env": "DRAFTER_TEST_KEY", "timeout": 5.0, "http_retries": 0} | settings))  # fmt: skip
    return LLM(ep, RunLog(tmp_path / "runlog.sqlite"))


@pytest.mark.parametrize(
    ("kind", "num_ctx", "window", "asked"),
    [
        ("llamacpp", None, 8192, "GET /props"),
        ("vllm", None, 32768, "GET /v1/models"),
        ("ollama", 16384, 16384, "POST /api/show"),  # the Modelfile's num_ctx, not the model's 32k
        ("ollama", None, 4096, "POST /api/show"),  # Ollama's default num_ctx: it would truncate past it
    ],
)
def test_the_window_is_read_from_each_server_kind(tmp_path, kind, num_ctx, window, asked):
    trained = 32768 if kind == "ollama" else window
    with FakeOpenAI(Script(context_window=trained, ollama_num_ctx=num_ctx)) as server:
        llm = _llm(server, tmp_path, kind=kind)
        try:
            assert llm.context_window() == window
            assert llm.context_window() == window  # read once per client
        finally:
            llm.close()
        assert server.lookups == [asked]


@pytest.mark.parametrize("kind", ["openai", "llama-cpp-python"])
def test_a_server_that_does_not_tell_its_window_leaves_it_unknown(tmp_path, kind):
    with FakeOpenAI(Script(context_window=None)) as server:
        llm = _llm(server, tmp_path, kind=kind)
        try:
            assert llm.context_window() is None
        finally:
            llm.close()
        assert server.lookups == []  # neither asks: OpenAI has no such endpoint, llama-cpp-python's says nothing


def test_a_configured_window_overrides_the_probed_one(tmp_path):
    with FakeOpenAI(Script(context_window=8192)) as server:
        llm = _llm(server, tmp_path, kind="llamacpp", context_window=4000)
        try:
            assert llm.context_window() == 4000
        finally:
            llm.close()
        assert server.lookups == []


def _reask_server(window: int) -> FakeOpenAI:
    """A server whose first answer is broken JSON (so instructor re-asks with it and the error) and whose
    window refuses what does not fit, as vLLM does."""
    script = Script(context_window=window)
    server = FakeOpenAI(script, answer=lambda step, body: {"text": "x" * 2000})
    server.queue("malformed")
    return server


def test_a_reask_that_would_overflow_is_sent_with_max_tokens_lowered(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTER_TEST_KEY", "k")
    messages = [{"role": "user", "content": "Write a note. " + "context " * 400}]
    with _reask_server(2100) as server:
        llm = _llm(server, tmp_path, kind="vllm", validation_retries=1)
        try:
            parsed, _ = llm.structured("note", Note, messages, max_tokens=800, min_tokens=100)
        finally:
            llm.close()
        first, reask = server.requests
        assert len(reask["messages"]) > len(first["messages"])  # the re-ask carries the broken answer
        assert reask["max_tokens"] < first["max_tokens"] == 800  # lowered to fit, not below the floor
        assert reask["max_tokens"] >= 100
        assert server_tokens(reask) + reask["max_tokens"] <= 2100  # the server's own count: it fit
        assert parsed.text.startswith("x")


def test_a_reask_that_cannot_fit_is_refused_before_sending(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTER_TEST_KEY", "k")
    messages = [{"role": "user", "content": "Write a note. " + "context " * 400}]
    with _reask_server(1500) as server:
        llm = _llm(server, tmp_path, kind="vllm", validation_retries=2)
        try:
            with pytest.raises(LLMError) as e:
                llm.structured("note", Note, messages, max_tokens=500, min_tokens=400)
        finally:
            llm.close()
        assert len(server.requests) == 1  # the re-ask was never sent
    said = str(e.value)
    assert e.value.kind is ErrorKind.CONTEXT and not e.value.kind.retryable
    assert "\n" not in said and said.startswith("note: the request does not fit the 1,500-token context window")
    assert "--context-window" in said


def test_a_reask_drops_its_earlier_failed_answers_before_anything_else():
    prompt = [{"role": "system", "content": "s" * 700}, {"role": "user", "content": "u" * 700}]
    failed = [{"role": "assistant", "content": "a" * 1400}, {"role": "user", "content": "invalid: " + "e" * 200}]
    last = [{"role": "assistant", "content": "b" * 1400}, {"role": "user", "content": "invalid again"}]
    body = {"messages": prompt + failed + last, "max_tokens": 300}
    new, changed = refit(body, Budget(window=1200, floor=200, ratio=4.0), prompt_len=2)
    assert new["messages"] == prompt + last and new["max_tokens"] == 300
    assert changed == ("earlier failed answers",)
    unchanged, nothing = refit(body, Budget(window=100_000, floor=200), prompt_len=2)
    assert unchanged is body and nothing == ()


def test_the_prompt_is_trimmed_in_the_documented_order_only_as_far_as_needed():
    full = [{"role": "user", "content": "x" * 4000}]
    shorter = [("the calibration rows beyond the closest", [{"role": "user", "content": "x" * 3000}]),
               ("the worked example", [{"role": "user", "content": "x" * 2000}]),
               ("the long description and observed-use facts", [{"role": "user", "content": "x" * 1000}])]  # fmt: skip
    budget = Budget(window=1000, floor=300, ratio=4.0)
    got = plan(full, 0, 600, budget, lambda: iter(shorter))
    assert got.left_out == ("the calibration rows beyond the closest", "the worked example")
    assert got.messages == shorter[1][1] and 300 <= got.max_tokens <= 1000 - prompt_tokens(got.messages, 0, 4.0)
    assert plan(full, 0, 600, Budget(window=100_000, floor=300), lambda: iter(shorter)).left_out == ()
    with pytest.raises(ContextOverflow):
        plan(full, 0, 600, Budget(window=400, floor=300, ratio=4.0), lambda: iter(shorter))


def test_a_drafts_role_context_is_shortened_calibration_first_then_example_then_facts():
    from drafter.drafting.trim import shorter_roles

    role = {"calibration": [{"title": "far", "similarity": 0.2}, {"title": "near", "similarity": 0.6}],
            "example": {"title": "near"}, "description": "d" * 1000, "observed": [{"id": 1, "line": "used"}],
            "tasks": ["kept"], "notes": "kept"}  # fmt: skip
    steps = list(shorter_roles(role))
    assert [what for what, _ in steps] == [
        "the calibration rows beyond the closest", "the worked example", "the long description and observed-use facts"
    ]  # fmt: skip
    assert steps[0][1]["calibration"] == [{"title": "near", "similarity": 0.6}]
    last = steps[-1][1]
    assert last["example"] is None and last["observed"] == [] and len(last["description"]) <= 301
    assert last["tasks"] == ["kept"] and last["notes"] == "kept"


def test_a_servers_context_length_exceeded_is_one_line_and_not_retried(run_cli, tmp_path):
    with FakeOpenAI(Script(context_window=3000)) as server:  # kind openai: not probed, the server refuses
        r = run_cli("draft", "29-2072", "--base-url", server.base_url, "--model", "m", "-o", str(tmp_path / "d"),
                    env={"OPENAI_API_KEY": "x"})  # fmt: skip
        assert server.count == 1  # not five times, not re-asked
    assert r.returncode != 0 and "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "decompose: the request does not fit the server's context window" in errors[0]
    assert "maximum context length is 3000 tokens" in errors[0] and "--context-window" in errors[0]


def test_a_draft_that_cannot_fit_the_configured_window_is_refused_before_sending(run_cli, tmp_path, fake_llm):
    r = run_cli("draft", "29-2072", "--base-url", fake_llm.base_url, "--model", "m", "--context-window", "2048",
                "-o", str(tmp_path / "d"), env={"OPENAI_API_KEY": "x"})  # fmt: skip
    assert r.returncode == 3 and fake_llm.count == 0 and "Traceback" not in r.stderr
    assert r.stderr.count("error:") == 1
    assert "decompose: the request does not fit the 2,048-token context window (estimated ~" in r.stderr


def test_a_context_window_under_256_is_refused_as_a_typo(run_cli):
    r = run_cli("draft", "29-2072", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--context-window", "8")
    assert r.returncode == 2 and "--context-window: expected a whole number of tokens, at least 256, got 8" in r.stderr


def test_a_draft_on_a_server_whose_window_fits_runs_as_before_and_reads_it_once(run_cli, tmp_path):
    with FakeOpenAI(Script(context_window=16384)) as server:
        r = run_cli("draft", "29-2072", "--base-url", server.base_url, "--model", "m", "-o", str(tmp_path / "d"),
                    "--mode", "tools", env={"OPENAI_API_KEY": "x"})  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert all(server_tokens(b) + b["max_tokens"] <= 16384 for b in server.requests)
        assert server.lookups == []  # kind openai (a --base-url alone): not asked


def test_the_rubric_is_compacted_last_and_only_with_a_rubric():
    from drafter.drafting.trim import COMPACT_RUBRIC, shorter_contexts

    role = {"calibration": [], "example": {"title": "near"}, "description": "short", "observed": []}
    steps = list(shorter_contexts({"rubric": object()}, role))
    assert [what for what, _, _ in steps] == ["the worked example", COMPACT_RUBRIC]
    assert steps[-1][1]["compact"] is True and steps[-1][2]["example"] is None  # with the shortest role context
    assert [what for what, _, _ in shorter_contexts({"rubric": None}, role)] == ["the worked example"]


def _decompose_sent(llm_factory, fake_llm, window: int):
    """The decompose call of 29-2072 made through the real client with a configured window: the body the fake
    server received and the step's provenance record."""
    from drafter.drafting.drive import answers_from
    from drafter.drafting.pipeline import Prompter, _record, decompose_call
    from drafter.drafting.request import DraftRequest
    from drafter.methodology import load_methodology
    from drafter.onet.catalog import Catalog

    request = DraftRequest.resolve(Catalog.load().get("29-2072.00"), {}, run_id="t")
    call = decompose_call(request, Prompter.of(request, load_methodology()))
    first = fake_llm.count
    _, result = answers_from(llm_factory(use_cache=False, context_window=window))(call)
    return fake_llm.requests[first], _record(result, call.template)


def test_a_request_that_fits_only_with_the_compact_rubric_is_sent_with_it_and_versioned_apart(
    llm_factory, fake_llm, capfd
):
    from drafter.methodology import load_methodology

    roomy, full_record = _decompose_sent(llm_factory, fake_llm, 100_000)
    small, compact_record = _decompose_sent(llm_factory, fake_llm, 7000)  # too small for the full rubric
    full, compact = roomy["messages"][0]["content"], small["messages"][0]["content"]
    assert "each level in one line" in compact and "each level in one line" not in full
    assert len(compact) < len(full) - 2000
    rubric = load_methodology().rubric
    for scale in rubric.scales:
        assert scale.name in compact
        for d in scale.dimensions:
            assert f"  {d.name}:\n" in compact and all(f"    {lv.value} = " in compact for lv in d.levels)
        assert all(f"  {lv.value} = " in compact for lv in scale.levels)
    assert compact.count(" = ") == full.count(" = ")  # every level, none dropped
    assert compact_record.prompt_version != full_record.prompt_version
    assert compact_record.prompt_version.startswith("decompose@")
    assert capfd.readouterr().err.count("the rubric's long level texts") == 1  # said once


def test_a_roomy_window_sends_the_full_rubric_and_the_usual_prompt_version(llm_factory, fake_llm):
    from drafter.drafting import prompts

    body, record = _decompose_sent(llm_factory, fake_llm, 100_000)
    assert "each level in one line" not in body["messages"][0]["content"]
    assert "Choose 5, not 4" in body["messages"][0]["content"]
    assert record.prompt_version == prompts.prompt_version("decompose.j2")
