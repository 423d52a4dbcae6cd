from __future__ import annotations

import json

import pytest

from drafter.assessment import Assessment, EvidenceSource, SourceKind, TaskLabel, Zone
from drafter.inputs import with_value
from drafter.review.consensus import Sample, consensus, rescale
from drafter.review.priority import review_first
from drafter.review.provenance import field_sources
from drafter.scoring import score


@pytest.fixture
def llm_draft(golden) -> Assessment:
    """The golden role as if one model had drafted it."""
    prov = golden.provenance.model_copy(
        update={"drafted_by": "llm:m1", "inputs": {"endpoint": "a", "model": "m1", "run_id": "r0"}}
    )
    return golden.model_copy(update={"provenance": prov})


def _as(a: Assessment, endpoint: str, model: str) -> Assessment:
    prov = a.provenance.model_copy(
        update={"drafted_by": f"llm:{model}", "inputs": {"endpoint": endpoint, "model": model}}
    )
    return a.model_copy(update={"provenance": prov})


def test_consensus_takes_the_median_score_per_row_and_input_and_keeps_every_value(llm_draft):
    s0 = llm_draft
    s1 = with_value(with_value(llm_draft, "tasks[0].score", 5), "growth.score", -2)
    s2 = with_value(with_value(llm_draft, "tasks[0].score", 2), "growth.score", 1)
    d = consensus([Sample.of(s0, 0), Sample.of(s1, 1), Sample.of(s2, 2)])
    assert d.tasks[0].score == 4 and d.growth.score == -1
    u = d.uncertainty
    assert u.rows[0].scores == [4, 5, 2] and u.rows[1].scores == [5, 5, 5]
    assert next(i for i in u.inputs if i.path == "growth.score").values == [-1, -2, 1]
    composites = sorted(score(s).score.value for s in (s0, s1, s2))
    assert (u.composite.low, u.composite.median, u.composite.high) == tuple(composites)
    assert u.composite.zone_shares[Zone.RED] == 1.0 and u.decompositions == 1
    assert [s.sample for s in u.samples] == [0, 1, 2]


def test_an_even_count_takes_the_lower_middle_value_so_the_consensus_is_a_value_some_sample_gave(llm_draft):
    s1 = with_value(llm_draft, "tasks[0].score", 2)
    d = consensus([Sample.of(llm_draft, 0), Sample.of(s1, 1)])
    assert d.tasks[0].score == 2  # median_low of [4, 2]


def test_rationale_comes_from_a_sample_that_gave_the_consensus_score(llm_draft):
    rows = [t.model_copy() for t in llm_draft.tasks]
    rows[0] = rows[0].model_copy(update={"score": 2, "label": TaskLabel.AUGMENTATION, "rationale": "two because X"})
    s1 = llm_draft.model_copy(update={"tasks": rows})
    s2 = s1.model_copy()
    d = consensus([Sample.of(llm_draft, 0), Sample.of(s1, 1), Sample.of(s2, 2)])
    assert (d.tasks[0].score, d.tasks[0].label, d.tasks[0].rationale) == (2, TaskLabel.AUGMENTATION, "two because X")
    src = field_sources(d)["tasks[0].rationale"]
    assert (src.kind, src.detail) == (SourceKind.MODEL, "sample 1 of 3")
    assert field_sources(d)["tasks[0].score"].kind is SourceKind.CONSENSUS


def test_rows_from_a_different_decomposition_are_aligned_through_their_onet_task_ids(llm_draft):
    """Model b merges the first two rows into one; its score counts for both consensus rows."""
    rows = llm_draft.tasks
    merged = rows[0].model_copy(
        update={"task": "Coding and abstraction", "time_pct": rows[0].time_pct + rows[1].time_pct, "score": 3,
                "label": TaskLabel.AUGMENTATION, "onet_task_ids": rows[0].onet_task_ids + rows[1].onet_task_ids}
    )  # fmt: skip
    b = _as(llm_draft.model_copy(update={"tasks": [merged, *rows[2:]]}), "b", "m2")
    a2 = with_value(llm_draft, "tasks[1].score", 4)
    d = consensus([Sample.of(llm_draft, 0), Sample.of(a2, 1), Sample.of(b, 0)])
    assert [t.task for t in d.tasks] == [t.task for t in rows]  # the decomposition two of three used
    u = d.uncertainty
    assert u.decompositions == 2 and [s.decomposition for s in u.samples] == [0, 0, 1]
    assert u.rows[0].scores == [4, 4, 3] and u.rows[1].scores == [5, 4, 3]
    assert u.rows[0].time_pcts == [30, 30, None]  # shares only from samples with the consensus decomposition
    assert (d.tasks[0].score, d.tasks[1].score) == (4, 4)
    assert d.provenance.drafted_by == "consensus:3 samples of llm:m1+llm:m2"
    assert d.provenance.inputs["endpoints"] == "a,b"


def test_a_row_the_other_decomposition_leaves_out_has_no_value_from_it(llm_draft):
    rows = llm_draft.tasks
    last = rows[-1]
    fewer = [r.model_copy() for r in rows[:-1]]
    fewer[0] = fewer[0].model_copy(update={"time_pct": fewer[0].time_pct + last.time_pct})
    b = _as(llm_draft.model_copy(update={"tasks": fewer}), "b", "m2")
    d = consensus([Sample.of(llm_draft, 0), Sample.of(llm_draft, 1), Sample.of(b, 0)])
    assert d.uncertainty.rows[-1].scores == [last.score, last.score, None]


def test_time_shares_are_medians_rescaled_to_100():
    assert rescale([30, 20, 15, 10, 10, 10, 5]) == [30, 20, 15, 10, 10, 10, 5]
    assert sum(rescale([33, 33, 33])) == 100 and rescale([33, 33, 33]) == [34, 33, 33]
    assert rescale([1, 1, 200]) == [1, 1, 98]


def test_consensus_shares_follow_the_median_time_share(llm_draft):
    rows = [t.model_copy() for t in llm_draft.tasks]
    rows[0] = rows[0].model_copy(update={"time_pct": 20})
    rows[1] = rows[1].model_copy(update={"time_pct": 30})
    s1 = llm_draft.model_copy(update={"tasks": rows})
    d = consensus([Sample.of(llm_draft, 0), Sample.of(s1, 1), Sample.of(s1, 2)])
    assert (d.tasks[0].time_pct, d.tasks[1].time_pct) == (20, 30)
    assert sum(t.time_pct for t in d.tasks) == 100


def test_samples_straddling_a_boundary_put_the_deciding_row_first_in_review(llm_draft):
    s1 = with_value(llm_draft, "tasks[0].score", 1)  # 25.0: Yellow
    d = consensus([Sample.of(llm_draft, 0), Sample.of(llm_draft, 1), Sample.of(s1, 2)])
    assert d.uncertainty.composite.zone_shares == {Zone.RED: 0.6667, Zone.YELLOW: 0.3333, Zone.GREEN: 0.0}
    r = review_first(d)
    assert r.items[0].path == "tasks[0].score"
    assert any(reason.startswith("can flip the zone") for reason in r.items[0].reasons)
    assert "the samples disagree on the zone" in r.headline[0]


# ---- review first -----------------------------------------------------------------------------------------


def test_a_human_scored_role_with_no_spread_and_no_near_flip_has_nothing_to_review_first(golden):
    r = review_first(golden)
    assert r.items == [] and r.headline == ["15.1 is 9.9 below the Yellow ≥ 25.0 boundary"]


def test_inputs_awaiting_input_are_listed_ranked_by_their_leverage(golden):
    a = golden
    for path in (
        "growth.score",
        "barriers.physical_presence.score",
        "protective_principles.embodied_physicality.score",
    ):
        a = with_value(a, path, None)
    r = review_first(a)
    assert [i.path for i in r.items] == [
        "growth.score",
        "barriers.physical_presence.score",
        "protective_principles.embodied_physicality.score",
    ]
    assert all(i.reasons[0] == "awaiting assessor input" for i in r.items)
    assert "3 input(s) awaiting assessor input (counted as neutral)" in r.headline


def test_model_recalled_evidence_is_listed_to_verify(llm_draft):
    ev = llm_draft.evidence.model_copy(
        update={"wage_trends": llm_draft.evidence.wage_trends.model_copy(update={"source": EvidenceSource.MODEL})}
    )
    r = review_first(llm_draft.model_copy(update={"evidence": ev}))
    assert [i.path for i in r.items] == ["evidence.wage_trends.score"]
    assert r.items[0].reasons == ["evidence recalled by the model: verify"] and r.items[0].uncertainty == 1


# ---- the Markdown ------------------------------------------------------------------------------------------


def test_markdown_shows_spread_sensitivity_and_review_first_and_round_trips_the_spread(llm_draft):
    from drafter.house_format import parse_house_format, render_markdown

    s1 = with_value(llm_draft, "tasks[0].score", 1)
    d = consensus([Sample.of(llm_draft, 0), Sample.of(llm_draft, 1), Sample.of(s1, 2)])
    md = render_markdown(d)
    notes = md[md.index("## Review Notes (drafter)") :]
    assert "Spread: Interval over 3 samples (a (m1)): 15.1 – 15.1 – 25.0" in notes
    assert "Zone-flip sensitivity: 15.1 is 9.9 below the Yellow ≥ 25.0 boundary." in notes
    assert '- row 1 "Medical coding (ICD-10/CPT assignment)" score 4 → 1 moves 15.1 to 25.0: Yellow' in notes
    assert (
        '| 1 | row 1 "Medical coding (ICD-10/CPT assignment)" | 4 | 4, 4, 1 | samples disagree: 1–4; can flip the zone'
        in notes
    )
    back = parse_house_format(md).assessment
    assert back == d  # the notes are not read back as commentary; the spread travels in the metadata
    assert back.uncertainty == d.uncertainty and back.commentary == d.commentary


def test_a_draft_written_with_the_empty_copies_under_uncertainty_still_loads(llm_draft):
    """Sampled drafts once carried empty calibration / priors / task_estimates under uncertainty (never filled)."""
    d = consensus([Sample.of(llm_draft, 0), Sample.of(llm_draft, 1)])
    data = json.loads(d.model_dump_json())
    assert "calibration" not in data["uncertainty"]
    data["uncertainty"] |= {"calibration": [], "priors": {}, "task_estimates": {}}
    assert Assessment.model_validate(data).uncertainty == d.uncertainty
    data["uncertainty"]["priors"] = {"growth": ["X"]}  # a filled one was never written: still refused
    with pytest.raises(ValueError, match="priors"):
        Assessment.model_validate(data)
