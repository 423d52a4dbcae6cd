"""One draft, one resolved request: facts that bite, the async path's options, sample labels, one score, one ranking."""

from __future__ import annotations

import asyncio
import sys

import pytest

from drafter.drafting import drafter_for
from drafter.drafting.facts import DecomposeFacts, MissingFacts, RowFacts
from drafter.drafting.neighbours import ESTIMATE_INPUT
from drafter.drafting.outputs import Commentary, Decomposition, DraftClaim, RowScores
from drafter.llm.client import LLMError
from drafter.llm.endpoints import Endpoint
from drafter.onet import resolve_occupation

from .conftest import SECRET

DECOMPOSITION = {
    "seniority_level": "Mid-Level (3-7 years)",
    "seniority_note": "Entry-level coders code; seniors audit.",
    "rows": [{"task": "Coding", "onet_task_ids": [1], "time_pct": 100}],
}
ANSWERS = [
    (Decomposition, DECOMPOSITION),
    (RowScores, {"scores": [{"task": "Coding", "score": 4, "label": "DISPLACEMENT", "rationale": "x" * 30}]}),
    (DraftClaim, {"claim": "Wages are flat", "source": "model"}),
    (Commentary, {"calibration_note": "n" * 40, "sections": []}),
]


@pytest.fixture
def endpoint(monkeypatch, fake_llm):
    monkeypatch.setenv("DRAFTER_TEST_KEY", SECRET)
    return Endpoint(name="fake", base_url=fake_llm.base_url, model="fake-model", api_key_env="DRAFTER_TEST_KEY",
                    temperature=0.7)  # fmt: skip


@pytest.mark.parametrize(("model", "answer"), ANSWERS, ids=[m.__name__ for m, _ in ANSWERS])
def test_a_validator_called_without_its_steps_facts_raises_instead_of_passing(model, answer):
    with pytest.raises(MissingFacts, match=f"{model.__name__} was validated without its step's facts"):
        model.model_validate(answer)


def test_a_validator_given_another_steps_facts_raises_too():
    with pytest.raises(MissingFacts, match=r"\(DecomposeFacts\)"):
        Decomposition.model_validate(DECOMPOSITION, context=RowFacts(row_names=("Coding",), labels_by_score={}))
    Decomposition.model_validate(DECOMPOSITION, context=DecomposeFacts(known_ids=(1,), required_ids=(1,)))


def test_a_call_made_without_facts_fails_at_once_and_is_not_re_asked(llm_factory, fake_llm):
    messages = [{"role": "system", "content": "test"}, {"role": "user", "content": "Tasks:\n- [1] (Core) task 1\n"}]
    with pytest.raises(LLMError, match="Decomposition was validated without its step's facts") as e:
        llm_factory().structured("decompose", Decomposition, messages)
    assert "after 1 attempts" in str(e.value) and fake_llm.count == 1  # not re-asked: the caller's mistake


def test_an_async_draft_honours_notes_source_and_on_step(endpoint, fake_llm):
    told: list[tuple[str, bool]] = []

    async def draft():
        with drafter_for(endpoint) as d:
            made = await d.adraft(
                resolve_occupation("29-2072"), notes="BLS projects 7% growth 2024-2034.", notes_source="notes.md",
                on_step=lambda step, result: told.append((step, result is not None)),
            )  # fmt: skip
            await d.aclose()
            return made

    made = asyncio.run(draft())
    assert made.assessment.provenance.inputs["notes"] == "notes.md"
    assert [s for s, done in told if not done] == ["decompose", "score_rows", "role_sections", "commentary"]
    assert sorted(s for s, done in told if done) == sorted(["decompose", "score_rows", "role_sections", "commentary"])


def test_a_sampled_draft_through_api_draft_reports_each_step_with_its_sample_label(endpoint, fake_llm):
    from drafter import api

    done: list[str] = []
    api.draft("29-2072", endpoint=endpoint, samples=2, on_step=lambda step, r: r is not None and done.append(step))
    per_sample = ["decompose", "role_sections", "score_rows"]
    assert sorted(done) == sorted([f"fake/{k}:{s}" for k in (0, 1) for s in per_sample] + ["consensus:commentary"])


@pytest.fixture
def scored(monkeypatch):
    """Every draft the scorer is asked to score, wherever the scorer was imported (``from ..scoring import``); the
    calibration set's human-scored roles, scored once when it loads, are not drafts."""
    from drafter import scoring

    seen: list[int] = []
    real = scoring.score

    def counted(a, *args, **kwargs):
        estimate = a.provenance.inputs.get("purpose") == ESTIMATE_INPUT["purpose"]  # a candidate move's, not a draft
        if a.provenance.drafted_by.startswith(("llm:", "consensus:", "offline:")) and not estimate:
            seen.append(id(a))
        return real(a, *args, **kwargs)

    import drafter.drafting.offline  # noqa: F401 - loaded, so its binding of the scorer is counted too
    import drafter.drafting.sampling  # noqa: F401

    for name, module in list(sys.modules.items()):
        if name.startswith("drafter") and getattr(module, "score", None) is real:
            monkeypatch.setattr(module, "score", counted)
    return seen


def test_an_llm_draft_is_scored_once(endpoint, fake_llm, scored):
    from drafter import api

    made = api.draft("29-2072", endpoint=endpoint)
    assert len(scored) == 1 and made.scorecard.score.shown


def test_a_sampled_draft_scores_each_sample_once_and_the_consensus_once(endpoint, fake_llm, scored):
    from drafter import api

    made = api.draft("29-2072", endpoint=endpoint, samples=3)
    assert len(scored) == 3 + 1 and len(set(scored)) == len(scored)  # no assessment scored twice
    assert made.assessment.uncertainty is not None and len(made.assessment.uncertainty.samples) == 3


def test_an_offline_draft_is_scored_once(scored):
    from drafter import api

    api.draft("29-2072")
    assert len(scored) == 1


@pytest.mark.parametrize("samples", [1, 2])
def test_the_calibration_set_is_ranked_once_per_draft(endpoint, fake_llm, monkeypatch, samples):
    from drafter import api
    from drafter.calibration import CalibrationSet

    ranked = []
    nearest = CalibrationSet.nearest

    def counted(self, *args, **kwargs):
        ranked.append(kwargs.get("onet_code"))
        return nearest(self, *args, **kwargs)

    monkeypatch.setattr(CalibrationSet, "nearest", counted)
    shown = []
    made = api.draft("43-6013", endpoint=endpoint, samples=samples, on_request=lambda r: shown.append(r.calibration))
    # the candidates' offline estimates rank the set for their own occupations, never for this one again
    assert [c for c in ranked if c == "43-6013.00"] == ["43-6013.00"] and len(shown) == 1 and shown[0].table
    if samples == 1:  # the draft's provenance records the same roles (a consensus records its samples instead)
        assert [c.title for c in made.assessment.provenance.calibration] == [c.title for c in shown[0].used]


@pytest.fixture
def scored_texts(monkeypatch):
    """How often the scorer saw each assessment, by its JSON (a sensitivity variant is another assessment)."""
    import collections

    from drafter import scoring

    seen: collections.Counter[str] = collections.Counter()
    real = scoring.score

    def counted(a, *args, **kwargs):
        seen[a.model_dump_json()] += 1
        return real(a, *args, **kwargs)

    import drafter.drafting.offline  # noqa: F401 - loaded, so their bindings of the scorer are counted too
    import drafter.house_format.parse  # noqa: F401
    import drafter.review.report  # noqa: F401
    import drafter.sensitivity  # noqa: F401

    for name, module in list(sys.modules.items()):
        if name.startswith("drafter") and getattr(module, "score", None) is real:
            monkeypatch.setattr(module, "score", counted)
    return seen


def _cli(args: list[str], cwd, monkeypatch) -> None:
    from typer.testing import CliRunner

    from drafter.cli import build_app

    monkeypatch.chdir(cwd)
    monkeypatch.setenv("DRAFTER_HOME", str(cwd / "home"))
    r = CliRunner().invoke(build_app(args), args, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output


def test_drafting_writing_and_printing_an_offline_draft_scores_it_once(tmp_path, monkeypatch, scored_texts):
    """`drafter draft` scores the draft, writes its Markdown (figures, flips, awaiting range) and prints the
    scorecard and review: the draft itself reaches the scorer once, and no variant of it twice."""
    from drafter import api

    _cli(["draft", "29-2072", "--offline"], tmp_path, monkeypatch)
    written = api.load(tmp_path / "drafts" / "29-2072.00.json").model_dump_json()
    assert scored_texts[written] == 1
    assert max(scored_texts.values()) == 1  # the zone-flip variants too: the sensitivity was computed once


def test_scoring_a_document_scores_it_once(tmp_path, monkeypatch, scored_texts):
    from drafter import api

    _cli(["draft", "29-2072", "--offline"], tmp_path, monkeypatch)
    scored_texts.clear()
    _cli(["score", "drafts/29-2072.00.md"], tmp_path, monkeypatch)
    assert max(scored_texts.values()) == 1
    document = api.load(tmp_path / "drafts" / "29-2072.00.md").model_dump_json()  # loading it scores it too
    assert scored_texts[document] == 1 + 1
