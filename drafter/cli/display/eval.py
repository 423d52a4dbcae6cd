"""``drafter eval``: the per-role table, the human-label tier and the comparison of two runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from .common import Col, fitted_table, fmt, short, shown

if TYPE_CHECKING:
    from ...evaluation.runs import EvalRun


EVAL_COLUMNS = (
    Col("Role"),
    Col("Code", keep=True),
    Col("Kind", drop=4),
    Col("Human", "right", keep=True),
    Col("Draft", "right", keep=True),
    Col("|Δ| comp.", "right"),
    Col("Zone", keep=True),
    Col("Task MAE", "right", drop=3),
    Col("QWK", "right", drop=5),
    Col("Labels", "right", drop=6),
    Col("Time TV", "right", drop=7),
    Col("Evid. |Δ|", "right", drop=8),
    Col("Barr. |Δ|", "right", drop=9),
)
"""At 80 columns the role, its code, the scores and the zone stay; the per-part metrics go, last first (the
HTML report and --json have them all)."""


def print_eval(console: Console, run: EvalRun, gate: dict) -> None:
    cells = []
    for r in run.roles:
        code = "" if r.key == r.title else shown(r.key)
        if r.error:
            cells.append(
                (shown(r.title), code, shown(r.kind), "", "", "", f"[red]failed: {short(r.error, 60)}[/]", *[""] * 6)
            )
            continue
        s, m = r.samples[0], r.metrics
        zone = (
            "[green]agrees[/]"
            if m.get("zone_agreement") == 1
            else f"[red]{shown(s.draft_zone)} ≠ {shown(s.golden_zone)}[/]"
        )
        spread = r.spread.get("composite_error")
        cells.append((
            shown(r.title), code, shown(r.kind), f"{s.golden_score:.1f}", f"{s.draft_score:.1f}",
            fmt(m.get("composite_error")) + (f" ± {spread:.2f}" if spread else ""), zone, fmt(m.get("task_score_mae")),
            fmt(m.get("task_score_qwk")), fmt(m.get("label_agreement"), pct=True), fmt(m.get("time_share_tv")),
            fmt(m.get("evidence_total_error")), fmt(m.get("barrier_total_error")),
        ))  # fmt: skip
    title = f"drafter eval {shown(run.run_id)} — {shown(run.config['backend'])}"
    t = fitted_table(console, title, EVAL_COLUMNS, cells)
    console.print(t)
    means = ", ".join(f"{k} {v.mean:.3f} (n={v.n})" for k, v in run.aggregates.items() if v.n)
    console.print(f"Means over roles: {means}")
    if u := run.usage:
        cost = f", ${u.cost_usd}" if u.cost_usd is not None else ""
        failed = f", {u.errors} failed" if u.errors else ""
        console.print(f"LLM: {u.requests} requests{failed}, {u.cache_hits} cache hits, {u.total_tokens:,} tokens{cost}")
    for code, what in (run.config.get("derived_from") or {}).items():  # older stored runs have none
        console.print(f"Prompt text derived from {shown(code)} (its eval is partly answered by the prompt): "
                      f"{shown('; '.join(what))}")  # fmt: skip
    for note in run.skipped:
        console.print(f"[dim]skipped: {shown(note)}[/]")
    if run.labour:  # issue 15: employment-weighted zones (older stored runs have none)
        console.print("Workers covered by the drafts (employment-weighted):")
        for line in run.labour["drafted"]["headline"]:
            console.print(f"  {shown(line)}")
    if gate["violations"]:
        console.print(f"[red]Gate failed[/] against {shown(gate['baseline'])}:")
        for v in gate["violations"]:
            console.print(f"  [red]✗[/] {shown(v)}")
    else:
        console.print(f"[green]Gate passed[/] against {shown(gate['baseline'])}.")


LABEL_TIER_WHO = {
    "offline": "offline default (occupation-grouped CV)",
    "gpt4-labels": "published GPT-4 labels",
    "llm": "LLM drafts",
}


def print_label_tier(console: Console, result: dict, backend: str) -> None:
    t = Table(
        title=f"Human-label tier: {result['occupations']} occupations ({result['mapping']}; {result['evaluation']})",
        title_justify="left",
    )
    for col in ("Who", "Tasks", "Exact E0/E1/E2", "κ (exact)", "Exposed or not", "κ (exposed)"):
        t.add_column(col, justify="left" if col == "Who" else "right")

    def pct(a):
        return "—" if not a or a["agreement"] is None else f"{a['agreement'] * 100:.1f}%"

    def kappa(a):
        return "—" if not a else fmt(a["kappa"], places=3)

    unique = result["unique_statements"]
    for who, d in (
        (LABEL_TIER_WHO[backend], result["drafter"]),
        ("  unique statements", unique["drafter"]),
        ("GPT-4 (reference, same tasks)", result["gpt4_reference"]),
        ("  unique statements", unique["gpt4_reference"]),
    ):
        e = d["exposed_or_not"]
        t.add_row(who, str(e["n"]), pct(d["exact"]), kappa(d["exact"]), pct(e), kappa(e))
    console.print(t)
    for f in result["failed"]:
        console.print(f"[red]failed:[/] {shown(f)}")


def print_comparison(console: Console, rows: list[dict], title: str) -> None:
    t = Table(title=shown(title), title_justify="left")
    for col in ("Scope", "Metric", "A", "B", "Change", ""):
        t.add_column(col, justify="right" if col in ("A", "B", "Change") else "left")
    for r in rows:
        colour = {"better": "green", "worse": "red"}.get(r["verdict"], "dim")
        t.add_row(shown(r["scope"]), shown(r["metric"]), fmt(r["a"], places=3), fmt(r["b"], places=3),
                  fmt(r["change"], signed=True, places=3), f"[{colour}]{r['verdict']}[/]")  # fmt: skip
    console.print(t)
