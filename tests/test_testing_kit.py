"""The test kit (drafter/testing/, docs/testing.md): a real fake server with an answer hook and a fault script."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

import drafter.testing
from drafter.testing import FakeOpenAI, Script

from .conftest import ROOT


def _post(base_url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(f"{base_url}/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _tool_request(step: str, content: str = "hello") -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": content}],
            "tools": [{"type": "function", "function": {"name": step, "parameters": {"type": "object"}}}],
            "tool_choice": {"type": "function", "function": {"name": step}}}  # fmt: skip


def _arguments(completion: dict) -> dict:
    return json.loads(completion["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])


def test_the_docs_example_runs_and_prints_what_the_page_says(tmp_path):
    page = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", page, re.S)
    (tmp_path / "example.py").write_text(code, encoding="utf-8")
    r = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.splitlines() == ["{'city': 'Paris'}", "['429', 'valid']"]
    assert "prints `{'city': 'Paris'}` and `['429', 'valid']`" in page


def test_the_answer_hook_gets_the_step_and_the_request_as_sent():
    seen = []

    def answer(step: str, request: dict) -> dict:
        seen.append((step, request["messages"][0]["content"]))
        return {"echo": request["messages"][0]["content"].upper()}

    with FakeOpenAI(answer=answer) as server:
        status, completion = _post(server.base_url, _tool_request("Shout", "quiet please"))
    assert status == 200
    assert _arguments(completion) == {"echo": "QUIET PLEASE"}
    assert seen == [("Shout", "quiet please")]


def test_a_content_fault_reaches_the_spoil_hook_and_a_server_fault_does_not():
    spoiled = []

    def spoil(behaviour: str, step: str, valid: dict) -> dict:
        spoiled.append((behaviour, step))
        return {**valid, "city": "Lyon"}

    with FakeOpenAI(answer=lambda step, request: {"city": "Paris"}, spoil=spoil) as server:
        server.queue("500", "wrong_city@Capital")
        first = _post(server.base_url, _tool_request("Capital"))
        second = _post(server.base_url, _tool_request("Capital"))
    assert first[0] == 500
    assert _arguments(second[1]) == {"city": "Lyon"}
    assert spoiled == [("wrong_city", "Capital")]
    assert server.behaviours == ["500", "wrong_city"]


def test_without_a_hook_the_server_answers_drafters_steps():
    with FakeOpenAI() as server:
        status, completion = _post(server.base_url, _tool_request("Commentary"))
    assert status == 200
    assert [s["heading"] for s in _arguments(completion)["sections"]][0] == "Score vs Reality Check"


@pytest.fixture
def served():
    """``python -m drafter.testing`` in its own process, stopped afterwards."""
    procs = []

    def start(*args: str) -> str:
        p = subprocess.Popen([sys.executable, "-m", "drafter.testing", *args], stdout=subprocess.PIPE, text=True)
        procs.append(p)
        return p.stdout.readline().strip()

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


def test_the_command_line_server_plays_its_fault_script(served):
    url = served("--fault", "500=1")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url)
    status, body = _post(url, _tool_request("Decomposition"))
    assert status == 500 and body["error"]["type"] == "server_error"


def test_a_bad_fault_option_is_a_one_line_error():
    r = subprocess.run([sys.executable, "-m", "drafter.testing", "--fault", "42=0.1"], capture_output=True, text=True, timeout=30)  # fmt: skip
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines()[-1].startswith("python -m drafter.testing: error: --fault '42=0.1': unknown behaviour")


def test_benchmarks_use_only_the_kits_public_names():
    """Benchmarks import the kit as a user would: no tests/ module, no private name of drafter."""
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [a.name for a in node.names]
                assert not node.module.startswith("tests"), (path.name, node.module)
                if node.module.startswith("drafter"):
                    assert not [n for n in names if n.startswith("_")], (path.name, node.module, names)
                if node.module == "drafter.testing":
                    assert set(names) <= set(drafter.testing.__all__), (path.name, names)
            elif isinstance(node, ast.Import):
                assert not [a.name for a in node.names if a.name.startswith("tests")], path.name


def test_a_script_queue_entry_for_one_step_waits_for_that_step():
    script = Script()
    script.queue.extend(["bad_quote@RoleSections", "429"])
    assert script.next("RowScores") == "429"
    assert script.next("RoleSections") == "bad_quote"
    assert script.next("RoleSections") == "valid"


def _reworded(request: dict) -> dict:
    """``request`` with its prompts' lists reworded: every task line and row line in another shape."""
    out = json.loads(json.dumps(request))
    for m in out["messages"]:
        text = str(m.get("content") or "")
        text = re.sub(r"^- \[(\d+)\]", r"* task #\1 —", text, flags=re.M)
        m["content"] = re.sub(r"^- (.+?) \((\d+)%\):", r"Row «\1», \2 percent:", text, flags=re.M)
    return out


@pytest.mark.parametrize("mode", ["tools", "json_schema", "json"])
def test_drafters_answers_come_from_the_requests_schema_not_the_prompts_wording(llm_factory, catalog, mode):
    """Rewording a template must not break the fake: the task IDs and the rows to score are read from the enums
    of the schema each request carries (in the tools, the response format or the JSON modes' message)."""
    from drafter.drafting.drive import draft_with_llm
    from drafter.testing import answers

    reworded: list[dict] = []

    def answer(step: str, request: dict) -> dict:
        reworded.append(_reworded(request))
        return answers.answer(step, reworded[-1])

    with FakeOpenAI(answer=answer) as server:
        a = draft_with_llm(catalog.get("29-2072"), llm_factory(base_url=server.base_url, mode=mode))
    assert any("* task #" in str(b["messages"]) for b in reworded)  # the wording did change: the task list
    assert any("Row «" in str(b["messages"]) for b in reworded)  # and the rows to score
    assert len(server.requests) == answers.requests_per_draft("29-2072.00")  # every answer valid at once
    golden = answers._golden()
    assert [r.task for r in a.assessment.tasks] == [r["task"] for r in golden["tasks"]]
    assert [r.score for r in a.assessment.tasks] == [r["score"] for r in golden["tasks"]]
