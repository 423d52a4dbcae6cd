"""Hostile text through the real CLI: titles and names that look like markup or carry terminal control codes,
JSON nested thousands deep, a runaway model's 5 MB answer, and the layouts at 80 columns.

A title is shown literally (brackets kept), no escape byte reaches the output, and what is stored (the draft's
JSON, the audit trail) has no control characters; a deep file is one clean line, and a folder command skips it
and goes on; an oversized answer is neither stored whole nor sent back.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from drafter.safetext import clean

from .conftest import GOLDEN

# (title as written by a user or a model, what the terminal must show)
TITLES = [
    ("Clerk [/ETL]", "Clerk [/ETL]"),
    ("Nurse [i.e. RN]", "Nurse [i.e. RN]"),
    ("[bold red]x", "[bold red]x"),
    ("[link=file:///etc/passwd]Clerk[/link]", "[link=file:///etc/passwd]Clerk[/link]"),
    ("Clerk \x1b[31mred\x1b[0m", "Clerk red"),
    ("Clerk \x1b]0;pwned\x07title", "Clerk title"),
    ("Nul\x00Bel\x07Bs\x08 clerk", "NulBelBs clerk"),
    ("Clerk \u202eKREL", "Clerk KREL"),
    ("Clerk\\", "Clerk\\"),
    ("Clerk " + "very long " * 300, "Clerk very long very long"),
    ("Clerk :smile: emoji :warning:", "Clerk :smile: emoji :warning:"),  # rich would print 😄 and ⚠
]
IDS = ["close-tag", "i.e.", "style", "link", "ansi-colour", "osc-title", "nul-bel-bs", "rtl-override",
       "backslash", "very-long", "emoji-code"]  # fmt: skip
CONTROL = [chr(c) for c in (*range(0, 9), *range(11, 32), 127)] + ["\u202e"]


def _draft_titled(path: Path, title: str, code: str | None = "29-2072.00") -> Path:
    d = json.loads(GOLDEN.read_text(encoding="utf-8"))
    d["role"]["job_title"] = title
    if code != "29-2072.00":
        d["provenance"]["onet_code"] = code
        d["role"]["soc_code"] = code[:7] if code else None
    path.write_text(json.dumps(d), encoding="utf-8")
    return path


def _clean_run(r, shows: str | None = None) -> None:
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-2000:]
    assert "Traceback" not in out and "MarkupError" not in out
    assert "\x1b" not in out and not any(c in out for c in CONTROL if c not in "\n"), repr(out[-500:])
    if shows is not None:
        assert shows in " ".join(out.split()), (shows, out[-1500:])


@pytest.mark.parametrize(("title", "shows"), TITLES, ids=IDS)
def test_a_hostile_title_is_shown_literally_and_stored_clean(run_cli, tmp_path, title, shows):
    draft = _draft_titled(tmp_path / "draft.json", title)
    _clean_run(run_cli("score", str(draft)), shows)
    _clean_run(run_cli("diff", str(GOLDEN), str(draft)), shows[:40])
    _clean_run(run_cli("review", "first", str(draft)))

    tasks = tmp_path / "tasks.yaml"
    tasks.write_text("- {id: 1, text: File records}\n- {id: 2, text: Code diagnoses}\n", encoding="utf-8")
    title = title.replace("\x00", "")  # (a NUL cannot be passed in a command's arguments at all)
    r = run_cli("draft", str(tasks), "--title", title, "--offline", "-o", str(tmp_path / "out"))
    _clean_run(r, shows)
    (written,) = (tmp_path / "out").glob("*.json")  # named after the title's slug
    stored = json.loads(written.read_text(encoding="utf-8"))["role"]["job_title"]
    assert stored == clean(title).strip() and not any(c in stored for c in CONTROL)
    md = written.with_suffix(".md").read_text(encoding="utf-8")
    assert "\x1b" not in md and "\u202e" not in md


def test_folder_commands_and_the_audit_trail_show_hostile_titles_and_names_literally(run_cli, tmp_path):
    drafts, finals = tmp_path / "drafts", tmp_path / "finals"
    drafts.mkdir()
    finals.mkdir()
    codes = ["29-2072.00", "43-6013.00", "29-2052.00", "11-9199.02", "31-1131.00", "15-1252.00", "13-2011.00",
             "43-4051.00", "41-2031.00", "23-2011.00", "53-3032.00"]  # fmt: skip
    for (title, _), code in zip(TITLES, codes, strict=True):
        _draft_titled(drafts / f"{code}.json", title, code)
        _draft_titled(finals / f"{code}.json", "Final " + title, code)
    r = run_cli("table", str(drafts))
    _clean_run(r)
    for _, shows in TITLES[:4]:
        assert shows[:30] in r.stdout
    _clean_run(run_cli("diff", "--summary", str(drafts), str(finals)))
    _clean_run(run_cli("eval", "--drafts", str(drafts), cwd=tmp_path))

    home = tmp_path / "home"
    for who in ("[bold red]A. Assessor", "Ana \x1b[31mEvil\x1b[0m\x1b]0;x\x07", "Bob [/] :warning:"):
        code = codes[0]
        (finals / f"{code}.json").write_text((finals / f"{code}.json").read_text() + " ", encoding="utf-8")
        r = run_cli("review", "accept", str(finals / f"{code}.json"), "--draft", str(drafts / f"{code}.json"),
                    "--by", who)  # fmt: skip
        _clean_run(r, clean(who).strip())
    r = run_cli("review", "history")
    _clean_run(r)
    for expected in ("[bold red]A. Assessor", "Ana Evil", "Bob [/] :warning:"):
        assert expected in r.stdout, r.stdout
    (db,) = home.glob("*.db")
    stored = [w for (w,) in sqlite3.connect(db).execute("SELECT who FROM review_accepts")]
    assert len(stored) == 3 and all(not any(c in w for c in CONTROL) for w in stored), stored


DEEP = {
    "objects-5000": lambda: '{"a":' * 5000 + "1" + "}" * 5000,
    "arrays-100000": lambda: "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deep_json_is_one_clean_line_per_file(run_cli, tmp_path, shape):
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP[shape](), encoding="utf-8")
    for args in (("score", str(deep)), ("validate", str(deep)), ("draft", str(deep), "--offline", "-o", "out"),
                 ("eval", "compare", str(deep), str(deep))):  # fmt: skip
        r = run_cli(*args, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr[-500:])
        assert "Traceback" not in r.stderr and "RecursionError" not in r.stderr
        lines = (r.stdout + r.stderr).strip().splitlines()
        assert len(lines) == 1 and str(deep) in lines[0] and "nested too deeply" in lines[0], (args, lines)


def test_folder_commands_skip_a_deep_file_and_go_on(run_cli, tmp_path):
    drafts, finals = tmp_path / "drafts", tmp_path / "finals"
    for folder in (drafts, finals):
        folder.mkdir()
        (folder / "29-2072.00.json").write_text(GOLDEN.read_text(encoding="utf-8"), encoding="utf-8")
        (folder / "00-deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    r = run_cli("table", str(drafts))
    assert r.returncode == 0 and "29-2072.00" in r.stdout and "Traceback" not in r.stderr
    assert "skipped:" in r.stderr and "00-deep.json" in r.stderr and "nested too deeply" in r.stderr
    r = run_cli("eval", "--drafts", str(drafts), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-800:]
    assert "00-deep.json" in r.stdout and "nested too deeply" in r.stdout and "agrees" in r.stdout
    r = run_cli("diff", "--summary", str(drafts), str(finals))
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert "unreadable" in r.stdout and "nested too deeply" in r.stdout


def test_a_huge_answer_is_neither_stored_whole_nor_sent_back(fake_llm, llm_factory, tmp_path):
    from drafter.drafting.facts import bound
    from drafter.llm.client import LLMError
    from drafter.llm.transport import LOGGED_HEAD, MAX_ANSWER_BYTES

    from .test_llm_client import CONTEXT, MESSAGES, Decomposition

    fake_llm.script.huge_bytes = 5_000_000
    fake_llm.script.default = "huge"
    llm = llm_factory(validation_retries=2, http_retries=1)
    with pytest.raises(LLMError) as e, bound(CONTEXT):
        llm.structured("decompose", Decomposition, MESSAGES)
    llm.log.flush()
    assert "over the limit" in str(e.value) and f"{MAX_ANSWER_BYTES:,}" in str(e.value)
    sent = [len(json.dumps(b)) for b in fake_llm.requests]
    assert max(sent) < 200_000, sent  # nothing of the answer goes back: no re-ask carries it
    assert len(sent) == 2  # the first try and one HTTP retry; no validation re-ask
    db = tmp_path / "runlog.sqlite"
    con = sqlite3.connect(db)
    stored = con.execute("SELECT max(length(response_json)), count(*) FROM calls").fetchone()
    assert stored[0] < LOGGED_HEAD + 200 and stored[1] == 2
    total = sum(p.stat().st_size for p in tmp_path.glob("runlog.sqlite*"))
    assert total < 2_000_000, total  # was > 5 MB per attempt before the cap


def test_file_names_that_look_like_markup_are_printed_literally(run_cli, tmp_path):
    folder = tmp_path / "drafts [red]"  # (no "/" in a file name: an opening tag alone)
    folder.mkdir()
    (folder / "29-2072.00.json").write_text(GOLDEN.read_text(encoding="utf-8"), encoding="utf-8")
    bad = folder / "[bold]bad.json"
    bad.write_text("{", encoding="utf-8")
    r = run_cli("validate", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr and f"error: {bad}" in r.stderr, r.stderr
    r = run_cli("table", str(folder))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert f"skipped: {bad}" in " ".join(r.stderr.split()) and str(folder) in " ".join(r.stdout.split())
