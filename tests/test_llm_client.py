"""drafter's LLM client against a real HTTP server that misbehaves on purpose."""

from __future__ import annotations

import sqlite3
import time

import pytest

from drafter.drafting.facts import DecomposeFacts, bound
from drafter.drafting.outputs import Decomposition
from drafter.llm.client import LLMError

from .conftest import SECRET

IDS = list(range(22877, 22894))
MESSAGES = [
    {"role": "system", "content": "test"},
    {"role": "user", "content": "Tasks:\n" + "".join(f"- [{i}] (untyped, prior 6%) task {i}\n" for i in IDS)},
]
CONTEXT = DecomposeFacts(known_ids=tuple(IDS), required_ids=tuple(IDS))


@pytest.fixture(autouse=True)
def _decompose_facts():
    """The facts a drafting step binds around its call (drafting/facts.py), for the Decomposition answers here."""
    with bound(CONTEXT):
        yield


def _log_rows(llm):
    llm.log.flush()
    con = sqlite3.connect(llm.log.path)
    con.row_factory = sqlite3.Row
    return list(con.execute("SELECT * FROM calls ORDER BY id"))


def test_valid_answer_is_parsed_in_one_attempt_and_logged(llm_factory, fake_llm):
    llm = llm_factory()
    out, result = llm.structured("decompose", Decomposition, MESSAGES)
    assert sum(r.time_pct for r in out.rows) == 100
    assert sorted([i for r in out.rows for i in r.onet_task_ids] + [e.onet_task_id for e in out.excluded_tasks]) == IDS
    assert (result.attempts, result.requests, result.cache_hits) == (1, 1, 0)
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    rows = _log_rows(llm)
    assert len(rows) == 1 and rows[0]["status"] == 200 and rows[0]["step"] == "decompose"
    assert rows[0]["model"] == "fake-model" and rows[0]["prompt_tokens"] == result.usage.prompt_tokens


def test_invalid_then_valid_retries_with_the_validation_error(llm_factory, fake_llm):
    fake_llm.queue("invalid")
    out, result = llm_factory().structured("decompose", Decomposition, MESSAGES)
    assert result.attempts == 2 and fake_llm.count == 2
    retry_conversation = str(fake_llm.requests[1]["messages"])
    assert "time_pct values sum to 95, expected exactly 100" in retry_conversation
    assert sum(r.time_pct for r in out.rows) == 100


def test_schema_invalid_every_time_fails_with_the_last_errors(llm_factory, fake_llm):
    fake_llm.script.default = "invalid"
    llm = llm_factory(validation_retries=1)
    with pytest.raises(LLMError) as e:
        llm.structured("decompose", Decomposition, MESSAGES)
    assert e.value.kind == "invalid" and fake_llm.count == 2
    assert str(e.value).startswith("decompose: answer failed validation on all 2 attempts; last errors:")
    assert "sum to 95" in str(e.value)
    assert len(_log_rows(llm)) == 2


def test_429_honours_retry_after_then_succeeds(llm_factory, fake_llm):
    fake_llm.queue("429")
    llm = llm_factory()
    t0 = time.perf_counter()
    _, result = llm.structured("decompose", Decomposition, MESSAGES)
    assert time.perf_counter() - t0 >= 1.0  # Retry-After: 1
    assert result.attempts == 2
    assert [r["status"] for r in _log_rows(llm)] == [429, 200]


def test_rate_limited_on_every_attempt_is_reported_as_such(llm_factory, fake_llm):
    fake_llm.script.default = "429"
    fake_llm.script.retry_after = "0"
    with pytest.raises(LLMError) as e:
        llm_factory(http_retries=1).structured("decompose", Decomposition, MESSAGES)
    assert e.value.kind == "rate_limited" and str(e.value) == "decompose: rate limited (HTTP 429) on all 2 attempts"


def test_500_is_retried_separately_from_validation(llm_factory, fake_llm):
    fake_llm.queue("500", "invalid")
    llm = llm_factory(http_retries=1, validation_retries=1)
    out, result = llm.structured("decompose", Decomposition, MESSAGES)
    assert [r["status"] for r in _log_rows(llm)] == [500, 200, 200]
    assert result.attempts == 3 and fake_llm.behaviours == ["500", "invalid", "valid"]


def test_server_error_on_every_attempt_fails_cleanly(llm_factory, fake_llm):
    fake_llm.script.default = "500"
    with pytest.raises(LLMError) as e:
        llm_factory(http_retries=1).structured("decompose", Decomposition, MESSAGES)
    assert e.value.kind == "server_error" and "HTTP 500" in str(e.value) and fake_llm.count == 2


def test_a_hang_past_the_timeout_is_retried_then_reported(llm_factory, fake_llm):
    fake_llm.script.default = "hang"
    fake_llm.script.hang_seconds = 2.0
    llm = llm_factory(timeout=0.5, http_retries=1)
    with pytest.raises(LLMError) as e:
        llm.structured("decompose", Decomposition, MESSAGES)
    assert e.value.kind == "timeout" and str(e.value) == (
        f"decompose: no complete answer from {fake_llm.base_url} within the 0.5 s deadline (--timeout) on all 2 attempts"
    )
    rows = _log_rows(llm)
    assert len(rows) == 2 and all("Timeout" in r["error"] for r in rows)


def test_malformed_json_is_re_asked_then_reported(llm_factory, fake_llm):
    fake_llm.script.default = "malformed"
    with pytest.raises(LLMError) as e:
        llm_factory(validation_retries=2).structured("decompose", Decomposition, MESSAGES)
    assert e.value.kind == "invalid" and fake_llm.count == 3
    assert "after 3 attempts" in str(e.value) or "on all 3 attempts" in str(e.value)


def test_truncated_answer_is_reported_as_truncated_without_retry(llm_factory, fake_llm):
    fake_llm.queue("truncated")
    with pytest.raises(LLMError) as e:
        llm_factory(max_tokens=50).structured("decompose", Decomposition, MESSAGES)
    assert e.value.kind == "truncated" and "finish_reason=length" in str(e.value) and "max_tokens=50" in str(e.value)
    assert fake_llm.count == 1


def test_a_response_without_usage_is_accepted_and_logged_as_unknown_tokens(llm_factory, fake_llm):
    fake_llm.queue("no_usage")
    llm = llm_factory()
    _, result = llm.structured("decompose", Decomposition, MESSAGES)
    assert result.usage_missing == 1 and result.usage.prompt_tokens == 0
    assert _log_rows(llm)[0]["prompt_tokens"] is None


def test_identical_request_at_temperature_0_is_answered_from_the_log(llm_factory, fake_llm):
    first, _ = llm_factory().structured("decompose", Decomposition, MESSAGES)
    again, result = llm_factory().structured("decompose", Decomposition, MESSAGES)
    assert fake_llm.count == 1 and result.cache_hits == 1 and result.requests == 0
    assert again.model_dump() == first.model_dump()
    _, fresh = llm_factory(use_cache=False).structured("decompose", Decomposition, MESSAGES)
    assert fake_llm.count == 2 and fresh.cache_hits == 0


def test_the_api_key_never_reaches_the_log(llm_factory, fake_llm):
    fake_llm.queue("500")
    llm = llm_factory(http_retries=1)
    llm.structured("decompose", Decomposition, MESSAGES + [{"role": "user", "content": f"echo {SECRET}"}])
    llm.log.close()
    data = b"".join(p.read_bytes() for p in llm.log.path.parent.glob("runlog.sqlite*"))
    assert SECRET.encode() not in data
    assert b"[REDACTED]" in data  # the key that the user pasted into a prompt was redacted too


def test_failure_kinds_know_which_are_worth_another_try():
    from drafter.llm.client import ErrorKind

    assert {k.value for k in ErrorKind if k.retryable} == {"rate_limited", "server_error", "timeout", "connection",
                                                           "invalid"}  # fmt: skip
    assert not ErrorKind.HTTP_ERROR.retryable and not ErrorKind.TRUNCATED.retryable


@pytest.mark.parametrize("slots", [2, None])
def test_request_slots_given_to_the_client_bound_the_async_requests_in_flight(tmp_path, monkeypatch, fake_llm, slots):
    import asyncio

    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.limiter import RequestSlots
    from drafter.llm.runlog import RunLog

    monkeypatch.setenv("DRAFTER_TEST_KEY", SECRET)
    fake_llm.script.latency = 0.2
    ep = Endpoint(name="fake", base_url=fake_llm.base_url, model="fake-model", api_key_env="DRAFTER_TEST_KEY")
    log = RunLog(tmp_path / "runlog.sqlite")
    llm = LLM(ep, log, use_cache=False, slots=RequestSlots(slots) if slots else None)

    async def six_at_once():
        try:
            return await asyncio.gather(*(llm.structured_async("decompose", Decomposition, MESSAGES) for _ in range(6)))
        finally:
            await llm.aclose()

    try:
        answers = asyncio.run(six_at_once())
    finally:
        llm.close()
        log.close()
    assert len(answers) == 6 and fake_llm.count == 6
    if slots:
        assert fake_llm.peak_in_flight == 2
    else:
        assert fake_llm.peak_in_flight > 2  # the bound comes from the slots, not from elsewhere


def test_url_credentials_travel_as_a_header_and_parameters_never_in_the_url(tmp_path, monkeypatch):
    import base64

    import httpx2

    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog

    seen = []

    class Recorder(httpx2.BaseTransport):
        def handle_request(self, request):
            seen.append(request)
            return httpx2.Response(401, json={"error": {"message": "no"}}, request=request)

    monkeypatch.setenv("DRAFTER_TEST_KEY", SECRET)
    ep = Endpoint(base_url="http://me:pa%24%24word-123@127.0.0.1:9/v1?api-key=query-secret-1&api-version=2024-06-01",
                  model="m", api_key_env="DRAFTER_TEST_KEY", http_retries=0)  # fmt: skip
    log = RunLog(tmp_path / "runlog.sqlite")
    llm = LLM(ep, log, inner_transport=Recorder())
    try:
        with pytest.raises(LLMError):
            llm.structured("decompose", Decomposition, MESSAGES)
    finally:
        llm.close()
        log.close()
    [request] = seen
    assert request.url.userinfo == b"" and request.url.path == "/v1/chat/completions"
    assert dict(request.url.params) == {"api-key": "query-secret-1", "api-version": "2024-06-01"}
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"me:pa$$word-123").decode()
    assert llm.public_url == "http://127.0.0.1:9/v1"


def test_every_remembered_secret_is_redacted_in_third_party_log_records(caplog):
    import logging

    from drafter.redact import guard_third_party_logs, remember

    remember("sk-remembered-0123456789")
    guard_third_party_logs()
    with caplog.at_level(logging.DEBUG, logger="openai._base_client"):
        logging.getLogger("openai._base_client").debug("body %s", "key sk-remembered-0123456789 echoed")
        logging.getLogger("drafter.other").warning("not ours: sk-remembered-0123456789")
    assert caplog.records[0].getMessage() == "body key [REDACTED] echoed"
    assert "sk-remembered" in caplog.records[1].getMessage()  # only the libraries' records are rewritten


def test_a_tool_call_cut_at_max_tokens_is_reported_cut_off_not_invalid(llm_factory, fake_llm):
    """llama-cpp-python says finish_reason "tool_calls" for a tool call cut at max_tokens: completion tokens
    reaching max_tokens is the tell, so the broken JSON is not re-asked and batch records "cut off"."""
    fake_llm.queue("cut_tool_call")
    llm = llm_factory(max_tokens=50)
    with pytest.raises(LLMError) as e:
        llm.structured("decompose", Decomposition, MESSAGES)
    assert e.value.kind == "truncated" and not e.value.kind.retryable
    assert "finish_reason=tool_calls, 50 of max_tokens=50" in str(e.value)
    assert fake_llm.count == 1  # no re-ask of the broken JSON
    (row,) = _log_rows(llm)
    assert row["finish_reason"] == "tool_calls" and row["error"].startswith("cut off")  # counted as a failure


def test_a_refused_json_schema_mode_fails_at_once_with_the_servers_reason_and_the_mode_to_use(llm_factory, fake_llm):
    fake_llm.script.refuse_json_schema = True
    llm = llm_factory(mode="json_schema", http_retries=4)
    with pytest.raises(LLMError) as e:
        llm.structured("decompose", Decomposition, MESSAGES)
    assert fake_llm.count == 1  # not five blind retries
    msg = str(e.value)
    assert e.value.kind == "http_error" and "Only 'text' or 'json_object'" in msg and "use --mode tools" in msg
    (row,) = _log_rows(llm)
    assert "json_object" in row["response_json"] and "mode refused" in row["error"]


def test_an_ordinary_server_error_is_still_retried(llm_factory, fake_llm):
    fake_llm.queue("500")
    _, result = llm_factory(http_retries=2).structured("decompose", Decomposition, MESSAGES)
    assert fake_llm.count == 2 and result.requests == 2


@pytest.mark.parametrize("kind", ["llama-cpp-python", "llamacpp", "vllm", "ollama", "other"])
def test_consecutive_user_messages_are_merged_so_roles_alternate(llm_factory, fake_llm, kind):
    messages = [*MESSAGES, {"role": "user", "content": "and one more thing"}]
    llm_factory(kind=kind).structured("decompose", Decomposition, messages)
    sent = [m for m in fake_llm.requests[0]["messages"]]
    assert [m["role"] for m in sent] == ["system", "user"]
    assert sent[1]["content"].endswith("\n\nand one more thing") and sent[1]["content"].startswith("Tasks:")


def test_closing_the_client_writes_every_queued_record(tmp_path, fake_llm, monkeypatch):
    """A failed draft's last records (the ones that explain it) reach the log file when the client closes."""
    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog

    log = RunLog(tmp_path / "log.sqlite")
    transaction = log.store.transaction

    def slow_transaction():  # a busy disk: the writer thread lags behind the calls
        time.sleep(0.5)
        return transaction()

    monkeypatch.setattr(log.store, "transaction", slow_transaction)
    fake_llm.queue("invalid", "invalid", "invalid")
    llm = LLM(Endpoint(base_url=fake_llm.base_url, model="m", validation_retries=2), log)
    with pytest.raises(LLMError):
        llm.structured("decompose", Decomposition, MESSAGES)
    llm.close()  # no flush() by the test: close must do it
    con = sqlite3.connect(tmp_path / "log.sqlite")
    assert con.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 3
    log.close()


def test_answers_that_fail_validation_are_counted_as_failed_calls(llm_factory, fake_llm):
    """Every re-asked or final invalid answer is a failed call in the log (drafter logs, batch, eval count them);
    and an answer found invalid is never served from the cache again."""
    fake_llm.queue("invalid", "invalid")
    llm = llm_factory()
    llm.structured("decompose", Decomposition, MESSAGES)  # two invalid answers, then a valid one
    rows = _log_rows(llm)
    assert [r["error"] is not None for r in rows] == [True, True, False]
    assert rows[0]["error"].startswith("invalid answer: ")
    assert llm.log.totals()["errors"] == 2
    (step,) = llm.log.by_step()
    assert step.errors == 2 and step.requests == 3


@pytest.mark.parametrize("kind", ["llama-cpp-python", "llamacpp", "ollama"])
def test_a_timed_out_request_to_a_one_slot_local_server_is_not_re_sent(llm_factory, fake_llm, kind):
    """llama-cpp-python keeps working on a request whose client hung up: a re-sent copy would queue behind it."""
    fake_llm.script.default = "hang"
    fake_llm.script.hang_seconds = 2.0
    llm = llm_factory(kind=kind, timeout=0.5, http_retries=3)
    with pytest.raises(LLMError) as e:
        llm.structured("decompose", Decomposition, MESSAGES)
    assert e.value.kind == "timeout" and "not re-sent" in str(e.value) and "0.5 s deadline" in str(e.value)
    assert fake_llm.count == 1
    (row,) = _log_rows(llm)
    assert "Timeout" in row["error"]


def test_a_timed_out_async_request_to_a_local_server_is_not_re_sent(llm_factory, fake_llm):
    import asyncio

    fake_llm.script.default = "hang"
    fake_llm.script.hang_seconds = 2.0
    llm = llm_factory(kind="llama-cpp-python", timeout=0.5, http_retries=3)

    async def call():
        try:
            return await llm.structured_async("decompose", Decomposition, MESSAGES)
        finally:
            await llm.aclose()

    with pytest.raises(LLMError) as e:
        asyncio.run(call())
    assert e.value.kind == "timeout" and "not re-sent" in str(e.value) and fake_llm.count == 1


def test_only_an_error_naming_the_mode_counts_as_a_refusal():
    from drafter.llm.transport import refusal_reason

    body = '{"error": {"message": "Only \'text\' or \'json_object\' response_format types are supported"}}'
    assert refusal_reason(500, body) == "Only 'text' or 'json_object' response_format types are supported"
    assert refusal_reason(400, '{"error": "tools are not supported by this model"}') is not None
    assert refusal_reason(500, '{"error": {"message": "The server had an error"}}') is None
    assert refusal_reason(429, '{"error": {"message": "too many tools requests"}}') is None
    assert refusal_reason(200, body) is None
