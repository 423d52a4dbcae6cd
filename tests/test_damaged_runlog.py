"""A run log overwritten with junk: one line naming the file and how to move it aside, exit 2; the offline
default never opens it."""

from __future__ import annotations

import pytest

JUNK = b"this is not an SQLite database\n" * 100


@pytest.fixture
def damaged(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "runlog.sqlite").write_bytes(JUNK)
    (tmp_path / "codes.txt").write_text("29-2072.00\n")
    return home / "runlog.sqlite"


@pytest.mark.parametrize(
    "args",
    [
        ("logs",),
        ("eval", "--offline", "-o", "runs"),
        ("batch", "--codes", "codes.txt", "--offline", "--include-scored", "-o", "drafts"),
        ("draft", "29-2072", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "-o", "drafts"),
    ],
    ids=["logs", "eval", "batch", "llm-draft"],
)
def test_a_damaged_run_log_is_named_in_one_line_with_exit_2(run_cli, tmp_path, damaged, args):
    r = run_cli(*args, cwd=tmp_path, env={"OPENAI_API_KEY": "sk-x"})
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: {damaged}: not a readable drafter database")
    assert f"mv {damaged} {damaged}.damaged" in line
    assert damaged.read_bytes() == JUNK  # nothing stored is lost: the file is left for the user to move


def test_offline_drafting_never_opens_the_run_log(run_cli, tmp_path, damaged):
    r = run_cli("draft", "29-2072", "--offline", "-o", "drafts", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "drafts" / "29-2072.00.json").exists()
    assert damaged.read_bytes() == JUNK
