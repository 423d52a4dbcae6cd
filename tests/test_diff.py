from __future__ import annotations

import pytest

from drafter.assessment import Assessment, SourceKind, Zone
from drafter.files import assessment_json
from drafter.inputs import with_value
from drafter.portfolio.changes import diff_folders
from drafter.review.align import components
from drafter.review.diff import diff, final_sources
from drafter.review.fields import ROW_FIELDS, role_level
from drafter.scoring import score


@pytest.fixture(scope="module")
def offline_29_2072() -> Assessment:
    from drafter.drafting.offline import draft_offline
    from drafter.onet import resolve_occupation

    return draft_offline(resolve_occupation("29-2072"))


def test_diff_of_the_seed_against_the_offline_draft_lists_every_changed_field(golden, offline_29_2072):
    draft, final = offline_29_2072, golden
    d = diff(draft, final)
    paths = {c.path for c in d.changes}
    # every role-level field that differs, and no other
    before, after = role_level(draft), role_level(final)
    assert {p for p in before if before[p] != after[p]} == {
        c.path for c in d.changes if not c.path.startswith(("tasks", "draft.", "commentary"))
    }
    assert "growth.score" in paths and "evidence.wage_trends.evidence" in paths and "role.job_title" in paths
    # every row: matched rows field by field, regrouped rows as the seed row against the draft rows it covers
    for comp in components(final.tasks, draft.tasks):
        for i in comp.a:
            if comp.kind == "matched":
                j = comp.b[0]
                differing = {f for f in ROW_FIELDS if getattr(final.tasks[i], f) != getattr(draft.tasks[j], f)}
                assert {p.split(".")[1] for p in paths if p.startswith(f"tasks[{i}].")} == differing
            else:
                assert f"tasks[{i}].task" in paths and f"tasks[{i}].rationale" in paths
        for j in comp.b if comp.kind == "removed" else ():
            assert f"draft.tasks[{j}]" in paths
    # the seed's seven rows each have a score change against the draft rows covering their O*NET tasks
    assert [r.final_row for r in d.rows if r.final_row] == [t.task for t in final.tasks]
    coding = d.rows[0]
    assert (coding.kind, coding.score_after) == ("merged", 4) and len(coding.draft_rows) == 4
    drafted = score(draft)
    assert (d.score_before, d.score_after) == (drafted.score.shown, "15.1")
    assert (d.zone_before, d.zone_after, d.zone_changed) == (drafted.zone, Zone.RED, drafted.zone != Zone.RED)
    # each change says where the draft's value came from
    growth = next(c for c in d.changes if c.path == "growth.score")
    assert growth.source.kind is SourceKind.AWAITING and growth.step == "role_sections"
    assert next(c for c in d.changes if c.path == "tasks[0].time_pct").source.prior == draft.provenance.drafted_by


def test_identical_files_have_no_changes(golden):
    d = diff(golden, golden)
    assert d.changes == [] and all(r.delta == 0 for r in d.rows) and d.score_delta == 0


def test_a_score_edit_is_one_change_with_its_delta_and_the_zone_move(golden):
    final = with_value(golden, "tasks[0].score", 1)
    d = diff(golden, final)
    assert [(c.path, c.before, c.after, c.delta) for c in d.changes] == [("tasks[0].score", 4, 1, -3.0)]
    assert (d.score_after, d.zone_after, d.zone_changed) == ("25.0", Zone.YELLOW, True)
    sources = final_sources(golden, final, d, "ana", None)
    assert sources["tasks[0].score"].kind is SourceKind.ASSESSOR and sources["tasks[0].score"].who == "ana"
    assert sources["tasks[1].score"].kind is SourceKind.ASSESSOR  # the golden role is itself human-written
    assert sources["tasks[1].score"].who is None


def test_renamed_rows_still_match_through_their_task_ids(golden):
    rows = [r.model_copy() for r in golden.tasks]
    rows[2] = rows[2].model_copy(update={"task": "Auditing charts"})
    d = diff(golden, golden.model_copy(update={"tasks": rows[::-1]}))
    assert [c.path for c in d.changes] == ["tasks[4].task"]
    assert d.changes[0].before == "Chart review & documentation auditing"


def test_the_summary_over_folders_gives_per_field_figures(tmp_path, golden, offline_29_2072):
    drafts, finals = tmp_path / "drafts", tmp_path / "finals"
    drafts.mkdir(), finals.mkdir()
    # role A: the seed against the offline draft; role B: one score 4 -> 2 and growth -1 -> 0 (a zone change? no)
    (drafts / "29-2072.00.json").write_text(assessment_json(offline_29_2072))
    (finals / "29-2072.00.json").write_text(assessment_json(golden))
    (drafts / "b.json").write_text(assessment_json(golden))
    b = with_value(with_value(golden, "tasks[0].score", 2), "growth.score", 0)
    (finals / "b.json").write_text(assessment_json(b))
    # role C: unchanged except the row that decides the zone (4 -> 1: Yellow)
    (drafts / "c.json").write_text(assessment_json(golden))
    (finals / "c.json").write_text(assessment_json(with_value(golden, "tasks[0].score", 1)))
    (drafts / "only-draft.json").write_text(assessment_json(golden))
    (finals / "notes.txt").write_text("not an assessment")
    (drafts / "notes.txt").write_text("not an assessment either")

    diffs, s = diff_folders(drafts, finals)
    assert s.pairs == 3 and s.roles == ["29-2072.00", "b", "c"]
    assert s.unpaired_drafts == ["only-draft"] and len(s.unreadable) == 1 and "notes.txt" in s.unreadable[0]
    by = {f.field: f for f in s.fields}
    ab = diff(offline_29_2072, golden)
    a_growth = next(c for c in ab.changes if c.path == "growth.score")
    assert a_growth.delta is None  # awaiting input -> -1 is a change but not a numeric delta
    assert by["growth.score"].changed == 2 and by["growth.score"].instances == 3
    assert by["growth.score"].mean_abs_delta == pytest.approx(1 / 3, abs=1e-3)  # |0 - -1| in B only
    seed_rows = sum(1 for c in ab.changes if c.field == "tasks[].score")
    assert by["tasks[].score"].changed == seed_rows + 2
    assert by["tasks[].score"].instances == len(golden.tasks) * 3  # every final row, changed or not
    assert s.zone_changed == 1 and s.zone_transitions == {"Red → Yellow": 1}
    assert s.zone_change_rate == pytest.approx(1 / 3, abs=1e-4)
    abs_row = [abs(r.delta) for _, d, _ in diffs for r in d.rows if r.delta is not None]
    assert s.row_scores["rows"] == len(abs_row)
    assert s.row_scores["mean_abs_delta"] == pytest.approx(sum(abs_row) / len(abs_row), abs=1e-3)
    assert s.steps[0].step == "role_sections"  # the offline draft left every role-level section to the assessor
