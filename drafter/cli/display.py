"""Rich terminal views of library results. Presentation only: nothing here computes a figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:  # annotations only: `onet show` and `--help` do not load pydantic models through here
    from ..assessment import Assessment
    from ..house_format import ConsistencyReport
    from ..portfolio.audit import Accepted
    from ..portfolio.changes import Summary
    from ..portfolio.table import PortfolioRow
    from ..review.diff import Diff
    from ..review.priority import ReviewFirst
    from ..scoring import ScoreCard
    from ..sensitivity import Sensitivity
    from .evaluation.runs import EvalRun

ZONE_STYLE = {"Red": "bold red", "Yellow": "bold yellow", "Green": "bold green"}


def scorecard_table(a: Assessment, card: ScoreCard) -> Table:
    title = a.role.job_title + (f" (SOC {a.role.soc_code})" if a.role.soc_code else "")
    t = Table(title=f"AIJRI scorecard — {title}", title_justify="left", show_lines=False)
    t.add_column("Figure")
    t.add_column("Value", justify="right")
    t.add_column("From", style="dim")
    t.add_row("Weighted total", card.weighted_total.shown, card.weighted_total.formula)
    t.add_row("Task resistance", card.task_resistance.shown + "/5.0", card.task_resistance.formula)
    t.add_row("Evidence modifier", card.evidence_modifier.shown, card.evidence_modifier.formula)
    t.add_row("Barrier modifier", card.barrier_modifier.shown, card.barrier_modifier.formula)
    t.add_row("Growth modifier", card.growth_modifier.shown, card.growth_modifier.formula)
    t.add_row("Raw", card.raw.shown, card.raw.formula)
    style = ZONE_STYLE[card.final_zone.value]
    t.add_row("[bold]JobZone score[/]", f"[{style}]{card.score.shown}[/]", card.score.formula)
    t.add_row("Zone", f"[{style}]{card.zone.value}[/]", card.zone_bands)
    t.add_row("Sub-label", card.sub_label, "; ".join(f"{c.name} {c.shown}" for c in card.sub_label_criteria))
    if card.overridden:
        t.add_row("Assessor override", f"[{style}]{card.final_zone.value}[/]", a.assessor_override.note[:80])
    t.add_row("Time scoring 3+", f"{card.pct_time_high}%", "")
    t.add_row(
        "Split (disp/aug/none)",
        f"{card.displacement_pct}% / {card.augmentation_pct}% / {card.not_involved_pct}%",
        "",
    )
    t.add_row(
        "Quick screen", card.quick_screen, f"protective {card.protective_total}/9, growth {card.growth_correlation}"
    )
    return t


def print_scorecard(console: Console, a: Assessment, card: ScoreCard, report: ConsistencyReport | None) -> None:
    console.print(scorecard_table(a, card))
    if card.pending:
        console.print(
            f"[yellow]Provisional:[/] {len(card.pending)} input(s) awaiting assessor input, counted as neutral (0): "
            + ", ".join(card.pending)
        )
    if card.priors:
        console.print(
            f"[yellow]Provisional:[/] {len(card.priors)} input(s) borrowed from similar human-scored roles "
            '("Prior from:" in the draft), until an assessor confirms or rewrites them'
        )
    for w in card.label_warnings:
        console.print(f"[yellow]Label check:[/] {w}")
    if report is not None:
        bad = report.disagreements
        if bad:
            console.print(
                f"[red]Consistency: {len(bad)} of {len(report.checks)} written figures differ from the scorer:[/]"
            )
            for c in bad:
                console.print(escape(f"  line {c.line} {c.figure}: written {c.written!r}, computed {c.computed!r}"))
        else:
            console.print(f"[green]Consistency: all {len(report.checks)} written figures agree with the scorer.[/]")
        for w in report.warnings:
            console.print(f"[yellow]Warning:[/] {escape(w)}", soft_wrap=True)


def _fmt(v, pct: bool = False, signed: bool = False, places: int = 2) -> str:
    if v is None:
        return "—"
    if pct:
        return f"{v * 100:.0f}%"
    return f"{v:+.{places}f}" if signed else f"{v:.{places}f}"


def print_batch_summary(console: Console, s: dict) -> None:
    t = Table(title=f"Batch {s['batch_id']} ({s['backend']})", title_justify="left", show_header=False)
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
        t.add_row("Failures by cause", ", ".join(f"{k}: {v}" for k, v in sorted(s["failures_by_cause"].items())))
    t.add_row("Time", f"{s['drafting_seconds']:.1f} s drafting, {s['wall_seconds']:.1f} s in all")
    console.print(t)
    print_step_usage(console, s.get("steps") or [], "By step")


EVAL_COLUMNS = (
    "Role",
    "Kind",
    "Human",
    "Draft",
    "|Δ| comp.",
    "Zone",
    "Task MAE",
    "QWK",
    "Labels",
    "Time TV",
    "Evid. |Δ|",
    "Barr. |Δ|",
)


def print_eval(console: Console, run: EvalRun, gate: dict) -> None:
    t = Table(title=f"drafter eval {run.run_id} — {run.config['backend']}", title_justify="left")
    for col in EVAL_COLUMNS:
        t.add_column(col, justify="left" if col in ("Role", "Kind", "Zone") else "right")
    for r in run.roles:
        if r.error:
            t.add_row(r.title, r.kind, "", "", "", f"[red]failed: {r.error[:60]}[/]", *[""] * 6)
            continue
        s, m = r.samples[0], r.metrics
        zone = "[green]agrees[/]" if m.get("zone_agreement") == 1 else f"[red]{s.draft_zone} ≠ {s.golden_zone}[/]"
        spread = r.spread.get("composite_error")
        t.add_row(
            r.title, r.kind, f"{s.golden_score:.1f}", f"{s.draft_score:.1f}",
            _fmt(m.get("composite_error")) + (f" ± {spread:.2f}" if spread else ""), zone, _fmt(m.get("task_score_mae")),
            _fmt(m.get("task_score_qwk")), _fmt(m.get("label_agreement"), pct=True), _fmt(m.get("time_share_tv")),
            _fmt(m.get("evidence_total_error")), _fmt(m.get("barrier_total_error")),
        )  # fmt: skip
    console.print(t)
    means = ", ".join(f"{k} {v.mean:.3f} (n={v.n})" for k, v in run.aggregates.items() if v.n)
    console.print(f"Means over roles: {means}")
    if u := run.usage:
        cost = f", ${u.cost_usd}" if u.cost_usd is not None else ""
        console.print(f"LLM: {u.requests} requests, {u.cache_hits} cache hits, {u.total_tokens:,} tokens{cost}")
    for note in run.skipped:
        console.print(f"[dim]skipped: {note}[/]")
    if run.labour:  # issue 15: employment-weighted zones (older stored runs have none)
        console.print("Workers covered by the drafts (employment-weighted):")
        for line in run.labour["drafted"]["headline"]:
            console.print(f"  {line}")
    if gate["violations"]:
        console.print(f"[red]Gate failed[/] against {gate['baseline']}:")
        for v in gate["violations"]:
            console.print(f"  [red]✗[/] {v}")
    else:
        console.print(f"[green]Gate passed[/] against {gate['baseline']}.")


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
        return "—" if not a else _fmt(a["kappa"], places=3)

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
        console.print(f"[red]failed:[/] {f}")


def print_comparison(console: Console, rows: list[dict], title: str) -> None:
    t = Table(title=title, title_justify="left")
    for col in ("Scope", "Metric", "A", "B", "Change", ""):
        t.add_column(col, justify="right" if col in ("A", "B", "Change") else "left")
    for r in rows:
        colour = {"better": "green", "worse": "red"}.get(r["verdict"], "dim")
        t.add_row(r["scope"], r["metric"], _fmt(r["a"], places=3), _fmt(r["b"], places=3),
                  _fmt(r["change"], signed=True, places=3), f"[{colour}]{r['verdict']}[/]")  # fmt: skip
    console.print(t)


def print_run_log(console: Console, path: str, rows: list, totals: dict, steps: list[dict]) -> None:
    from datetime import datetime

    t = Table(title=f"Run log {path}", title_justify="left")
    for col in ("When", "Run", "Step", "Model", "Try", "Status", "Tokens in (cached)/out", "ms", "Cache", "Error"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            datetime.fromtimestamp(r["ts"]).strftime("%m-%d %H:%M:%S"), r["run_id"] or "", r["step"] or "", r["model"] or "",
            str(r["attempt"]), str(r["status"] or "—"),
            f"{r['prompt_tokens'] or 0} ({r['cached_tokens'] or 0})/{r['completion_tokens'] or 0}",
            f"{r['latency_ms']:.0f}", "hit" if r["cached"] else "", (r["error"] or "")[:40],
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
            s["step"] or "—", s["model"] or "", str(s["requests"]), str(s["cache_hits"]), f"{s['prompt_tokens']:,}",
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
        t.add_row(b["batch_id"], datetime.fromtimestamp(b["created"]).strftime("%Y-%m-%d %H:%M"), b["config"]["backend"],
                  str(b["done"]), str(b["failed"]), str(b["pending"]), b["out_dir"])  # fmt: skip
    console.print(t)


def print_batch_status(console: Console, batch_id: str, counts: dict, totals: dict, failed: list[dict]) -> None:
    console.print(f"Batch {batch_id}: {counts['done']} done, {counts['failed']} failed, {counts['pending'] + counts['running']} pending; "
                  f"{totals['requests']} requests, {totals['prompt_tokens'] + totals['completion_tokens']:,} tokens")  # fmt: skip
    for f_ in failed:
        console.print(
            f"  [red]{f_['code']}[/] {f_['cause']} after {f_['attempts']} attempt(s): {escape(str(f_['error']))}",
            soft_wrap=True,
        )


def print_occupation(console: Console, occ, shares: list[int], rule: str, labour_line: str = "") -> None:
    """The occupation's tasks; ``labour_line`` states its official employment and wage (BLS OEWS, dated)."""
    t = Table(title=f"{occ.code} {occ.title} — {len(occ.tasks)} tasks ({occ.source})", title_justify="left")
    t.add_column("Task ID", justify="right")
    t.add_column("Type")
    t.add_column("Prior", justify="right")
    t.add_column("Human")
    t.add_column("GPT-4")
    t.add_column("Statement")
    for task, p in zip(occ.tasks, shares, strict=True):
        t.add_row(
            str(task.id), task.type or "—", f"{p}%", task.human_label or "—", task.gpt4_label or "—", task.statement
        )
    console.print(t)
    console.print(
        f"Priors sum to {sum(shares)}% (rule: {rule}). Labels: E0 none, E1 direct LLM exposure, E2 with LLM-based tools."
    )
    if labour_line:
        console.print(escape(labour_line), soft_wrap=True)
    console.print(
        "[dim]O*NET task statements © National Center for O*NET Development, CC BY 4.0; labels: GPTs are GPTs (MIT); "
        "employment and wages: U.S. Bureau of Labor Statistics, OEWS (public domain).[/]"
    )


def print_search(console: Console, query: str, matches: list) -> None:
    t = Table(title=f"O*NET occupations matching {query!r}", title_justify="left")
    for col in ("Code", "Title", "Score", "Matched on"):
        t.add_column(col, justify="right" if col == "Score" else "left")
    for m in matches:
        t.add_row(m.occupation.code, m.occupation.title, f"{m.score:.2f}", m.matched)
    console.print(t)


# --- review: the spread, sensitivity and review-first list; diff, summary, portfolio, audit trail ---------


def _short(v, n: int = 60) -> str:
    text = "—" if v is None else str(v)
    text = text.replace("\n", " ")
    return escape(text if len(text) <= n else text[: n - 1] + "…")


def print_review(
    console: Console, a: Assessment, card: ScoreCard, rf: ReviewFirst, sens: Sensitivity, limit: int = 8
) -> None:
    """Under the scorecard: the spread, the zone-flip sensitivity and the review-first list."""
    from ..review.text import uncertainty_lines

    for line in uncertainty_lines(a):
        console.print(f"[cyan]Spread:[/] {escape(line)}", soft_wrap=True)
    console.print(f"[cyan]Sensitivity:[/] {escape(sens.boundary_line())}", soft_wrap=True)
    flips = sens.flips()
    for f in flips[:5]:
        assert f.zone_flip is not None
        console.print(f"  [cyan]zone flip:[/] {escape(f.zone_flip.describe())}", soft_wrap=True)
    if len(flips) > 5:
        console.print(f"  [dim]… {len(flips) - 5} more inputs can flip the zone (drafter score FILE --json)[/]")
    if not flips:
        console.print("  no single input can change the zone")
    for i in [i for i in sens.inputs if i.sub_label_flip][:3]:
        assert i.sub_label_flip is not None
        console.print(f"  [cyan]sub-label:[/] {escape(i.sub_label_flip.describe('sub_label'))}", soft_wrap=True)
    if not rf.items:
        console.print(
            "[green]Review first:[/] nothing stands out (no spread, nothing pending, no zone flip within one step)"
        )
        return
    t = Table(title=f"Review first — {rf.count} item(s), most important first", title_justify="left")
    t.add_column("#", justify="right")
    t.add_column("Input")
    t.add_column("Value", justify="right")
    t.add_column("Priority", justify="right")
    t.add_column("Why")
    for n, it in enumerate(rf.items[:limit], 1):
        value = "awaiting" if it.value is None else str(it.value)
        t.add_row(str(n), _short(it.name, 48), value, f"{it.priority:.2f}", escape("; ".join(it.reasons)))
    console.print(t)
    if rf.count > limit:
        console.print(f"[dim]… {rf.count - limit} more: drafter review first FILE[/]")


def print_diff(console: Console, d: Diff, limit: int | None = None) -> None:
    t = Table(title=f"{d.draft} → {d.final}: {len(d.changes)} field change(s)", title_justify="left")
    for col in ("Field", "Before", "After", "Δ", "Draft's source"):
        t.add_column(col, justify="right" if col == "Δ" else "left")
    for c in d.changes[:limit] if limit else d.changes:
        delta = "" if c.delta is None else f"{c.delta:+g}"
        t.add_row(
            escape(c.path),
            _short(c.before),
            _short(c.after),
            delta,
            _short(c.source.describe() if c.source else "", 50),
        )
    console.print(t)
    rows = Table(title="Row scores (draft rows matched through O*NET task IDs)", title_justify="left")
    for col in ("Final row", "Kind", "Draft row(s)", "Time", "Score", "Δ"):
        rows.add_column(col, justify="right" if col in ("Time", "Score", "Δ") else "left")
    for r in d.rows:
        time_ = f"{_num(r.time_before)} → {_num(r.time_after)}"
        score_ = f"{_num(r.score_before)} → {_num(r.score_after)}"
        delta = "" if r.delta is None else f"{r.delta:+g}"
        rows.add_row(_short(r.final_row, 40), r.kind, _short(" + ".join(r.draft_rows), 50), time_, score_, delta)
    console.print(rows)
    zone = f"[{ZONE_STYLE[d.zone_before.value]}]{d.zone_before.value}[/] → [{ZONE_STYLE[d.zone_after.value]}]{d.zone_after.value}[/]"
    moved = " [bold]zone changed[/]" if d.zone_changed else ""
    console.print(
        f"Composite {d.score_before} → {d.score_after} ({d.score_delta:+.1f}); zone {zone}{moved}; "
        f"sub-label {escape(d.sub_label_before)} → {escape(d.sub_label_after)}"
    )


def _num(v) -> str:
    if v is None:
        return "—"
    return f"{v:g}" if isinstance(v, float) else str(v)


def print_summary(console: Console, s: Summary, limit: int = 25) -> None:
    console.print(
        f"{s.pairs} draft/final pair(s); zone changed in {s.zone_changed}"
        + (f" ({s.zone_change_rate:.0%})" if s.zone_change_rate is not None else "")
        + (f": {', '.join(f'{k} ×{v}' for k, v in s.zone_transitions.items())}" if s.zone_transitions else "")
        + (f"; composite mean |Δ| {s.composite_mean_abs_delta}" if s.composite_mean_abs_delta is not None else "")
    )
    rs = s.row_scores
    if rs["rows"]:
        console.print(f"Row scores: {rs['changed']} of {rs['rows']} rows changed, mean |Δ| {rs['mean_abs_delta']}")
    steps = Table(
        title="Changes by the prompt that wrote the draft's value (improve the top one first)", title_justify="left"
    )
    for col in ("Step", "Changes", "Roles", "By prompt version"):
        steps.add_column(col, justify="right" if col in ("Changes", "Roles") else "left")
    for st in s.steps:
        steps.add_row(
            st.step,
            str(st.changes),
            f"{st.roles_changed}/{s.pairs}",
            escape(", ".join(f"{k} ×{v}" for k, v in st.prompt_versions.items())),
        )
    console.print(steps)
    t = Table(title="Fields assessors change most", title_justify="left")
    for col in ("Field", "Step", "Changed", "Of", "Rate", "Mean |Δ|"):
        t.add_column(col, justify="left" if col in ("Field", "Step") else "right")
    for f in s.fields[:limit]:
        if not f.changed:
            continue
        t.add_row(escape(f.field), f.step or "", str(f.changed), str(f.instances), f"{f.change_rate:.0%}",
                  "" if f.mean_abs_delta is None else f"{f.mean_abs_delta:.3f}")  # fmt: skip
    console.print(t)
    for what, items in (
        ("unpaired drafts", s.unpaired_drafts),
        ("unpaired finals", s.unpaired_finals),
        ("unreadable", s.unreadable),
    ):
        if items:
            console.print(
                f"[yellow]{len(items)} {what}:[/] {escape(', '.join(items[:10]))}{' …' if len(items) > 10 else ''}",
                soft_wrap=True,
            )


PORTFOLIO_COLUMNS = (
    "Code",
    "Title",
    "TR",
    "Ev·Ba·Gr",
    "Score",
    "Zone",
    "Sub-label",
    "Interval",
    "Pend.",
    "Review",
    "By",
)


def print_portfolio(console: Console, rows: list[PortfolioRow], title: str, limit: int | None = None) -> None:
    t = Table(title=title, title_justify="left")
    for col in PORTFOLIO_COLUMNS:
        t.add_column(col, justify="right" if col in ("TR", "Score", "Pend.", "Review") else "left")
    for r in rows[:limit] if limit else rows:
        style = ZONE_STYLE[r.final_zone.value]
        modifiers = f"{r.evidence_modifier:.2f}·{r.barrier_modifier:.2f}·{r.growth_modifier:.2f}"
        t.add_row(
            r.code or "", _short(r.title, 36), f"{r.task_resistance:.2f}", modifiers, f"{r.score:.1f}",
            f"[{style}]{r.final_zone.value}[/]", escape(r.sub_label), r.interval, str(r.provisional or ""),
            str(r.review_first or ""), escape(r.drafted_by),
        )  # fmt: skip
    console.print(t)


def print_accepted(console: Console, acc: Accepted, d: Diff) -> None:
    if not acc.new:
        console.print(
            f"already recorded: #{acc.id} by {escape(acc.who)} at {acc.when} (the same draft and final); nothing new written"
        )
        return
    console.print(
        f"recorded #{acc.id}: {escape(acc.final_path)} accepted against {escape(acc.draft_path)} by {escape(acc.who)} at {acc.when}; "
        f"{acc.changes} field change(s), composite {acc.score_before} → {acc.score_after}, zone {acc.zone_before} → {acc.zone_after}"
    )
