"""`drafter eval`: zero error on the golden role itself, every mutation caught, stored runs, the label tier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafter.drafting import drafter_for
from drafter.errors import DrafterError
from drafter.evaluation.gate import evaluate_gate, load_gate
from drafter.evaluation.labels_tier import run_label_tier
from drafter.evaluation.metrics import compare_role, project, quadratic_weighted_kappa
from drafter.evaluation.report import render_report
from drafter.evaluation.runner import run_eval
from drafter.files import assessment_json

from .conftest import SECRET


def _write(directory: Path, a) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "29-2072.00.json"
    path.write_text(assessment_json(a), encoding="utf-8")
    return directory


def test_projection_spreads_a_row_over_its_tasks(golden):
    tasks = project(golden)
    assert len(tasks) == 15  # 17 tasks, 2 explicitly unmapped
    assert tasks[22881].score == 4 and tasks[22881].share == pytest.approx(0.30 / 4)
    assert sum(t.share for t in tasks.values()) == pytest.approx(1.0)


def test_quadratic_weighted_kappa_known_values():
    assert quadratic_weighted_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]) == 1.0
    assert quadratic_weighted_kappa([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]) == pytest.approx(-1.0)
    assert quadratic_weighted_kappa([4], [4]) is None
    assert quadratic_weighted_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 4]) == pytest.approx(16 / 17)  # 1 - 1/17
    assert quadratic_weighted_kappa([3, 3], [3, 3]) == 1.0 and quadratic_weighted_kappa([3, 3], [3, 4]) == 0.0


def test_golden_role_judged_against_itself_has_zero_error_everywhere(golden):
    r = compare_role(golden, golden, "29-2072.00")
    assert r.composite_error.value == 0 and r.zone_agrees and r.sub_label_agrees
    for name in ("task_resistance_error", "task_score_mae", "time_share_tv", "protective_total_error", "growth_error",
                 "evidence_total_error", "barrier_total_error"):  # fmt: skip
        assert getattr(r, name).value == 0, name
    assert r.task_score_qwk.value == 1.0 and r.label_agreement.value == 1.0
    assert all(m.value == 0 for m in [*r.evidence_errors.values(), *r.barrier_errors.values()])
    assert r.disagreements == [] and r.task_score_mae.n == 15


def _mutate_scores(g):
    """Every score +1 on rows covering at least 30% of time (here the 30% coding row)."""
    a = g.model_copy(deep=True)
    covered = 0
    for row in sorted(a.tasks, key=lambda r: -r.time_pct):
        if covered >= 30:
            break
        row.score = min(5, row.score + 1)
        covered += row.time_pct
    return a


def _mutate_evidence(g):
    a = g.model_copy(deep=True)
    a.evidence.wage_trends.score -= 2  # evidence total -3 -> -5
    return a


def _mutate_time(g):
    a = g.model_copy(deep=True)
    data = a.model_dump()
    data["tasks"][0]["time_pct"] -= 5  # coding 30 -> 25
    data["tasks"][1]["time_pct"] += 5  # abstraction 20 -> 25
    return type(a).model_validate(data)


@pytest.mark.parametrize(
    ("mutate", "responsible"),
    [(_mutate_scores, "task_score_mae"), (_mutate_evidence, "evidence_total_error"), (_mutate_time, "time_share_tv")],
)
def test_each_mutation_of_the_golden_role_fails_the_default_gate(run_cli, tmp_path, golden, mutate, responsible):
    drafts = _write(tmp_path / "drafts", mutate(golden))
    r = run_cli("eval", "--drafts", str(drafts), "--fail-on-regression", "--output", str(tmp_path / "runs"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"29-2072.00: {responsible}" in r.stdout


def test_unperturbed_golden_passes_the_gate_with_zero_error(run_cli, tmp_path, golden):
    drafts = _write(tmp_path / "drafts", golden)
    r = run_cli("eval", "--drafts", str(drafts), "--fail-on-regression", "--json", "--output", str(tmp_path / "runs"))
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["gate"]["violations"] == []
    run = json.loads(Path(out["json"]).read_text(encoding="utf-8"))
    role = next(x for x in run["roles"] if x["key"] == "29-2072.00")
    assert role["metrics"]["composite_error"] == 0 and role["metrics"]["task_score_qwk"] == 1.0
    assert Path(out["html"]).exists()


def test_offline_default_evaluates_end_to_end_and_writes_the_report(tmp_path):
    run = run_eval(drafter=drafter_for(None))
    keys = [r.key for r in run.roles]
    assert keys == ["29-2072.00", "43-6013.00", "29-2052.00", "11-9199.02", "31-1131.00"]
    assert run.skipped == ["Data Protection Officer: no O*NET code to draft from (supply a draft with --drafts)"]
    golden_role = run.roles[0]
    assert golden_role.metrics["composite_error"] == pytest.approx(5.0)
    assert golden_role.metrics["task_score_mae"] == pytest.approx(0.2667)  # 0.47 with E0 -> 2, E1/E2 -> 4
    assert run.aggregates["composite_error"].n == 5
    violations = evaluate_gate(run, None, load_gate())
    assert any(v.metric == "composite_error" and v.role == "29-2072.00" for v in violations)
    html = render_report(run, {"baseline": "perfect agreement", "violations": [v.describe() for v in violations]})
    assert "<svg" in html and "Per-task score confusion" in html and "Where the drafter disagrees" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "AI auto-extracts structured data" in html  # the human rationale beside the drafter's


def test_a_run_compared_with_itself_as_baseline_passes(tmp_path):
    run = run_eval(drafter=drafter_for(None))
    assert evaluate_gate(run, run, load_gate()) == []


def test_eval_with_an_llm_runs_and_a_warm_rerun_makes_no_request(run_cli, tmp_path, fake_llm):
    env = {"OPENAI_API_KEY": SECRET}
    args = (
        "eval",
        "--base-url",
        fake_llm.base_url,
        "--model",
        "fake-model",
        "--json",
        "--output",
        str(tmp_path / "runs"),
    )
    first = run_cli(*args, env=env)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    from .fake_openai import requests_per_draft

    roles = [r["key"] for r in json.loads(Path(summary["json"]).read_text(encoding="utf-8"))["roles"]]
    assert len(roles) == 5
    expected = sum(requests_per_draft(code) for code in roles)  # 4 steps, a large task list scored in parts
    assert summary["usage"]["requests"] == fake_llm.count == expected
    count = fake_llm.count
    second = run_cli(*args, env=env)
    assert second.returncode == 0, second.stderr
    assert fake_llm.count == count and json.loads(second.stdout)["usage"]["cache_hits"] == expected
    run = json.loads(Path(summary["json"]).read_text(encoding="utf-8"))
    assert run["roles"][0]["metrics"]["composite_error"] == 0.0  # the fake server answers with the golden rows
    assert run["config"]["prompts"][0].startswith("decompose@")
    assert SECRET not in Path(summary["json"]).read_text(encoding="utf-8")


def test_compare_two_runs_names_what_got_worse(run_cli, tmp_path, golden):
    a = json.loads(
        run_cli("eval", "--drafts", str(_write(tmp_path / "a", golden)), "--json", "-o", str(tmp_path / "r")).stdout
    )
    b = json.loads(
        run_cli(
            "eval",
            "--drafts",
            str(_write(tmp_path / "b", _mutate_evidence(golden))),
            "--json",
            "-o",
            str(tmp_path / "r"),
        ).stdout
    )
    r = run_cli("eval", "compare", a["json"], b["json"], "--json")
    rows = {(x["scope"], x["metric"]): x for x in json.loads(r.stdout)}
    assert rows[("29-2072.00", "evidence_total_error")]["verdict"] == "worse"
    assert rows[("29-2072.00", "evidence_total_error")]["change"] == 2
    gated = run_cli(
        "eval",
        "--drafts",
        str(tmp_path / "b"),
        "--baseline",
        a["json"],
        "--fail-on-regression",
        "-o",
        str(tmp_path / "r"),
    )
    assert gated.returncode == 1 and "evidence_total_error 2 vs baseline 0" in gated.stdout
    assert "Against the baseline" in gated.stdout  # the diff table
    assert "evidence_total_error" in gated.stdout.split("Against the baseline")[1].split("drafter eval")[0]


def test_published_gpt4_labels_reproduce_the_papers_agreement():
    r = run_label_tier(None)  # no drafter: the published GPT-4 labels
    assert r["occupations"] == 923 and r["drafter"]["exact"]["n"] == 19265
    assert f"{r['drafter']['exact']['agreement']:.3f}" == "0.656"
    assert f"{r['drafter']['exposed_or_not']['agreement']:.3f}" == "0.821"
    assert r["drafter"] == r["gpt4_reference"]


def test_offline_default_is_evaluated_on_held_out_occupations_with_exact_labels_and_unique_statements():
    r = run_label_tier(drafter_for(None, hold_out=True), sample=40, seed=7)
    assert r["occupations"] == 40 and "cross-validation" in r["evaluation"]
    exact, exposed = r["drafter"]["exact"], r["drafter"]["exposed_or_not"]
    assert 0.6 < exact["agreement"] < 0.9 and 0.7 < exposed["agreement"] < 0.95  # not 1.0: labels were hidden
    assert exact["kappa"] is not None and exposed["kappa"] is not None
    assert r["gpt4_reference"]["exposed_or_not"]["n"] == exposed["n"]
    unique = r["unique_statements"]["drafter"]["exact"]
    assert 0 < unique["n"] < exact["n"]


def test_label_tier_cli_prints_exact_exposed_and_kappa_beside_gpt4(run_cli):
    r = run_cli("eval", "--tier", "onet-labels", "--sample", "25", "--seed", "3")
    assert r.returncode == 0, r.stderr
    for text in ("offline default (occupation-grouped CV)", "unique statements", "GPT-4 (reference, same tasks)", "κ"):
        assert text in r.stdout
    assert r.stdout.count("%") >= 8  # exact and exposed-or-not for four rows


def test_several_drafts_of_a_role_are_samples_with_mean_and_spread_when_asked(tmp_path, golden):
    d = _write(tmp_path / "d", golden)
    (d / "29-2072.00.s2.json").write_text(assessment_json(_mutate_evidence(golden)), encoding="utf-8")
    run = run_eval(drafts_dir=d, all_files_as_samples=True)
    role = run.roles[0]
    assert len(role.samples) == 2
    assert role.metrics["evidence_total_error"] == 1.0 and role.spread["evidence_total_error"] == 1.0


def test_one_file_per_role_is_judged_the_newest(tmp_path, golden):
    """After the review loop drafts/ holds the reviewed JSON and the draft's stale Markdown: only the JSON counts."""
    import os

    from drafter.house_format import render_markdown

    d = tmp_path / "d"
    d.mkdir()
    stale = d / "29-2072.00.md"
    stale.write_text(render_markdown(_mutate_evidence(golden)), encoding="utf-8")
    os.utime(stale, ns=(1_000_000_000, 1_000_000_000))
    (d / "29-2072.00.json").write_text(assessment_json(golden), encoding="utf-8")
    role = next(r for r in run_eval(drafts_dir=d).roles if r.key == "29-2072.00")
    assert len(role.samples) == 1
    assert role.metrics["evidence_total_error"] == 0


def test_eval_of_an_empty_drafts_folder_fails_instead_of_passing_the_gate(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    r = run_cli("eval", "--drafts", str(tmp_path / "empty"), "--fail-on-regression", "-o", str(tmp_path / "runs"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Gate passed" not in r.stdout
    assert "no role was judged" in r.stderr and "no draft in" in r.stderr


def test_eval_of_a_missing_drafts_folder_is_bad_input(run_cli, tmp_path):
    r = run_cli("eval", "--drafts", str(tmp_path / "nope"), "--fail-on-regression", "-o", str(tmp_path / "runs"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'nope'}: no such folder of drafts"


def test_eval_with_zero_samples_is_refused_before_anything_is_judged_or_written(run_cli, tmp_path):
    """--samples 0 once wrote a run that judged nothing and exited 1 like a failed gate: now a usage error."""
    r = run_cli("eval", "--offline", "--samples", "0", "-o", str(tmp_path / "runs"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.strip() == "error: --samples: expected a whole number of at least 1, got 0"
    assert not (tmp_path / "runs").exists()


def test_offline_default_holds_its_committed_baseline():
    """The project's own CI gate: a change that makes the offline default worse fails here."""
    from drafter.evaluation.runs import load_run

    from .conftest import ROOT

    baseline = load_run(ROOT / "evals" / "baselines" / "offline.json")
    run = run_eval(drafter=drafter_for(None))
    assert evaluate_gate(run, baseline, load_gate()) == []


def test_a_stored_run_reads_as_a_typed_run_and_writes_back_byte_for_byte():
    from drafter.evaluation.runs import EvalRun, load_run

    from .conftest import ROOT

    path = ROOT / "evals" / "baselines" / "offline.json"
    run = load_run(path)
    assert isinstance(run, EvalRun) and run.usage is None and run.gate is not None
    assert run.roles[0].samples[0].golden_zone == "Red" and run.aggregates["composite_error"].n == 5
    assert run.to_json() + "\n" == path.read_text(encoding="utf-8")


def test_a_stored_run_with_a_wrong_field_is_refused_with_its_path(tmp_path):
    from drafter.evaluation.runs import load_run

    from .conftest import ROOT

    data = json.loads((ROOT / "evals" / "baselines" / "offline.json").read_text(encoding="utf-8"))
    data["roles"][1]["metrics"]["composite_error"] = "high"
    bad = tmp_path / "run.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(DrafterError, match=r"run\.json: roles\[1\]\.metrics\.composite_error: .*number"):
        load_run(bad)
