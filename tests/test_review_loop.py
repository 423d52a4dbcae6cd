"""The README's review loop, run exactly as printed (draft, render, edit, import, validate, score, eval)."""

from __future__ import annotations

import json
import re
import shlex

from .conftest import ROOT


def review_loop_commands() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Reviewing a draft (the review loop)") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.startswith("drafter ")]


def test_the_readme_review_loop_runs_as_printed_and_keeps_the_edit(run_cli, tmp_path):
    commands = review_loop_commands()
    assert [c[1] for c in commands] == ["draft", "render", "import", "validate", "score", "eval"]
    for cmd in commands:
        r = run_cli(*cmd[1:], cwd=tmp_path)
        assert r.returncode == 0, f"{shlex.join(cmd)}: {r.stderr}"
        if cmd[1] == "render":  # the assessor's edit
            review = tmp_path / "review.md"
            text = review.read_text(encoding="utf-8")
            assert "Medical Records Specialists" in text
            review.write_text(text.replace("Medical Records Specialists", "Medical Records Specialists (reviewed)", 1))
    reviewed = json.loads((tmp_path / "drafts" / "29-2072.00.json").read_text(encoding="utf-8"))
    assert reviewed["role"]["job_title"].endswith("(reviewed)")
    (run,) = (tmp_path / "eval-runs").glob("*.json")
    role = next(r for r in json.loads(run.read_text())["roles"] if r["key"] == "29-2072.00")
    assert len(role["samples"]) == 1  # the reviewed JSON, not also the stale Markdown

    # drafting again would lose the review: refused, and --force keeps it as a backup
    again = run_cli(*commands[0][1:], cwd=tmp_path)
    assert again.returncode == 2 and "edited since" in again.stderr
    assert json.loads((tmp_path / "drafts" / "29-2072.00.json").read_text())["role"]["job_title"].endswith("(reviewed)")
    assert run_cli(*commands[0][1:], "--force", cwd=tmp_path).returncode == 0
    backup = json.loads((tmp_path / "drafts" / "29-2072.00.json.~1~").read_text())
    assert backup["role"]["job_title"].endswith("(reviewed)")
