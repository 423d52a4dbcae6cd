"""Small things the CLI says: the version, what --offline means, notes the offline default cannot use, the
warnings `validate` shares with `score`."""

from __future__ import annotations

import json

from drafter import __version__

from .conftest import GOLDEN


def test_version_is_printed(run_cli):
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"drafter {__version__}"


def test_offline_banner_names_the_option_not_a_missing_llm(run_cli, tmp_path):
    r = run_cli("draft", "29-2072", "--offline", "-o", "d", cwd=tmp_path, env={"OPENAI_API_KEY": "sk-x"})
    assert r.returncode == 0, r.stderr
    assert "--offline: drafting with the offline default" in r.stderr
    assert "No LLM configured" not in r.stderr and "OPENAI_API_KEY" not in r.stderr


def test_offline_draft_says_it_does_not_use_notes(run_cli, tmp_path):
    (tmp_path / "notes.md").write_text("BLS projects -7% to 2034.\n")
    r = run_cli("draft", "29-2072", "--offline", "--notes", "notes.md", "-o", "d", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "does not read notes: notes.md is not used" in " ".join(r.stderr.split())


def test_validate_shows_the_label_warnings_score_shows(run_cli, tmp_path):
    d = json.loads(GOLDEN.read_text())
    d["tasks"][1]["label"] = "NOT INVOLVED"  # score 5: the label contradicts it
    (tmp_path / "a.json").write_text(json.dumps(d))
    r = run_cli("validate", "a.json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "a.json: label check: tasks[1]" in r.stdout
    assert "Label check: tasks[1]" in run_cli("score", "a.json", cwd=tmp_path).stdout  # the same warning


def test_file_names_that_look_like_markup_are_printed_as_typed(run_cli, tmp_path):
    (tmp_path / "[review]v2.json").write_text(GOLDEN.read_text())
    r = run_cli("render", "[review]v2.json", "-o", "[x]y.md", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "wrote [x]y.md" in r.stderr
    assert "ok [review]v2.json" in run_cli("validate", "[review]v2.json", cwd=tmp_path).stdout


def test_json_without_show_prompts_is_refused_before_anything_is_drafted(run_cli, tmp_path):
    r = run_cli("draft", "25-2057", "--json", "-o", str(tmp_path / "d"))
    assert r.returncode == 2 and "--json goes with --show-prompts" in r.stderr
    assert not (tmp_path / "d").exists()
