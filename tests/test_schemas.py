from __future__ import annotations

import json

from drafter.schema_export import schema_text, schemas

from .conftest import ROOT


def test_checked_in_json_schemas_match_the_models():
    """Fails when a model changes without `drafter schema export` being run."""
    for name, schema in schemas().items():
        path = ROOT / "schemas" / name
        assert path.exists(), f"{path} missing: run `drafter schema export`"
        assert path.read_text(encoding="utf-8") == schema_text(schema), f"{path} is stale: run `drafter schema export`"


def test_assessment_schema_carries_the_ranges():
    schema = json.loads((ROOT / "schemas" / "assessment.schema.json").read_text(encoding="utf-8"))
    row = schema["$defs"]["TaskRow"]["properties"]
    assert (row["score"]["minimum"], row["score"]["maximum"]) == (1, 5)
    assert schema["$defs"]["TaskLabel"]["enum"] == ["DISPLACEMENT", "AUGMENTATION", "NOT INVOLVED"]


def test_exporting_again_replaces_an_earlier_export_without_force(tmp_path):
    """A schema drafter generated (an older model's: same title) is regenerated, with no backup left beside it."""
    import json

    from drafter.schema_export import export

    export(tmp_path)
    stale = tmp_path / "assessment.schema.json"
    stale.write_text(json.dumps({"title": "Assessment", "properties": {"old": {}}}), encoding="utf-8")
    export(tmp_path)
    assert json.loads(stale.read_text(encoding="utf-8")) == schemas()["assessment.schema.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assessment.schema.json", "scorecard.schema.json"]
