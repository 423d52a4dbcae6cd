"""Malformed user files and hostile outputs, one row each, through the real CLI.

Every row must end the same way: exit 2, one line on stderr that starts ``error: FILE`` and names the line or
field where there is one, no traceback, nothing on stdout, and the work folder byte for byte as it was (an
existing output file included). To cover a new kind of bad input, add a row: a file name, how to make its
content from the seed or the golden role, which command reads it, and what the error line must say.

Rows about outputs (issue 20) name the output file instead (``names``): an output onto an assessor's file or onto
the command's own input, a full disk (``disk_full``: a real small tmpfs, tests/conditions.py) and another process
writing the same role (``locked``). A command that prints progress before it writes (``notices``) may print those
lines first; its error is still one line, the last.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conditions import fill, lock_held, small_tmpfs
from .conftest import GOLDEN, SECRET, SEED

MINUS = "\u2212"


def seed() -> str:
    return SEED.read_text(encoding="utf-8")


def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def seed_line(no: int) -> str:
    return seed().splitlines()[no - 1]


def seed_with(old: str, new: str) -> Callable[[], str]:
    def make() -> str:
        text = seed()
        assert old in text, old
        return text.replace(old, new, 1)

    return make


def pipe_in_line(no: int) -> Callable[[], str]:
    """The seed with an unescaped '|' in the last cell of table row ``no``."""

    def make() -> str:
        row = seed_line(no)
        return seed().replace(row, row[: row.rindex(" |")] + " | HITECH |", 1)

    return make


def golden_with(change: Callable[[dict], object]) -> Callable[[], str]:
    def make() -> str:
        d = golden()
        change(d)
        return json.dumps(d, indent=2, ensure_ascii=False)

    return make


def _set(path: str, value: object) -> Callable[[dict], None]:
    def change(d: dict) -> None:
        *parents, last = (int(p) if p.isdigit() else p for p in path.split("."))
        for p in parents:
            d = d[p]
        d[last] = value

    return change


# the command that reads each kind of file; {file} is the input, {work} the folder it sits in
IMPORT = ("import", "{file}", "-o", "{work}/assessment.json")  # assessment.json already exists
RENDER = ("render", "{file}", "-o", "{work}/review.md")  # review.md already exists
DRAFT = ("draft", "{file}", "--offline", "-o", "{work}/drafts")
BATCH = ("batch", "--codes", "{file}", "--offline", "--include-scored", "-o", "{work}/drafts")
# the commands and messages of the rows about outputs
DRAFT_JSON = "drafts/29-2072.00.json"  # a draft in the folder a table reads
DRAFT_ROLE = ("draft", "29-2072", "--offline", "--notes", "{file}", "-o", "{work}/drafts")
# (capturing each request body logs instructor's "API call failed … Connection error" on stderr first: notices)
REQUESTS = ("batch", "--codes", "{file}", "--include-scored", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
            "--via", "openai-batch", "-o", "{work}/drafts", "--requests-out")  # fmt: skip
KEY = (("OPENAI_API_KEY", SECRET),)
KEPT = ": edited since drafter wrote it, or not a file drafter wrote"
OWN_INPUT = ": is an input of this command"
FULL = ": disk full while writing (No space left on device); nothing was replaced"
BUSY = (": another drafter process (pid ", ") is writing 29-2072.00 in this folder", "nothing was written")


@dataclass(frozen=True)
class Hostile:
    id: str
    file: str
    content: Callable[[], str | bytes]
    command: tuple[str, ...]
    says: tuple[str, ...]  # in order, in the one error line after "error: FILE"
    names: str = "{file}"  # the FILE the error line starts with (an output, for the rows about outputs)
    env: tuple[tuple[str, str], ...] = ()
    disk_full: bool = False  # the work folder is a small file system, filled once the inputs are in it
    locked: str | None = None  # another process holds the writer lock of this path's role
    notices: bool = False  # the command prints progress on stderr before it writes


CASES = [
    # --- house-format Markdown
    Hostile("md-pipe-in-task-rationale", "doc.md", pipe_in_line(26), IMPORT,
            (":line 26: Task Decomposition table row has 7 cells", "write a '|' inside a cell as '\\|'")),
    Hostile("md-pipe-in-role-value", "doc.md", pipe_in_line(6), IMPORT,
            (":line 6: Role Definition table row has 3 cells, the table has 2 columns", "'\\|'")),
    Hostile("md-word-for-a-score", "doc.md", seed_with("| Wage Trends | 0 |", "| Wage Trends | zero |"), IMPORT,
            (":line 38: Wage Trends: expected an integer score or 'AWAITING INPUT', got 'zero'",)),
    Hostile("md-markup-in-a-cell", "doc.md", seed_with("| Wage Trends | 0 |", "| Wage Trends | [/] |"), IMPORT,
            (":line 38: Wage Trends: expected an integer score or 'AWAITING INPUT', got '[/]'",)),
    Hostile("md-score-out-of-range", "doc.md", seed_with("| 20% | 5 | 1.00 |", "| 20% | 6 | 1.20 |"), IMPORT,
            (":line 23: tasks[1].score: expected less than or equal to 5 (got 6)",)),
    Hostile("md-shares-do-not-sum", "doc.md", seed_with("| 30% | 4 | 1.20 |", "| 25% | 4 | 1.00 |"), IMPORT,
            (": (document): task time shares sum to 95%, expected 100%",)),
    Hostile("md-missing-row", "doc.md", seed_with(seed_line(48) + "\n", ""), IMPORT,
            ("Barrier table: missing row(s) Union/Collective Bargaining",)),
    Hostile("md-row-not-in-the-format", "doc.md", seed_with("| Total | -3 |", "| Regional Data | 1 | x |\n| Total | -3 |"),
            IMPORT, (":line 41: Evidence table: unknown row 'Regional Data'; expected one of Job Posting Trends",)),
    Hostile("md-truncated", "doc.md", lambda: "\n".join(seed().splitlines()[:39]) + "\n", IMPORT,
            (":end of document: Evidence table: missing row(s) Expert Consensus",)),
    Hostile("md-bad-task-ids", "doc.md", seed_with("| Medical coding (ICD-10/CPT assignment) |",
            "| Medical coding (ICD-10/CPT assignment) <!-- onet: 12, abc --> |"), IMPORT,
            (":line 22: task 'Medical coding (ICD-10/CPT assignment) <!-- onet: 12, abc -->': expected O*NET task IDs",)),
    Hostile("md-task-id-on-two-rows", "doc.md", lambda: seed_with("| Medical coding (ICD-10/CPT assignment) |",
            "| Medical coding (ICD-10/CPT assignment) <!-- onet: 5 --> |")().replace(
            "| EHR data abstraction & entry |", "| EHR data abstraction & entry <!-- onet: 5 --> |"), IMPORT,
            (": (document): O*NET task 5 is covered by two rows",)),
    Hostile("md-bad-metadata", "doc.md", lambda: seed().rstrip("\n") + "\n<!-- drafter:metadata {not json} -->\n", IMPORT,
            (":line 98: drafter metadata comment: expected JSON",)),
    Hostile("md-bad-override", "doc.md", seed_with("Assessor override: None — formula", "Assessor override: Maybe — formula"),
            IMPORT, (":line 73: assessor override: expected 'None — formula score accepted. …'",)),
    Hostile("md-empty", "doc.md", lambda: "", IMPORT,
            (":end of document: expected section heading 'Role Definition', got end of document",)),
    Hostile("md-windows-1252", "doc.md", lambda: seed().encode("cp1252", errors="replace"), IMPORT,
            (": expected UTF-8 text (invalid start byte at byte",)),
    Hostile("md-utf16", "doc.md", lambda: seed().encode("utf-16"), IMPORT, (": expected UTF-8 text, got UTF-16",)),
    Hostile("md-imported-onto-itself", "doc.md", seed, ("import", "{file}", "-o", "{file}"),
            (": is the input (md); writing json there would replace it",)),
    # --- JSON assessments
    Hostile("json-rendered-onto-itself-as-md", "draft.json", golden_with(lambda d: None), ("render", "{file}", "-o", "{file}"),
            (": is the input (json); writing md there would replace it",)),
    Hostile("json-trailing-comma", "draft.json", lambda: '{"schema_version": 1,\n "role": {},\n}', RENDER,
            (":line 3:col 1: invalid JSON: Expecting property name enclosed in double quotes",)),
    Hostile("json-score-out-of-range", "draft.json", golden_with(_set("tasks.2.score", 6)), RENDER,
            (": tasks[2].score: expected less than or equal to 5 (got 6)",)),
    Hostile("json-unknown-field", "draft.json", golden_with(_set("tasks.0.minutes", 30)), RENDER,
            (": tasks[0].minutes: unknown field (not in the schema)",)),
    Hostile("json-shares-do-not-sum", "draft.json", golden_with(_set("tasks.0.time_pct", 25)), RENDER,
            (": (document): task time shares sum to 95%, expected 100%",)),
    Hostile("json-awaiting-as-text", "draft.json", golden_with(_set("growth.score", "AWAITING INPUT")), RENDER,
            (": growth.score: input should be a valid integer",)),
    Hostile("json-newer-schema", "draft.json", golden_with(_set("schema_version", 2)), RENDER,
            (": schema_version: expected schema_version 1, got 2",)),
    # --- task lists
    Hostile("csv-no-text-column", "tasks.csv", lambda: "id,statement\n1,Assign codes\n", DRAFT,
            (":line 1: missing column(s) text; expected id,text[,type,weight]",)),
    Hostile("csv-unquoted-comma", "tasks.csv", lambda: "id,text\n1,Assign codes\n2,Abstract, file and audit records\n",
            DRAFT, (":line 3: 3 values for 2 columns; put a task statement that contains commas in double quotes",)),
    Hostile("csv-id-in-words", "tasks.csv", lambda: "id,text\none,Assign codes\n", DRAFT,
            (":line 2.id: expected a positive integer, got 'one'",)),
    Hostile("csv-header-only", "tasks.csv", lambda: "\ufeffid,text\n", DRAFT, (": the task list is empty",)),
    Hostile("yaml-syntax", "tasks.yaml", lambda: "tasks:\n  - id: 1\n   text: Assign codes\n", DRAFT,
            (":line 3:col 4: invalid YAML: expected <block end>",)),
    Hostile("yaml-some-weights", "tasks.yaml", lambda: "- {id: 1, text: A, weight: 2}\n- {id: 2, text: B}\n", DRAFT,
            (": tasks[1].weight: give a weight for every task or for none",)),
    Hostile("yaml-negative-weight", "tasks.yaml", lambda: f"- {{id: 1, text: A, weight: {MINUS}2}}\n", DRAFT,
            (": tasks[0].weight: expected a positive number, got -2.0",)),
    Hostile("json-task-unknown-field", "tasks.json", lambda: '[{"id": 1, "text": "A", "minutes": 5}]', DRAFT,
            (": tasks[0]: unknown field(s) minutes; expected id, text, type, weight",)),
    # --- codes files
    Hostile("codes-malformed", "codes.txt", lambda: "29-20720\n", BATCH,
            (":line 1: expected an O*NET-SOC code like 29-2072 or 29-2072.00, got '29-20720'",)),
    Hostile("codes-unknown", "codes.txt", lambda: "\ufeff29-2072\n99-9999\n", BATCH, (":line 2: ", "99-9999")),
    Hostile("codes-only-comments", "codes.txt", lambda: "# roles to draft\n\n", BATCH, (": no SOC codes in the file",)),
    # --- outputs onto an assessor's file (assessment.json and review.md exist, drafter did not write them)
    Hostile("out-table-csv-over-an-assessors-file", DRAFT_JSON, golden_with(lambda d: None),
            ("table", "{work}/drafts", "--csv", "{work}/review.md"), (KEPT,), names="{work}/review.md"),
    Hostile("out-table-html-over-an-assessors-file", DRAFT_JSON, golden_with(lambda d: None),
            ("table", "{work}/drafts", "--csv", "{work}/new.csv", "--html", "{work}/assessment.json"), (KEPT,),
            names="{work}/assessment.json"),  # and the CSV, which could be written, is not either
    Hostile("out-requests-over-an-assessors-file", "codes.txt", lambda: "29-2072\n", (*REQUESTS, "{work}/review.md"),
            (KEPT,), names="{work}/review.md", env=KEY, notices=True),
    Hostile("out-import-over-an-assessors-json", "doc.md", seed, IMPORT, (KEPT,), names="{work}/assessment.json"),
    Hostile("out-render-over-an-assessors-review", "draft.json", golden_with(lambda d: None), RENDER, (KEPT,),
            names="{work}/review.md"),
    # --- outputs onto the command's own input
    Hostile("out-table-csv-onto-its-draft", DRAFT_JSON, golden_with(lambda d: None),
            ("table", "{work}/drafts", "--csv", "{file}"), (OWN_INPUT,)),
    Hostile("out-table-html-onto-its-draft-by-another-name", "drafts/29-2072.00.md", seed,
            ("table", "{work}/drafts", "--html", "{work}/drafts/../drafts/29-2072.00.md"), (OWN_INPUT,),
            names="{work}/drafts/../drafts/29-2072.00.md"),
    Hostile("out-requests-onto-its-codes-file", "codes.txt", lambda: "29-2072\n", (*REQUESTS, "{file}"), (OWN_INPUT,),
            env=KEY, notices=True),
    Hostile("out-render-json-onto-itself", "draft.json", golden_with(lambda d: None),
            ("render", "{file}", "-f", "json", "-o", "{file}"), (OWN_INPUT,)),
    # --- a full disk: nothing half-written, the file and the cause named
    Hostile("full-disk-draft", "notes.md", lambda: "# Notes\n", DRAFT_ROLE, (FULL,),
            names="{work}/drafts/29-2072.00.md", disk_full=True, notices=True),
    Hostile("full-disk-render", "draft.json", golden_with(lambda d: None), ("render", "{file}", "-o", "{work}/new.md"),
            (FULL,), names="{work}/new.md", disk_full=True),
    Hostile("full-disk-table", DRAFT_JSON, golden_with(lambda d: None),
            ("table", "{work}/drafts", "--csv", "{work}/t.csv", "--html", "{work}/t.html"), (FULL,),
            names="{work}/t.csv", disk_full=True),
    Hostile("full-disk-requests", "codes.txt", lambda: "29-2072\n", (*REQUESTS, "{work}/requests.jsonl"), (FULL,),
            names="{work}/requests.jsonl", env=KEY, disk_full=True, notices=True),
    # --- another process writing the same role's files
    Hostile("locked-draft", "notes.md", lambda: "# Notes\n", DRAFT_ROLE, BUSY, names="{work}/drafts/29-2072.00.md",
            locked="{work}/drafts/29-2072.00.json", notices=True),
    Hostile("locked-import", "doc.md", seed, ("import", "{file}", "-o", "{work}/drafts/29-2072.00.json"), BUSY,
            names="{work}/drafts/29-2072.00.json", locked="{work}/drafts/29-2072.00.md", notices=True),
    Hostile("locked-render", "draft.json", golden_with(lambda d: None),
            ("render", "{file}", "-o", "{work}/drafts/29-2072.00.md"), BUSY, names="{work}/drafts/29-2072.00.md",
            locked="{work}/drafts/29-2072.00.md"),
]  # fmt: skip


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_refused_in_one_line_and_changes_nothing(run_cli, tmp_path, case: Hostile):
    if not SEED.exists():
        pytest.skip(f"the seed assessment is not at {SEED}")
    work = tmp_path / "work"
    work.mkdir()
    with ExitStack() as stack:
        if case.disk_full:
            stack.enter_context(small_tmpfs(work))
        path = _inputs(work, case)
        if case.disk_full:
            fill(work)
        env = dict(case.env)
        if case.locked:
            env |= {
                "DRAFTER_LOCK_WAIT": "0.5",
                "holder": str(stack.enter_context(lock_held(Path(_fmt(case.locked, path, work))))),
            }
        before = _snapshot(work)

        r = run_cli(*(_fmt(arg, path, work) for arg in case.command), env=env)

        assert r.returncode == 2, (r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and r.stdout == ""
        lines = r.stderr.strip().splitlines()
        if case.notices:  # progress first, then the one error line
            assert [line for line in lines if line.startswith("error:")] == lines[-1:], r.stderr
            lines = lines[-1:]
        assert len(lines) == 1, r.stderr
        prefix = f"error: {_fmt(case.names, path, work)}"
        assert lines[0].startswith(prefix), lines[0]
        pattern = ".*".join(re.escape(s) for s in case.says)
        assert re.search(pattern, lines[0][len(prefix) :]), lines[0]
        if case.locked:
            assert f"(pid {env['holder']})" in lines[0]
        assert _snapshot(work) == before


def _fmt(template: str, path: Path, work: Path) -> str:
    return template.format(file=path, work=work)


def _inputs(work: Path, case: Hostile) -> Path:
    """The row's input file, and the two files an assessor has in the folder (no output may replace them)."""
    content = case.content()
    path = work / case.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    (work / "assessment.json").write_text("an assessor's earlier import\n", encoding="utf-8")
    (work / "review.md").write_text("an assessor's review in progress\n", encoding="utf-8")
    return path
