"""Eval runs: the typed record of one run, stored as JSON + HTML files and a row in drafter's database; comparisons.

The run's JSON file is ``EvalRun`` as JSON, so the gate, ``compare`` and the HTML report read stored runs and
fresh ones alike.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_serializer, field_validator

from ..errors import DrafterError, format_validation_error
from ..files import loads_json, read_text
from ..store import Migrations, Store
from ..usage import Usage
from .metrics import Aggregate, RoleResult

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


class EvalRole(BaseModel):
    """One golden role or reference point: its drafts compared (one sample per draft), or why it failed."""

    key: str  # the O*NET code, or the title of a reference point without one
    title: str
    kind: str  # golden | reference
    error: str | None = None
    samples: list[RoleResult] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)  # mean over samples
    spread: dict[str, float] = Field(default_factory=dict)  # population standard deviation over samples


class EvalUsage(Usage):
    """What a run's drafting took from an LLM (its tokens are Usage's fields, kept flat in the JSON file)."""

    requests: int = 0
    cache_hits: int = 0
    errors: int = 0  # failed calls among the requests (HTTP errors, timeouts, answers refused by validation)
    cost_usd: float | None = None  # None: no prices for the model


class EvalGate(BaseModel):
    baseline: str  # the baseline run's file, or "perfect agreement"
    violations: list[str] = Field(default_factory=list)


class EvalRun(BaseModel):
    run_id: str
    created_at: str
    config: dict[str, Any]  # what drafted (the backend's own description), samples, golden roles, reference points
    roles: list[EvalRole]
    aggregates: dict[str, Aggregate]  # per metric, over roles
    usage: EvalUsage | None = None  # None when nothing was drafted with an LLM (written as {})
    skipped: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list)
    gate: EvalGate | None = None  # set when the run is saved
    labour: dict[str, Any] | None = None  # employment-weighted zones of the judged roles (BLS OEWS); older runs: None

    @field_validator("usage", mode="before")
    @classmethod
    def _no_usage(cls, v: Any) -> Any:
        return None if v == {} else v

    @field_serializer("usage")
    def _usage_or_empty(self, v: EvalUsage | None) -> dict:
        return v.model_dump() if v else {}

    def to_json(self) -> str:
        return json.dumps(
            self.model_dump(mode="json", exclude={k for k in ("gate", "labour") if getattr(self, k) is None} or None),
            indent=2,
            ensure_ascii=False,
        )


def record_run(store: Store, run: EvalRun, json_path: str | None) -> None:
    """The run's row in the database (configuration, aggregates, per-role metrics, usage)."""
    store.migrate(MIGRATIONS)
    data = run.model_dump(mode="json")
    with store.transaction() as con:
        con.execute(
            "INSERT OR REPLACE INTO eval_runs VALUES (?,?,?,?,?,?,?,?)",
            (
                run.run_id,
                time.time(),
                run.config["backend"],
                json.dumps(data["config"]),
                json.dumps(data["aggregates"]),
                json.dumps([{k: r[k] for k in ("key", "kind", "metrics")} for r in data["roles"]]),
                json.dumps(data["usage"]),
                json_path,
            ),
        )


def load_run(path: Path) -> EvalRun:
    run = loads_json(read_text(Path(path)), str(path))
    for key in ("run_id", "roles", "aggregates", "config"):
        if not isinstance(run, dict) or key not in run:
            raise DrafterError(f"{path}: not a drafter eval run (missing {key!r})")
    try:
        return EvalRun.model_validate(run)
    except ValidationError as e:
        raise DrafterError(format_validation_error(e, str(path))) from None


def compare_runs(a: EvalRun, b: EvalRun) -> list[dict]:
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

    def mean(run: EvalRun, metric: str) -> float | None:
        found = run.aggregates.get(metric)
        return found.mean if found else None

    for metric in COMPARED:
        add("mean", metric, mean(a, metric), mean(b, metric))
    roles_b = {r.key: r for r in b.roles}
    for ra in a.roles:
        rb = roles_b.get(ra.key)
        if rb is None:
            continue
        for metric in COMPARED:
            add(ra.key, metric, ra.metrics.get(metric), rb.metrics.get(metric))
    return rows
