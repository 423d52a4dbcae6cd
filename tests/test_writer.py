"""Nothing an assessor wrote is lost, leaked or misfiled (issue 20): every output goes through one protected writer
(``drafter.files.write_owned_files``), a draft's pair is written as a pair, and writers of one role take turns.

Through the real CLI: a real full file system (a small tmpfs, root only), a real file size limit (RLIMIT_FSIZE,
no root needed), real concurrent processes.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conditions import fill, lock_held, small_tmpfs
from .conftest import ROOT, SECRET

CODE = "29-2072.00"


def _pair(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (records and backups included), by name."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _draft(run_cli, cwd: Path, *extra: str, env: dict | None = None):
    return run_cli("draft", "29-2072", "--offline", "-o", "drafts", *extra, cwd=cwd, env=env)


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and stderr.strip().endswith(lines[0]) and "Traceback" not in stderr, stderr
    return lines[0]


# --- a draft is a pair, written as a pair -----------------------------------------------------------------


def test_a_full_disk_with_room_for_the_markdown_only_keeps_the_old_pair(run_cli, tmp_path):
    work = tmp_path / "work"
    with small_tmpfs(work, size="256k"):
        assert _draft(run_cli, work).returncode == 0
        before = _pair(work / "drafts")
        filler = fill(work)
        # room for a new Markdown and its record (5 + 1 pages), not for the JSON too: before issue 20 this left the
        # new Markdown beside the old JSON
        os.truncate(filler, filler.stat().st_size - 6 * 4096)

        r = _draft(run_cli, work, "--title", "Health Information Technologists")

        assert r.returncode == 2, r.stderr
        line = _error_line(r.stderr)
        assert line.startswith("error: drafts/29-2072.00.") and "disk full while writing" in line
        assert line.endswith("(No space left on device); nothing was replaced")
        assert _pair(work / "drafts") == before  # no temporary left, records as they were
        assert r.stdout == ""


def test_a_first_draft_onto_a_full_disk_leaves_no_lone_file(run_cli, tmp_path):
    work = tmp_path / "work"
    with small_tmpfs(work, size="256k"):
        filler = fill(work)
        # room for the two folders, the Markdown and its record (1 + 1 + 5 + 1 pages), not for the JSON too
        os.truncate(filler, filler.stat().st_size - 8 * 4096)
        r = _draft(run_cli, work)
        assert r.returncode == 2
        assert "disk full while writing (No space left on device); nothing was replaced" in _error_line(r.stderr)
        assert not [p for p in (work / "drafts").rglob("*") if p.is_file()]


def test_a_file_size_limit_mid_pair_keeps_the_old_pair_and_names_the_file(run_cli, tmp_path):
    """No root needed: RLIMIT_FSIZE between the Markdown's size (~17 kB) and the JSON's (~18.5 kB) gives EFBIG
    on the JSON after the Markdown was written."""
    assert _draft(run_cli, tmp_path).returncode == 0
    md, js = (tmp_path / "drafts" / f"{CODE}.md").stat().st_size, (tmp_path / "drafts" / f"{CODE}.json").stat().st_size
    assert md + 300 < js, (md, js)
    before = _pair(tmp_path / "drafts")
    limit = md + 300

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
    r = subprocess.run(
        [sys.executable, "-m", "drafter", "draft", "29-2072", "--offline", "-o", "drafts", "--title", "Coders"],
        capture_output=True, text=True, cwd=tmp_path, preexec_fn=small_files, timeout=120,
        env=env | {"DRAFTER_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    line = _error_line(r.stderr)
    assert line.startswith(f"error: drafts/{CODE}.json: file too large (a file size limit) while writing")
    assert line.endswith("nothing was replaced")
    assert _pair(tmp_path / "drafts") == before


def test_a_failure_while_renaming_the_pair_puts_the_first_file_back(tmp_path, monkeypatch):
    """The renames come after every file is on disk; should one still fail (an I/O error), the files already
    renamed get their old content back (a hard link kept for the purpose), so the pair stays the old pair."""
    from drafter import files

    md, js = tmp_path / "X.md", tmp_path / "X.json"
    files.write_owned_files([(md, "old md\n"), (js, "old json\n")], origin="draft")
    before = _pair(tmp_path)
    real = os.replace

    def failing_on_the_json(src, dst):
        if Path(dst) == js and not str(src).endswith(".old.tmp"):
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", failing_on_the_json)
    with pytest.raises(files.WriteFailed, match=r"X\.json: error while writing \(Input/output error\); nothing was"):
        files.write_owned_files([(md, "new md\n"), (js, "new json\n")], origin="draft")
    assert _pair(tmp_path) == before  # the Markdown and its record back, no temporary or link left
    assert files.written_unchanged(md) and files.written_unchanged(js)


# --- writers of one role take turns -----------------------------------------------------------------------


def test_a_second_writer_waits_then_names_the_process_holding_the_role(run_cli, tmp_path):
    assert _draft(run_cli, tmp_path).returncode == 0
    before = _pair(tmp_path / "drafts")
    with lock_held(tmp_path / "drafts" / f"{CODE}.md") as holder:
        before = _pair(tmp_path / "drafts")  # the holder's lock file included
        t0 = time.monotonic()
        r = _draft(run_cli, tmp_path, "--title", "Coders", env={"DRAFTER_LOCK_WAIT": "1.5"})
        waited = time.monotonic() - t0
        assert r.returncode == 2
        line = _error_line(r.stderr)
        assert f"(pid {holder}) is writing {CODE} in this folder; waited 1.5 s, nothing was written" in line
        assert waited >= 1.5
        assert _pair(tmp_path / "drafts") == before
    # the holder is gone: its lock file with it, and the next writer goes ahead
    assert not list((tmp_path / "drafts" / ".drafter-written").glob("*.lock"))
    assert _draft(run_cli, tmp_path, "--title", "Coders").returncode == 0


def test_two_drafts_into_one_folder_at_once_leave_one_whole_pair(tmp_path):
    """Two real `drafter draft` processes of one role, started together: each pair is written whole under the
    lock, so the Markdown and the JSON left are one draft's (not the .md of one and the .json of the other)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "drafter", "draft", "29-2072", "--offline", "-o", "drafts", "--title", title],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env | {"DRAFTER_HOME": str(tmp_path / f"home-{i}"), "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        for i, title in enumerate(["Coders A", "Coders B"])
    ]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    title = json.loads((tmp_path / "drafts" / f"{CODE}.json").read_text())["role"]["job_title"]
    assert title in ("Coders A", "Coders B")
    assert f"| Job Title | {title} (" in (tmp_path / "drafts" / f"{CODE}.md").read_text()
    assert not list((tmp_path / "drafts").glob(".*.tmp"))


# --- import writes the pair, --force keeps both -----------------------------------------------------------


def _reviewed(run_cli, tmp_path: Path) -> Path:
    assert _draft(run_cli, tmp_path).returncode == 0
    assert run_cli("render", f"drafts/{CODE}.json", "-o", "review.md", cwd=tmp_path).returncode == 0
    review = tmp_path / "review.md"
    review.write_text(review.read_text().replace("Medical Records Specialists", "Reviewed Specialists", 1))
    return review


def test_import_over_a_draft_rewrites_its_markdown_too(run_cli, tmp_path):
    _reviewed(run_cli, tmp_path)
    r = run_cli("import", "review.md", "-o", f"drafts/{CODE}.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"wrote drafts/{CODE}.md" in r.stderr and f"wrote drafts/{CODE}.json" in r.stderr
    assert "Reviewed Specialists" in (tmp_path / "drafts" / f"{CODE}.md").read_text()
    # the pair is now an assessor's: a new draft is refused, and --force keeps both files, as the README says
    assert _draft(run_cli, tmp_path).returncode == 2
    assert _draft(run_cli, tmp_path, "--force").returncode == 0
    for name in (f"{CODE}.md.~1~", f"{CODE}.json.~1~"):
        assert "Reviewed Specialists" in (tmp_path / "drafts" / name).read_text()


def test_import_leaves_an_edited_markdown_as_it_was_and_says_so(run_cli, tmp_path):
    _reviewed(run_cli, tmp_path)
    md = tmp_path / "drafts" / f"{CODE}.md"
    md.write_text(md.read_text() + "\nmy own note\n")
    edited = md.read_bytes()
    r = run_cli("import", "review.md", "-o", f"drafts/{CODE}.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stderr.split())
    assert f"drafts/{CODE}.md left as it was (edited since drafter wrote it" in said
    assert f"drafter render drafts/{CODE}.json -o drafts/{CODE}.md --force" in said
    assert md.read_bytes() == edited
    assert "Reviewed Specialists" in (tmp_path / "drafts" / f"{CODE}.json").read_text()


# --- every output option: refused over an assessor's file, --force keeps a backup ----------------------------


def test_table_outputs_are_protected_and_force_keeps_backups(run_cli, tmp_path):
    assert _draft(run_cli, tmp_path).returncode == 0
    sheet = tmp_path / "table.csv"
    sheet.write_text("my spreadsheet\n")
    r = run_cli("table", "drafts", "--csv", "table.csv", "--html", "page.html", cwd=tmp_path)
    assert r.returncode == 2 and "table.csv: edited since drafter wrote it" in r.stderr
    assert sheet.read_text() == "my spreadsheet\n" and not (tmp_path / "page.html").exists()  # neither written

    r = run_cli("table", "drafts", "--csv", "table.csv", "--html", "page.html", "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "table.csv.~1~").read_text() == "my spreadsheet\n"
    assert "kept the previous table.csv as table.csv.~1~" in r.stderr
    # its own table again: no --force needed, no backup
    assert run_cli("table", "drafts", "--csv", "table.csv", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "table.csv.~2~").exists()


def test_batch_requests_out_is_protected_and_force_keeps_a_backup(run_cli, tmp_path):
    (tmp_path / "codes.txt").write_text("29-2072\n")
    (tmp_path / "requests.jsonl").write_text("my earlier requests\n")
    args = ("batch", "--codes", "codes.txt", "--include-scored", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
            "--via", "openai-batch", "-o", "drafts", "--requests-out", "requests.jsonl")  # fmt: skip
    r = run_cli(*args, cwd=tmp_path, env={"OPENAI_API_KEY": SECRET})
    assert r.returncode == 2 and "requests.jsonl: edited since drafter wrote it" in r.stderr
    assert (tmp_path / "requests.jsonl").read_text() == "my earlier requests\n"
    r = run_cli(*args, "--force", cwd=tmp_path, env={"OPENAI_API_KEY": SECRET})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "requests.jsonl.~1~").read_text() == "my earlier requests\n"
    assert "custom_id" in (tmp_path / "requests.jsonl").read_text()


def test_a_batch_keeps_an_edited_portfolio_file_and_says_so(run_cli, tmp_path):
    (tmp_path / "codes.txt").write_text("29-2072\n")
    args = ("batch", "--codes", "codes.txt", "--offline", "--include-scored", "-o", "drafts")
    assert run_cli(*args, cwd=tmp_path).returncode == 0
    sheet = tmp_path / "drafts" / "portfolio" / "portfolio.csv"
    sheet.write_text(sheet.read_text() + "my note,,,\n")
    edited = sheet.read_bytes()
    (tmp_path / "codes.txt").write_text("29-2072\n29-2081\n")  # a new batch into the same folder
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "portfolio not rewritten" in r.stderr and "portfolio.csv: edited since drafter wrote it" in r.stderr
    assert sheet.read_bytes() == edited
    r = run_cli(*args, "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (sheet.parent / "portfolio.csv.~1~").read_bytes() == edited
    assert "29-2081" in sheet.read_text()


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_render_onto_its_own_input_is_refused_in_either_format(run_cli, tmp_path, fmt):
    assert _draft(run_cli, tmp_path).returncode == 0
    src = tmp_path / "drafts" / f"{CODE}.json"
    before = _pair(tmp_path / "drafts")
    r = run_cli("render", str(src), "-f", fmt, "-o", str(src), cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert _pair(tmp_path / "drafts") == before
    assert src.name in r.stderr
