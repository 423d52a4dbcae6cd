"""Say what is unknown: the composite's range over the whole scales of the inputs an offline draft leaves
awaiting, its ends reached by actual settings, and where it is shown (score --json, the terminal, the portfolio)."""

from __future__ import annotations

import csv
import dataclasses
import json
from decimal import Decimal

import pytest

from drafter.assessment import Zone
from drafter.drafting.offline import draft_offline
from drafter.inputs import all_inputs
from drafter.methodology import load_methodology
from drafter.onet import resolve_occupation
from drafter.scoring import score
from drafter.sensitivity import _apply, _grid, awaiting_range, sensitivity


@pytest.fixture(scope="module")
def offline_medical_records():
    return draft_offline(resolve_occupation("29-2072"))


def test_the_golden_roles_offline_draft_ranges_over_its_fourteen_awaiting_inputs(offline_medical_records):
    r = awaiting_range(offline_medical_records)
    assert r is not None and len(r.awaiting) == 14 and r.method == "corners"
    assert (r.score, r.low, r.high) == ("20.1", "7.7", "42.8")
    assert r.zones == [Zone.RED, Zone.YELLOW]
    assert r.line() == "20.1 now; 7.7–42.8 until the 14 awaiting input(s) are set (spans Red, Yellow)"


def test_the_ranges_ends_are_the_scores_of_actual_settings_of_the_awaiting_inputs(offline_medical_records):
    r = awaiting_range(offline_medical_records)
    assert set(r.low_settings) == set(r.high_settings) == set(r.awaiting)
    assert score(_apply(offline_medical_records, r.low_settings)).score.shown == r.low
    assert score(_apply(offline_medical_records, r.high_settings)).score.shown == r.high


def test_no_setting_of_the_awaiting_totals_scores_outside_the_corners(offline_medical_records):
    """The monotonicity the corners rely on, checked against every reachable combination of section totals."""
    r = awaiting_range(offline_medical_records)
    awaiting = [i for i in all_inputs(offline_medical_records) if i.value is None]
    scores = [score(_apply(offline_medical_records, s)).score.value for s in _grid(awaiting)]
    assert len(scores) == 21 * 11 * 5
    assert min(scores) == float(r.low) and max(scores) == float(r.high)


def test_a_methodology_whose_modifier_can_turn_negative_is_searched_over_the_grid(offline_medical_records):
    m = dataclasses.replace(load_methodology(), evidence_per_point=Decimal("0.2"))  # 1 + (-10 × 0.2) < 0
    r = awaiting_range(offline_medical_records, m)
    assert r is not None and r.method == "grid"
    assert score(_apply(offline_medical_records, r.low_settings), m).score.shown == r.low
    assert score(_apply(offline_medical_records, r.high_settings), m).score.shown == r.high
    assert Decimal(r.low) <= Decimal(r.score) <= Decimal(r.high)


def test_a_draft_with_no_awaiting_inputs_shows_no_range(golden):
    assert awaiting_range(golden) is None and sensitivity(golden).awaiting_range is None
    borrowed = draft_offline(resolve_occupation("43-6013"))  # every role-level input borrowed from a prior
    assert score(borrowed).pending == [] and awaiting_range(borrowed) is None


def test_score_json_and_the_terminal_scorecard_show_the_range(run_cli, tmp_path, offline_medical_records, golden):
    path = tmp_path / "29-2072.json"
    path.write_text(offline_medical_records.model_dump_json(indent=2), encoding="utf-8")
    out = run_cli("score", str(path), "--json")
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)["sensitivity"]["awaiting_range"]
    assert (r["low"], r["high"], r["zones"]) == ("7.7", "42.8", ["Red", "Yellow"])
    shown = run_cli("score", str(path))
    assert "Range: 20.1 now; 7.7–42.8 until the 14 awaiting input(s) are set (spans Red, Yellow)" in shown.stdout
    done = tmp_path / "golden.json"
    done.write_text(golden.model_dump_json(indent=2), encoding="utf-8")
    assert "Range:" not in run_cli("score", str(done)).stdout


def test_the_portfolio_shows_the_range_per_role(run_cli, tmp_path, offline_medical_records, golden):
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "29-2072.json").write_text(offline_medical_records.model_dump_json(indent=2), encoding="utf-8")
    (drafts / "golden.json").write_text(golden.model_dump_json(indent=2), encoding="utf-8")
    out = run_cli("table", str(drafts), "--csv", str(tmp_path / "t.csv"), "--html", str(tmp_path / "p.html"))
    assert out.returncode == 0, out.stderr
    assert "7.7–42.8 Red, Yellow" in out.stdout
    rows = {r["file"]: r for r in csv.DictReader((tmp_path / "t.csv").open(encoding="utf-8"))}
    assert (rows["29-2072.json"]["awaiting_low"], rows["29-2072.json"]["awaiting_high"]) == ("7.7", "42.8")
    assert rows["29-2072.json"]["awaiting_zones"] == "Red, Yellow" and rows["golden.json"]["awaiting_low"] == ""
    assert "7.7–42.8 Red, Yellow" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_the_docs_state_the_range_and_the_out_of_fold_figures_the_code_gives(offline_medical_records):
    from pathlib import Path

    from drafter.taskmodel.model import shipped_figures

    docs = Path(__file__).resolve().parent.parent / "docs"
    assert f"# Range: {awaiting_range(offline_medical_records).line()}" in (docs / "review.md").read_text(
        encoding="utf-8"
    )
    exact = shipped_figures()["cross_validation"]["all"]["exact"]["agreement"]
    for page in ("offline.md", "eval.md"):
        assert f"{exact:.1%}" in (docs / page).read_text(encoding="utf-8")
    assert "design-set" in (docs / "eval.md").read_text(encoding="utf-8")


def test_the_review_page_portfolio_shows_the_range_per_role(tmp_path, offline_medical_records):
    import asyncio

    import httpx2

    from drafter.web.app import Settings, create_app

    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "29-2072.00.json").write_text(offline_medical_records.model_dump_json(indent=2), encoding="utf-8")
    app = create_app(Settings(drafts, tmp_path / "finals", "ana"))

    async def go():
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return await c.get("/")

    r = asyncio.run(go())
    assert r.status_code == 200 and "Until set" in r.text and "<td>7.7–42.8 Red, Yellow</td>" in r.text


def test_the_written_draft_states_the_range_in_its_review_notes_and_still_round_trips(offline_medical_records):
    from drafter.house_format import parse_house_format, render_markdown

    text = render_markdown(offline_medical_records)
    notes = text[text.index("Review Notes") :]
    line = "Range while inputs await assessor input: 20.1 now; 7.7–42.8 until the 14 awaiting input(s) are set (spans Red, Yellow)."
    assert line in notes and text.count(line) == 1
    again = parse_house_format(text)  # a generated line: never read back
    assert again.assessment == offline_medical_records and again.report.ok
    assert render_markdown(again.assessment) == text


def test_the_range_reuses_the_scorecard_the_renderer_has(offline_medical_records, monkeypatch):
    import drafter.sensitivity as sens_module
    from drafter.house_format import render_markdown

    card = score(offline_medical_records)
    scored: list[int] = []
    real = sens_module.score

    def counting(a, *args, **kwargs):
        scored.append(a is offline_medical_records)
        return real(a, *args, **kwargs)

    monkeypatch.setattr(sens_module, "score", counting)
    monkeypatch.setattr(sens_module, "_MEMO", {})
    assert "Range while inputs await" in render_markdown(offline_medical_records, card=card)
    assert scored and not any(scored)  # only the range's corners are scored, never the draft itself again
