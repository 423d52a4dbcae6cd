"""``drafter logs``: the run log's recent LLM calls and totals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .common import JsonOpt, checked, console, fail

LOGGED_FIELDS = ("id", "ts", "run_id", "step", "endpoint", "model", "status", "error", "finish_reason",
                 "prompt_tokens", "cached_tokens", "completion_tokens", "latency_ms", "attempt", "cached")  # fmt: skip


def logs(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many recent calls.", callback=checked("limit"))] = 20,
    run: Annotated[str | None, typer.Option(help="Only this run id (a draft's; totals too).")] = None,
    batch: Annotated[str | None, typer.Option(help="Only this batch's calls (its id; totals too).")] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="Endpoints file whose prices cost the calls (default $DRAFTER_HOME/endpoints.toml)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recent LLM calls from the run log, with tokens (prompt, cached, completion) and cost per step and in total."""
    from ..llm.endpoints import price_lookup
    from ..llm.runlog import RunLog
    from ..store import store_path

    if run and batch:
        fail("name a --run or a --batch, not both")
    if not store_path().exists():
        fail(f"no run log yet at {store_path()} (it is created by the first LLM draft)", 1)
    prices = price_lookup(config)
    log = RunLog()
    if run:
        run = _one(run, log.run_ids(run), "run", "`drafter logs` lists recent calls with their run ids")
    if batch:
        batches = sorted({r.split(":", 1)[0] for r in log.run_ids(batch) if ":" in r})
        batch = _one(batch, batches, "batch", "`drafter batch status` lists them")
    prefix = f"{batch}:" if batch else None
    wanted = (lambda r: r["run_id"] == run) if run else (lambda r: (r["run_id"] or "").startswith(prefix or ""))
    rows = [r for r in log.recent(limit if not (run or batch) else 100_000) if wanted(r)][:limit]
    from ..drafting.steps import step_order

    steps = sorted(log.by_step(run, run_prefix=prefix), key=lambda t: step_order(t.step))
    summaries = [t.summary(prices(t.endpoint, t.model)) for t in steps]
    totals: dict[str, Any] = dict(log.totals(run) if not batch else _totals(steps))
    costs = [s["cost_usd"] for s in summaries]
    totals["cost_usd"] = round(sum(c for c in costs if c is not None), 6) if costs and None not in costs else None
    if as_json:
        import json

        calls = [{k: r[k] for k in LOGGED_FIELDS} for r in rows]
        print(json.dumps({"totals": totals, "steps": summaries, "calls": calls}, indent=2))
        return
    from .display.runs import print_run_log

    print_run_log(console(), str(store_path()), rows, totals, summaries)


def _one(given: str, found: list[str], what: str, hint: str) -> str:
    """The one id that ``given`` names, in full or by its first characters; else a one-line error."""
    from ..store import store_path

    if given in found:
        return given
    if not found:
        fail(f"no {what} {given!r} in {store_path()}; {hint}", 1)
    if len(found) > 1:
        fail(f"--{what} {given!r} names {len(found)} {what}s ({', '.join(found[:4])}…): give more characters", 1)
    return found[0]


def _totals(steps) -> dict:
    """A batch's totals, from its steps (``RunLog.totals`` sums one run or the whole log)."""
    from ..usage import Usage

    usage = sum((t.usage for t in steps), Usage())
    requests, hits = sum(t.requests for t in steps), sum(t.cache_hits for t in steps)
    return {"calls": requests + hits, "requests": requests, "cache_hits": hits, **usage.model_dump(),
            "errors": sum(t.errors for t in steps)}  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(logs)
