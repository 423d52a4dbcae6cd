from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafter.assessment import Assessment, TaskLabel, Zone
from drafter.methodology import load_methodology
from drafter.scoring import score, zone_for

M = load_methodology()


def test_seed_golden_role_reproduces_every_printed_figure(golden):
    card = score(golden)
    assert card.weighted_total.shown == "4.00"
    assert card.task_resistance.shown == "2.00"
    assert (card.evidence_modifier.shown, card.barrier_modifier.shown, card.growth_modifier.shown) == (
        "0.88",
        "1.04",
        "0.95",
    )
    assert card.raw.shown == "1.7389"
    assert card.score.shown == "15.1"
    assert card.zone is Zone.RED and card.final_zone is Zone.RED
    assert card.sub_label == "Red"
    assert [c.met for c in card.sub_label_criteria] == [False, False, True]
    assert card.pct_time_high == 95
    assert (card.displacement_pct, card.augmentation_pct, card.not_involved_pct) == (85, 15, 0)
    assert card.quick_screen == "Almost certainly Red Zone"
    assert card.pending == [] and card.label_warnings == []


def test_each_figure_names_the_arithmetic_it_came_from(golden):
    card = score(golden)
    assert card.raw.formula == "2.00 × 0.88 × 1.04 × 0.95"
    assert card.score.formula == "(1.7389 - 0.54) / 7.93 × 100"
    assert card.evidence_modifier.formula == "1.0 + (-3 × 0.04)"


@pytest.mark.parametrize(
    ("printed", "zone"),
    [("47.9", Zone.YELLOW), ("47.5", Zone.YELLOW), ("48.0", Zone.GREEN), ("25.0", Zone.YELLOW), ("24.9", Zone.RED)],
)
def test_zone_is_decided_on_the_printed_score(printed, zone):
    assert zone_for(Decimal(printed), M) is zone


def _with(golden: Assessment, **changes) -> Assessment:
    data = golden.model_dump()
    for path, value in changes.items():
        node = data
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        node[keys[-1]] = value
    return Assessment.model_validate(data)


def test_imminent_sub_label_needs_all_three_criteria(golden):
    a = golden.model_dump()
    for row in a["tasks"]:
        row["score"], row["label"] = 5, "DISPLACEMENT"  # task resistance 1.00 < 1.8
    for k in a["evidence"]:
        a["evidence"][k]["score"] = -2  # evidence -10 <= -6
    card = score(Assessment.model_validate(a))
    assert card.sub_label == "Red — Imminent"
    a["barriers"]["regulatory_licensing"]["score"] = 2  # barriers 3 > 2
    assert score(Assessment.model_validate(a)).sub_label == "Red"


def test_most_resistant_inputs_are_clamped_to_100_and_the_unclamped_value_kept(golden):
    a = golden.model_dump()
    for row in a["tasks"]:
        row["score"], row["label"] = 1, "NOT INVOLVED"
    for section, top in (("evidence", 2), ("barriers", 2), ("protective_principles", 3)):
        for k in a[section]:
            a[section][k]["score"] = top
    a["growth"]["score"] = 2
    card = score(Assessment.model_validate(a))
    assert card.raw.shown == "9.2400"
    assert card.score.shown == "100.0" and card.score_unclamped == 109.7
    assert "clamped" in card.score.formula
    assert card.zone is Zone.GREEN


def test_pending_inputs_count_as_neutral_and_are_listed(golden):
    a = golden.model_dump()
    a["evidence"]["wage_trends"]["score"] = None
    a["growth"]["score"] = None
    card = score(Assessment.model_validate(a))
    assert card.pending == ["evidence.wage_trends", "growth"]
    assert card.evidence_total == -3 and card.growth_correlation == 0
    assert card.provisional


def test_override_changes_final_zone_but_not_formula_zone(golden):
    a = _with(golden, assessor_override={"zone": "Yellow", "note": "Local evidence of a hiring freeze reversal."})
    card = score(a)
    assert card.zone is Zone.RED and card.final_zone is Zone.YELLOW and card.overridden


def test_label_inconsistent_with_score_is_warned_not_changed(golden):
    a = _with(golden, tasks__1__label="NOT INVOLVED")  # score 5
    card = score(a)
    assert len(card.label_warnings) == 1 and "tasks[1]" in card.label_warnings[0]
    assert card.displacement_pct == 65 and card.not_involved_pct == 20


# ---- laws the scorer must obey for every valid input -------------------------------------------------


@st.composite
def assessments(draw, golden_data):
    n = draw(st.integers(1, 8))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True)))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    data = {**golden_data}
    data["tasks"] = [
        {
            "task": f"task {i}",
            "time_pct": share,
            "score": draw(st.integers(1, 5)),
            "label": draw(st.sampled_from([lab.value for lab in TaskLabel])),
            "rationale": "r",
        }
        for i, share in enumerate(shares)
    ]
    data["evidence"] = {k: {"score": draw(st.integers(-2, 2)), "evidence": ""} for k in golden_data["evidence"]}
    data["barriers"] = {k: {"score": draw(st.integers(0, 2)), "rationale": ""} for k in golden_data["barriers"]}
    data["growth"] = {"score": draw(st.integers(-2, 2)), "rationale": ""}
    return Assessment.model_validate(data)


def _given_assessment(test):
    def wrapper(golden_data):
        given(assessments(golden_data), st.data())(settings(max_examples=150, deadline=None)(test))()

    wrapper.__name__ = test.__name__
    return wrapper


@_given_assessment
def test_raising_a_task_score_never_raises_the_score(a, data):
    i = data.draw(st.integers(0, len(a.tasks) - 1))
    if a.tasks[i].score == 5:
        return
    higher = a.model_copy(deep=True)
    higher.tasks[i].score += 1
    assert score(higher).score.value <= score(a).score.value


@_given_assessment
def test_raising_a_barrier_never_lowers_the_score(a, data):
    name = data.draw(st.sampled_from(list(dict(a.barriers))))
    if getattr(a.barriers, name).score == 2:
        return
    higher = a.model_copy(deep=True)
    getattr(higher.barriers, name).score += 1
    assert score(higher).score.value >= score(a).score.value


@_given_assessment
def test_row_order_does_not_matter(a, data):
    shuffled = a.model_copy(deep=True)
    shuffled.tasks = data.draw(st.permutations(a.tasks))
    before, after = score(a), score(shuffled)
    assert (after.score, after.zone, after.sub_label, after.pct_time_high) == (
        before.score,
        before.zone,
        before.sub_label,
        before.pct_time_high,
    )


@_given_assessment
def test_every_valid_input_scores_inside_its_bounds(a, data):
    card = score(a)
    assert 0.0 <= card.score.value <= 100.0
    assert 1.0 <= card.task_resistance.value <= 5.0
    assert card.displacement_pct + card.augmentation_pct + card.not_involved_pct == 100
    assert card.zone is zone_for(Decimal(card.score.shown), M)
