"""The sections drafts now fill (excluded tasks, reinstatement size, evidence items, where to look next) in the
house format: written only when present, read back exactly, and documents without them still read."""

from __future__ import annotations

from drafter.assessment import Assessment
from drafter.house_format import parse_house_format, render_markdown


def _full(golden) -> Assessment:
    d = golden.model_dump(mode="json")
    d["reinstatement"] = {"size": "moderate", "offsets_displacement": False}
    d["evidence_claims"] = [
        {"dimension": "wage_trends", "claim": "Median wage $47,190 | flat in real terms", "figure": "$47,190",
         "as_of": "May 2022", "source": "notes", "citation": "BLS OEWS", "quote": "Median wage $47,190"},
        {"dimension": "ai_tool_maturity", "claim": "Coding tools assign routine codes", "source": "model"},
    ]  # fmt: skip
    d["where_to_look_next"] = [
        {"title": "Compliance Managers", "onet_code": "11-9199.02", "score": 48.2, "zone": "Green",
         "why": "HIPAA, audit method and coding accuracy transfer to compliance programmes"},
    ]  # fmt: skip
    return Assessment.model_validate(d)


def test_new_sections_round_trip_through_markdown(golden):
    a = _full(golden)
    md = render_markdown(a)
    assert "Reinstatement size: Moderate — the new work does not offset the work AI displaces." in md
    assert "| 22892 | Scheduling appointments is Medical Secretary work" in md
    assert "| Coding tools assign routine codes | AI Tool Maturity | | | model recall, verify | | |" in md
    assert "| Compliance Managers | 11-9199.02 | 48.2 | Green |" in md
    assert parse_house_format(md).assessment == a


def test_excluded_tasks_are_visible_and_no_longer_hidden_in_the_metadata(golden):
    md = render_markdown(golden)
    meta = md[md.index("<!-- drafter:metadata") :]
    assert "22892" not in meta and "| Excluded O*NET task | Why no row covers it |" in md
    assert parse_house_format(md).assessment.unmapped_onet_tasks == golden.unmapped_onet_tasks


def test_a_document_that_kept_excluded_tasks_in_its_metadata_still_reads_them(golden):
    md = render_markdown(golden)
    start, end = md.index("| Excluded O*NET task"), md.index("## Evidence Score")
    legacy = md[:start] + md[end:]
    legacy = legacy.replace('"provenance"', '"unmapped_onet_tasks": {"22892": "old reason"}, "provenance"')
    assert parse_house_format(legacy).assessment.unmapped_onet_tasks == {22892: "old reason"}


def test_absent_sections_are_not_written(golden):
    d = golden.model_dump(mode="json")
    d["unmapped_onet_tasks"] = {}
    md = render_markdown(Assessment.model_validate(d))
    for absent in ("Reinstatement size:", "| Excluded O*NET task", "| Evidence item", "| Where to look next"):
        assert absent not in md


def test_a_malformed_reinstatement_line_names_its_line(golden):
    md = render_markdown(_full(golden)).replace("Moderate — the new work", "Sizeable — the new work")
    import pytest

    from drafter.house_format.parse import HouseFormatError

    with pytest.raises(HouseFormatError, match=r"line \d+: reinstatement size: expected 'none\|low\|moderate\|high"):
        parse_house_format(md)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]), st.sampled_from("|\\\u2212")
    ),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_claims_moves_and_exclusions_round_trip(golden, data):
    d = golden.model_dump(mode="json")
    d["unmapped_onet_tasks"] = data.draw(st.dictionaries(st.integers(1, 10**6).map(str), _text, max_size=3))
    d["unmapped_onet_tasks"] = {
        k: v for k, v in d["unmapped_onet_tasks"].items() if int(k) not in golden.covered_task_ids()
    }
    optional = st.one_of(st.none(), _text)
    d["evidence_claims"] = data.draw(
        st.lists(
            st.fixed_dictionaries({
                "dimension": st.sampled_from(["job_posting_trends", "wage_trends", "expert_consensus"]),
                "claim": _text, "figure": optional, "as_of": optional, "citation": optional, "quote": optional,
                "source": st.sampled_from(["assessor", "notes", "model"]),
            }),
            max_size=3,
        )
    )  # fmt: skip
    d["where_to_look_next"] = data.draw(
        st.lists(
            st.fixed_dictionaries({
                "title": _text, "why": _text, "onet_code": st.sampled_from([None, "11-9199.02", "31-1131"]),
                "score": st.integers(0, 1000).map(lambda n: n / 10), "zone": st.sampled_from(["Red", "Green"]),
            }),
            max_size=3,
        )
    )  # fmt: skip
    d["reinstatement"] = data.draw(
        st.one_of(st.none(), st.fixed_dictionaries({"size": st.sampled_from(["none", "low", "moderate", "high"]),
                                                    "offsets_displacement": st.booleans()}))
    )  # fmt: skip
    a = Assessment.model_validate(d)
    assert parse_house_format(render_markdown(a)).assessment == a
