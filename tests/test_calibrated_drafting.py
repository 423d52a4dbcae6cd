"""Calibrated drafting against the fake OpenAI server, judged by the request bodies drafter actually sends:
the rubric level by level, the message order, seniority first, excluded tasks, the commentary's inputs,
structured evidence and the validators that re-ask a model for invented scores or quotes."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from drafter.assessment import EVIDENCE_NAMES
from drafter.drafting import prompts
from drafter.drafting.drive import draft_with_llm
from drafter.drafting.facts import CommentaryFacts, RowFacts, SectionFacts
from drafter.drafting.outputs import Commentary, RowScores
from drafter.evaluation.golden import load_golden_roles
from drafter.evaluation.metrics import compare_role
from drafter.files import assessment_from_json, assessment_json
from drafter.house_format import parse_house_format, render_markdown
from drafter.methodology import load_methodology
from drafter.onet.custom import load_task_list

STEPS = ("decompose", "score_rows", "role_sections", "commentary")


def _draft(llm_factory, catalog, code="29-2072", **kw):
    return draft_with_llm(catalog.get(code), llm_factory(), **kw)


def _step(body: dict) -> str:
    return body["tool_choice"]["function"]["name"]


def _text(body: dict) -> str:
    return "\n".join(str(m.get("content") or "") for m in body["messages"])


def test_every_request_states_every_rubric_level_and_no_middle_preference(llm_factory, fake_llm, catalog):
    _draft(llm_factory, catalog)
    m = load_methodology()
    levels = [lv for s in m.rubric.scales for lv in s.levels]
    levels += [lv for s in m.rubric.scales for d in s.dimensions for lv in d.levels]
    assert len(levels) == 5 + 3 + 4 + 5 + 5 * 5 + 5 * 3 + 4  # every scale, every evidence dimension and barrier
    for body in fake_llm.requests:
        system = body["messages"][0]
        assert system["role"] == "system"
        for lv in levels:
            assert f"{lv.value} = {lv.meaning}" in system["content"], lv
        assert "Allowed label per score: 1 -> NOT INVOLVED; 2 -> AUGMENTATION; 3 -> AUGMENTATION; " in system["content"]
        assert "4 -> DISPLACEMENT; 5 -> DISPLACEMENT." in system["content"]
        assert "middle" not in _text(body)
    tool_maturity = m.rubric["evidence"].level("-1", "AI Tool Maturity")
    assert tool_maturity and tool_maturity.meaning.startswith(
        "Production with oversight: production tools do half to 80% of the role's work, with a human checking"
    )


ORDER = ("Decomposition", "RowScores", "RoleSections", "Commentary")


def _in_step_order(bodies: list[dict]) -> list[dict]:
    """One draft's requests by step (the order the pipeline sends them in; sorted so that a concurrent driver's
    arrival order does not matter)."""
    return sorted(bodies, key=lambda b: ORDER.index(_step(b)))


def test_requests_share_the_longest_prefix_system_then_role_then_step(llm_factory, fake_llm, catalog):
    _draft(llm_factory, catalog, "29-2072")
    _draft(llm_factory, catalog, "43-6013")
    bodies = _in_step_order(fake_llm.requests[:4]) + _in_step_order(fake_llm.requests[4:])
    assert [_step(b) for b in bodies] == ["Decomposition", "RowScores", "RoleSections", "Commentary"] * 2
    assert len({b["messages"][0]["content"] for b in bodies}) == 1  # system + rubric: every step of every role
    for role in (bodies[:4], bodies[4:]):
        assert len({b["messages"][1]["content"] for b in role}) == 1  # the role's context: its four steps
        assert [b["messages"][2]["content"].split("\n")[0] for b in role] == [
            "STEP 1 OF 4: SENIORITY, THEN WORK ACTIVITIES", "STEP 2 OF 4: SCORE EACH WORK ACTIVITY",
            "STEP 3 OF 4: ROLE-LEVEL SECTIONS", "STEP 4 OF 4: CALIBRATION NOTE, WHERE TO LOOK NEXT, COMMENTARY",
        ]  # fmt: skip


def test_seniority_is_fixed_in_the_first_step_before_any_scoring(llm_factory, fake_llm, catalog):
    a = _draft(llm_factory, catalog).assessment
    decompose, score_rows, role_sections, _ = _in_step_order(fake_llm.requests)
    schema = json.dumps(decompose["tools"][0]["function"]["parameters"])
    assert '"seniority_level"' in schema and '"seniority_note"' in schema
    assert "seniority" not in json.dumps(role_sections["tools"][0]["function"]["parameters"])
    assert "Seniority (fixed in step 1): Mid-Level (3-7 years)" in score_rows["messages"][2]["content"]
    assert a.role.seniority_level == "Mid-Level (3-7 years)" and a.role.seniority_note.startswith("Entry-level")


def test_priors_are_called_what_they_are(tmp_path, catalog):
    from drafter.drafting.pipeline import NO_CALIBRATION, role_variables

    def said(occ) -> str:
        return prompts.render("role.j2", **role_variables(occ, occ.title, None, NO_CALIBRATION))

    untyped = said(catalog.get("29-2072"))
    assert "time-share prior: equal share" in untyped and "every task has an equal share" in untyped
    assert "O*NET task ratings" not in untyped.replace("No O*NET task ratings are bundled or imported", "")
    rated = said(catalog.get("43-6013"))  # 15 of its 16 tasks have O*NET 29.3 ratings
    assert "time-share prior: share from O*NET task ratings" in rated
    assert (
        "Shares from O*NET 29.3 task ratings (May 2025): log10(1 + occurrences/yr, derived from O*NET's frequency categories)"
        in rated
    )
    assert "1 unrated task at the mean rated weight" in rated
    occ = catalog.get("43-6013")
    typed = said(replace(occ, tasks=tuple(replace(t, ratings=None) for t in occ.tasks)))
    assert "time-share prior: share from task type only" in typed and "Core tasks count twice" in typed
    path = tmp_path / "tasks.yaml"
    path.write_text(
        "title: X\ntasks:\n  - {id: 1, text: Do the first thing, weight: 3}\n  - {id: 2, text: Do the other, weight: 1}\n"
    )
    assert "weights given in the task list" in said(load_task_list(path))


def test_the_decompose_example_row_name_comes_from_no_golden_role(seed_text):
    step = prompts.render("decompose.j2", required_ids=[1], optional_ids=[], prior_name="equal share")
    examples = re.findall(r'e\.g\. "([^"]+)"', step)
    assert examples
    golden_rows = {r.task for a in load_golden_roles().values() for r in a.tasks}
    for example in examples:
        assert example not in golden_rows and example not in seed_text


def test_excluded_tasks_round_trip_through_json_markdown_and_eval(llm_factory, catalog, golden):
    a = _draft(llm_factory, catalog).assessment
    assert a.unmapped_onet_tasks == golden.unmapped_onet_tasks  # excluded with the reasons the model gave
    again = assessment_from_json(assessment_json(a), "draft.json")
    md = render_markdown(again)
    assert "| Excluded O*NET task | Why no row covers it |" in md and "| 22892 | Scheduling appointments" in md
    assert parse_house_format(md).assessment.unmapped_onet_tasks == a.unmapped_onet_tasks
    result = compare_role(a, golden, "29-2072.00")
    assert result.time_share_tv.value == 0.0  # excluded on both sides: zero time, as for the golden role
    covered = a.model_copy(deep=True)
    covered.tasks[1].onet_task_ids = [*covered.tasks[1].onet_task_ids, 22892]
    covered.unmapped_onet_tasks = {22893: a.unmapped_onet_tasks[22893]}
    assert compare_role(covered, golden, "29-2072.00").time_share_tv.value > 0  # a covered task takes time


def test_a_required_task_neither_covered_nor_excluded_is_re_asked(llm_factory, fake_llm, catalog):
    fake_llm.queue("uncovered_task")
    a = _draft(llm_factory, catalog).assessment
    reask = _text(fake_llm.requests[1])
    assert "required task IDs neither covered by a row nor excluded with a reason: [22892]" in reask
    assert 22892 in a.unmapped_onet_tasks and a.provenance.steps[0].attempts == 2


def test_labels_follow_the_seeds_rule_strictly():
    labels = {s: tuple(v) for s, v in load_methodology().labels_by_score.items()}
    ctx = RowFacts(row_names=("A",), labels_by_score=labels)
    for score, label in ((4, "AUGMENTATION"), (3, "DISPLACEMENT"), (2, "NOT INVOLVED"), (1, "AUGMENTATION")):
        answer = {"scores": [{"task": "A", "score": score, "label": label, "rationale": "x" * 30}]}
        with pytest.raises(ValueError, match=f"label {label} is inconsistent with score {score}"):
            RowScores.model_validate(answer, context=ctx)


def test_the_commentary_step_sees_the_role_definition_rationales_and_evidence(llm_factory, fake_llm, catalog, golden):
    _draft(llm_factory, catalog)
    step = fake_llm.requests[3]["messages"][2]["content"]
    assert golden.role.primary_function in step
    assert golden.tasks[0].rationale in step  # the fake answers 29-2072's rows with the golden rationales
    assert golden.evidence.ai_tool_maturity.evidence in step
    assert "Reinstatement: moderate, does not offset the displaced work." in step


def test_evidence_items_are_structured_and_model_recall_is_marked_for_verification(llm_factory, catalog):
    a = _draft(llm_factory, catalog).assessment
    assert {c.dimension.value for c in a.evidence_claims} == set(EVIDENCE_NAMES)
    recalled = [c for c in a.evidence_claims if c.source.value == "model"]
    assert len(recalled) == 4  # the wage item quotes the official figures the draft got as notes
    md = render_markdown(a)
    assert md.count("| model recall, verify |") == len(recalled)
    assert a.reinstatement is not None and a.reinstatement.size.value == "moderate"
    assert "Reinstatement size: Moderate — the new work does not offset the work AI displaces." in md


def test_a_notes_item_must_quote_the_notes_verbatim_or_is_re_asked(llm_factory, fake_llm, catalog):
    notes = "BLS projects 7% growth 2024-2034 for SOC 29-2072.\nMedian wage   $47,190 (May 2022)."
    fake_llm.queue("bad_quote@RoleSections")  # role sections are drafted while the rows are scored
    a = _draft(llm_factory, catalog, notes=notes).assessment
    _first, reask = (_text(b) for b in fake_llm.requests if _step(b) == "RoleSections")
    assert "which does not appear verbatim in the evidence notes" in reask
    item = next(c for c in a.evidence_claims if c.source.value == "notes")
    assert item.quote and " ".join(item.quote.split()) in " ".join(notes.split())
    assert a.evidence.wage_trends.source.value == "notes"


def test_a_notes_item_without_notes_is_refused():
    from drafter.drafting.outputs import DraftClaim

    NO_NOTES = SectionFacts(notes=None, calibration=())

    with pytest.raises(ValueError, match="no evidence notes were supplied"):
        DraftClaim.model_validate(
            {"claim": "Wages are flat", "source": "notes", "quote": "wages flat"}, context=NO_NOTES
        )
    with pytest.raises(ValueError, match="gives a figure without as_of"):
        DraftClaim.model_validate({"claim": "Median wage", "figure": "$47,190", "source": "model"}, context=NO_NOTES)


CAL = [
    {"title": "Medical Secretaries", "code": "43-6013.00", "score": "19.4", "zone": "Red"},
    {"title": "Compliance Managers", "code": "11-9199.02", "score": "48.2", "zone": "Green"},
]


def _commentary(note: str, moves: list[dict] | None = None) -> dict:
    body = "A substantive body of text that is long enough to pass the check."
    return {
        "calibration_note": note,
        "where_to_look_next": moves or [],
        "sections": [{"heading": h, "body": body} for h in Commentary.model_fields["sections"].annotation and
                     ("Score vs Reality Check", "What the Numbers Don't Capture",
                      "Who Should Worry (and Who Shouldn't)", "What This Means")],
    }  # fmt: skip


def test_the_calibration_note_may_cite_only_listed_scores():
    ctx = CommentaryFacts(calibration=tuple(CAL), own_score="15.1")
    ok = "The 15.1 sits below Medical Secretaries (19.4, Red): more structured work, 9.9 points from Yellow."
    Commentary.model_validate(_commentary(ok), context=ctx)
    with pytest.raises(ValueError, match=r"calibration_note cites AIJRI score\(s\) 22.6 that the calibration table"):
        Commentary.model_validate(_commentary(ok + " Claims adjusters score 22.6."), context=ctx)


def test_where_to_look_next_accepts_listed_green_roles_only():
    greens = tuple(c for c in CAL if c["zone"] == "Green")
    ctx = CommentaryFacts(calibration=tuple(CAL), own_score="15.1", candidates=greens)
    good = {
        "title": "Compliance Managers",
        "onet_code": "11-9199.02",
        "score": 48.2,
        "why": "HIPAA skills transfer to it.",
    }
    Commentary.model_validate(_commentary("Placed below Medical Secretaries (19.4).", [good]), context=ctx)
    for move, message in (
        (good | {"title": "Data Scientists", "onet_code": None}, "is not one of the listed candidates"),
        (good | {"score": 52.0}, "gives AIJRI 52.0; the candidates list 48.2"),
        (good | {"title": "Medical Secretaries", "onet_code": "43-6013", "score": 19.4}, "not one of the listed"),
        (good | {"why": "It pays like Data Scientists (71.3)."}, r"where_to_look_next\[0\].why cites AIJRI score"),
    ):
        with pytest.raises(ValueError, match=message):
            Commentary.model_validate(_commentary("Placed below Medical Secretaries (19.4).", [move]), context=ctx)


def test_an_invented_score_in_the_calibration_note_is_re_asked_through_the_server(llm_factory, fake_llm, catalog):
    fake_llm.queue("invented_score@Commentary")
    a = _draft(llm_factory, catalog).assessment
    reask = _text(fake_llm.requests[4])
    assert "calibration_note cites AIJRI score(s) 22.6 that the calibration table does not list" in reask
    assert "22.6" not in a.assessor_override.note and a.provenance.steps[3].attempts == 2


def test_the_preview_builds_exactly_the_messages_a_draft_sends(llm_factory, fake_llm, catalog):
    from drafter.drafting.preview import preview_prompts, preview_text

    _draft(llm_factory, catalog, "43-6013")
    preview = preview_prompts(catalog.get("43-6013"))
    assert [p.step for p in preview] == list(STEPS)
    sent = fake_llm.requests
    assert [{k: m[k] for k in ("role", "content")} for m in sent[0]["messages"]] == preview[0].messages
    for p, body in zip(preview, sent, strict=True):
        assert p.messages[:2] == [{k: m[k] for k in ("role", "content")} for m in body["messages"][:2]]
    text = preview_text(preview)
    assert text.count("AIJRI RUBRIC") == 1 and "STEP 4 OF 4" in text and "Nothing below was sent." in text


def test_the_preview_header_counts_the_rounds_as_the_pipeline_runs_them(catalog):
    from drafter.drafting.preview import preview_prompts, preview_text

    small, large = preview_prompts(catalog.get("43-6013")), preview_prompts(catalog.get("25-2057"))  # 16, 40 tasks
    assert [p.round for p in small] == [1, 2, 3, 4] and [p.round for p in large] == [1, 2, 2, 3, 4]
    header = " ".join(preview_text(large).split("=== message 1")[0].split())
    assert "4 rounds (1. decompose; 2. score_rows (2 requests at once); 3. role_sections; 4. commentary)" in header
    assert "The role sections are drafted after the rows are scored, with the scored rows in view" in header
    assert "while the role sections are drafted" not in header
    assert "4 rounds (1. decompose; 2. score_rows; 3. role_sections; 4. commentary)" in " ".join(
        preview_text(small).split()
    )


def test_the_preview_of_a_large_task_list_shows_as_many_scoring_requests_as_a_draft_sends(catalog):
    from drafter.drafting.pipeline import row_chunks
    from drafter.drafting.preview import preview_prompts

    occ = catalog.get("25-2057")  # 40 tasks
    preview = preview_prompts(occ)
    scoring = [p for p in preview if p.step == "score_rows"]
    assert [p.step for p in preview] == ["decompose", *["score_rows"] * len(scoring), "role_sections", "commentary"]
    assert len(scoring) == len(row_chunks(list(range(10)), len(occ.tasks))) == 2  # 10 stand-in rows: 5 + 5
