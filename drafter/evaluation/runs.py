"""Stored eval runs: JSON + HTML files in an output folder, a row in drafter's database, and comparisons."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..errors import DrafterError
from ..files import atomic_write, read_text
from ..store import Migrations, Store

MIGRATIONS = Migrations("eval")


@MIGRATIONS.add(legacy_version=2)
def create_eval_runs(con) -> None:
    """One row per run; the full run is the JSON file beside its HTML report (``json_path``)."""
    con.execute(
        """
        CREATE TABLE eval_runs (
          run_id TEXT PRIMARY KEY,
          ts REAL NOT NULL,
          backend TEXT NOT NULL,
          config_json TEXT NOT NULL,
          aggregates_json TEXT NOT NULL,
          roles_json TEXT NOT NULL,
          usage_json TEXT NOT NULL,
          json_path TEXT
        )"""
    )


COMPARED = (
    "composite_error",
    "zone_agreement",
    "sub_label_agreement",
    "task_resistance_error",
    "task_score_mae",
    "task_score_qwk",
    "label_agreement",
    "time_share_tv",
    "evidence_total_error",
    "barrier_total_error",
    "protective_total_error",
    "growth_error",
)
HIGHER_IS_BETTER = {"zone_agreement", "sub_label_agreement", "task_score_qwk", "label_agreement"}


def record_run(store: Store, run: dict, json_path: str | None) -> None:
    """The run's row in the database (configuration, aggregates, per-role metrics, usage)."""
    store.migrate(MIGRATIONS)
    with store.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO eval_runs VALUES (?,?,?,?,?,?,?,?)",
            (
                run["run_id"],
                time.time(),
                run["config"]["backend"],
                json.dumps(run["config"]),
                json.dumps(run["aggregates"]),
                json.dumps([{k: r[k] for k in ("key", "kind", "metrics")} for r in run["roles"]]),
                json.dumps(run["usage"]),
                json_path,
            ),
        )


def save_run(run: dict, output_dir: Path, gate: dict | None = None) -> tuple[Path, Path]:
    from .report import render_report

    output_dir = Path(output_dir)
    json_path = output_dir / f"{run['run_id']}.json"
    html_path = output_dir / f"{run['run_id']}.html"
    atomic_write(json_path, json.dumps(run | ({"gate": gate} if gate else {}), indent=2, ensure_ascii=False) + "\n")
    atomic_write(html_path, render_report(run, gate))
    store = Store()
    try:
        record_run(store, run, str(json_path.resolve()))
    finally:
        store.close()
    return json_path, html_path


def load_run(path: Path) -> dict:
    try:
        run = json.loads(read_text(Path(path)))
    except json.JSONDecodeError as e:
        raise DrafterError(f"{path}:line {e.lineno}:col {e.colno}: invalid JSON: {e.msg}") from None
    for key in ("run_id", "roles", "aggregates", "config"):
        if key not in run:
            raise DrafterError(f"{path}: not a drafter eval run (missing {key!r})")
    return run


def compare_runs(a: dict, b: dict) -> list[dict]:
    """Rows of (scope, metric, A, B, change, verdict) for the mean and every role both runs have."""
    rows = []

    def add(scope: str, metric: str, va, vb) -> None:
        if va is None and vb is None:
            return
        change = None if va is None or vb is None else round(vb - va, 4)
        verdict = ""
        if change:
            better = change > 0 if metric in HIGHER_IS_BETTER else change < 0
            verdict = "better" if better else "worse"
        rows.append({"scope": scope, "metric": metric, "a": va, "b": vb, "change": change, "verdict": verdict})

    for metric in COMPARED:
        add(
            "mean",
            metric,
            (a["aggregates"].get(metric) or {}).get("mean"),
            (b["aggregates"].get(metric) or {}).get("mean"),
        )
    roles_b = {r["key"]: r for r in b["roles"]}
    for ra in a["roles"]:
        rb = roles_b.get(ra["key"])
        if rb is None:
            continue
        for metric in COMPARED:
            add(ra["key"], metric, ra["metrics"].get(metric), rb["metrics"].get(metric))
    return rows
