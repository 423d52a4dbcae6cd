"""``drafter logs``: the run log's recent LLM calls and totals."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import JsonOpt, console, fail

LOGGED_FIELDS = ("id", "ts", "run_id", "step", "endpoint", "model", "status", "error", "finish_reason",
                 "prompt_tokens", "completion_tokens", "latency_ms", "attempt", "cached")  # fmt: skip


def logs(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many recent calls.")] = 20,
    run: Annotated[str | None, typer.Option(help="Only this run id (totals too).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recent LLM calls from the run log, with totals (requests, cache hits, tokens, errors)."""
    from ..llm.runlog import RunLog, runlog_path

    if not runlog_path().exists():
        fail(f"no run log yet at {runlog_path()} (it is created by the first LLM draft)", 1)
    log = RunLog()
    rows = [r for r in log.recent(limit if not run else 10_000) if not run or r["run_id"] == run][:limit]
    totals = log.totals(run)
    if as_json:
        import json

        print(json.dumps({"totals": totals, "calls": [{k: r[k] for k in LOGGED_FIELDS} for r in rows]}, indent=2))
        return
    from .display import print_run_log

    print_run_log(console(), str(runlog_path()), rows, totals)


def register(app: typer.Typer) -> None:
    app.command()(logs)
