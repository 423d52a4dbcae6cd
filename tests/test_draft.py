"""`drafter draft` end to end: the offline default, and an LLM draft through the real CLI and a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafter.assessment import Assessment
from drafter.drafting import prompts
from drafter.drafting.offline import draft_offline
from drafter.onet.catalog import Catalog
from drafter.onet.custom import load_task_list

from .conftest import SECRET

ALL_17 = list(range(22877, 22894))


def _load(path: Path) -> Assessment:
    return Assessment.model_validate_json(path.read_text(encoding="utf-8"))


def test_offline_default_drafts_29_2072_and_says_so(run_cli, tmp_path):
    r = run_cli("draft", "29-2072", "-o", str(tmp_path / "drafts"))
    assert r.returncode == 0, r.stderr
    assert "No LLM configured: drafting with the offline default" in r.stderr
    a = _load(tmp_path / "drafts" / "29-2072.00.json")
    md = (tmp_path / "drafts" / "29-2072.00.md").read_text(encoding="utf-8")
    assert a.provenance.drafted_by == "offline:task-model-v1"
    assert a.provenance.inputs["task_model"].startswith("task-model-v1@")
    assert sorted(a.covered_task_ids()) == ALL_17 and sum(t.time_pct for t in a.tasks) == 100
    assert sorted(a.provenance.task_estimates) == ALL_17
    # the golden role is this role: never its own prior, and no other complete scored role is close
    assert a.growth.score is None and all(e.score is None for _, e in a.evidence)
    assert all(c.title != "Medical Records Specialist" for c in a.provenance.calibration)
    assert "AWAITING INPUT" in md and "JobZone Score: (2.1300 - 0.54) / 7.93 × 100 = 20.1/100 (provisional:" in md
    assert "20.1" in r.stdout and "Provisional: 14 input(s) awaiting assessor input" in r.stdout


def test_held_out_occupation_never_reads_its_own_labels():
    cat = Catalog.load()
    a = draft_offline(cat.get("29-2072"), catalog=cat, hold_out=True)
    assert all(e.published is None for e in a.provenance.task_estimates.values())
    for row in a.tasks:
        assert row.rationale.startswith("No published label: model-estimated")
        assert "nearest labelled tasks: [" in row.rationale
        assert "Medical Records Specialists," not in row.rationale  # no neighbour from the held-out occupation


def test_a_custom_task_list_names_the_labelled_tasks_its_estimates_lean_on(tmp_path):
    path = tmp_path / "dpo.yaml"
    path.write_text(
        "title: Data Protection Officer\ntasks:\n"
        "  - {id: 1, text: Review records for completeness and compliance with privacy regulations, type: Core}\n"
        "  - {id: 2, text: Train staff on data protection policies and procedures, type: Core}\n",
        encoding="utf-8",
    )
    a = draft_offline(load_task_list(path), catalog=Catalog.load())
    assert a.role.soc_code is None and a.provenance.onet_code is None
    assert all("model-estimated" in t.rationale and "nearest labelled tasks: [" in t.rationale for t in a.tasks)


def _endpoints(tmp_path: Path, url: str, **extra) -> Path:
    settings = {
        "base_url": url,
        "model": "fake-model",
        "api_key_env": "FAKE_KEY",
        "http_retries": 1,
        "timeout": 5.0,
    } | extra
    lines = ["[endpoints.fake]"] + [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    path = tmp_path / "endpoints.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_llm_draft_through_the_cli_is_complete_then_cached(run_cli, tmp_path, fake_llm):
    env = {"OPENAI_API_KEY": SECRET}
    out = tmp_path / "drafts"
    r = run_cli("draft", "29-2072", "--base-url", fake_llm.base_url, "--model", "fake-model", "-o", str(out), env=env)
    assert r.returncode == 0, r.stderr
    a = _load(out / "29-2072.00.json")
    assert sorted(a.covered_task_ids() | set(a.unmapped_onet_tasks)) == ALL_17
    assert sorted(a.unmapped_onet_tasks) == [22892, 22893]  # excluded as other roles' work, with reasons
    assert [t.task for t in a.tasks][:2] == ["Medical coding (ICD-10/CPT assignment)", "EHR data abstraction & entry"]
    assert a.provenance.drafted_by == "llm:fake-model" and a.provenance.inputs["base_url"] == fake_llm.base_url
    assert [s.step for s in a.provenance.steps] == ["decompose", "score_rows", "role_sections", "commentary"]
    assert all(s.prompt_version.startswith(s.step.split("_")[0]) for s in a.provenance.steps)
    # no --notes: the prompts carried the official BLS figures as notes, which the fake model cites for wages
    assert {k: e.source.value for k, e in a.evidence} == {
        k: "notes" if k == "wage_trends" else "model" for k, _ in a.evidence
    }
    md = (out / "29-2072.00.md").read_text(encoding="utf-8")
    assert md.count("[source: model recall, verify]") == 4  # a reviewer of the Markdown sees what to verify
    assert [c.heading for c in a.commentary][0] == "Score vs Reality Check"
    assert "computed JobZone score of 15.1" in a.commentary[0].body  # the model was given the scorer's figure
    first_count = fake_llm.count
    assert first_count == 4

    again = run_cli(
        "draft", "29-2072", "--base-url", fake_llm.base_url, "--model", "fake-model", "-o", str(out), env=env
    )
    assert again.returncode == 0, again.stderr
    assert fake_llm.count == first_count  # every step answered from the run log
    assert "from cache" in again.stderr

    logs = json.loads(run_cli("logs", "--json", env=env).stdout)
    assert logs["totals"]["requests"] == fake_llm.count and logs["totals"]["cache_hits"] == 4

    produced = [p for p in [*out.rglob("*"), *(tmp_path / "home").rglob("*")] if p.is_file()]
    for p in produced:
        assert SECRET.encode() not in p.read_bytes(), p
    assert SECRET not in r.stdout + r.stderr + again.stdout + again.stderr


def test_notes_reach_the_prompts_and_evidence_may_cite_them(run_cli, tmp_path, fake_llm):
    notes = tmp_path / "notes.md"
    notes.write_text("BLS projects 7% growth 2024-2034 for SOC 29-2072. Median wage $47,190.\n", encoding="utf-8")
    cfg = _endpoints(tmp_path, fake_llm.base_url)
    r = run_cli("draft", "29-2072", "--endpoint", "fake", "--config", str(cfg), "--notes", str(notes), "-o", str(tmp_path / "d"),
                env={"FAKE_KEY": SECRET})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert all("BLS projects 7% growth" in str(req["messages"]) for req in fake_llm.requests[:3])
    a = _load(tmp_path / "d" / "29-2072.00.json")
    assert a.evidence.wage_trends.source.value == "notes" and a.provenance.inputs["notes"] == str(notes)


def test_credentials_in_the_base_url_are_never_recorded(run_cli, tmp_path, fake_llm):
    url = fake_llm.base_url.replace("http://", "http://user:s3cr3t-pass@") + "?api-key=s3cr3t-query"
    r = run_cli(
        "draft", "29-2072", "--base-url", url, "--model", "m", "-o", str(tmp_path / "d"), env={"OPENAI_API_KEY": "x"}
    )
    assert r.returncode == 0, r.stderr
    for p in [p for p in [*(tmp_path / "d").rglob("*"), *(tmp_path / "home").rglob("*")] if p.is_file()]:
        assert b"s3cr3t" not in p.read_bytes(), p
    assert "s3cr3t" not in r.stdout + r.stderr


def test_text_with_template_braces_reaches_the_model_verbatim(run_cli, tmp_path, fake_llm):
    notes = tmp_path / "notes.md"
    notes.write_text("Vendor brochure says {{ 90% automation }} and {% raw %} tags.\n", encoding="utf-8")
    cfg = _endpoints(tmp_path, fake_llm.base_url)
    r = run_cli("draft", "29-2072", "--endpoint", "fake", "--config", str(cfg), "--notes", str(notes), "-o", str(tmp_path / "d"),
                env={"FAKE_KEY": "x"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "{{ 90% automation }} and {% raw %} tags" in fake_llm.requests[0]["messages"][1]["content"]


def test_an_llm_failure_exits_3_with_one_line_and_writes_nothing(run_cli, tmp_path, fake_llm):
    fake_llm.script.default = "500"
    cfg = _endpoints(tmp_path, fake_llm.base_url)
    out = tmp_path / "drafts"
    r = run_cli(
        "draft", "29-2072", "--endpoint", "fake", "--config", str(cfg), "-o", str(out), env={"FAKE_KEY": SECRET}
    )
    assert r.returncode == 3
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: decompose: server error (HTTP 500) on all 2 attempts"]
    assert not out.exists() or list(out.iterdir()) == []
    assert fake_llm.count == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[endpoints.x]\napi_key = "sk-123"\n', "put the key in an environment variable"),
        ('[endpoints.x]\nmode = "xml"\n', "endpoints.x.mode: expected one of tools, json_schema, json"),
        ('[endpoints.x]\ncolour = "red"\n', "endpoints.x: unknown setting(s) colour"),
    ],
)
def test_bad_endpoint_config_is_refused_clearly(run_cli, tmp_path, content, message):
    cfg = tmp_path / "endpoints.toml"
    cfg.write_text(content, encoding="utf-8")
    r = run_cli("draft", "29-2072", "--endpoint", "x", "--config", str(cfg))
    assert r.returncode == 2 and message in r.stderr


def test_unknown_endpoint_name_lists_the_configured_ones(run_cli, tmp_path, fake_llm):
    cfg = _endpoints(tmp_path, fake_llm.base_url)
    r = run_cli("draft", "29-2072", "--endpoint", "nope", "--config", str(cfg))
    assert r.returncode == 2 and "--endpoint 'nope': no such endpoint; configured: fake" in r.stderr


def test_json_schema_mode_endpoint_kind_drafts_too(run_cli, tmp_path, fake_llm):
    cfg = _endpoints(tmp_path, fake_llm.base_url, kind="vllm")
    r = run_cli(
        "draft", "29-2072", "--endpoint", "fake", "--config", str(cfg), "-o", str(tmp_path / "d"), env={"FAKE_KEY": "x"}
    )
    assert r.returncode == 0, r.stderr
    assert fake_llm.requests[0]["response_format"]["type"] == "json_schema" and "tools" not in fake_llm.requests[0]
    assert _load(tmp_path / "d" / "29-2072.00.json").provenance.inputs["instructor_mode"] == "json_schema"


def test_prompt_version_is_the_content_hash_of_the_template_and_its_includes(tmp_path):
    (tmp_path / "_rubric.j2").write_text("rubric v1", encoding="utf-8")
    (tmp_path / "step.j2").write_text('{% include "_rubric.j2" %} step', encoding="utf-8")
    v1 = prompts.prompt_version("step.j2", tmp_path)
    (tmp_path / "_rubric.j2").write_text("rubric v2", encoding="utf-8")
    v2 = prompts.prompt_version("step.j2", tmp_path)
    assert v1.startswith("step@") and v1 != v2


def test_a_steps_prompt_version_covers_the_shared_messages_its_request_starts_with(tmp_path):
    for name, text in (("system.j2", "system v1"), ("role.j2", "role v1"), ("step.j2", "step")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    v1 = prompts.prompt_version("step.j2", tmp_path)
    (tmp_path / "role.j2").write_text("role v2", encoding="utf-8")
    assert prompts.prompt_version("step.j2", tmp_path) != v1
