"""Malformed user files and hostile outputs, one row each, through the real CLI.

Every row must end the same way: exit 2, one line on stderr that starts ``error: FILE`` and names the line or
field where there is one, no traceback, nothing on stdout, and the work folder byte for byte as it was (an
existing output file included). To cover a new kind of bad input, add a row: a file name, how to make its
content from the seed or the golden role, which command reads it, and what the error line must say.

Rows about outputs (issue 20) name the output file instead (``names``): an output onto an assessor's file or onto
the command's own input, a full disk (``disk_full``: a real small tmpfs, tests/conditions.py) and another process
writing the same role (``locked``). A command that prints progress before it writes (``notices``) may print those
lines first; its error is still one line, the last.

More tables follow. ``STORE_CASES``: drafter's own database busy (another real process holds it: exit 5
after a short, announced wait) or damaged (not SQLite, or failing PRAGMA quick_check: exit 2), told apart, the
file left as it was, and the audit trail's commands never suggesting to move it aside. ``COLLECT_CASES``: one
bad line in a Batch API result file, named by file:line while every good line is collected (exit 4), and
nothing drafted for the bad line.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import store_kit
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


def _another_role(d: dict) -> None:
    """The golden role filed as Electricians (47-2111.00): a final that is not of its draft's role."""
    d["role"].update(job_title="Electricians", soc_code="47-2111")
    d["provenance"]["onet_code"] = "47-2111.00"


def _custom_role_titled(title: str) -> Callable[[dict], None]:
    def change(d: dict) -> None:
        d["role"].update(job_title=title, soc_code=None)
        d["provenance"]["onet_code"] = None

    return change


EDITED_SCORE = seed_with("| 30% | 4 | 1.20 |", "| 30% | 5 | 1.20 |")  # a task score edited, its figures not

# the command that reads each kind of file; {file} is the input, {work} the folder it sits in
IMPORT = ("import", "{file}", "-o", "{work}/assessment.json")  # assessment.json already exists
RENDER = ("render", "{file}", "-o", "{work}/review.md")  # review.md already exists
DRAFT = ("draft", "{file}", "--offline", "-o", "{work}/drafts")
ACCEPT = ("review", "accept", "{file}", "--draft", str(GOLDEN), "--by", "ana")  # {file}: a final of the golden role
DIFF = ("diff", str(GOLDEN), "{file}")
VALIDATE = ("validate", "{file}")
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
TASK_LIST_JSON = '{"title": "Clerk", "tasks": [{"id": 1, "text": "File records"}, {"id": 2, "text": "Answer phones"}]}'
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
    # --- a final against its draft: the same role (O*NET-SOC code, else job title), unless --other-role
    Hostile("final-of-another-role-accepted", "final.json", golden_with(_another_role), ACCEPT,
            (": a final of 47-2111.00 (Electricians), but its draft ", " is of 29-2072.00 (Medical Records Specialist)",
             "--other-role")),
    Hostile("final-of-another-role-diffed", "final.json", golden_with(_another_role), DIFF,
            (": a final of 47-2111.00 (Electricians), but its draft ", "29-2072.00", "--other-role")),
    Hostile("md-final-with-another-soc-code", "final.md", seed_with("(BLS SOC 29-2072)", "(BLS SOC 47-2111)"), ACCEPT,
            (": a final of 47-2111.00 (Medical Records Specialist), but its draft ", "29-2072.00")),
    Hostile("custom-final-of-another-title", "final.json", golden_with(_custom_role_titled("Coder")), DIFF,
            (": a final of 'Coder', but its draft ", "29-2072.00",)),
    # --- written figures that are not the computed ones (a score edited, its figures not; a figure mistyped)
    Hostile("md-stale-figures", "final.md", EDITED_SCORE, VALIDATE,
            (":line 22: 8 written figure(s) differ from the computed ones (line 22 weighted[0], line 29 weighted_total",
             "JobZone score written 15.1, computed 11.8", "refresh them: drafter render ", " --refresh --force")),
    Hostile("md-mistyped-jobzone-score", "final.md", seed_with("= 15.1/100", "= 15.7/100"), VALIDATE,
            (":line 62: 1 written figure(s) differ from the computed ones (line 62 score_line",
             "JobZone score written 15.7, computed 15.1", " --refresh --force")),
    Hostile("md-stale-figures-refreshed-without-force", "final.md", EDITED_SCORE, ("render", "{file}", "--refresh"),
            (": edited since drafter wrote it", "--force replaces it")),
    Hostile("md-refresh-written-elsewhere", "final.md", EDITED_SCORE, ("render", "{file}", "--refresh", "-o", "{work}/review.md"),
            (": --refresh rewrites this file itself",)),
    # --- nested past Python's parsers (~1,000 levels): one line, never a RecursionError traceback
    Hostile("json-nested-5000-objects", "draft.json", lambda: '{"a":' * 5000 + "1" + "}" * 5000, RENDER,
            (": invalid JSON: nested too deeply (more than ~1,000 levels",)),
    Hostile("json-nested-100000-arrays", "draft.json", lambda: "[" * 100_000 + "]" * 100_000, ("score", "{file}"),
            (": invalid JSON: nested too deeply",)),
    Hostile("json-nested-eval-run", "run.json", lambda: "[" * 100_000 + "]" * 100_000,
            ("eval", "compare", "{file}", "{file}"), (": invalid JSON: nested too deeply",)),
    Hostile("md-nested-metadata", "doc.md", lambda: seed().rstrip("\n") + "\n<!-- drafter:metadata " + "[" * 5000
            + "]" * 5000 + " -->\n", IMPORT, (":line 98: drafter metadata comment: nested too deeply",)),
    Hostile("gate-toml-nested", "gate.toml", lambda: "x = " + "[" * 5000 + "]" * 5000 + "\n",
            ("eval", "--drafts", "{work}", "--gate", "{file}"), (": invalid TOML: nested too deeply",)),
    Hostile("tasks-json-nested", "tasks.json", lambda: "[" * 100_000 + "]" * 100_000, DRAFT,
            (": invalid JSON: nested too deeply",)),
    Hostile("tasks-yaml-nested", "tasks.yaml", lambda: "[" * 5000 + "]" * 5000, DRAFT,
            (": invalid YAML: nested too deeply",)),
    # --- task lists
    Hostile("csv-no-text-column", "tasks.csv", lambda: "id,statement\n1,Assign codes\n", DRAFT,
            (":line 1: missing column(s) text; expected id,text[,type,weight]",)),
    Hostile("csv-unquoted-comma", "tasks.csv", lambda: "id,text\n1,Assign codes\n2,Abstract, file and audit records\n",
            DRAFT, (":line 3: 3 values for 2 columns; put a task statement that contains commas in double quotes",)),
    Hostile("csv-id-in-words", "tasks.csv", lambda: "id,text\none,Assign codes\n", DRAFT,
            (":line 2.id: expected a positive integer, got 'one'",)),
    Hostile("csv-header-only", "tasks.csv", lambda: "\ufeffid,text\n", DRAFT, (": the task list is empty",)),
    Hostile("task-list-of-an-unread-kind", "tasks.txt", lambda: "File records\nAnswer phones\n", DRAFT,
            (": not a task list drafter reads (expected a .csv, .yaml, .yml or .json file",)),
    Hostile("task-list-no-suffix", "tasks", lambda: "id,text\n1,File records\n", DRAFT,
            (": not a task list drafter reads",)),
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
    Hostile("out-schema-export-over-a-users-file", "sch/assessment.schema.json", lambda: '{"my": "edited"}\n',
            ("schema", "export", "--dir", "{work}/sch"), (KEPT,)),
    Hostile("out-schema-export-over-a-users-other-schema", "sch/scorecard.schema.json",
            lambda: '{"title": "Mine", "properties": {}}\n', ("schema", "export", "--dir", "{work}/sch"), (KEPT,),
            names="{work}/sch/scorecard.schema.json"),
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
    Hostile("out-draft-onto-its-task-list", "clerk.json", lambda: TASK_LIST_JSON,
            ("draft", "{file}", "--offline", "-o", "{work}"), (OWN_INPUT,)),
    Hostile("out-draft-onto-its-task-list-forced", "clerk.json", lambda: TASK_LIST_JSON,
            ("draft", "{file}", "--offline", "-o", "{work}", "--force"), (OWN_INPUT,)),
    Hostile("out-draft-onto-its-notes-forced", "drafts/29-2072.00.md", lambda: "# Notes\nWages rose.\n",
            (*DRAFT_ROLE, "--force"), (OWN_INPUT,)),
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


# --- drafter's own database: busy (another process holds it) is not damaged, and the audit trail is never moved


@dataclass(frozen=True)
class HostileStore:
    id: str
    make: Callable[[Path], Path]  # drafter's database, made at the path given (store_kit)
    hold: str | None  # another process holds it meanwhile: "write" (BEGIN IMMEDIATE) or "exclusive"
    command: tuple[str, ...]  # {work}: the work folder (codes.txt, draft.json, final.json in it)
    exit: int
    says: tuple[str, ...]  # in order, in the last line after "error: DATABASE"
    never: tuple[str, ...] = ("Traceback",)  # anywhere on stderr
    file: str = "drafter.db"  # or the name an older drafter gave it, still used where it is


BUSY, DAMAGED = "busy: another process holds drafter's database", "not a readable drafter database"
AUDIT = ("Traceback", "aside", "mv ")  # the audit trail's commands never suggest moving the file
STORE_BATCH = ("batch", "--codes", "{work}/codes.txt", "--offline", "-o", "{work}/drafts")
ACCEPT = ("review", "accept", "{work}/final.json", "--draft", "{work}/draft.json", "--by", "ana")

STORE_CASES = [
    HostileStore("busy-write-batch", store_kit.real_store, "write", STORE_BATCH, 5, (BUSY, "DRAFTER_DB_WAIT=SECONDS")),
    HostileStore("busy-write-accept", store_kit.real_store, "write", ACCEPT, 5, (BUSY,), AUDIT),
    HostileStore("busy-exclusive-logs", store_kit.real_store, "exclusive", ("logs",), 5, (BUSY,)),
    HostileStore("busy-write-legacy-name-batch", store_kit.real_store, "write", STORE_BATCH, 5, (BUSY,), file="runlog.sqlite"),
    HostileStore("busy-exclusive-history", store_kit.real_store, "exclusive", ("review", "history"), 5, (BUSY,), AUDIT),
    HostileStore("damaged-junk-logs", store_kit.junk, None, ("logs",), 2, (DAMAGED, "(file is not a database)", "mv ")),
    HostileStore("damaged-page-batch", store_kit.corrupt_a_page, None, STORE_BATCH, 2,
                 (DAMAGED, "(database disk image is malformed)", "mv ")),
    HostileStore("damaged-truncated-history", store_kit.truncated, None, ("review", "history"), 2,
                 (DAMAGED, "audit trail", "keep it where it is"), AUDIT),
    HostileStore("damaged-header-only-accept", store_kit.header_only, None, ACCEPT, 2,
                 (DAMAGED, "audit trail", "keep it where it is"), AUDIT),
    HostileStore("damaged-junk-accept", store_kit.junk, None, ACCEPT, 2, (DAMAGED, "keep it where it is"), AUDIT),
    HostileStore("damaged-legacy-name-history", store_kit.junk, None, ("review", "history"), 2, (DAMAGED, "keep it where it is"),
                 AUDIT, file="runlog.sqlite"),
]  # fmt: skip


@pytest.mark.parametrize("case", STORE_CASES, ids=[c.id for c in STORE_CASES])
def test_a_busy_or_damaged_database_is_told_apart_in_one_line(run_cli, tmp_path, case: HostileStore):
    work = tmp_path / "work"
    work.mkdir()
    (work / "codes.txt").write_text("11-1011.00\n", encoding="utf-8")
    (work / "draft.json").write_text(GOLDEN.read_text(encoding="utf-8"), encoding="utf-8")
    (work / "final.json").write_text(golden_with(_set("tasks.0.score", 1))(), encoding="utf-8")
    db = case.make(tmp_path / "home" / case.file)  # run_cli's DRAFTER_HOME
    before, stored = _snapshot(work), db.read_bytes()

    with store_kit.held(db, case.hold) if case.hold else contextlib.nullcontext():
        r = run_cli(*(arg.format(work=work) for arg in case.command), env={"DRAFTER_DB_WAIT": "0.5"})

    assert r.returncode == case.exit, (r.stdout, r.stderr)
    assert r.stdout == ""
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: {db}: "), last
    assert re.search(".*".join(re.escape(s) for s in case.says), last), last
    assert not [s for s in case.never if s in r.stderr], r.stderr
    if case.hold:
        assert f"waiting for {db}: another process holds it" in r.stderr  # it waited, saying so
    else:
        assert db.read_bytes() == stored  # a damaged file is left as it was, for the user to deal with
    assert _snapshot(work) == before


# --- Batch API result files: a bad line is named by file:line and left out, every good line is collected (exit 4)

COLLECTED = ["11-1011.00", "13-2011.00"]  # the roles whose requests were written and answered


@dataclass(frozen=True)
class HostileLine:
    id: str
    line: Callable[[list[dict], str], str]  # (the good result lines, the batch id) -> the bad line
    says: str  # after "RESULTS:line 3: "


def _answer_for(code: str, batch: str | None = None, error: bool = False) -> Callable[[list[dict], str], str]:
    def make(good: list[dict], batch_id: str) -> str:
        line = json.loads(json.dumps(good[0]))
        line["custom_id"] = f"{batch or batch_id}:{code}:decompose"
        if error:
            line |= {"response": None, "error": {"code": "server_error", "message": "engine failure"}}
        return json.dumps(line)

    return make


COLLECT_CASES = [
    HostileLine("results-unknown-code", _answer_for("99-9999.00"), "custom_id names role '99-9999.00': no O*NET occupation 99-9999.00"),
    HostileLine("results-malformed-code", _answer_for("29-20720"), "custom_id names role '29-20720': expected an O*NET-SOC code"),
    HostileLine("results-code-not-in-batch", _answer_for("15-1252.00"), "15-1252.00 is not in batch {batch} (its 2 requests did not include it)"),
    HostileLine("results-engine-failed-code-not-in-batch", _answer_for("15-1252.00", error=True), "15-1252.00 is not in batch {batch}"),
    HostileLine("results-other-batch", _answer_for("11-1011.00", batch="0123456789ab"),
                "11-1011.00 is from batch 0123456789ab, the file's other lines from {batch}: collect one batch at a time"),
    HostileLine("results-second-result", lambda good, b: json.dumps(good[0]), "a second result for 11-1011.00 (line 1 has the first)"),
    HostileLine("results-not-json", lambda good, b: '{"custom_id": "' + b, "invalid JSON"),
    HostileLine("results-a-list", lambda good, b: "[]", "expected a JSON object (a Batch API result), got list"),
]  # fmt: skip


@pytest.fixture(scope="module")
def answered(tmp_path_factory):
    """Requests written for COLLECTED by `batch --via openai-batch` (recorded in a drafter home to copy), the
    engine's result lines for them, and the server that answered (it answers the live steps too)."""
    import os
    import shutil
    import subprocess
    import sys

    from .conftest import ROOT
    from .fake_openai import FakeOpenAI, run_batch_file

    work = tmp_path_factory.mktemp("answered")
    (work / "codes.txt").write_text("\n".join(COLLECTED) + "\n", encoding="utf-8")
    with FakeOpenAI() as server:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
        env = inherited | {"DRAFTER_HOME": str(work / "home"), "OPENAI_API_KEY": "sk-x"}
        subprocess.run([sys.executable, "-m", "drafter", "batch", "--codes", str(work / "codes.txt"), "--base-url",
                        server.base_url, "--model", "m", "--via", "openai-batch", "--requests-out",
                        str(work / "requests.jsonl"), "-o", str(work / "d")], env=env, cwd=ROOT, check=True,
                       capture_output=True)  # fmt: skip
        run_batch_file(server, work / "requests.jsonl", work / "results.jsonl")
        good = [json.loads(x) for x in (work / "results.jsonl").read_text(encoding="utf-8").splitlines()]
        yield work / "home", good, server
    shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("case", COLLECT_CASES, ids=[c.id for c in COLLECT_CASES])
def test_a_bad_result_line_is_named_and_every_good_one_is_collected(run_cli, tmp_path, answered, case: HostileLine):
    import shutil

    from .fake_openai import requests_per_draft

    home, good, server = answered
    shutil.copytree(home, tmp_path / "home")  # run_cli's DRAFTER_HOME: the requests are recorded there
    batch = good[0]["custom_id"].split(":")[0]
    results = tmp_path / "results.jsonl"
    results.write_text("".join(json.dumps(x) + "\n" for x in good) + case.line(good, batch) + "\n", encoding="utf-8")
    asked = server.count

    r = run_cli("batch", "collect", str(results), "--base-url", server.base_url, "--model", "m", "-o",
                str(tmp_path / "d"), "--json", env={"OPENAI_API_KEY": "sk-x"})  # fmt: skip

    assert r.returncode == 4, r.stderr
    assert "Traceback" not in r.stderr
    err = " ".join(r.stderr.split())
    assert f"{results}:line 3: {case.says.format(batch=batch)}" in err, err
    assert f"1 line(s) of {results} not collected" in err
    summary = json.loads(r.stdout)
    assert (summary["done"], summary["failed"]) == (2, 0)
    assert sorted(p.name for p in (tmp_path / "d").glob("*.json")) == [f"{c}.json" for c in COLLECTED]
    # the good answers were used as they are; only their remaining steps went to the server, nothing else
    assert server.count - asked == sum(requests_per_draft(c) - 1 for c in COLLECTED)


# --- hostile options, servers and secrets (issue 20) ---------------------------------------------------------
#
# The same bar for what is not a file: a nonsense option value is refused at parse time (exit 2, one line naming
# the option, nothing written); a server that drips its answer is given up on at the --timeout deadline, per
# whole request (exit 3, one line naming the endpoint and the deadline); and a secret planted on any route (the
# key a server echoes in a 401, a user:password or key in the base URL) appears nowhere: not on stdout or
# stderr, not in any file written, not in any table of the run log.

OPTION_CASES = [
    ("concurrency-0", ("batch", "--codes", "{codes}", "--concurrency", "0"), "--concurrency: expected a whole number from 1 to 1000, got 0"),
    ("concurrency-negative", ("batch", "--codes", "{codes}", "--concurrency", "-3"), "--concurrency: expected a whole number from 1 to 1000, got -3"),
    ("collect-concurrency-0", ("batch", "collect", "{codes}", "--concurrency", "0"), "--concurrency: expected a whole number"),
    ("processes-negative", ("batch", "--codes", "{codes}", "--processes", "-1"), "--processes: expected a whole number of at least 0, got -1"),
    ("role-retries-negative", ("batch", "--codes", "{codes}", "--role-retries", "-2"), "--role-retries: expected a whole number of at least 0"),
    ("batch-rpm-0", ("batch", "--codes", "{codes}", "--rpm", "0"), "--rpm: expected a positive number per minute, got 0.0"),
    ("batch-tpm-nan", ("batch", "--codes", "{codes}", "--tpm", "nan"), "--tpm: expected a positive number per minute, got nan"),
    ("batch-max-cost-negative", ("batch", "--codes", "{codes}", "--max-cost", "-5"), "--max-cost: expected a number above 0, got -5.0"),
    ("batch-max-tokens-0", ("batch", "--codes", "{codes}", "--max-tokens", "0"), "--max-tokens: expected a whole number of at least 1, got 0"),
    ("batch-draft-timeout-0", ("batch", "--codes", "{codes}", "--draft-timeout", "0"), "--draft-timeout: expected a number above 0, got 0.0"),
    ("batch-timeout-inf", ("batch", "--codes", "{codes}", "--timeout", "inf"), "--timeout: expected a number above 0, got inf"),
    ("temperature-nan", ("draft", "29-2072", "--temperature", "nan"), "--temperature: expected a number from 0 to 2, got nan"),
    ("temperature-negative", ("draft", "29-2072", "--temperature", "-1"), "--temperature: expected a number from 0 to 2, got -1.0"),
    ("temperature-3", ("draft", "29-2072", "--temperature", "3"), "--temperature: expected a number from 0 to 2, got 3.0"),
    ("timeout-0", ("draft", "29-2072", "--timeout", "0"), "--timeout: expected a number above 0, got 0.0"),
    ("timeout-negative", ("draft", "29-2072", "--timeout", "-1"), "--timeout: expected a number above 0, got -1.0"),
    ("max-tokens-0", ("draft", "29-2072", "--max-tokens", "0"), "--max-tokens: expected a whole number of at least 1, got 0"),
    ("url-unclosed-ipv6", ("draft", "29-2072", "--base-url", "http://[::1/v1"), "--base-url: expected a URL like http://HOST:PORT/v1"),
    ("url-no-scheme", ("draft", "29-2072", "--base-url", "localhost:8000/v1"), "--base-url: expected a URL starting with http:// or https://"),
    ("url-no-host", ("draft", "29-2072", "--base-url", "http:///v1"), "--base-url: expected a URL with a host name"),
    ("url-port-not-a-number", ("draft", "29-2072", "--base-url", "http://localhost:80a/v1"), "--base-url: expected a URL like http://HOST:PORT/v1"),
    ("url-in-eval", ("eval", "--base-url", "ftp://example.org/v1"), "--base-url: expected a URL starting with http:// or https://"),
    ("concurrency-typo-zeros", ("batch", "--codes", "{codes}", "--concurrency", "100000000"), "--concurrency: expected a whole number from 1 to 1000, got 100000000"),
    ("collect-concurrency-huge", ("batch", "collect", "{codes}", "--concurrency", "5000"), "--concurrency: expected a whole number from 1 to 1000, got 5000"),
    ("draft-samples-0", ("draft", "29-2072", "--samples", "0"), "--samples: expected a whole number of at least 1, got 0"),
    ("eval-samples-0", ("eval", "--offline", "--samples", "0"), "--samples: expected a whole number of at least 1, got 0"),
    ("eval-samples-negative", ("eval", "--offline", "--samples", "-2"), "--samples: expected a whole number of at least 1, got -2"),
    ("eval-sample-negative", ("eval", "--tier", "onet-labels", "--sample", "-1"), "--sample: expected a whole number of at least 1, got -1"),
    ("eval-sample-0", ("eval", "--tier", "onet-labels", "--sample", "0"), "--sample: expected a whole number of at least 1, got 0"),
]  # fmt: skip


LIMIT_CASES = [
    ("onet-search-negative", ("onet", "search", "nurse", "-n", "-1")),
    ("onet-search-0", ("onet", "search", "nurse", "-n", "0")),
    ("logs-0", ("logs", "-n", "0")),
    ("review-first-negative", ("review", "first", "{draft}", "-n", "-5")),
    ("review-history-0", ("review", "history", "-n", "0")),
]


@pytest.mark.parametrize("args", [c[1] for c in LIMIT_CASES], ids=[c[0] for c in LIMIT_CASES])
def test_a_list_of_no_rows_is_refused_not_answered_as_empty(run_cli, tmp_path, args):
    """``-n 0`` used to say "no occupation matches 'nurse'", and ``-n -1`` was taken: a count of rows is 1 or more."""
    draft = tmp_path / "x.json"
    r = run_cli(*(a.format(draft=draft) for a in args))
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: --limit: expected a whole number of at least 1, got "), line


@pytest.mark.parametrize(("args", "says"), [c[1:] for c in OPTION_CASES], ids=[c[0] for c in OPTION_CASES])
def test_a_nonsense_option_is_refused_at_parse_time_in_one_line(run_cli, tmp_path, args, says):
    work = tmp_path / "work"
    work.mkdir()
    codes = work / "codes.txt"
    codes.write_text("43-4051\n", encoding="utf-8")
    before = _snapshot(work)

    r = run_cli(*(a.format(codes=codes) for a in args), "-o" if args[0] != "eval" else "--drafts", str(work / "d"),
                cwd=work, env={"OPENAI_API_KEY": "sk-x"})  # fmt: skip

    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert r.stderr.strip().splitlines() == [f"error: {says}"] or (
        len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith(f"error: {says}")
    ), r.stderr
    assert _snapshot(work) == before


def test_a_nonsense_value_in_the_environment_or_endpoints_file_is_refused_in_one_line(run_cli, tmp_path):
    cfg = tmp_path / "endpoints.toml"
    cfg.write_text('[endpoints.x]\nmodel = "m"\ntemperature = -0.5\n', encoding="utf-8")
    r = run_cli("draft", "29-2072", "--endpoint", "x", "--config", str(cfg), "-o", str(tmp_path / "d"))
    assert (r.returncode, r.stderr.strip()) == (
        2,
        f"error: {cfg}: endpoints.x.temperature: expected a number from 0 to 2, got -0.5",
    )
    r = run_cli(
        "draft", "29-2072", "-o", str(tmp_path / "d"), env={"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": "http://[x"}
    )
    assert r.returncode == 2 and r.stderr.strip().startswith("error: OPENAI_BASE_URL: expected a URL like"), r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "d").exists()


def _endpoint_file(tmp_path: Path, base_url: str, **settings) -> Path:
    cfg = tmp_path / "endpoints.toml"
    lines = ["[endpoints.fake]", f'base_url = "{base_url}"', 'model = "fake-model"', 'api_key_env = "FAKE_KEY"']
    cfg.write_text("\n".join([*lines, *(f"{k} = {v}" for k, v in settings.items())]) + "\n", encoding="utf-8")
    return cfg


@pytest.mark.parametrize("timeout", [2])
def test_a_server_that_drips_its_answer_is_given_up_on_at_the_deadline(run_cli, tmp_path, fake_llm, timeout):
    import time

    fake_llm.script.default = "drip"
    attempts = 2
    cfg = _endpoint_file(tmp_path, fake_llm.base_url, http_retries=attempts - 1)
    out = tmp_path / "d"
    started = time.monotonic()
    r = run_cli("draft", "29-2072", "--endpoint", "fake", "--config", str(cfg), "--timeout", str(timeout),
                "-o", str(out), env={"FAKE_KEY": "sk-x"})  # fmt: skip
    took = time.monotonic() - started

    assert r.returncode == 3, r.stderr
    assert "Traceback" not in r.stderr
    assert [line for line in r.stderr.splitlines() if line.startswith("error:")] == [
        f"error: decompose: no complete answer from {fake_llm.base_url} within the {timeout} s deadline (--timeout) "
        f"on all {attempts} attempts"
    ]
    assert fake_llm.behaviours == ["drip"] * attempts
    assert took < 4 * timeout * attempts + 5, took  # each attempt bounded (httpx alone waits for the whole drip)
    assert not out.exists() or list(out.iterdir()) == []


def test_a_batch_gives_up_on_a_dripping_server_per_request_and_says_so_per_role(run_cli, tmp_path, fake_llm):
    import time

    fake_llm.script.default = "drip"
    cfg = _endpoint_file(tmp_path, fake_llm.base_url, http_retries=0)
    codes = tmp_path / "codes.txt"
    codes.write_text("43-4051\n", encoding="utf-8")
    started = time.monotonic()
    r = run_cli("batch", "--codes", str(codes), "--endpoint", "fake", "--config", str(cfg), "--timeout", "1",
                "--role-retries", "0", "-o", str(tmp_path / "d"), "--json", env={"FAKE_KEY": "sk-x"})  # fmt: skip
    assert time.monotonic() - started < 30
    assert r.returncode == 4, r.stderr
    summary = json.loads(r.stdout)
    assert summary["failed"] == 1
    status = json.loads(run_cli("batch", "status", summary["batch_id"], "--json").stdout)
    [failed] = status["failed_roles"]
    assert failed["cause"] == "timeout"
    assert f"no complete answer from {fake_llm.base_url} within the 1 s deadline" in failed["error"]


def test_a_batch_gives_up_on_a_role_at_the_per_draft_deadline(run_cli, tmp_path, fake_llm):
    import time

    fake_llm.script.latency = 1.0  # every request answers within --timeout; a draft's four rounds take 4 s
    cfg = _endpoint_file(tmp_path, fake_llm.base_url, http_retries=0)
    codes = tmp_path / "codes.txt"
    codes.write_text("43-4051\n", encoding="utf-8")
    started = time.monotonic()
    r = run_cli("batch", "--codes", str(codes), "--endpoint", "fake", "--config", str(cfg), "--draft-timeout", "1.5",
                "--role-retries", "1", "--no-cache", "-o", str(tmp_path / "d"), "--json", env={"FAKE_KEY": "sk-x"})  # fmt: skip
    assert time.monotonic() - started < 20
    assert r.returncode == 4, r.stderr
    status = json.loads(run_cli("batch", "status", json.loads(r.stdout)["batch_id"], "--json").stdout)
    [failed] = status["failed_roles"]
    assert failed["cause"] == "timeout"
    assert fake_llm.count <= 2 * 3  # two attempts, each cut short in its second round
    assert failed["error"] == "no complete draft from llm:fake-model within the 1.5 s deadline (--draft-timeout)"
    assert not list((tmp_path / "d").glob("*.json"))


KEY = "sk-PLANTED-key-0123456789abcdef"
PASSWORD = "pw-PLANTED-0123456789"
QUERY_KEY = "qk-PLANTED-0123456789"


def _with_credentials(url: str, *, user: bool = False, query: bool = False) -> str:
    if user:
        url = url.replace("http://", f"http://assessor:{PASSWORD}@")
    return url + (f"?api-key={QUERY_KEY}&api-version=2024-06-01" if query else "")


def _leaks(text: str | bytes) -> list[str]:
    import base64

    data = text.encode() if isinstance(text, str) else text
    planted = [KEY, PASSWORD, QUERY_KEY, base64.b64encode(f"assessor:{PASSWORD}".encode()).decode()]
    return [s for s in planted if s.encode() in data]


def _everything_written(*folders: Path) -> dict[str, bytes]:
    """Every file under the folders, and every row of every table of every SQLite database among them."""
    import sqlite3

    out = {}
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if not p.is_file():
                continue
            out[str(p)] = p.read_bytes()
            if p.suffix in (".sqlite", ".db"):
                con = sqlite3.connect(p)
                tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                for t in tables:
                    out[f"{p}:{t}"] = repr(con.execute(f'SELECT * FROM "{t}"').fetchall()).encode()
                con.close()
    return out


SECRET_ROUTES = [
    # id, the server's behaviour, the base URL's credentials, the command ("draft" or "batch"), its exit code,
    # and whether openai's and httpx's own debug logging is turned on (OPENAI_LOG=debug: redacted too)
    ("key-echoed-in-a-401", "echo_401", {}, "draft", 3, False),
    ("key-echoed-in-a-401-debug-logging", "echo_401", {}, "draft", 3, True),
    ("password-in-the-url-echoed-in-a-401", "echo_401", {"user": True}, "draft", 3, False),
    ("key-in-the-url-query-echoed-in-a-401-debug-logging", "echo_401", {"query": True}, "draft", 3, True),
    ("password-in-the-url-batch-failed-role", "echo_401", {"user": True}, "batch", 4, False),
    ("password-in-the-url-unreachable-batch", "unreachable", {"user": True, "query": True}, "batch", 4, False),
    ("password-and-key-in-the-url-drafted-debug-logging", "valid", {"user": True, "query": True}, "draft", 0, True),
]


@pytest.mark.parametrize(("behaviour", "creds", "command", "code", "debug"), [c[1:] for c in SECRET_ROUTES],
                         ids=[c[0] for c in SECRET_ROUTES])  # fmt: skip
def test_a_planted_secret_is_nowhere_in_what_drafter_prints_or_writes(
    run_cli, tmp_path, fake_llm, behaviour, creds, command, code, debug
):
    base = "http://127.0.0.1:9/v1" if behaviour == "unreachable" else fake_llm.base_url
    fake_llm.script.default = behaviour
    url = _with_credentials(base, **creds)
    out = tmp_path / "d"
    env = {"OPENAI_API_KEY": KEY} | ({"OPENAI_LOG": "debug"} if debug else {})
    if command == "draft":
        runs = [run_cli("draft", "29-2072", "--base-url", url, "--model", "m", "-o", str(out), env=env)]
    else:
        codes = tmp_path / "codes.txt"
        codes.write_text("43-4051\n", encoding="utf-8")
        args = (
            "batch",
            "--codes",
            str(codes),
            "--base-url",
            url,
            "--model",
            "m",
            "--role-retries",
            "0",
            "-o",
            str(out),
        )
        runs = [run_cli(*args, "--json", env=env)]
        batch_id = json.loads(runs[0].stdout)["batch_id"]
        runs += [run_cli("batch", "status", env=env), run_cli("batch", "status", batch_id, env=env)]
    runs.append(run_cli("logs", env=env))

    assert runs[0].returncode == code, runs[0].stderr
    if not debug:  # drafter's own lines only: the libraries' warnings are not printed above them
        assert "Traceback" not in runs[0].stderr and "API call failed" not in runs[0].stderr
    else:
        assert "openai._base_client" in runs[0].stderr or "HTTP Request" in runs[0].stderr  # the log was on
    for r in runs:
        assert _leaks(r.stdout + r.stderr) == [], (r.args, r.stdout, r.stderr)
    written = _everything_written(out, tmp_path / "home")
    assert any(name.endswith(":calls") for name in written)  # the run log was written and read table by table
    assert {name: leaks for name, data in written.items() if (leaks := _leaks(data))} == {}


def test_writing_batch_api_requests_prints_no_library_log_lines(run_cli, tmp_path):
    codes = tmp_path / "codes.txt"
    codes.write_text("43-4051\n15-1252\n", encoding="utf-8")
    r = run_cli("batch", "--codes", str(codes), "--via", "openai-batch", "--model", "m", "--requests-out",
                str(tmp_path / "req.jsonl"), "-o", str(tmp_path / "d"), env={"OPENAI_API_KEY": "sk-x"})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "API call failed" not in r.stderr and "Max retries" not in r.stderr and "pydantic.dev" not in r.stderr
    assert r.stderr.startswith(f"wrote 2 requests to {tmp_path / 'req.jsonl'}; submit it")  # drafter's line only


def test_an_onet_code_is_drafted_even_where_a_file_has_that_name(run_cli, tmp_path):
    """A file named like a code (a download, a note) does not hide the occupation: the code wins."""
    (tmp_path / "29-2072").write_text("not a task list\n", encoding="utf-8")
    r = run_cli("draft", "29-2072", "--offline", "-o", str(tmp_path / "drafts"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-1000:]
    assert (tmp_path / "drafts" / "29-2072.00.json").is_file()
    assert (tmp_path / "29-2072").read_text(encoding="utf-8") == "not a task list\n"
