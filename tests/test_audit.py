from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time

from drafter.assessment import SourceKind
from drafter.files import assessment_json
from drafter.inputs import with_value
from drafter.portfolio.audit import AuditTrail, accept_files, assessor_name


def _files(tmp_path, draft, final):
    d, f = tmp_path / "draft.json", tmp_path / "final.json"
    d.write_text(assessment_json(draft))
    f.write_text(assessment_json(final))
    return d, f


def test_accepting_records_who_when_and_what_changed(tmp_path, golden):
    d, f = _files(tmp_path, golden, with_value(golden, "tasks[0].score", 1))
    with AuditTrail(tmp_path / "reviews.sqlite") as trail:
        acc, diff = accept_files(trail, d, f, "ana")
        assert (acc.who, acc.role, acc.changes, acc.new) == ("ana", "29-2072.00", 1, True)
        assert (acc.score_before, acc.score_after, acc.zone_before, acc.zone_after) == ("15.1", "25.0", "Red", "Yellow")
        rec = trail.record(acc.id)
        assert rec["diff"]["changes"][0]["path"] == "tasks[0].score"
        assert rec["sources"]["tasks[0].score"]["kind"] == SourceKind.ASSESSOR.value
        assert rec["sources"]["tasks[0].score"]["who"] == "ana"
        assert rec["final"]["tasks"][0]["score"] == 1 and rec["draft"]["tasks"][0]["score"] == 4
        assert rec["final_sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
        assert time.time() - acc.ts < 60


def test_the_same_pair_is_recorded_once(tmp_path, golden):
    d, f = _files(tmp_path, golden, with_value(golden, "growth.score", 0))
    with AuditTrail(tmp_path / "reviews.sqlite") as trail:
        first, _ = accept_files(trail, d, f, "ana")
        again, _ = accept_files(trail, d, f, "bob")
        assert again.id == first.id and not again.new and again.who == "ana"
        assert [h.id for h in trail.history()] == [first.id]


def test_who_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.setenv("DRAFTER_ASSESSOR", "env-assessor")
    assert assessor_name("  ana ") == "ana"
    assert assessor_name(None) == "env-assessor"
    monkeypatch.delenv("DRAFTER_ASSESSOR")
    assert assessor_name(None)  # the login name


WRITER = """
import sys
from pathlib import Path
from drafter.documents import load_assessment
from drafter.files import assessment_json
from drafter.inputs import with_value
from drafter.portfolio.audit import AuditTrail, accept_files

golden, _ = load_assessment(Path(sys.argv[2]))
work = Path(sys.argv[1])
draft = work / "draft.json"
draft.write_text(assessment_json(golden))
trail = AuditTrail(work / "reviews.sqlite")
n = 0
while True:
    final = work / f"final-{n}.json"
    rows = [r.model_copy() for r in golden.tasks]
    rows[0] = rows[0].model_copy(update={"rationale": f"edit {n} " + "x" * 2000})
    final.write_text(assessment_json(golden.model_copy(update={"tasks": rows})))
    acc, _ = accept_files(trail, draft, final, "ana")
    print(acc.id, flush=True)
    n += 1
"""


def test_the_audit_trail_survives_a_process_kill(tmp_path):
    from .conftest import GOLDEN

    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path), str(GOLDEN)], stdout=subprocess.PIPE, text=True
    )
    acknowledged = []
    try:
        while len(acknowledged) < 15:
            line = proc.stdout.readline()
            assert line, "the writer died before it was killed"
            acknowledged.append(int(line))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(tmp_path / "reviews.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    rows = con.execute("SELECT id, final_json, diff_json, changes FROM review_accepts ORDER BY id").fetchall()
    ids = [r[0] for r in rows]
    assert set(acknowledged) <= set(ids)  # everything reported as recorded is there
    assert ids == list(range(1, len(ids) + 1))  # and nothing half-written: every row complete
    for _id, final_json, diff_json, changes in rows:
        assert json.loads(final_json)["tasks"][0]["rationale"].startswith("edit ")
        assert len(json.loads(diff_json)["changes"]) == changes == 1
    con.close()
    with AuditTrail(tmp_path / "reviews.sqlite") as trail:  # reopens and keeps appending after the kill
        assert trail.history(limit=1)[0].id == ids[-1]
