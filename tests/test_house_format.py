from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafter.assessment import Assessment
from drafter.house_format import HouseFormatError, parse_house_format, render_markdown


def test_seed_imports_completely_and_every_written_figure_agrees(seed_text):
    imported = parse_house_format(seed_text, "seed")
    a = imported.assessment
    assert a.role.job_title == "Medical Records Specialist" and a.role.soc_code == "29-2072"
    assert len(a.tasks) == 7 and a.tasks[0].time_pct == 30
    assert a.growth.score == -1 and a.growth.check.startswith("Confirmed at -1.")
    assert [s.heading for s in a.commentary] == [
        "Score vs Reality Check",
        "What the Numbers Don't Capture",
        "Who Should Worry (and Who Shouldn't)",
        "What This Means",
    ]
    assert a.assessor_override.zone is None and a.assessor_override.note.startswith("The 15.1 places")
    report = imported.report
    assert len(report.checks) == 28
    assert report.ok, report.disagreements


def test_rendering_the_imported_seed_reproduces_the_seed_line_for_line(seed_text):
    a = parse_house_format(seed_text).assessment
    assert render_markdown(a, headings=False) == seed_text.rstrip("\n") + "\n"


def test_a_wrong_written_figure_is_reported_with_its_line(seed_text):
    doctored = seed_text.replace("Raw: 2.00 × 0.88 × 1.04 × 0.95 = 1.7389", "Raw: 2.00 × 0.88 × 1.04 × 0.95 = 1.7390")
    report = parse_house_format(doctored).report
    assert [(c.figure, c.line, c.written, c.computed) for c in report.disagreements] == [
        ("raw_line", 61, "Raw: 2.00 × 0.88 × 1.04 × 0.95 = 1.7390", "Raw: 2.00 × 0.88 × 1.04 × 0.95 = 1.7389")
    ]


def test_golden_role_round_trips_through_markdown_losslessly(golden):
    text = render_markdown(golden)
    again = parse_house_format(text)
    assert again.assessment == golden
    assert again.report.ok


def test_markdown_render_uses_headings_and_blank_lines(golden):
    text = render_markdown(golden)
    assert "## Task Decomposition (Agentic AI Scoring)\n\n| Task | Time % |" in text
    assert "### Score vs Reality Check" in text
    assert text.rstrip().endswith("-->")


_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]), min_size=1, max_size=40
).filter(lambda s: s.strip() == s and s.strip())


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_valid_assessment_round_trips(golden, data):
    d = golden.model_dump()
    d["unmapped_onet_tasks"] = {}
    n = data.draw(st.integers(1, 5))
    names = data.draw(st.lists(_text, min_size=n, max_size=n, unique_by=str.casefold))
    shares = [100 // n] * n
    shares[0] += 100 - sum(shares)
    d["tasks"] = [
        {
            "task": name,
            "time_pct": share,
            "score": data.draw(st.integers(1, 5)),
            "label": data.draw(st.sampled_from(["DISPLACEMENT", "AUGMENTATION", "NOT INVOLVED"])),
            "rationale": data.draw(_text),
            "onet_task_ids": [1000 + i],
        }
        for i, (name, share) in enumerate(zip(names, shares, strict=True))
    ]
    d["evidence"]["wage_trends"]["score"] = data.draw(st.one_of(st.none(), st.integers(-2, 2)))
    d["evidence"]["wage_trends"]["source"] = data.draw(st.sampled_from([None, "notes", "model"]))
    d["growth"]["check"] = data.draw(st.one_of(st.none(), _text))
    d["role"]["soc_code"] = data.draw(st.sampled_from([None, "29-2072", "11-9199.02"]))
    d["assessor_override"] = data.draw(
        st.sampled_from([{"zone": None, "note": ""}, {"zone": "Green", "note": "Strong local evidence."}])
    )
    a = Assessment.model_validate(d)
    assert parse_house_format(render_markdown(a)).assessment == a


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Evidence Score\n", "Evidence Scores\n", "line 33: expected section heading 'Evidence Score'"),
        (
            "| Task | Time % | Score (1-5)",
            "| Task | Share | Score (1-5)",
            "line 20: expected the Task Decomposition table header",
        ),
        ("| Wage Trends | 0 |", "| Wage Trends | zero |", "line 38: Wage Trends: expected an integer score"),
        (
            "| Reporting & data analysis | 10% |",
            "| Reporting & data analysis | ten |",
            "line 27: task 'Reporting & data analysis': expected a whole percent",
        ),
        (
            "| Union/Collective Bargaining | 0 |",
            "| Union/Collective Bargainers | 0 |",
            "Barrier table: missing row(s) Union/Collective Bargaining",
        ),
    ],
)
def test_malformed_document_names_the_line_and_what_was_expected(seed_text, old, new, message):
    assert old in seed_text
    with pytest.raises(HouseFormatError) as e:
        parse_house_format(seed_text.replace(old, new, 1), "doc.md")
    assert message in str(e.value)
    assert str(e.value).startswith("doc.md:")


def test_out_of_range_score_in_a_document_points_at_its_row(seed_text):
    with pytest.raises(HouseFormatError) as e:
        parse_house_format(seed_text.replace("| 20% | 5 | 1.00 |", "| 20% | 6 | 1.20 |"), "doc.md")
    assert str(e.value) == "doc.md:line 23: tasks[1].score: expected less than or equal to 5 (got 6)"
