"""The audit trail records only what is true, through the real CLI and the real SQLite trail: a final of another
role is refused unless --other-role; stale written figures fail validate with the command that refreshes them;
accept leaves a final whose printed figures are the trail's; review history takes a code without its suffix."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import sqlite3
from pathlib import Path

import drafter
from drafter import api
from drafter.assessment import Assessment
from drafter.files import assessment_json
from drafter.review.role import history_keys, same_role

from .conftest import GOLDEN, ROOT, SEED

EDITED_ROW = ("| 6% | 4 | 0.24 | DISPLACEMENT |", "| 6% | 5 | 0.24 | DISPLACEMENT |")  # a task score 4 -> 5


def electricians(a: Assessment) -> Assessment:
    """The same document filed as another role (47-2111.00)."""
    role = a.role.model_copy(update={"job_title": "Electricians", "soc_code": "47-2111"})
    prov = a.provenance.model_copy(update={"onet_code": "47-2111.00"})
    return a.model_copy(update={"role": role, "provenance": prov})


def trail_rows(home: Path) -> list[dict]:
    db = home / "drafter.db"
    if not db.exists():
        return []
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'review_accepts'").fetchone():
            return []
        return [dict(r) for r in con.execute("SELECT * FROM review_accepts ORDER BY id")]
    finally:
        con.close()


def stale_seed(tmp_path: Path) -> Path:
    """The seed with a task score edited (4 -> 5) and its written figures left as they were."""
    doc = tmp_path / "final.md"
    text = SEED.read_text(encoding="utf-8")
    doc.write_text(text.replace("| 30% | 4 | 1.20 |", "| 30% | 5 | 1.20 |", 1), encoding="utf-8")
    return doc


# --- role mismatch -------------------------------------------------------------------------------------------


def test_accept_of_a_final_of_another_role_is_refused_naming_both_codes_and_records_nothing(run_cli, tmp_path, golden):
    final = tmp_path / "final.json"
    final.write_text(assessment_json(electricians(golden)))
    r = run_cli("review", "accept", str(final), "--draft", str(GOLDEN), "--by", "ana")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "47-2111.00 (Electricians)" in r.stderr and "29-2072.00 (Medical Records Specialist)" in r.stderr
    assert "--other-role" in r.stderr
    assert trail_rows(tmp_path / "home") == []

    meant = run_cli("review", "accept", str(final), "--draft", str(GOLDEN), "--by", "ana", "--other-role")
    assert meant.returncode == 0, meant.stderr
    assert [(row["role"], row["who"]) for row in trail_rows(tmp_path / "home")] == [("47-2111.00", "ana")]


def test_diff_of_a_final_of_another_role_is_refused_unless_other_role(run_cli, tmp_path, golden):
    final = tmp_path / "final.json"
    final.write_text(assessment_json(electricians(golden)))
    r = run_cli("diff", str(GOLDEN), str(final))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith(f"error: {final}: a final of 47-2111.00") and "29-2072.00" in r.stderr
    meant = run_cli("diff", str(GOLDEN), str(final), "--other-role", "--json")
    assert meant.returncode == 0, meant.stderr
    assert json.loads(meant.stdout)["changes"] != []


def test_sources_of_a_final_against_a_draft_of_another_role_are_refused(run_cli, tmp_path, golden):
    final = tmp_path / "final.json"
    final.write_text(assessment_json(electricians(golden)))
    r = run_cli("review", "sources", str(final), "--draft", str(GOLDEN))
    assert r.returncode == 2 and "47-2111.00" in r.stderr and "29-2072.00" in r.stderr
    assert run_cli("review", "sources", str(final), "--draft", str(GOLDEN), "--other-role").returncode == 0


def test_the_summary_lists_a_pair_of_two_roles_instead_of_counting_it(run_cli, tmp_path, golden):
    drafts, finals = tmp_path / "drafts", tmp_path / "finals"
    drafts.mkdir(), finals.mkdir()
    (drafts / "a.json").write_text(assessment_json(golden))
    (finals / "a.json").write_text(assessment_json(golden.model_copy(update={"commentary": golden.commentary[:1]})))
    (drafts / "b.json").write_text(assessment_json(golden))
    (finals / "b.json").write_text(assessment_json(electricians(golden)))
    r = run_cli("diff", "--summary", str(drafts), str(finals), "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["pairs"] == 1 and len(s["unreadable"]) == 1 and "47-2111.00" in s["unreadable"][0]
    meant = json.loads(run_cli("diff", "--summary", str(drafts), str(finals), "--json", "--other-role").stdout)
    assert meant["pairs"] == 2 and meant["unreadable"] == []


def test_a_code_with_or_without_its_suffix_is_one_role_and_a_custom_role_is_its_title(golden):
    short = golden.model_copy(update={"role": golden.role.model_copy(update={"soc_code": "29-2072"})})
    assert same_role(golden, short) and not same_role(golden, electricians(golden))
    custom = golden.model_copy(
        update={
            "role": golden.role.model_copy(update={"soc_code": None}),
            "provenance": golden.provenance.model_copy(update={"onet_code": None}),
        }
    )
    assert same_role(custom, golden)  # no code on one side: the job title decides
    renamed = custom.role.model_copy(update={"job_title": "Coder"})
    assert not same_role(custom, golden.model_copy(update={"role": renamed}))
    assert history_keys("29-2072") == ("29-2072.00", "29-2072") and history_keys("Coder ") == ("Coder",)


# --- stale written figures -----------------------------------------------------------------------------------


def test_validate_of_stale_written_figures_exits_2_with_the_command_that_refreshes_them(run_cli, tmp_path):
    doc = stale_seed(tmp_path)
    r = run_cli("validate", str(doc))
    assert r.returncode == 2 and r.stdout == "", (r.stdout, r.stderr)
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith(f"error: {doc}:line 22: ") and "written figure(s) differ from the computed ones" in line
    assert "JobZone score written 15.1, computed 11.8" in line
    command = shlex.split(line.split("refresh them: ", 1)[1].split(" (", 1)[0])
    assert command == ["drafter", "render", str(doc), "--refresh", "--force"]  # an assessor's file: --force

    before = doc.read_bytes()
    refused = run_cli(*command[1:-1])  # without --force: the assessor's file is not replaced
    assert refused.returncode == 2 and "edited since drafter wrote it" in refused.stderr
    assert doc.read_bytes() == before

    done = run_cli(*command[1:])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "final.md.~1~").read_bytes() == before  # the protected writer's numbered backup
    assert (tmp_path / ".drafter-written" / "final.md.sha256").exists()
    assert run_cli("validate", str(doc)).returncode == 0
    card = json.loads(run_cli("score", str(doc), "--json").stdout)
    assert card["score"]["shown"] == "11.8" and all(c["agrees"] for c in card["consistency"])
    assert drafter.load(doc).tasks[0].score == 5  # the edit is kept; only the figures changed


def test_refresh_of_a_document_whose_figures_agree_writes_nothing(run_cli, tmp_path):
    doc = tmp_path / "seed.md"
    doc.write_bytes(SEED.read_bytes())
    r = run_cli("render", str(doc), "--refresh")
    assert r.returncode == 0 and "written figures agree; nothing to refresh" in r.stderr
    assert doc.read_bytes() == SEED.read_bytes() and not (tmp_path / "seed.md.~1~").exists()
    elsewhere = run_cli("render", str(doc), "--refresh", "-o", str(tmp_path / "other.md"))
    assert elsewhere.returncode == 2 and "--refresh rewrites" in elsewhere.stderr
    assert not (tmp_path / "other.md").exists()


def readme_workflow() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Where to look first, and what the assessor changed") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_the_readme_workflow_accepts_a_final_whose_printed_figures_are_the_trails(run_cli, tmp_path):
    lines = readme_workflow()
    assert [ln.split()[1] if ln.startswith("drafter ") else ln.split()[0] for ln in lines] == [
        "draft", "review", "mkdir", "diff", "review",
    ]  # fmt: skip
    for line in lines:
        if line.startswith("mkdir"):  # 3. the assessor copies the draft and edits one score in the copy
            assert line.startswith("mkdir -p finals && cp drafts/29-2072.00.md finals/ && $EDITOR")
            text = (tmp_path / "drafts" / "29-2072.00.md").read_text(encoding="utf-8")
            assert EDITED_ROW[0] in text
            (tmp_path / "finals").mkdir()
            (tmp_path / "finals" / "29-2072.00.md").write_text(text.replace(*EDITED_ROW, 1), encoding="utf-8")
            continue
        r = run_cli(*shlex.split(line)[1:], cwd=tmp_path)
        assert r.returncode == 0, f"{line}: {r.stderr}"
    final = tmp_path / "finals" / "29-2072.00.md"
    assert "differed from the computed ones: rewrote them" in r.stderr
    (row,) = trail_rows(tmp_path / "home")
    assert row["final_sha256"] == hashlib.sha256(final.read_bytes()).hexdigest()  # the trail holds the file as left
    card = json.loads(run_cli("score", str(final), "--json", cwd=tmp_path).stdout)
    assert all(c["agrees"] for c in card["consistency"])  # the file prints the computed figures ...
    assert (card["score"]["shown"], card["final_zone"]) == (row["score_after"], row["zone_after"])  # ... the trail's
    assert row["score_before"] != row["score_after"]
    assert run_cli("validate", str(final)).returncode == 0
    assert EDITED_ROW[0] in (tmp_path / "finals" / "29-2072.00.md.~1~").read_text(encoding="utf-8").replace(
        *EDITED_ROW[::-1]
    )  # the assessor's own file, kept
    again = run_cli(*shlex.split(lines[-1])[1:], cwd=tmp_path)
    assert again.returncode == 0 and "already recorded" in again.stdout and len(trail_rows(tmp_path / "home")) == 1


# --- history -------------------------------------------------------------------------------------------------


def test_review_history_takes_a_code_without_its_suffix_and_says_when_a_role_has_none(run_cli, tmp_path, golden):
    none_yet = tmp_path / "final.json"
    none_yet.write_text(assessment_json(golden.model_copy(update={"commentary": golden.commentary[:1]})))
    assert run_cli("review", "accept", str(none_yet), "-d", str(GOLDEN), "--by", "ana").returncode == 0
    for code in ("29-2072", "29-2072.00"):
        r = run_cli("review", "history", code, "--json")
        assert [(h["role"], h["who"]) for h in json.loads(r.stdout)] == [("29-2072.00", "ana")], code
        assert "29-2072.00" in run_cli("review", "history", code).stdout
    other = run_cli("review", "history", "47-2111")
    assert other.returncode == 0 and "no accepted reviews of 47-2111.00 in" in other.stdout


# --- one review, computed once (issue 21) ---------------------------------------------------------------------


def test_api_review_is_what_review_first_and_score_json_show(run_cli, tmp_path):
    assert run_cli("draft", "29-2072", "--offline", "-o", str(tmp_path)).returncode == 0
    path = tmp_path / "29-2072.00.json"
    r = api.review(path)  # drafter.api.review: `drafter.review` is the subpackage
    shown = json.loads(run_cli("review", "first", str(path), "--json").stdout)
    assert shown == r.review_first.model_dump(mode="json") and len(shown["items"]) == 14
    card = json.loads(run_cli("score", str(path), "--json").stdout)
    assert {k: card[k] for k in ("uncertainty", "sensitivity", "review_first")} == r.as_json()
    assert r.scorecard == drafter.score(path)
