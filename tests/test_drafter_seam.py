"""The drafter seam: one protocol, two implementations chosen in one place, a scorecard made once per draft."""

from __future__ import annotations

import subprocess
import sys

import pytest

from drafter.documents import write_draft
from drafter.drafting import Draft, drafter_for
from drafter.drafting.llm_drafter import LLMDrafter
from drafter.drafting.offline import OfflineDrafter
from drafter.llm.endpoints import Endpoint
from drafter.onet import resolve_occupation
from drafter.scoring import score

from .conftest import SECRET

HTTP_STACK = ("httpx", "httpx2", "openai", "instructor")


def test_the_offline_default_drafts_without_importing_the_http_stack():
    code = (
        "import sys; from drafter.drafting import drafter_for; from drafter.onet import resolve_occupation; "
        "d = drafter_for(None).draft(resolve_occupation('29-2072')); "
        f"print(d.scorecard.score.shown, sorted(m for m in {HTTP_STACK!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["20.1", "[]"]  # offline default v2 (21.4 with v1)


def test_no_endpoint_means_the_offline_default_and_an_endpoint_the_llm_pipeline(monkeypatch, fake_llm, tmp_path):
    assert isinstance(drafter_for(None), OfflineDrafter)
    monkeypatch.setenv("DRAFTER_TEST_KEY", SECRET)
    ep = Endpoint(name="fake", base_url=fake_llm.base_url, model="fake-model", api_key_env="DRAFTER_TEST_KEY")
    with drafter_for(ep) as d:
        assert isinstance(d, LLMDrafter) and d.name == "llm:fake-model" and d.io_bound
        made = d.draft(resolve_occupation("29-2072"))
    assert made.assessment.provenance.drafted_by == "llm:fake-model"
    assert made.scorecard == score(made.assessment)  # the card travels with the draft and is the scorer's
    assert d.usage().requests == 4 == fake_llm.count


def test_a_drafter_closes_its_client_when_the_with_block_ends(monkeypatch, fake_llm):
    monkeypatch.setenv("DRAFTER_TEST_KEY", SECRET)
    ep = Endpoint(name="fake", base_url=fake_llm.base_url, model="fake-model", api_key_env="DRAFTER_TEST_KEY")
    with drafter_for(ep) as d:
        pass
    assert isinstance(d, LLMDrafter) and d.llm._openai.is_closed()


def test_writing_a_draft_renders_with_its_own_scorecard(tmp_path, monkeypatch):
    made = drafter_for(None).draft(resolve_occupation("29-2072"))

    def no_second_scoring(*args, **kwargs):
        raise AssertionError("the draft was scored again")

    monkeypatch.setattr("drafter.house_format.render.score", no_second_scoring)
    json_path, md_path = write_draft(made.assessment, made.scorecard, tmp_path, "29-2072.00")
    assert "20.1" in md_path.read_text(encoding="utf-8") and json_path.exists()


def test_eval_scores_each_draft_once_and_each_golden_role_once(monkeypatch):
    from drafter.evaluation import metrics
    from drafter.evaluation.runner import run_eval

    scored: list[str] = []
    real = metrics.score

    def counting(a, *args, **kwargs):
        scored.append(a.provenance.drafted_by)
        return real(a, *args, **kwargs)

    monkeypatch.setattr(metrics, "score", counting)
    run = run_eval(drafter=drafter_for(None))
    assert len(run.roles) == 5
    assert scored == ["human"]  # the golden role; the five drafts came with their scorecards


def test_the_label_tier_refuses_an_offline_default_that_would_read_the_answers():
    from drafter.errors import DrafterError
    from drafter.evaluation.labels_tier import run_label_tier

    with pytest.raises(DrafterError, match="hold_out=True"):
        run_label_tier(drafter_for(None), sample=2)


def test_a_draft_is_a_plain_value():
    made = drafter_for(None).draft(resolve_occupation("43-6013"))
    assert isinstance(made, Draft) and made.scorecard.methodology == "aijri-v1"
