"""The calibration set in an LLM draft's prompts: the nearest human-scored roles and a worked example, never the
role itself; cited figures checked against it; recorded in the draft and in eval runs; the prompts printable."""

from __future__ import annotations

import json

from drafter.drafting.calibrate import calibration_for
from drafter.drafting.drive import draft_with_llm
from drafter.drafting.neighbours import draft_calibration
from drafter.evaluation.golden import load_golden_roles
from drafter.house_format import render_markdown

from .conftest import SECRET


def _draft(llm_factory, catalog, calibration_set, code):
    occ = catalog.get(code)
    cal = draft_calibration(occ, occ.title, calibration_set, catalog)
    return draft_with_llm(occ, llm_factory(), calibration=cal).assessment


def _seed_rationales(golden) -> list[str]:
    texts = [r.rationale for r in golden.tasks]
    texts += [p.rationale for _, p in golden.protective_principles] + [b.rationale for _, b in golden.barriers]
    texts += [e.evidence for _, e in golden.evidence] + [golden.growth.rationale, golden.reinstatement_check]
    return texts


def _calibration_part(role_context: str) -> str:
    start = role_context.index("CALIBRATION:")
    end = role_context.find("ASSESSOR'S EVIDENCE NOTES")
    return role_context[start : end if end > 0 else None]


def test_drafting_the_golden_role_sends_none_of_its_own_rationales(
    llm_factory, fake_llm, catalog, calibration_set, golden
):
    a = _draft(llm_factory, catalog, calibration_set, "29-2072")
    for body in fake_llm.requests:  # the system prompt and the role's context of every step
        prefix = body["messages"][0]["content"] + body["messages"][1]["content"]
        for text in _seed_rationales(golden):
            assert text not in prefix
    first = json.dumps(fake_llm.requests[0])  # step 1 precedes any answer of the model's
    assert not any(text in first for text in _seed_rationales(golden))
    table = _calibration_part(fake_llm.requests[0]["messages"][1]["content"])
    # the reference points were taken from 29-2072's own text (its "not this role" and "where to look next"):
    # shown to it, they would hand it its own answers
    assert "CALIBRATION: NO HUMAN-SCORED ROLE IS CLOSE TO THIS ONE" in table
    for seed_fact in ("Medical Secretaries", "19.4", "Compliance Managers", "48.2", "Nursing Assistants", "67.4"):
        assert seed_fact not in table, seed_fact
    assert "Medical Records Specialist" not in table and "29-2072" not in table and "15.1" not in table
    assert "WORKED EXAMPLE" not in fake_llm.requests[0]["messages"][1]["content"]  # no other complete role is known
    assert all(c.onet_code != "29-2072.00" and not c.worked_example for c in a.provenance.calibration)
    assert not any(c.source in ("golden", "reference point") for c in a.provenance.calibration)


def test_drafting_a_neighbour_sends_the_golden_roles_rows_as_the_worked_example(
    llm_factory, fake_llm, catalog, calibration_set, golden
):
    a = _draft(llm_factory, catalog, calibration_set, "43-6013")
    role_context = fake_llm.requests[0]["messages"][1]["content"]
    assert all(b["messages"][1]["content"] == role_context for b in fake_llm.requests)  # every step sees it
    table = _calibration_part(role_context)
    assert "| Medical Records Specialist | 29-2072.00 | 0.23 | 2.00 | 0.88 | 1.04 | 0.95 | 15.1 | Red |" in table
    assert "Medical Secretaries" not in table.split("WORKED EXAMPLE")[0]  # the role itself (a reference point)
    assert "WORKED EXAMPLE: how assessors decomposed and scored Medical Records Specialist (29-2072.00)" in table
    for row in golden.tasks:
        assert f"| {row.task} | {row.time_pct}% | {row.score} | {row.label.value} | {row.rationale} |" in table
    # the seed's exclusion of scheduling as "Medical Secretary work" is its judgement of this very role (whose
    # reference point comes from the same text): left out; its other exclusion stays
    assert "Medical Secretary" not in table and "22892" not in table
    assert "Excluded from that role: O*NET task 22893: Transcription is Medical Transcriptionist work" in table
    example = [c for c in a.provenance.calibration if c.worked_example]
    assert [(c.title, c.onet_code, c.source, c.complete) for c in example] == [
        ("Medical Records Specialist", "29-2072.00", "golden", True)
    ]


def test_a_calibrated_draft_places_itself_and_points_to_listed_green_roles(
    llm_factory, fake_llm, catalog, calibration_set
):
    a = _draft(llm_factory, catalog, calibration_set, "43-6013")
    assert "between Medical Records Specialist (15.1, Red) and Pharmacy Technicians (11.7, Red)" in (
        a.assessor_override.note
    )
    assert [(m.title, m.score, m.zone.value) for m in a.where_to_look_next] == [
        ("Nursing Assistants", 67.4, "Green"),
        ("Medical Equipment Preparers (not yet scored)", 48.7, "Green"),
    ]  # fmt: skip  (Compliance Managers, 0.09 alike, and Data Protection Officer, 0.06, are under the floor)
    md = render_markdown(a)
    assert "| Nursing Assistants | 31-1131.00 | 67.4 | Green | Skills in records" in md
    assert "NOT a Medical Records Specialist (assessed at 15.1 Red" in a.role.what_this_role_is_not


def test_an_invented_where_to_look_next_role_is_re_asked(llm_factory, fake_llm, catalog, calibration_set):
    fake_llm.queue("invented_move@Commentary")
    a = _draft(llm_factory, catalog, calibration_set, "43-6013")
    reask = json.dumps(fake_llm.requests[4]["messages"])
    assert "where_to_look_next[2]" in reask and "is not one of the listed candidates" in reask
    assert "Nursing Assistants (31-1131.00, 67.4)" in reask  # the re-ask lists the roles it may suggest
    assert "Data Scientists" not in [m.title for m in a.where_to_look_next]


def test_show_prompts_prints_what_would_be_sent_and_sends_nothing(run_cli, tmp_path, fake_llm):
    out = tmp_path / "drafts"
    env = {"OPENAI_API_KEY": SECRET}
    r = run_cli("draft", "43-6013", "--show-prompts", "--base-url", fake_llm.base_url, "--model", "m", "-o", str(out),
                env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert fake_llm.count == 0 and not out.exists()
    assert r.stdout.count("AIJRI RUBRIC") == 1 and "AI Tool Maturity:" in r.stdout
    assert "| Medical Records Specialist | 29-2072.00 | 0.23 | 2.00 |" in r.stdout
    assert "=== message 3 of request 4 of 4 (commentary; answer as Commentary) ===" in r.stdout
    as_json = run_cli("draft", "43-6013", "--show-prompts", "--json", env=env)
    steps = json.loads(as_json.stdout)
    assert [s["step"] for s in steps] == ["decompose", "score_rows", "role_sections", "commentary"]
    assert all(len(s["messages"]) == 3 for s in steps)


def test_eval_records_the_calibration_of_each_draft_and_never_the_role_itself(llm_factory, fake_llm, tmp_path):
    from drafter.drafting import drafter_for
    from drafter.evaluation.runner import run_eval
    from drafter.llm.runlog import RunLog

    ep = llm_factory().endpoint
    with drafter_for(ep, log=RunLog(tmp_path / "eval-log.sqlite")) as drafter:
        run = run_eval(drafter=drafter)
    assert drafter.describe()["calibration"][0] == "Medical Records Specialist (golden)"
    seen = {r.key: r.samples[0].calibration for r in run.roles if r.samples}
    assert "Medical Records Specialist (29-2072.00)" not in seen["29-2072.00"]
    assert not any("Medical Secretaries" in t for t in seen["29-2072.00"])  # a figure taken from its own text
    assert "Medical Records Specialist (29-2072.00)" in seen["43-6013.00"]
    assert not any("Medical Secretaries" in t for t in seen["43-6013.00"])
    assert run.roles[0].error is None and run.roles[0].metrics["zone_agreement"] == 1.0


def test_a_draft_calibrated_on_the_role_it_is_judged_against_fails_that_role(tmp_path, golden):
    from drafter.assessment import CalibrationRef
    from drafter.evaluation.runner import run_eval
    from drafter.files import assessment_json

    leaked = golden.model_copy(deep=True)
    leaked.provenance.calibration = [CalibrationRef(title="Medical Records Specialists", source="golden",
                                                    similarity=1.0, complete=True, worked_example=True)]  # fmt: skip
    (tmp_path / "29-2072.00.json").write_text(assessment_json(leaked), encoding="utf-8")
    run = run_eval(drafts_dir=tmp_path)
    role = next(r for r in run.roles if r.key == "29-2072.00")
    assert role.error and "calibrated on this role itself" in role.error


def test_golden_roles_are_all_excluded_from_their_own_calibration(catalog, calibration_set):
    for code in load_golden_roles():
        occ = catalog.get(code)
        cal = calibration_for(occ, occ.title, calibration_set, catalog)
        assert all(row["code"] != code for row in cal.table)
        assert cal.example is None or cal.example["code"] != code
