"""Batch runs and the run log: ``batch`` (summary, status, the list of batches) and ``logs``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .common import short, shown


def print_batch_summary(console: Console, s: dict) -> None:
    t = Table(title=f"Batch {shown(s['batch_id'])} ({shown(s['backend'])})", title_justify="left", show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    t.add_row("Roles", f"{s['roles']}: {s['done']} done, {s['failed']} failed, {s['pending'] + s['running']} pending")
    if s.get("crashed_workers"):
        t.add_row(
            "Workers", f"[red]{len(s['crashed_workers'])} worker process(es) died; re-run the command to resume[/]"
        )
    if s["stopped_by_cap"]:
        t.add_row("Stopped", "[yellow]before crossing the cost/token cap; re-run with a higher cap to continue[/]")
    t.add_row(
        "LLM calls", f"{s['requests']} requests, {s['cache_hits']} cache hits, {s['throttled_429']} rate-limited (429)"
    )
    per_role = f"; {(s['prompt_tokens'] + s['completion_tokens']) / s['done']:,.0f} per role done" if s["done"] else ""
    t.add_row(
        "Tokens",
        f"{s['prompt_tokens']:,} prompt ({s['cached_tokens']:,} cached) + {s['completion_tokens']:,} completion "
        f"(failed attempts included){per_role}",
    )
    t.add_row("Cost", "n/a (no prices for this model)" if s["cost_usd"] is None else f"${s['cost_usd']:.4f}")
    if budget := s.get("budget"):
        plan = ", ".join(f"{v:,.0f} {k}" for k, v in budget.items() if v)
        t.add_row("Budget", plan or "none configured or reported by the server")
    if s["failures_by_cause"]:
        t.add_row("Failures by cause", shown(", ".join(f"{k}: {v}" for k, v in sorted(s["failures_by_cause"].items()))))
    t.add_row("Time", f"{s['drafting_seconds']:.1f} s drafting, {s['wall_seconds']:.1f} s in all")
    console.print(t)
    print_step_usage(console, s.get("steps") or [], "By step")


def print_run_log(console: Console, path: str, rows: list, totals: dict, steps: list[dict]) -> None:
    from datetime import datetime

    t = Table(title=f"Run log {shown(path)}", title_justify="left")
    for col in ("When", "Run", "Step", "Model", "Try", "Status", "Tokens in (cached)/out", "ms", "Cache", "Error"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            datetime.fromtimestamp(r["ts"]).strftime("%m-%d %H:%M:%S"), shown(r["run_id"] or ""), shown(r["step"] or ""), shown(r["model"] or ""),
            str(r["attempt"]), str(r["status"] or "—"),
            f"{r['prompt_tokens'] or 0} ({r['cached_tokens'] or 0})/{r['completion_tokens'] or 0}",
            f"{r['latency_ms']:.0f}", "hit" if r["cached"] else "", short(r["error"] or "", 40),
        )  # fmt: skip
    console.print(t)
    print_step_usage(console, steps, "By step")
    cost = "cost n/a (no prices for a model)" if totals["cost_usd"] is None else f"${totals['cost_usd']:.4f}"
    console.print(
        f"Totals: {totals['calls']} calls = {totals['requests']} network requests + {totals['cache_hits']} cache hits; "
        f"{totals['prompt_tokens']:,} prompt ({totals['cached_tokens']:,} cached) + {totals['completion_tokens']:,} "
        f"completion tokens; {cost}; {totals['errors']} errors"
    )


def print_step_usage(console: Console, steps: list[dict], title: str) -> None:
    """Requests, tokens and cost per drafting step (``StepTotals.summary`` rows), cached prompt tokens apart."""
    if not steps:
        return
    t = Table(title=title, title_justify="left")
    for col in ("Step", "Model", "Requests", "Cache hits", "Prompt", "of which cached", "Completion", "Cost", "Errors"):
        t.add_column(col, justify="left" if col in ("Step", "Model") else "right")
    for s in steps:
        t.add_row(
            shown(s["step"] or "—"), shown(s["model"] or ""), str(s["requests"]), str(s["cache_hits"]), f"{s['prompt_tokens']:,}",
            f"{s['cached_tokens']:,}", f"{s['completion_tokens']:,}",
            "n/a" if s["cost_usd"] is None else f"${s['cost_usd']:.4f}", str(s["errors"]),
        )  # fmt: skip
    console.print(t)


def print_batches(console: Console, batches: list[dict]) -> None:
    from datetime import datetime

    t = Table(title="Batches", title_justify="left")
    for col in ("Batch", "Created", "Backend", "Done", "Failed", "Pending", "Folder"):
        t.add_column(col, no_wrap=col == "Batch", overflow="fold")  # an id is never cut: it is typed back in
    for b in batches:
        t.add_row(shown(b["batch_id"]), datetime.fromtimestamp(b["created"]).strftime("%Y-%m-%d %H:%M"),
                  shown(b["config"]["backend"]), str(b["done"]), str(b["failed"]), str(b["pending"]), shown(b["out_dir"]))  # fmt: skip
    console.print(t)


def print_batch_status(console: Console, batch_id: str, counts: dict, totals: dict, failed: list[dict]) -> None:
    console.print(f"Batch {shown(batch_id)}: {counts['done']} done, {counts['failed']} failed, {counts['pending'] + counts['running']} pending; "
                  f"{totals['requests']} requests, {totals['prompt_tokens'] + totals['completion_tokens']:,} tokens")  # fmt: skip
    for f_ in failed:
        console.print(
            f"  [red]{shown(f_['code'])}[/] {shown(f_['cause'])} after {f_['attempts']} attempt(s): {shown(f_['error'])}"
        )
