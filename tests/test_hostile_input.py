"""Malformed user files, one row each, through the real CLI.

Every row must end the same way: exit 2, one line on stderr that starts ``error: FILE`` and names the line or
field where there is one, no traceback, nothing on stdout, and the work folder byte for byte as it was (an
existing output file included). To cover a new kind of bad input, add a row: a file name, how to make its
content from the seed or the golden role, which command reads it, and what the error line must say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import GOLDEN, SEED

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


@dataclass(frozen=True)
class Hostile:
    id: str
    file: str
    content: Callable[[], str | bytes]
    command: tuple[str, ...]
    says: tuple[str, ...]  # in order, in the one error line after "error: FILE"


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
]  # fmt: skip


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_refused_in_one_line_and_changes_nothing(run_cli, tmp_path, case: Hostile):
    if not SEED.exists():
        pytest.skip(f"the seed assessment is not at {SEED}")
    work = tmp_path / "work"
    work.mkdir()
    content = case.content()
    path = work / case.file
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    (work / "assessment.json").write_text("an assessor's earlier import\n", encoding="utf-8")
    (work / "review.md").write_text("an assessor's review in progress\n", encoding="utf-8")
    before = _snapshot(work)

    r = run_cli(*(arg.format(file=path, work=work) for arg in case.command))

    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    prefix = f"error: {path}"
    assert lines[0].startswith(prefix), lines[0]
    pattern = ".*".join(re.escape(s) for s in case.says)
    assert re.search(pattern, lines[0][len(prefix) :]), lines[0]
    assert _snapshot(work) == before
