"""Local model servers met honestly (issue 23): modes that match the server, against the fake server."""

from __future__ import annotations

import pytest

from drafter.errors import DrafterError
from drafter.llm.endpoints import Endpoint, resolve_endpoint


@pytest.mark.parametrize("kind", ["llama-cpp-python", "llamacpp"])
def test_llama_cpp_servers_default_to_tools_mode_which_they_turn_into_a_grammar(kind):
    assert Endpoint(kind=kind).instructor_mode == "tools"


def test_an_unknown_mode_flag_is_named_as_the_flag():
    with pytest.raises(DrafterError) as e:
        resolve_endpoint(base_url="http://127.0.0.1:9/v1", model="m", mode="md_json")
    assert str(e.value).startswith("--mode: expected one of tools, json_schema, json, got 'md_json'")
    assert "--mode.mode" not in str(e.value)


def test_draft_in_a_mode_the_server_refuses_exits_at_once_with_the_reason_and_one_line(run_cli, tmp_path, fake_llm):
    fake_llm.script.refuse_json_schema = True
    r = run_cli("draft", "29-2072", "--base-url", fake_llm.base_url, "--model", "m", "--mode", "json_schema",
                "-o", str(tmp_path / "d"), env={"OPENAI_API_KEY": "x"})  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "Only 'text' or 'json_object'" in r.stderr and "use --mode tools" in r.stderr
    assert fake_llm.count <= 2  # one per step of the first round, never five retries each
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())
