"""What editors and spreadsheets put in a user's file: a UTF-8 byte-order mark, a typographic minus (U+2212).

Every file drafter reads from a user goes through one reader (``drafter.files.read_text``), so each kind of
file is tried here once, with a byte-order mark in front of content that is valid without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafter.errors import DrafterError
from drafter.files import assessment_from_json, read_text

from .conftest import GOLDEN

BOM = "\ufeff"
MINUS = "\u2212"


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_a_house_format_document_with_a_byte_order_mark_scores(run_cli, tmp_path, seed_text):
    doc = _write(tmp_path / "doc.md", BOM + seed_text)
    r = run_cli("score", str(doc))
    assert r.returncode == 0, r.stderr
    assert "15.1" in r.stdout and "all 28 written figures agree" in r.stdout


def test_a_json_assessment_with_a_byte_order_mark_scores(run_cli, tmp_path):
    draft = _write(tmp_path / "draft.json", BOM + GOLDEN.read_text(encoding="utf-8"))
    r = run_cli("score", "--json", str(draft))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["score"]["shown"] == "15.1"


def test_a_csv_task_list_saved_by_excel_drafts(run_cli, tmp_path):
    tasks = _write(tmp_path / "tasks.csv", BOM + "id,text\r\n1,Assign codes\r\n2,Abstract records\r\n")
    r = run_cli("draft", str(tasks), "--offline", "--title", "Coder", "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    draft = json.loads((tmp_path / "out" / "coder.json").read_text(encoding="utf-8"))
    assert [t["onet_task_ids"] for t in draft["tasks"]] == [[1], [2]]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tasks.csv", "ID, Text\n1,Assign codes\n2,Abstract records\n"),
        ("tasks.yaml", "title: Coder\ntasks:\n  - {id: 1, text: Assign codes}\n  - {id: 2, text: Abstract records}\n"),
        ("tasks.json", '[{"id": 1, "text": "Assign codes"}, {"id": 2, "text": "Abstract records"}]'),
    ],
)
def test_a_task_list_with_a_byte_order_mark_loads(tmp_path, name, text):
    from drafter.onet.custom import load_task_list

    occ = load_task_list(_write(tmp_path / name, BOM + text))
    assert [(t.id, t.statement) for t in occ.tasks] == [(1, "Assign codes"), (2, "Abstract records")]


def test_a_codes_file_with_a_byte_order_mark_selects_its_roles(tmp_path):
    from drafter.batch import select_codes
    from drafter.onet.catalog import Catalog

    codes = _write(tmp_path / "codes.txt", BOM + "29-2072\n43-6013  # medical secretaries\n")
    assert select_codes(Catalog.load(), codes, None, False) == ["29-2072.00", "43-6013.00"]


def test_toml_files_with_a_byte_order_mark_load(tmp_path):
    from drafter.evaluation.gate import load_gate
    from drafter.llm.endpoints import load_config
    from drafter.methodology import load_methodology
    from drafter.resources import shipped_dir

    shipped = (Path(__file__).parent.parent / "drafter" / "methodology" / "aijri-v1.toml").read_text(encoding="utf-8")
    assert load_methodology(str(_write(tmp_path / "m.toml", BOM + shipped))).ceiling == 6
    gate = (shipped_dir("gate", "evals") / "gate.toml").read_text(encoding="utf-8")
    assert load_gate(_write(tmp_path / "gate.toml", BOM + gate))
    endpoints = '[endpoints.local]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n'
    assert list(load_config(_write(tmp_path / "endpoints.toml", BOM + endpoints))[0]) == ["local"]


def test_a_byte_order_mark_is_dropped_only_at_the_start(tmp_path):
    assert read_text(_write(tmp_path / "notes.txt", BOM + "wages\r\nfell" + BOM)) == "wages\nfell" + BOM


def test_a_utf16_file_is_named_as_such(tmp_path):
    path = tmp_path / "tasks.csv"
    path.write_bytes("id,text\n1,Assign codes\n".encode("utf-16"))
    with pytest.raises(DrafterError) as e:
        read_text(path)
    assert str(e.value) == f"{path}: expected UTF-8 text, got UTF-16; save it as UTF-8 (Excel: CSV UTF-8)"


def test_a_typographic_minus_before_a_json_number_is_a_minus_and_text_keeps_its_own(golden):
    text = GOLDEN.read_text(encoding="utf-8")
    text = text.replace('"score": -1,', f'"score": {MINUS}1,')
    text = text.replace("Modest growth tracking inflation.", f"Real wages {MINUS}1% after inflation.")
    assert f": {MINUS}1," in text
    a = assessment_from_json(text, "draft.json")
    assert a.growth.score == -1 and a.evidence.company_actions.score == -1
    assert f"Real wages {MINUS}1% after inflation." in a.evidence.wage_trends.evidence


def test_a_typographic_minus_in_a_document_scores_like_a_minus(run_cli, tmp_path, seed_text):
    doc = seed_text.replace("| AI Growth Correlation | -1 |", f"| AI Growth Correlation | {MINUS}1 |")
    doc = doc.replace("| Total | -3 |", f"| Total | {MINUS}3 |")
    r = run_cli("import", str(_write(tmp_path / "doc.md", doc)), "-o", str(tmp_path / "a.json"))
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))["growth"]["score"] == -1
    assert "all 28 written figures agree" in r.stderr


def test_a_typographic_minus_in_a_task_list_is_read_as_a_negative_number(tmp_path):
    from drafter.onet.custom import TaskListError, load_task_list

    path = _write(tmp_path / "tasks.yaml", f"- {{id: 1, text: Assign codes, weight: '{MINUS}2'}}\n")
    with pytest.raises(TaskListError, match=r"tasks\[0\]\.weight: expected a positive number, got -2\.0$"):
        load_task_list(path)
