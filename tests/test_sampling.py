"""Sampled and panel drafts against the fake OpenAI server, which answers differently per sample seed / model."""

from __future__ import annotations

import pytest

from drafter.assessment import SourceKind, TaskLabel, Zone
from drafter.drafting.sampling import draft_sampled
from drafter.inputs import with_value
from drafter.onet import resolve_occupation
from drafter.review.provenance import field_sources
from drafter.scoring import score

CODING = "Medical coding (ICD-10/CPT assignment)"
ROW0 = {0: 4, 1: 5, 2: 2, 3: 1}  # the coding row's score per sample seed (golden: 4)
GROWTH = {0: -1, 1: -2, 2: 0, 3: 0}  # growth per sample seed (golden: -1)


def vary_by_seed(name: str, body: dict, answer: dict) -> dict:
    seed = body.get("seed")
    if seed is None:
        return answer
    if name == "RowScores":
        for s in answer["scores"]:
            if s["task"] == CODING:
                s["score"] = ROW0[seed]
                # the label the methodology allows for the score (1 -> NOT INVOLVED, 2-3 AUGMENTATION, 4-5 DISPLACEMENT)
                s["label"] = {1: "NOT INVOLVED", 2: "AUGMENTATION", 3: "AUGMENTATION"}.get(ROW0[seed], "DISPLACEMENT")
    if name == "RoleSections":
        answer["growth"]["score"] = GROWTH[seed]
    return answer


def _expected(golden, seed: int):
    a = with_value(golden, "tasks[0].score", ROW0[seed])
    return score(with_value(a, "growth.score", GROWTH[seed]))


@pytest.fixture
def occ():
    return resolve_occupation("29-2072")


@pytest.fixture
def sampled(tmp_path, monkeypatch, fake_llm):
    """Draft with the real sampled drafter (openai + instructor) against the fake server, logging to tmp."""
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog

    from .conftest import SECRET

    monkeypatch.setenv("DRAFTER_TEST_KEY", SECRET)
    logs = []

    def draft(occ, samples: int, *endpoints: dict):
        settings = dict(name="fake", kind="openai", base_url=fake_llm.base_url, model="fake-model",
                        api_key_env="DRAFTER_TEST_KEY", timeout=5.0, http_retries=2, validation_retries=2)  # fmt: skip
        eps = [Endpoint(**(settings | e)) for e in endpoints or ({},)]
        log = RunLog(tmp_path / "runlog.sqlite")
        logs.append(log)
        return draft_sampled(occ, eps, samples, log=log).assessment

    yield draft
    for log in logs:
        log.close()


def test_samples_give_the_consensus_the_spreads_and_the_interval(fake_llm, sampled, occ, golden):
    fake_llm.script.vary = vary_by_seed
    draft = sampled(occ, 3, {"temperature": 0.7})
    assert fake_llm.count == 3 * 3 + 1  # three steps per sample, one commentary for the consensus
    assert sorted(r.get("seed") for r in fake_llm.requests) == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    row0 = next(i for i, t in enumerate(draft.tasks) if t.task == CODING)
    assert draft.tasks[row0].score == 4 and draft.tasks[row0].label is TaskLabel.DISPLACEMENT  # median of 4, 5, 2
    assert draft.growth.score == -1  # median of -1, -2, 0
    u = draft.uncertainty
    assert u.rows[row0].scores == [4, 5, 2]
    assert next(i.values for i in u.inputs if i.path == "growth.score") == [-1, -2, 0]
    composites = [_expected(golden, k).score.value for k in range(3)]
    assert [s.score for s in u.samples] == composites
    assert (u.composite.low, u.composite.high) == (min(composites), max(composites))
    zones = [_expected(golden, k).zone for k in range(3)]
    assert u.composite.zone_shares == {z: round(zones.count(z) / 3, 4) for z in Zone}
    assert [(s.endpoint, s.sample, s.temperature) for s in u.samples] == [
        ("fake", 0, 0.7),
        ("fake", 1, 0.7),
        ("fake", 2, 0.7),
    ]
    assert all(s.prompt_versions.keys() == {"decompose", "score_rows", "role_sections"} for s in u.samples)
    # the commentary is written once, from the consensus figures
    assert f"computed JobZone score of {score(draft).score.shown}" in draft.commentary[0].body
    assert field_sources(draft)["commentary[0].body"].detail == "written for the consensus"


def test_samples_are_separate_cached_requests_so_a_rerun_costs_nothing(fake_llm, sampled, occ):
    fake_llm.script.vary = vary_by_seed
    first = sampled(occ, 3, {"temperature": 0.7})
    asked = fake_llm.count
    again = sampled(occ, 3, {"temperature": 0.7})
    assert fake_llm.count == asked  # every sample and the commentary answered from the run log
    ua, ub = again.uncertainty, first.uncertainty
    assert (ua.rows, ua.inputs, ua.composite) == (ub.rows, ub.inputs, ub.composite) and again.tasks == first.tasks
    assert [s.score for s in ua.samples] == [s.score for s in ub.samples]  # run ids differ: a new run
    more = sampled(occ, 4, {"temperature": 0.7})
    new = fake_llm.requests[asked:]
    assert sorted(r.get("seed") for r in new if r.get("seed") != 0) == [3, 3, 3]  # only sample 3 is new
    assert len(more.uncertainty.samples) == 4


def vary_by_model(name: str, body: dict, answer: dict) -> dict:
    """Model m2 merges the first two rows (its row scorer then gives the merged row 3, AUGMENTATION)."""
    if body.get("model") == "m2" and name == "Decomposition":
        rows = answer["rows"]
        merged = {"task": "Coding and abstraction", "onet_task_ids": rows[0]["onet_task_ids"] + rows[1]["onet_task_ids"],
                  "time_pct": rows[0]["time_pct"] + rows[1]["time_pct"]}  # fmt: skip
        answer["rows"] = [merged, *rows[2:]]
    return answer


def test_a_panel_of_two_endpoints_records_both_and_aligns_their_rows_by_task_ids(fake_llm, sampled, occ):
    fake_llm.script.vary = vary_by_model
    draft = sampled(occ, 1, {"name": "a", "model": "m1"}, {"name": "b", "model": "m2"})
    u = draft.uncertainty
    assert [(s.endpoint, s.model) for s in u.samples] == [("a", "m1"), ("b", "m2")]
    assert u.decompositions == 2 and [s.decomposition for s in u.samples] == [0, 1]
    assert {r.get("model") for r in fake_llm.requests} == {"m1", "m2"}
    assert [t.task for t in draft.tasks][:2] == [CODING, "EHR data abstraction & entry"]  # tie: the first endpoint's
    assert (u.rows[0].scores, u.rows[1].scores) == ([4, 3], [5, 3])  # m2's merged row counts for both
    assert u.rows[0].time_pcts == [30, None]
    assert (draft.tasks[0].score, draft.tasks[1].score) == (3, 3)  # median_low of two values
    assert draft.provenance.drafted_by == "consensus:2 samples of llm:m1+llm:m2"
    sources = field_sources(draft)
    assert sources["tasks[0].score"].kind is SourceKind.CONSENSUS and sources["tasks[0].score"].samples == 2
    assert (sources["tasks[0].rationale"].endpoint, sources["tasks[0].rationale"].model) in {("a", "m1"), ("b", "m2")}
    assert sources["commentary[0].body"].endpoint == "a"


def test_a_sampled_drafter_in_a_batch_worker_plans_its_share_of_each_endpoints_budget(tmp_path):
    from drafter.drafting.choose import drafter_for
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog

    eps = [Endpoint(name=n, base_url="http://127.0.0.1:9/v1", model=n, api_key_env="NONE", tpm=1000.0) for n in "ab"]
    d = drafter_for(eps, samples=2, budget_share=0.5, log=RunLog(tmp_path / "log.sqlite"))
    try:
        assert [m.llm.limiter.share for m in d.members] == [0.5, 0.5]  # type: ignore[attr-defined]
        assert [m.llm.limiter.tpm for m in d.members] == [500.0, 500.0]  # this process plans half of each  # type: ignore[attr-defined]
    finally:
        d.close()
