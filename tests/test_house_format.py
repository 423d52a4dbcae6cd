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
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]),
        st.sampled_from("|\\\u2212"),  # a pipe, a backslash and a typographic minus stay as typed
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip())
_cell_text = st.lists(_text, min_size=1, max_size=3).map("\n".join)  # a line break inside a cell survives too


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_valid_assessment_round_trips(golden, data):
    d = golden.model_dump()
    d["unmapped_onet_tasks"] = {}
    n = data.draw(st.integers(1, 5))
    names = data.draw(st.lists(_text, min_size=n, max_size=n, unique_by=str.casefold))
    shares = [100 // n] * n
    shares[0] += 100 - sum(shares)
    ids = data.draw(st.lists(st.integers(1, 10**6), min_size=0, max_size=3 * n, unique=True))
    d["tasks"] = [
        {
            "task": name,
            "time_pct": share,
            "score": data.draw(st.integers(1, 5)),
            "label": data.draw(st.sampled_from(["DISPLACEMENT", "AUGMENTATION", "NOT INVOLVED"])),
            "rationale": data.draw(_cell_text),
            "onet_task_ids": ids[3 * i : 3 * i + 3],
        }
        for i, (name, share) in enumerate(zip(names, shares, strict=True))
    ]
    d["evidence"]["wage_trends"]["evidence"] = data.draw(_cell_text)
    d["barriers"]["cultural_ethical"]["rationale"] = data.draw(_cell_text)
    d["role"]["primary_function"] = data.draw(_text)
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


def _golden_with(golden, **changes) -> Assessment:
    d = golden.model_dump(mode="json")
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = d
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        target[int(last) if last.isdigit() else last] = value
    return Assessment.model_validate(d)


def test_a_pipe_in_any_cell_or_line_survives_render_and_import(golden):
    a = _golden_with(
        golden,
        role__primary_function="Codes records (HIPAA | HITECH)",
        role__seniority_note="Entry | senior",
        protective_principles__embodied_physicality__rationale="desk | remote",
        growth__rationale="AI | growth",
        tasks__0__task="Coding | abstraction",
        tasks__0__rationale="HIPAA | HITECH",
        evidence__wage_trends__evidence="Median | mean",
        barriers__regulatory_licensing__rationale="HIPAA | HITECH",
        reinstatement_check="new | old",
        commentary__0__body="a | b",
    )
    text = render_markdown(a)
    assert "HIPAA \\| HITECH" in text and "| Coding \\| abstraction <!-- onet:" in text
    assert parse_house_format(text).assessment == a


def _seed_line(seed_text: str, no: int) -> str:
    return seed_text.splitlines()[no - 1]


@pytest.mark.parametrize(
    ("line", "table"),
    [
        (6, "Role Definition"),
        (13, "Protective Principles"),
        (17, "Protective Principles"),
        (26, "Task Decomposition"),
        (38, "Evidence"),
        (46, "Barrier"),
        (58, "JobZone Composite"),
        (72, "Sub-Label Determination"),
    ],
)
def test_an_unescaped_pipe_in_any_table_is_refused_naming_the_line_and_the_escape(seed_text, line, table):
    row = _seed_line(seed_text, line)
    broken = row[: row.rindex(" |")] + " | HITECH |"  # the last cell gains an unescaped pipe
    doc = seed_text.replace(row, broken, 1)
    with pytest.raises(HouseFormatError) as e:
        parse_house_format(doc, "doc.md")
    message = str(e.value)
    assert message.startswith(f"doc.md:line {line}: {table} table row has ")
    assert "write a '|' inside a cell as '\\|'" in message and "\n" not in message


def test_an_escaped_pipe_in_a_hand_edited_document_is_read_as_a_pipe(seed_text):
    doc = seed_text.replace("HIPAA governs health records handling.", "HIPAA \\| HITECH govern health records.", 1)
    a = parse_house_format(doc).assessment
    assert a.barriers.regulatory_licensing.rationale.startswith("HIPAA | HITECH govern health records.")


def test_rendering_task_ids_adds_a_hidden_comment_per_row(golden):
    text = render_markdown(golden)
    assert "| Medical coding (ICD-10/CPT assignment) <!-- onet: 22877, 22879, 22881, 22883 --> | 30% |" in text
    assert '"onet_task_ids"' not in text  # the rows carry them; the metadata comment no longer does


def test_renaming_a_task_row_keeps_its_onet_task_ids(golden):
    text = render_markdown(golden).replace("| Medical coding (ICD-10/CPT assignment) <!--", "| Code assignment <!--")
    imported = parse_house_format(text, "review.md")
    row = imported.assessment.tasks[0]
    assert row.task == "Code assignment" and row.onet_task_ids == golden.tasks[0].onet_task_ids
    assert imported.report.warnings == []


def test_a_row_whose_task_ids_were_deleted_is_named_in_a_warning(golden):
    text = render_markdown(golden)
    text = text.replace(" <!-- onet: 22890 -->", "")
    imported = parse_house_format(text, "review.md")
    assert imported.assessment.tasks[2].onet_task_ids == []
    [warning] = imported.report.warnings
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x.startswith("| Chart review"))
    assert warning.startswith(f"review.md:line {line}: task row 'Chart review & documentation auditing' carries no")


def test_a_document_written_before_rows_carried_ids_recovers_them_by_row_name(golden):
    import json
    import re

    text = re.sub(r" <!-- onet: [\d, ]+ -->", "", render_markdown(golden))
    ids = {r.task: r.onet_task_ids for r in golden.tasks}
    old_meta = text.splitlines()[-1]
    meta = json.loads(old_meta.removeprefix("<!-- drafter:metadata ").removesuffix(" -->"))
    text = text.replace(old_meta, f"<!-- drafter:metadata {json.dumps(meta | {'onet_task_ids': ids})} -->")
    imported = parse_house_format(text)
    assert imported.assessment == golden and imported.report.warnings == []

    renamed = parse_house_format(text.replace("| Reporting & data analysis |", "| Reporting |"), "old.md")
    assert renamed.assessment.tasks[5].onet_task_ids == []
    row_warning, orphan_warning = renamed.report.warnings
    assert row_warning.startswith("old.md:line ") and "task row 'Reporting' carries no O*NET task IDs" in row_warning
    assert orphan_warning == (
        "old.md: O*NET task IDs [22882, 22884] were recorded for a task row 'Reporting & data analysis' "
        "that is no longer there"
    )


def test_the_seed_without_task_ids_imports_without_warnings(seed_text):
    imported = parse_house_format(seed_text, "seed")
    assert imported.report.warnings == [] and all(r.onet_task_ids == [] for r in imported.assessment.tasks)


def test_a_malformed_task_ids_comment_names_the_line(golden):
    text = render_markdown(golden).replace("<!-- onet: 22890 -->", "<!-- onet: 22890, x -->")
    with pytest.raises(HouseFormatError, match=r"^doc.md:line \d+: task 'Chart review .*expected O\*NET task IDs"):
        parse_house_format(text, "doc.md")


def test_a_typographic_minus_in_a_score_or_written_figure_is_a_minus(seed_text):
    doc = seed_text.replace(
        "| AI Growth Correlation | -1 | AI reduces", "| AI Growth Correlation | \u22121 | AI reduces"
    )
    doc = doc.replace("| Total | -3 |", "| Total | \u22123 |").replace(
        "| Company Actions | -1 |", "| Company Actions | \u22121 |"
    )
    imported = parse_house_format(doc)
    assert imported.assessment.growth.score == -1 and imported.assessment.evidence.company_actions.score == -1
    assert imported.report.ok and imported.scorecard.score.shown == "15.1"


def test_a_row_the_format_does_not_have_is_refused_rather_than_dropped(seed_text):
    doc = seed_text.replace("| Total | -3 |", "| Regional Data | 1 | Local postings fell. |\n| Total | -3 |")
    with pytest.raises(HouseFormatError, match=r"^doc.md:line 41: Evidence table: unknown row 'Regional Data'"):
        parse_house_format(doc, "doc.md")


def test_a_row_written_twice_is_refused(seed_text):
    row = _seed_line(seed_text, 47)
    with pytest.raises(
        HouseFormatError, match=r"^doc.md:line 48: Barrier table: row 'Physical Presence' appears twice"
    ):
        parse_house_format(seed_text.replace(row, row + "\n" + row), "doc.md")
