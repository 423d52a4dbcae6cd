from __future__ import annotations

import csv
from pathlib import Path

import pytest

from drafter.evaluation.golden import load_golden_roles, load_reference_points
from drafter.house_format import parse_house_format

from .conftest import SEED, SHARED


def test_golden_role_is_the_seed_plus_its_task_mapping(golden, seed_text):
    seed = parse_house_format(seed_text).assessment
    strip = {"provenance": True, "unmapped_onet_tasks": True, "tasks": {"__all__": {"onet_task_ids"}}}
    assert golden.model_dump(exclude=strip) == seed.model_dump(exclude=strip)
    assert all(row.onet_task_ids for row in golden.tasks)


def test_the_seed_kept_in_the_repository_is_the_shared_seed_unchanged():
    shared = SHARED / "seeds" / "000_5eed3631006595d7.txt"
    if not shared.exists():
        pytest.skip("the shared seed is not here")
    assert SEED.read_bytes() == shared.read_bytes()


def test_every_onet_task_of_29_2072_is_covered_once_or_explicitly_unmapped(golden):
    from drafter.onet.catalog import bundled_one

    occ = bundled_one(
        "29-2072.00"
    )  # its tasks in the bundled labelled set (built from GPTs-are-GPTs' full_labelset.tsv)
    assert occ is not None
    ids = {t.id for t in occ.tasks}
    assert len(ids) == 17
    labelset = SHARED / "data" / "gpts-are-gpts" / "full_labelset.tsv"
    if labelset.exists():  # and the published file itself, where it is
        with labelset.open(encoding="utf-8") as f:
            rows = csv.DictReader(f, delimiter="\t")
            assert ids == {int(float(r["Task ID"])) for r in rows if r["O*NET-SOC Code"] == "29-2072.00"}
    covered = golden.covered_task_ids()
    assert covered | set(golden.unmapped_onet_tasks) == ids
    assert not covered & set(golden.unmapped_onet_tasks)
    assert all(reason.strip() for reason in golden.unmapped_onet_tasks.values())


def test_golden_set_loads_with_reference_points():
    roles = load_golden_roles()
    assert list(roles) == ["29-2072.00"]
    points = {p.title: p for p in load_reference_points().points}
    assert points["Medical Secretaries"].score == 19.4 and points["Medical Secretaries"].task_resistance == 2.30
    assert points["Data Protection Officer"].onet_code is None
    assert [p.zone.value for p in points.values()] == ["Red", "Red", "Green", "Green", "Green"]


def test_reference_point_with_a_zone_its_score_contradicts_is_refused(tmp_path: Path):
    import pytest

    from drafter.errors import DrafterError

    (tmp_path / "reference_points.json").write_text(
        '{"source": "x", "points": [{"title": "T", "score": 47.5, "zone": "Green"}]}', encoding="utf-8"
    )
    with pytest.raises(DrafterError, match=r"points\[0\]: .*score 47.5 is in zone Yellow, not Green"):
        load_reference_points(tmp_path)
