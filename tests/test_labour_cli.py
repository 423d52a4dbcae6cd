"""Official figures through the real CLI: `onet show`, `notes`, `draft` (offline and LLM), `bls import|show`."""

from __future__ import annotations

import json
from pathlib import Path

from drafter.assessment import Assessment
from drafter.labour.figures import Release, ReleaseTable
from drafter.labour.tables import bundled_table
from drafter.labour.timeseries import write_timeseries


def _load(path: Path) -> Assessment:
    return Assessment.model_validate_json(path.read_text(encoding="utf-8"))


def _user_text(request: dict) -> str:
    return "\n".join(m["content"] for m in request["messages"] if m["role"] == "user")


def test_onet_show_prints_employment_and_median_wage_with_the_release(run_cli):
    r = run_cli("onet", "show", "29-2072")
    assert r.returncode == 0, r.stderr
    assert (
        "Employment 194,720, median annual wage $51,140 (BLS OEWS, May 2025, SOC 29-2072 Medical Records Specialists)."
        in r.stdout
    )
    data = json.loads(run_cli("onet", "show", "29-2072.00", "--json").stdout)
    figures = data["labour"]["figures"]
    assert figures["employment"] == {"value": "194720", "status": "published", "footnotes": []}
    assert figures["citation"] == "BLS OEWS, May 2025" and data["labour"]["mapping"]["soc_code"] == "29-2072"
    mapped = run_cli("onet", "show", "29-2011.01").stdout
    assert "SOC 29-2010 Clinical Laboratory Technologists and Technicians" in mapped and "merged 29-2011" in mapped
    none = run_cli("onet", "show", "11-1031").stdout
    assert "No BLS figures: Legislators: BLS OEWS May 2025 publishes no national estimate" in none
    teachers = json.loads(run_cli("onet", "show", "25-1011", "--json").stdout)["labour"]["figures"]
    assert teachers["hourly_median_wage"] == {"value": None, "status": "not published", "footnotes": ["4"]}


def test_notes_writes_the_figures_and_never_overwrites_an_assessors_file(run_cli, tmp_path):
    r = run_cli("notes", "29-2072", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "notes" / "29-2072.md"
    text = path.read_text(encoding="utf-8")
    assert "194,720" in text and "$51,140" in text and "May 2025" in text
    assert "## Projections" in text and "## Named tools" in text and "## Company actions" in text
    assert "## Expert bodies" in text
    path.write_text("assessor's work\n", encoding="utf-8")
    again = run_cli("notes", "29-2072", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    assert path.read_text(encoding="utf-8") == "assessor's work\n"
    forced = run_cli("notes", "29-2072", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and path.read_text(encoding="utf-8") == text
    # --force keeps the assessor's file as a numbered backup, like every output (issue 20); no temporary left
    assert (path.parent / "29-2072.md.~1~").read_text(encoding="utf-8") == "assessor's work\n"
    assert sorted(p.name for p in path.parent.iterdir()) == [".drafter-written", "29-2072.md", "29-2072.md.~1~"]


def test_offline_draft_states_the_official_figures_with_scores_awaiting_input(run_cli, tmp_path):
    r = run_cli("draft", "29-2072", "--offline", "-o", str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    a = _load(tmp_path / "d" / "29-2072.00.json")
    wage, posting = a.evidence.wage_trends, a.evidence.job_posting_trends
    assert wage.score is None and posting.score is None
    assert "Median annual wage $51,140 (BLS OEWS, May 2025, SOC 29-2072)" in wage.evidence
    assert "47,190" not in wage.evidence  # the seed's own May 2022 median is never quoted back to it (issue 22)
    assert "no earlier figure known" in wage.evidence
    assert posting.evidence.startswith("194,720 employed (BLS OEWS, May 2025, SOC 29-2072;")
    assert a.evidence.company_actions.evidence.startswith("Awaiting assessor input")
    md = (tmp_path / "d" / "29-2072.00.md").read_text(encoding="utf-8")
    assert "$51,140 (BLS OEWS, May 2025" in md
    assert run_cli("validate", str(tmp_path / "d" / "29-2072.00.md")).returncode == 0  # the house format reads back


def _endpoints(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "endpoints.toml"
    path.write_text(
        f'[endpoints.fake]\nbase_url = "{url}"\nmodel = "fake-model"\napi_key_env = "FAKE_KEY"\nhttp_retries = 1\n',
        encoding="utf-8",
    )
    return path


def test_an_llm_draft_with_no_notes_sends_the_official_figures_as_notes_and_says_so(run_cli, tmp_path, fake_llm):
    cfg = _endpoints(tmp_path, fake_llm.base_url)
    r = run_cli("draft", "29-2072", "--endpoint", "fake", "--config", str(cfg), "-o", str(tmp_path / "d"),
                env={"FAKE_KEY": "x"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "No --notes: the prompts carry the official figures of SOC 29-2072 (BLS OEWS, May 2025) as notes" in r.stderr
    decompose, score_rows, role_sections = (_user_text(req) for req in fake_llm.requests[:3])
    for text in (decompose, score_rows, role_sections):
        assert "- Employment: 194,720 (BLS OEWS, May 2025, SOC 29-2072" in text
        assert "- Median annual wage: $51,140 (May 2025)" in text
    assert (
        "ASSESSOR'S EVIDENCE NOTES (quote them verbatim when an evidence item rests on them):\n<notes>\nOfficial figures (BLS OEWS, May 2025)"
        in (role_sections)
    )
    a = _load(tmp_path / "d" / "29-2072.00.json")
    assert (
        a.provenance.inputs["notes"] == "official figures and occupation facts only (BLS OEWS, May 2025, SOC 29-2072; "
        "occupation facts: O*NET 29.3, Anthropic Economic Index); no notes file given"
    )
    assert a.evidence.wage_trends.source.value == "notes"


def test_an_llm_draft_given_the_notes_file_sends_its_figures(run_cli, tmp_path, fake_llm):
    assert run_cli("notes", "29-2072", cwd=tmp_path).returncode == 0
    notes = tmp_path / "notes" / "29-2072.md"
    with notes.open("a", encoding="utf-8") as f:
        f.write("BLS projects 7% growth 2024-2034.\n")
    cfg = _endpoints(tmp_path, fake_llm.base_url)
    r = run_cli("draft", "29-2072", "--endpoint", "fake", "--config", str(cfg), "--notes", str(notes),
                "-o", str(tmp_path / "d"), env={"FAKE_KEY": "x"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "No --notes" not in r.stderr
    body = fake_llm.requests[2]  # role sections: the step that writes the evidence
    text = _user_text(body)
    assert "194,720" in text and "$51,140" in text and "May 2025" in text and "BLS projects 7% growth" in text
    assert text.count("194,720") == 1  # the notes file's figures, not the official ones a second time
    a = _load(tmp_path / "d" / "29-2072.00.json")
    assert a.evidence.wage_trends.source.value == "notes" and a.provenance.inputs["notes"] == str(notes)


def test_bls_import_adds_a_newer_release_that_onet_show_then_reports(run_cli, tmp_path):
    old = bundled_table()
    newer = ReleaseTable(Release("2026A01"), dict(old.rows))  # the same figures, dated a year later
    data = tmp_path / "oe.data.0.Current"
    write_timeseries(newer, data)
    r = run_cli("bls", "import", str(data))
    assert r.returncode == 0, r.stderr
    assert "imported BLS OEWS, May 2026 (2026A01): 1,104 SOC codes into" in r.stdout
    assert (tmp_path / "home" / "bls.sqlite").exists()
    show = run_cli("onet", "show", "29-2072").stdout
    assert "median annual wage $51,140 (BLS OEWS, May 2026" in show
    history = json.loads(run_cli("bls", "show", "29-2072", "--json").stdout)["history"]
    assert [h["release_label"] for h in history] == ["May 2025", "May 2026"]
    again = run_cli("bls", "import", str(data))
    assert "replacing the earlier import" in again.stdout


def test_bls_import_refuses_a_malformed_file_and_keeps_the_store(run_cli, tmp_path):
    data = tmp_path / "oe.data.0.Current"
    data.write_text(
        "series_id\tyear\tperiod\tvalue\tfootnote_codes\nOEUN000000000000029207201\t2026\tA01\tabc\t\n",
        encoding="utf-8",
    )
    r = run_cli("bls", "import", str(data))
    assert r.returncode == 2
    assert r.stderr.strip() == (
        f"error: {data}:line 2:column 4 (value): expected a number or '-' (not published), got 'abc'"
    )
    assert not (tmp_path / "home" / "bls.sqlite").exists()
