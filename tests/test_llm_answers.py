"""What the server answers when it is not an OpenAI-compatible endpoint (a proxy's or login page's HTML)."""

from __future__ import annotations

import pytest

from drafter.llm.client import LLMError

from .test_llm_client import MESSAGES, Decomposition, _decompose_facts  # noqa: F401 - the autouse fixture


def test_html_with_http_200_is_named_as_not_a_chat_completion(fake_llm, llm_factory):
    fake_llm.queue("html", "html", "html")
    with pytest.raises(LLMError) as e:
        llm_factory(validation_retries=0, http_retries=0).structured("decompose", Decomposition, MESSAGES)
    msg = str(e.value)
    assert "did not answer in the chat-completions format" in msg
    assert fake_llm.base_url in msg and "text/html" in msg
    assert "finish_reason" not in msg
    assert e.value.exit_code == 3


def test_no_network_suggests_offline(run_cli, tmp_path):
    r = run_cli(
        "draft", "29-2072", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--timeout", "2", "-o", "d",
        cwd=tmp_path, env={"OPENAI_API_KEY": "sk-x"},
    )  # fmt: skip
    assert r.returncode == 3, r.stderr
    assert "could not connect to http://127.0.0.1:9/v1" in r.stderr
    assert "--offline drafts with the offline default" in " ".join(r.stderr.split())
