"""The review commands through the real CLI: draft with samples, review first, diff, accept, summary, table, batch."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from drafter.assessment import Assessment
from drafter.files import assessment_json
from drafter.inputs import with_value
from drafter.review.fields import role_level
from drafter.scoring import score

from .conftest import GOLDEN, SECRET, SEED
from .test_sampling import CODING, vary_by_model, vary_by_seed


def _load(path: Path) -> Assessment:
    return Assessment.model_validate_json(path.read_text(encoding="utf-8"))


def test_draft_with_samples_writes_the_consensus_with_its_spread_and_a_rerun_asks_nothing(run_cli, tmp_path, fake_llm):
    fake_llm.script.vary = vary_by_seed
    args = ("draft", "29-2072", "--base-url", fake_llm.base_url, "--model", "m", "--samples", "3", "--temperature", "0.7",
            "-o", str(tmp_path / "d"))  # fmt: skip
    env = {"OPENAI_API_KEY": SECRET}
    r = run_cli(*args, env=env)
    assert r.returncode == 0, r.stderr
    a = _load(tmp_path / "d" / "29-2072.00.json")
    row0 = next(i for i, t in enumerate(a.tasks) if t.task == CODING)
    assert a.uncertainty.rows[row0].scores == [4, 5, 2] and a.tasks[row0].score == 4
    assert "Interval over 3 samples" in r.stdout and "Review first" in r.stdout
    md = (tmp_path / "d" / "29-2072.00.md").read_text(encoding="utf-8")
    assert SECRET not in md and SECRET not in (tmp_path / "d" / "29-2072.00.json").read_text()
    asked = fake_llm.count
    again = run_cli(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert fake_llm.count == asked and "from cache" in again.stderr


def test_a_panel_of_two_named_endpoints_records_both(run_cli, tmp_path, fake_llm):
    fake_llm.script.vary = vary_by_model
    cfg = tmp_path / "endpoints.toml"
    cfg.write_text(
        f'[endpoints.a]\nbase_url = "{fake_llm.base_url}"\nmodel = "m1"\napi_key_env = "K"\n'
        f'[endpoints.b]\nbase_url = "{fake_llm.base_url}"\nmodel = "m2"\napi_key_env = "K"\n'
    )
    r = run_cli("draft", "29-2072", "--endpoint", "a", "--endpoint", "b", "--config", str(cfg), "-o", str(tmp_path / "d"),
                env={"K": "k"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    a = _load(tmp_path / "d" / "29-2072.00.json")
    assert [(s.endpoint, s.model) for s in a.uncertainty.samples] == [("a", "m1"), ("b", "m2")]
    assert a.provenance.inputs["endpoints"] == "a,b"


def test_score_json_carries_sensitivity_and_review_first(run_cli):
    r = run_cli("score", str(GOLDEN), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["sensitivity"]["nearest_boundary"] == "Yellow ≥ 25.0" and out["sensitivity"]["boundary_distance"] == 9.9
    flips = [i for i in out["sensitivity"]["inputs"] if i["zone_flip"]]
    assert [(i["path"], i["zone_flip"]["after"]) for i in flips] == [("tasks[0].score", 1)]
    assert out["review_first"]["items"] == [] and out["uncertainty"] is None


def test_review_first_lists_what_awaits_input(run_cli, tmp_path):
    assert run_cli("draft", "29-2072", "--offline", "-o", str(tmp_path)).returncode == 0
    r = run_cli("review", "first", str(tmp_path / "29-2072.00.json"), "--json")
    items = json.loads(r.stdout)["items"]
    assert len(items) == 14 and items[0]["path"] == "growth.score"


def test_diff_of_the_seed_against_the_offline_draft_lists_every_changed_field(run_cli, tmp_path):
    assert run_cli("draft", "29-2072", "--offline", "-o", str(tmp_path)).returncode == 0
    draft = tmp_path / "29-2072.00.json"
    r = run_cli("diff", str(draft), str(SEED), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    from drafter.documents import load_assessment

    a, _ = load_assessment(draft)
    seed, _ = load_assessment(SEED)
    before, after = role_level(a), role_level(seed)
    changed = {c["path"] for c in d["changes"]}
    assert {p for p in before if before[p] != after[p]} <= changed
    # the seed's rows carry no O*NET task IDs: every row of each side is listed as added or removed
    assert sum(1 for c in d["changes"] if c["path"].startswith("draft.tasks[")) == len(a.tasks)
    assert sum(1 for c in d["changes"] if c["field"] == "tasks[]" and c["after"]) == len(seed.tasks)
    drafted = score(a)
    assert (d["score_before"], d["score_after"], d["zone_changed"]) == (
        drafted.score.shown,
        "15.1",
        drafted.zone != "Red",
    )
    text = run_cli("diff", str(draft), str(GOLDEN))
    delta = round(15.1 - drafted.score.value, 1)
    assert text.returncode == 0 and f"Composite {drafted.score.shown} → 15.1 ({delta:+.1f})" in text.stdout


def test_accept_records_the_final_against_its_draft_once(run_cli, tmp_path, golden):
    d, f = tmp_path / "draft.json", tmp_path / "final.json"
    d.write_text(assessment_json(golden))
    f.write_text(assessment_json(with_value(golden, "tasks[0].score", 1)))
    r = run_cli("review", "accept", str(f), "--draft", str(d), "--json", env={"DRAFTER_ASSESSOR": "ana"})
    assert r.returncode == 0, r.stderr
    acc = json.loads(r.stdout)
    assert (acc["who"], acc["changes"], acc["zone_before"], acc["zone_after"], acc["new"]) == (
        "ana",
        1,
        "Red",
        "Yellow",
        True,
    )
    again = run_cli("review", "accept", str(f), "--draft", str(d), "--by", "bob")
    assert again.returncode == 0 and "already recorded: #1 by ana" in again.stdout
    hist = json.loads(run_cli("review", "history", "--json").stdout)
    assert [(h["id"], h["who"]) for h in hist] == [(1, "ana")]


def test_accept_of_a_missing_file_is_one_line_and_exit_2(run_cli, tmp_path):
    r = run_cli("review", "accept", str(tmp_path / "nope.json"), "--draft", str(GOLDEN))
    assert r.returncode == 2 and "nope.json: no such file" in r.stderr and "Traceback" not in r.stderr


def test_diff_summary_over_folders(run_cli, tmp_path, golden):
    drafts, finals = tmp_path / "drafts", tmp_path / "finals"
    assert run_cli("draft", "29-2072", "--offline", "-o", str(drafts)).returncode == 0
    finals.mkdir()
    shutil.copy(GOLDEN, finals / "29-2072.00.json")
    (drafts / "b.json").write_text(assessment_json(golden))
    (finals / "b.json").write_text(assessment_json(with_value(golden, "tasks[0].score", 1)))
    r = run_cli("diff", "--summary", str(drafts), str(finals), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["pairs"] == 2 and s["zone_changed"] == 1 and s["zone_transitions"] == {"Red → Yellow": 1}
    fields = {f["field"]: f for f in s["fields"]}
    assert fields["growth.score"]["changed"] == 1 and fields["growth.score"]["instances"] == 2
    text = run_cli("diff", "--summary", str(drafts), str(finals))
    assert "Fields assessors change most" in text.stdout and "role_sections" in text.stdout
    empty = run_cli("diff", "--summary", str(drafts), str(tmp_path / "none"))
    assert empty.returncode == 2 and "not a folder" in empty.stderr


def test_table_writes_csv_json_and_a_page(run_cli, tmp_path, golden):
    d = tmp_path / "drafts"
    for code in ("29-2072", "43-4051"):
        assert run_cli("draft", code, "--offline", "-o", str(d)).returncode == 0
    (d / "golden.json").write_text(assessment_json(golden))
    (d / "broken.json").write_text("{}")
    r = run_cli(
        "table", str(d), "--csv", str(tmp_path / "t.csv"), "--html", str(tmp_path / "site" / "p.html"), "--json"
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # 43-4051 drafts 27.1 Yellow from the out-of-fold task estimates (24.2 Red when they were in-sample)
    assert out["drafts"] == 3 and out["zones"] == {"Red": 2, "Yellow": 1, "Green": 0}
    assert len(out["problems"]) == 1 and "broken.json" in out["problems"][0]
    weighted = out["employment_weighted"]  # one draft per O*NET code: golden.json repeats 29-2072.00
    assert (
        weighted["roles"] == 2 and weighted["zones"]["Red"]["roles"] == 1 and weighted["zones"]["Yellow"]["roles"] == 1
    )
    rows = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text())))
    assert {r["code"] for r in rows} == {"29-2072.00", "43-4051.00"} and {r["provisional"] for r in rows} == {"14", "0"}
    page = (tmp_path / "site" / "p.html").read_text()
    assert 'href="../drafts/29-2072.00.md"' in page  # links rebased to where the page was written


def test_a_batch_ends_by_writing_its_portfolio(run_cli, tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("43-4051\n43-6014\n")
    r = run_cli("batch", "--codes", str(codes), "--offline", "-o", str(tmp_path / "d"), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert sorted(Path(p).name for p in s["portfolio"]) == ["index.html", "portfolio.csv", "portfolio.json"]
    data = json.loads((tmp_path / "d" / "portfolio" / "portfolio.json").read_text())
    assert data["drafts"] == 2 and data["problems"] == []
    assert 'href="../43-4051.00.md"' in (tmp_path / "d" / "portfolio" / "index.html").read_text()
    assert sorted(p.name for p in (tmp_path / "d").glob("*.json")) == ["43-4051.00.json", "43-6014.00.json"]


def test_sources_name_every_field_and_the_assessor_of_an_accepted_final(run_cli, tmp_path, golden):
    assert run_cli("draft", "29-2072", "--offline", "-o", str(tmp_path)).returncode == 0
    draft = tmp_path / "29-2072.00.json"
    own = json.loads(run_cli("review", "sources", str(draft), "--json").stdout)
    drafted = Assessment.model_validate_json(draft.read_text())
    assert (
        own["tasks[0].score"]["kind"] == "offline" and own["tasks[0].score"]["prior"] == drafted.provenance.drafted_by
    )
    assert drafted.provenance.inputs["labels"] in own["tasks[0].score"]["detail"]  # which prior: the published labels
    assert own["growth.score"]["kind"] == "awaiting" and own["tasks[0].task"]["kind"] == "onet"
    a = Assessment.model_validate_json(draft.read_text())
    final = tmp_path / "final.json"
    final.write_text(assessment_json(with_value(a, "growth.score", -1)))
    assert run_cli("review", "accept", str(final), "-d", str(draft), "--by", "ana").returncode == 0
    after = json.loads(run_cli("review", "sources", str(final), "-d", str(draft), "--json").stdout)
    assert after["growth.score"]["kind"] == "assessor" and after["growth.score"]["who"] == "ana"
    assert after["tasks[0].score"]["kind"] == "offline"  # kept from the draft
