"""The occupation-facts layer (issue 22 item 2): dated, sourced facts in `onet show`, `notes`, the prompts (as
citable notes) and the offline draft; observed AI use "not reported" is never zero; no golden role gets its own
figure back."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from drafter.drafting.facts import SectionFacts
from drafter.drafting.outputs import DraftClaim
from drafter.labour.facts import DatedFigure, LabourFacts
from drafter.labour.notes import notes_for_draft
from drafter.labour.occupation import ObservedUse, occupation_facts
from drafter.labour.tables import LabourTables
from drafter.onet.catalog import Catalog

from .test_labour_cli import _endpoints, _user_text

MUST_SHOW = {
    # code: (a fact line with its source and date, the prior's label, a per-task observed-use line or summary)
    "29-2072": (
        "- Job Zone Three: Medium Preparation Needed (zone 3 of 5; O*NET 29.3, May 2025; zone dated 11/2021)",
        "No O*NET task ratings are bundled or imported for these tasks",
        "- task 22881: observed AI use: 0.018% of conversations; 42% automation (directive + feedback loop)",
    ),
    "43-6013": (
        "- Work context, importance of repeating the same tasks: 0.9 (O*NET Work Context rescaled 0-1, as "
        "published with GPTs are GPTs, Science 2024)",
        "Shares from O*NET 29.3 task ratings (May 2025): log10(1 + occurrences/yr, derived from O*NET's frequency categories) × importance × relevance",
        "- task 776: observed AI use: 0.014% of conversations; 56% automation (directive + feedback loop)",
    ),
    "47-2061": (
        "- Job Zone Two: Some Preparation Needed (zone 2 of 5; O*NET 29.3, May 2025; zone dated 08/2020)",
        "Shares from O*NET 29.3 task ratings (May 2025)",
        "observed in AI use: none of 32 tasks (Anthropic Economic Index, Mar 2025: no observed use reported",
    ),
}


@pytest.mark.parametrize("code", sorted(MUST_SHOW))
def test_recorded_requests_carry_dated_sourced_facts_and_the_ratings_prior(code, run_cli, tmp_path, fake_llm):
    cfg = _endpoints(tmp_path, fake_llm.base_url)
    r = run_cli("draft", code, "--endpoint", "fake", "--config", str(cfg), "-o", str(tmp_path / "d"),
                env={"FAKE_KEY": "x"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    fact, prior, observed = MUST_SHOW[code]
    for body in fake_llm.requests:
        text = _user_text(body)
        assert fact in text and prior in text and observed in text
        assert "(O*NET 29.3, May 2025, Occupation Data)" in text and "(BLS OEWS, May 2025, SOC " in text
        assert "<notes>\nOfficial figures (BLS OEWS, May 2025)" in text  # the facts are the notes: citable
    if code == "29-2072":  # its own scored text's May 2022 wage is never quoted back to it in its notes (the
        # calibration worked example is the calibration block's business, not the facts layer's)
        notes = [_user_text(b).split("<notes>", 1)[1].split("</notes>", 1)[0] for b in fake_llm.requests]
        assert notes and not any("47,190" in n or "May 2022" in n for n in notes)


def test_observed_use_quoted_from_the_facts_passes_and_a_changed_figure_is_refused():
    notes, _ = notes_for_draft("43-6013.00", None, None)
    assert notes is not None
    facts = SectionFacts(notes=notes, calibration=())
    quote = "observed AI use: 0.014% of conversations; 56% automation (directive + feedback loop)"
    claim = {"claim": "Charting is already done with AI help", "figure": "0.014%", "as_of": "Mar 2025",
             "source": "notes", "citation": "Anthropic Economic Index, Mar 2025"}  # fmt: skip
    DraftClaim.model_validate(claim | {"quote": quote}, context=facts)
    with pytest.raises(ValueError, match="does not appear verbatim in the evidence notes"):
        DraftClaim.model_validate(claim | {"quote": quote.replace("0.014%", "1.4%")}, context=facts)


def test_a_notes_items_figure_or_date_that_its_quote_does_not_hold_is_refused():
    notes, _ = notes_for_draft("43-6013.00", None, None)
    assert notes is not None
    facts = SectionFacts(notes=notes, calibration=())
    quote = "observed AI use: 0.014% of conversations; 56% automation (directive + feedback loop)"
    claim = {"claim": "Charting is already done with AI help", "figure": "56% automation", "as_of": "Mar 2025",
             "source": "notes", "citation": "Anthropic Economic Index, Mar 2025", "quote": quote}  # fmt: skip
    DraftClaim.model_validate(claim, context=facts)  # a number of the quote, the notes' date
    with pytest.raises(ValueError, match=r"figure '90%' .* has 90, which its quote .* does not hold"):
        DraftClaim.model_validate(claim | {"figure": "90%"}, context=facts)
    for wrong in ("May 2019", "Mar 2019", "Mar 2024", "2026"):
        with pytest.raises(ValueError, match=rf"as_of '{wrong}' .* names a date that neither its quote nor the"):
            DraftClaim.model_validate(claim | {"as_of": wrong}, context=facts)
    for honest in ("March 2025", "2025-03", "Mar. 2025", "2025"):  # the notes' date, however it is written
        DraftClaim.model_validate(claim | {"as_of": honest}, context=facts)
    wage = "Median annual wage: $51,140 (May 2025)"
    assert wage in notes_for_draft("29-2072.00", None, None)[0]
    wages = SectionFacts(notes=notes_for_draft("29-2072.00", None, None)[0], calibration=())
    for figure in ("$51,140", "51140", "$51 140 a year"):  # grouped thousands are the same number
        DraftClaim.model_validate(claim | {"quote": wage, "figure": figure, "as_of": "May 2025"}, context=wages)
    with pytest.raises(ValueError, match="has 47190"):
        DraftClaim.model_validate(claim | {"quote": wage, "figure": "$47,190", "as_of": "May 2025"}, context=wages)
    projection = SectionFacts(notes="## Projections (BLS, 2024–34)\n\nEmployment is projected to grow 7 percent.\n",
                              calibration=())  # fmt: skip
    grow = claim | {"quote": "projected to grow 7 percent", "figure": "7%"}
    for honest in ("2024-2034", "2024–34", "2024 to 2034"):  # the section's heading dates it
        DraftClaim.model_validate(grow | {"as_of": honest}, context=projection)
    with pytest.raises(ValueError, match="names a date"):
        DraftClaim.model_validate(grow | {"as_of": "2024-2035"}, context=projection)
    model = claim | {"source": "model", "quote": None, "figure": "90%", "as_of": "May 2019"}
    DraftClaim.model_validate(model, context=facts)  # the model's own recall is verified later, not here


def test_a_refused_figure_goes_back_to_the_model_with_the_items_field_path():
    from pydantic import ValidationError

    from drafter.drafting.outputs import DraftEvidenceItem

    notes, _ = notes_for_draft("43-6013.00", None, None)
    facts = SectionFacts(notes=notes, calibration=())
    item = {"claim": "Charting is already done with AI help", "figure": "90%", "as_of": "Mar 2025",
            "source": "notes", "quote": "observed AI use: 0.014% of conversations; 56% automation"}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        DraftEvidenceItem.model_validate({"score": -1, "evidence": "x" * 20, "items": [item]}, context=facts)
    message = str(refused.value)  # what the re-ask sends back
    assert "items.0" in message and "figure '90%'" in message


def test_a_task_absent_from_the_index_is_not_reported_and_never_zero():
    facts = occupation_facts(Catalog.load().get("43-6013"))
    absent, seen = facts.use_of(775), facts.use_of(776)
    assert not absent.reported and absent.pct is None
    assert absent.line() == "observed AI use: no observed use reported (Anthropic Economic Index, Mar 2025)"
    assert absent.to_json() == {"task_id": 775, "reported": False, "note": "no observed use reported"}
    assert seen.reported and seen.to_json()["pct_of_conversations"] == pytest.approx(0.01407)
    zero = ObservedUse(1, 0.0, (0.0, 0.0, 0.0, 0.0, 0.0, 1.0))  # a reported zero reads as zero, not as absent
    assert zero.reported and zero.line().startswith("observed AI use: 0% of conversations")
    assert facts.observed_summary().startswith(
        "observed in AI use: 7 of 16 tasks; averaged over them, 32% automation (directive + feedback loop), "
        "16% augmentation (iteration, validation, learning), 52% too few to classify"
    )
    assert "the others: no observed use reported, not zero use" in facts.observed_summary()


def test_the_observed_use_summary_states_the_automation_augmentation_split_not_the_largest_mode(run_cli, tmp_path):
    """29-2072's largest single mode is directive (2.54 summed over its 8 observed tasks), but the augmentation
    modes together (iteration 0.98 + validation 0.21 + learning 1.83 = 3.02) outweigh it: never "mostly directive"."""
    facts = occupation_facts(Catalog.load().get("29-2072"))
    seen = [u for u in facts.observed if u.reported]
    assert sum(u.share(("directive",)) for u in seen) == pytest.approx(2.54, abs=0.01)
    assert sum(u.share(("task_iteration", "validation", "learning")) for u in seen) == pytest.approx(3.02, abs=0.01)
    split = (
        "8 of 17 tasks; averaged over them, 32% automation (directive + feedback loop), 38% augmentation (iteration, "
        "validation, learning), 30% too few to classify (Anthropic Economic Index, Mar 2025)"
    )
    assert split in facts.observed_summary() and "mostly" not in facts.observed_summary()
    from drafter.drafting.offline import observed_evidence

    assert split in observed_evidence(Catalog.load().get("29-2072"))["ai_tool_maturity"]  # the offline draft's text
    assert run_cli("notes", "29-2072", cwd=tmp_path).returncode == 0
    notes = (tmp_path / "notes" / "29-2072.md").read_text(encoding="utf-8")
    assert split in notes and "mostly" not in notes
    prompt_notes, _ = notes_for_draft("29-2072.00", None, None)  # what the prompts carry as notes
    assert prompt_notes is not None and split in prompt_notes and "mostly" not in prompt_notes


def test_a_figure_read_from_a_golden_roles_text_is_never_attached_to_that_role():
    tables = LabourTables.load()
    soc = tables.soc_for("29-2072.00").soc_code
    cited = DatedFigure("annual_median_wage", Decimal(47190), 2022, "BLS May 2022, as cited", "29-2072.00")
    other = DatedFigure("annual_median_wage", Decimal(47190), 2022, "BLS May 2022, as cited", "43-6013.00")
    assert LabourFacts(tables, {soc: [cited]}).role("29-2072.00").earlier == {}
    assert LabourFacts(tables, {soc: [other]}).role("29-2072.00").earlier["annual_median_wage"] == other
    loaded = LabourFacts.load().role("29-2072.00")  # the shipped golden role cites $47,190 (May 2022)
    assert all(d.cited_by[:7] != "29-2072" for d in loaded.earlier.values())
    notes, _ = notes_for_draft("29-2072.00", None, None)
    assert notes is not None and "47,190" not in notes


def test_onet_show_prints_the_facts_and_observed_use_and_json_has_them(run_cli):
    r = run_cli("onet", "show", "43-6013")
    assert r.returncode == 0, r.stderr
    assert "Occupation facts" in r.stdout and "zone dated 08/2021" in r.stdout
    assert "0.014% of conversations, 56% automation" in r.stdout and "not reported" in r.stdout
    assert "rule: O*NET 29.3 task ratings (May 2025)" in r.stdout
    doc = json.loads(run_cli("onet", "show", "43-6013", "--json").stdout)
    assert doc["facts"]["job_zone"]["zone"] == 2 and doc["facts"]["job_zone"]["source"] == "O*NET 29.3, May 2025"
    assert doc["tasks"][0]["observed_ai_use"] == {"task_id": 775, "reported": False, "note": "no observed use reported"}
    assert doc["prior_rule"].startswith("O*NET 29.3 task ratings (May 2025)")


def test_notes_file_carries_the_dated_sourced_facts(run_cli, tmp_path):
    assert run_cli("notes", "47-2061", cwd=tmp_path).returncode == 0
    text = (tmp_path / "notes" / "47-2061.md").read_text(encoding="utf-8")
    assert "## Occupation facts: Construction Laborers (O*NET 47-2061.00)" in text
    assert "- Work context, importance of repeating the same tasks: 0.41 (O*NET Work Context" in text
    assert text.index("## Occupation facts") < text.index("## Projections")


def test_an_assessors_notes_get_the_facts_appended_once():
    text, source = notes_for_draft("43-6013.00", "my notes", "n.md")
    assert text is not None and text.startswith("my notes\n\n## Occupation facts") and "Job Zone Two" in text
    assert source == "n.md"  # the provenance still names the file
    assert notes_for_draft("43-6013.00", text, "n.md") == (text, "n.md")  # a notes file that holds them already


def test_offline_draft_states_observed_use_in_ai_tool_maturity():
    from drafter.drafting.offline import draft_offline

    a = draft_offline(Catalog.load().get("43-6013"))
    text = a.evidence.ai_tool_maturity.evidence
    assert (
        "Observed in AI use: 7 of 16 tasks; averaged over them, 32% automation (directive + feedback loop), 16% "
        "augmentation (iteration, validation, learning), 52% too few to classify (Anthropic Economic Index, Mar 2025)"
    ) in text
    assert a.provenance.inputs["prior_rule"].startswith("O*NET 29.3 task ratings (May 2025)")


@pytest.mark.parametrize("code", ["43-6013", "47-2061"])
def test_each_row_is_scored_with_its_tasks_observed_use_beside_it(code, llm_factory, fake_llm, catalog):
    from drafter.drafting.drive import draft_with_llm

    occ = catalog.get(code)
    a = draft_with_llm(occ, llm_factory()).assessment
    facts = occupation_facts(occ)
    scoring = [b["messages"][-1]["content"] for b in fake_llm.requests if "STEP 2 OF 4" in b["messages"][-1]["content"]]
    text = "\n".join(scoring)
    assert scoring
    for row in a.tasks:
        block = text.split(f"- {row.task} ({row.time_pct}%): ", 1)[1].split("\n- ", 1)[0]
        reported = [i for i in row.onet_task_ids if facts.use_of(i).reported]
        for i in reported:  # each task's line as the facts state it, never a sum the source does not hold
            assert f"  task {i}: {facts.use_of(i).line()}" in block
        if not reported:
            assert "no observed AI use reported for its tasks (not zero use)" in block
