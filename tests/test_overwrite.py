"""An assessor's file is never overwritten unasked: draft, batch, render and import share one guard
(``drafter.files.write_owned``), and ``--force`` keeps the old file as a numbered backup."""

from __future__ import annotations

import os
import stat

from drafter.files import atomic_write

CODE = "29-2072.00"


def _draft(run_cli, tmp_path, *extra: str):
    return run_cli("draft", "29-2072", "--offline", "-o", "drafts", *extra, cwd=tmp_path)


def test_draft_refuses_to_overwrite_an_edited_draft_and_force_keeps_a_backup(run_cli, tmp_path):
    assert _draft(run_cli, tmp_path).returncode == 0
    md = tmp_path / "drafts" / f"{CODE}.md"
    edited = md.read_text() + "\nAssessor: checked the coding rows.\n"
    md.write_text(edited)
    json_before = (tmp_path / "drafts" / f"{CODE}.json").read_bytes()

    r = _draft(run_cli, tmp_path)
    assert r.returncode == 2
    assert f"drafts/{CODE}.md: edited since drafter wrote it" in r.stderr
    assert "--force" in r.stderr and "Traceback" not in r.stderr
    assert md.read_text() == edited  # neither file of the pair was touched
    assert (tmp_path / "drafts" / f"{CODE}.json").read_bytes() == json_before

    r = _draft(run_cli, tmp_path, "--force")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "drafts" / f"{CODE}.md.~1~").read_text() == edited
    assert "Assessor: checked" not in md.read_text()
    # the pair is kept as a pair (issue 20): the unedited JSON too, under the same number
    assert (tmp_path / "drafts" / f"{CODE}.json.~1~").read_bytes() == json_before
    said = " ".join(r.stderr.split())
    assert f"the previous files are kept as drafts/{CODE}.json.~1~ and drafts/{CODE}.md.~1~" in said


def test_redrafting_over_an_unedited_draft_needs_no_force(run_cli, tmp_path):
    assert _draft(run_cli, tmp_path).returncode == 0
    r = _draft(run_cli, tmp_path)
    assert r.returncode == 0, r.stderr
    assert not list((tmp_path / "drafts").glob("*.~*~"))
    assert "(replacing the draft by offline:" in " ".join(r.stderr.split())


def test_an_offline_redraft_of_an_llm_draft_keeps_the_llm_draft_as_a_backup(run_cli, tmp_path, fake_llm):
    from .conftest import SECRET

    llm = run_cli("draft", CODE, "--base-url", fake_llm.base_url, "--model", "m", "-o", str(tmp_path / "drafts"),
                  env={"OPENAI_API_KEY": SECRET})  # fmt: skip
    assert llm.returncode == 0, llm.stderr
    paid = (tmp_path / "drafts" / f"{CODE}.json").read_text()
    r = _draft(run_cli, tmp_path)  # offline, same folder: no --force needed, nothing lost
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stderr.split())
    assert "(replacing the draft by llm:m)" in said and f"kept as drafts/{CODE}.json.~1~" in said
    assert (tmp_path / "drafts" / f"{CODE}.json.~1~").read_text() == paid
    assert '"drafted_by": "llm:m"' in paid and (tmp_path / "drafts" / f"{CODE}.md.~1~").exists()


def test_a_file_drafter_never_wrote_is_not_overwritten(run_cli, tmp_path):
    (tmp_path / "drafts").mkdir()
    mine = tmp_path / "drafts" / f"{CODE}.json"
    mine.write_text('{"mine": true}\n')
    r = _draft(run_cli, tmp_path)
    assert r.returncode == 2
    assert mine.read_text() == '{"mine": true}\n'
    assert not (tmp_path / "drafts" / f"{CODE}.md").exists()  # nothing half-written


def test_batch_keeps_an_edited_draft_and_reports_the_role_failed(run_cli, tmp_path):
    (tmp_path / "codes.txt").write_text("29-2072.00\n")
    args = ("batch", "--codes", "codes.txt", "--offline", "-o", "drafts", "--include-scored")
    assert run_cli(*args, cwd=tmp_path).returncode == 0
    md = tmp_path / "drafts" / f"{CODE}.md"
    md.write_text(md.read_text() + "\nedited\n")
    (tmp_path / "codes.txt").write_text("29-2072.00\n# again, as a new batch\n29-2061.00\n")
    r = run_cli(*args, cwd=tmp_path)
    assert md.read_text().endswith("\nedited\n")
    assert "kept-edits" in r.stdout + r.stderr
    assert r.returncode == 4  # a batch in which a role failed


def test_import_onto_its_own_input_is_refused(run_cli, tmp_path, seed_text):
    doc = tmp_path / "review.md"
    doc.write_text(seed_text)
    r = run_cli("import", "review.md", "-o", "review.md", cwd=tmp_path)
    assert r.returncode == 2
    assert "review.md: is the input" in r.stderr
    assert doc.read_text() == seed_text


def test_render_as_markdown_onto_its_json_input_is_refused(run_cli, tmp_path):
    assert _draft(run_cli, tmp_path).returncode == 0
    path = tmp_path / "drafts" / f"{CODE}.json"
    before = path.read_bytes()
    r = run_cli("render", f"drafts/{CODE}.json", "-o", f"drafts/{CODE}.json", cwd=tmp_path)
    assert r.returncode == 2 and "is the input (json)" in r.stderr
    assert path.read_bytes() == before


def test_render_over_an_edited_review_file_needs_force(run_cli, tmp_path):
    assert _draft(run_cli, tmp_path).returncode == 0
    assert run_cli("render", f"drafts/{CODE}.json", "-o", "review.md", cwd=tmp_path).returncode == 0
    review = tmp_path / "review.md"
    review.write_text(review.read_text().replace("Medical Records", "Health Records", 1))
    r = run_cli("render", f"drafts/{CODE}.json", "-o", "review.md", cwd=tmp_path)
    assert r.returncode == 2 and "edited since" in r.stderr
    r = run_cli("render", f"drafts/{CODE}.json", "-o", "review.md", "--force", cwd=tmp_path)
    assert r.returncode == 0
    assert "Health Records" in (tmp_path / "review.md.~1~").read_text()


def test_files_are_written_with_the_umask_not_private(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "a.md", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.md").stat().st_mode) == 0o644
