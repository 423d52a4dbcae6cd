from __future__ import annotations

import json

import pytest

from drafter.errors import DrafterError
from drafter.files import assessment_from_json


def _edited(golden, edit) -> str:
    data = golden.model_dump(mode="json")
    edit(data)
    return json.dumps(data, indent=2)


def _set(path, value):
    def edit(d):
        node = d
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_set(["tasks", 2, "score"], 6), "draft.json: tasks[2].score: expected less than or equal to 5 (got 6)"),
        (_set(["tasks", 0, "time_pct"], 25), "draft.json: (document): task time shares sum to 95%, expected 100%"),
        (
            _set(["tasks", 4, "label"], "REPLACEMENT"),
            "draft.json: tasks[4].label: expected one of 'DISPLACEMENT', 'AUGMENTATION' or 'NOT INVOLVED' "
            "(got 'REPLACEMENT')",
        ),
        (
            _set(["barriers", "physical_presence", "score"], 3),
            "draft.json: barriers.physical_presence.score: expected less than or equal to 2 (got 3)",
        ),
        (
            _set(["evidence", "wage_trends", "score"], -3),
            "draft.json: evidence.wage_trends.score: expected greater than or equal to -2 (got -3)",
        ),
        (_set(["role", "surprise"], "x"), "draft.json: role.surprise: unknown field (not in the schema) (got 'x')"),
    ],
)
def test_hand_edited_draft_is_refused_with_one_clear_line(golden, edit, expected):
    with pytest.raises(DrafterError) as e:
        assessment_from_json(_edited(golden, edit), "draft.json")
    assert str(e.value) == expected


def test_each_field_problem_gets_its_own_line(golden):
    def edit(d):
        d["tasks"][2]["score"] = 6
        d["tasks"][4]["label"] = "REPLACEMENT"

    with pytest.raises(DrafterError) as e:
        assessment_from_json(_edited(golden, edit), "draft.json")
    lines = str(e.value).splitlines()
    assert len(lines) == 2 and lines[0].startswith("draft.json: tasks[2].score") and "tasks[4].label" in lines[1]


def test_invalid_json_names_line_and_column():
    with pytest.raises(DrafterError) as e:
        assessment_from_json('{\n  "role": {,\n}', "draft.json")
    assert str(e.value).startswith("draft.json:line 2:col 12: invalid JSON")


def test_a_task_covered_by_two_rows_is_refused(golden):
    with pytest.raises(DrafterError, match="O\\*NET task 22881 is covered by two rows"):
        assessment_from_json(_edited(golden, _set(["tasks", 6, "onet_task_ids"], [22888, 22881])), "d.json")


def test_override_zone_without_reasons_is_refused(golden):
    with pytest.raises(DrafterError, match="an override zone needs the assessor's reasons"):
        assessment_from_json(_edited(golden, _set(["assessor_override"], {"zone": "Green", "note": ""})), "d.json")
