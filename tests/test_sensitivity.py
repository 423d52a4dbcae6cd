from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafter.assessment import Assessment, TaskLabel, Zone
from drafter.inputs import all_inputs, with_value
from drafter.methodology import load_methodology
from drafter.scoring import score
from drafter.sensitivity import nearest_boundary, sensitivity

M = load_methodology()


def test_seed_role_names_the_one_row_whose_change_reaches_yellow(golden):
    s = sensitivity(golden)
    assert (s.score, s.zone, s.nearest_boundary) == ("15.1", Zone.RED, "Yellow ≥ 25.0")
    assert s.boundary_line() == "15.1 is 9.9 below the Yellow ≥ 25.0 boundary"
    flips = s.flips()
    assert [f.path for f in flips] == ["tasks[0].score"]
    assert (
        flips[0].zone_flip.describe()
        == 'row 1 "Medical coding (ICD-10/CPT assignment)" score 4 → 1 moves 15.1 to 25.0: Yellow'
    )
    # the printed figures are the scorer's own
    moved = score(with_value(golden, "tasks[0].score", 1))
    assert (moved.score.shown, moved.zone) == ("25.0", Zone.YELLOW)


def test_protective_principles_never_move_the_score(golden):
    s = sensitivity(golden)
    for inp in s.inputs:
        if inp.kind == "protective_principles":
            assert inp.step_effect == 0.0 and inp.zone_flip is None


def test_an_input_awaiting_input_is_counted_neutral_and_every_value_is_a_candidate(golden):
    a = with_value(golden, "evidence.wage_trends.score", None)
    inp = next(i for i in sensitivity(a).inputs if i.path == "evidence.wage_trends.score")
    assert inp.value is None and inp.counted_as == 0 and (inp.lo, inp.hi) == (-2, 2)
    assert inp.step_effect > 0


def test_a_score_on_a_boundary_is_zero_from_it():
    assert nearest_boundary(Decimal("25.0"), M) == ("Yellow ≥ 25.0", Decimal("0.0"))
    assert nearest_boundary(Decimal("36.5"), M) == ("Yellow ≥ 25.0", Decimal("11.5"))
    assert nearest_boundary(Decimal("36.6"), M) == ("Green ≥ 48.0", Decimal("11.4"))


def test_sub_label_flip_is_reported_when_one_input_reaches_imminent(golden):
    data = golden.model_dump()
    for row in data["tasks"]:
        row["score"], row["label"] = 5, "DISPLACEMENT"  # task resistance 1.00
    for k in data["evidence"]:
        data["evidence"][k]["score"] = -1  # evidence -5: one more point down meets Evidence ≤ -6
    a = Assessment.model_validate(data)
    assert score(a).sub_label == "Red"
    flips = {i.path: i.sub_label_flip for i in sensitivity(a).inputs if i.sub_label_flip}
    assert set(flips) == {f"evidence.{k}.score" for k in data["evidence"]}
    f = flips["evidence.wage_trends.score"]
    assert (f.before, f.after, f.sub_label_after) == (-1, -2, "Red — Imminent")


# ---- property: the named change flips, no smaller change does ---------------------------------------


@st.composite
def assessments(draw, golden_data):
    n = draw(st.integers(1, 7))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True)))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    data = {**golden_data}
    data["tasks"] = [
        {"task": f"task {i}", "time_pct": share, "score": draw(st.integers(1, 5)),
         "label": draw(st.sampled_from([lab.value for lab in TaskLabel])), "rationale": "r"}
        for i, share in enumerate(shares)
    ]  # fmt: skip
    maybe = st.none() | st.integers(-2, 2)
    data["evidence"] = {k: {"score": draw(maybe), "evidence": ""} for k in golden_data["evidence"]}
    data["barriers"] = {
        k: {"score": draw(st.none() | st.integers(0, 2)), "rationale": ""} for k in golden_data["barriers"]
    }
    data["protective_principles"] = {
        k: {"score": draw(st.none() | st.integers(0, 3)), "rationale": ""} for k in golden_data["protective_principles"]
    }
    data["growth"] = {"score": draw(maybe), "rationale": ""}
    return Assessment.model_validate(data)


def test_the_named_change_flips_the_zone_and_no_smaller_change_of_that_input_does(golden_data):
    @given(assessments(golden_data))
    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def check(a):
        base = score(a)
        s = sensitivity(a)
        assert len(s.inputs) == len(all_inputs(a))
        for inp in s.inputs:
            current = inp.counted_as
            values = [v for v in range(inp.lo, inp.hi + 1) if v != inp.value]
            flipping = [v for v in values if score(with_value(a, inp.path, v)).zone != base.zone]
            if inp.zone_flip is None:
                assert flipping == [], inp.path
                continue
            f = inp.zone_flip
            moved = score(with_value(a, inp.path, f.after))
            assert moved.zone != base.zone and moved.zone == f.zone_after, inp.path
            assert (f.score_before, f.score_after) == (base.score.shown, moved.score.shown)
            assert min(abs(v - current) for v in flipping) == abs(f.after - current), inp.path

    check()


def test_the_named_sub_label_change_keeps_the_zone_and_no_smaller_one_changes_the_sub_label(golden_data):
    @given(assessments(golden_data))
    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def check(a):
        base = score(a)
        for inp in sensitivity(a).inputs:
            values = [v for v in range(inp.lo, inp.hi + 1) if v != inp.value]
            cards = {v: score(with_value(a, inp.path, v)) for v in values}
            changing = [v for v, c in cards.items() if c.zone == base.zone and c.sub_label != base.sub_label]
            if inp.sub_label_flip is None:
                assert changing == []
                continue
            after = inp.sub_label_flip.after
            assert cards[after].sub_label == inp.sub_label_flip.sub_label_after != base.sub_label
            assert min(abs(v - inp.counted_as) for v in changing) == abs(after - inp.counted_as)

    check()


def test_boundary_distance_is_the_gap_to_the_nearest_zone_cut(golden_data):
    @given(assessments(golden_data))
    @settings(max_examples=60, deadline=None)
    def check(a):
        s = sensitivity(a)
        printed = Decimal(s.score)
        gaps = [abs(printed - M.yellow_min), abs(printed - M.green_min)]
        assert Decimal(str(s.boundary_distance)) == min(gaps)

    check()


def test_sensitivity_is_remembered_for_the_same_assessment_and_recomputed_after_an_edit(golden):
    from drafter import sensitivity as mod

    first = mod.sensitivity(golden)
    again = mod.sensitivity(golden)
    assert again == first and again is not first  # the remembered answer, as a copy
    edited = golden.model_copy(deep=True)
    edited.tasks[0].score = 1 if edited.tasks[0].score != 1 else 2
    changed = mod.sensitivity(edited)
    assert changed.score != first.score or changed.inputs != first.inputs
    assert mod._sensitivity(edited, mod.load_methodology(), None) == changed
