"""At 80 columns (COLUMNS=80), ``table``, ``eval`` and ``diff`` fit the width and never cut what a reader types
back or scans for: SOC codes, zones and field paths (less important columns are left out instead)."""

from __future__ import annotations

import json

from .conftest import GOLDEN

NARROW = {"COLUMNS": "80"}
CODES = ("29-2072.00", "43-6013.00", "29-2052.00")


def _fits(text: str) -> None:
    too_long = [line for line in text.splitlines() if len(line) > 80]
    assert not too_long, too_long[:3]


def _golden(**changes) -> dict:
    d = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = d
        for p in parents:
            node = node[p]
        node[last] = value
    return d


def test_table_at_80_columns_keeps_codes_zones_and_scores_whole(run_cli, tmp_path):
    for code in CODES:
        d = _golden(**{"provenance.onet_code": code, "role.soc_code": code[:7]})
        (tmp_path / f"{code}.json").write_text(json.dumps(d), encoding="utf-8")
    r = run_cli("table", str(tmp_path), env=NARROW)
    assert r.returncode == 0, r.stderr
    _fits(r.stdout)
    for code in CODES:
        assert code in r.stdout
    assert r.stdout.count(" Red ") >= len(CODES) and "15.1" in r.stdout
    wide = run_cli("table", str(tmp_path), env={"COLUMNS": "200"})
    assert "Ev·Ba·Gr" in wide.stdout and "Ev·Ba·Gr" not in r.stdout  # dropped only where it cannot fit


def test_eval_at_80_columns_keeps_the_code_and_the_zone_verdict(run_cli, tmp_path):
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "29-2072.00.json").write_text(GOLDEN.read_text(encoding="utf-8"), encoding="utf-8")
    r = run_cli("eval", "--drafts", str(drafts), env=NARROW, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-800:]
    table = r.stdout[: r.stdout.index("Means over roles")]
    _fits(table)
    assert "29-2072.00" in table and "agrees" in table and "15.1" in table


def test_diff_at_80_columns_keeps_every_field_path_whole(run_cli, tmp_path):
    final = _golden()
    principle = final["protective_principles"]["deep_interpersonal_connection"]
    principle["rationale"] = "Rewritten by the assessor [after review], at some length " * 3
    principle["score"] = 2
    (tmp_path / "final.json").write_text(json.dumps(final), encoding="utf-8")
    r = run_cli("diff", str(GOLDEN), str(tmp_path / "final.json"), env=NARROW)
    assert r.returncode == 0, r.stderr
    _fits(r.stdout)
    for path in (
        "protective_principles.deep_interpersonal_connection.rationale",
        "protective_principles.deep_interpersonal_connection.score",
    ):
        assert path in r.stdout
    assert "[after review]" in r.stdout and "Red" in r.stdout


def test_diff_summary_at_80_columns_keeps_field_paths_whole(run_cli, tmp_path):
    drafts, finals = tmp_path / "drafts", tmp_path / "finals"
    for folder in (drafts, finals):
        folder.mkdir()
    (drafts / "29-2072.00.json").write_text(GOLDEN.read_text(encoding="utf-8"), encoding="utf-8")
    final = _golden(**{"barriers.union_collective_bargaining.score": 1})
    (finals / "29-2072.00.json").write_text(json.dumps(final), encoding="utf-8")
    r = run_cli("diff", "--summary", str(drafts), str(finals), env=NARROW)
    assert r.returncode == 0, r.stderr
    _fits(r.stdout)
    assert "barriers.union_collective_bargaining.score" in r.stdout


def test_the_portfolio_page_labels_every_zone_segment_and_keeps_codes_on_one_line():
    from drafter.portfolio.charts import zone_bar_svg

    roles = zone_bar_svg({"Red": 30.0, "Yellow": 1.0, "Green": 0.0}, "roles", "zone-chart")
    assert "Yellow 1 (3%)" in roles.split("</rect>")[-1]  # a sliver too narrow for its own label, named below
    assert "31 roles" in roles and "total" not in roles
    shares = zone_bar_svg({"Red": 0.97, "Yellow": 0.03, "Green": 0.0}, "employment", "employment-chart", pct=True)
    assert "total 1" not in shares and "share of employment" in shares and "Yellow 3%" in shares

    from importlib import resources

    page = (resources.files("drafter.portfolio") / "page.html.j2").read_text(encoding="utf-8")
    assert '<td class="code">' in page and "td.code" in page and "white-space: nowrap" in page
