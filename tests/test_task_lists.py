"""A long custom task list: no task is dropped without being listed, counted and warned about."""

from __future__ import annotations

import json


def test_tasks_that_round_to_zero_are_listed_counted_and_warned_about(run_cli, tmp_path):
    lines = ["id,text"] + [f"{i},Reconcile billing batch {i} against the ledger" for i in range(1, 151)]
    (tmp_path / "tasks.csv").write_text("\n".join(lines) + "\n")
    r = run_cli("draft", "tasks.csv", "--title", "Biller", "--offline", "-o", "drafts", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = json.loads((tmp_path / "drafts" / "biller.json").read_text())
    rows, unmapped = len(d["tasks"]), d["unmapped_onet_tasks"]
    assert rows < 150 and rows + len(unmapped) == 150  # every task is a row or listed
    assert all("rounds to 0%" in why and "of 150 tasks" in why for why in unmapped.values())
    pf = d["role"]["primary_function"]
    assert f"the {rows} scored below, and {150 - rows} whose time share rounds to 0%" in pf
    assert "Performs the 150 listed tasks" in pf and "O*NET" not in pf
    assert f"warning: {150 - rows} of 150 tasks have no row in the draft" in " ".join(r.stderr.split())
