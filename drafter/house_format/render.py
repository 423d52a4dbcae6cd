"""Assessment -> house-format Markdown, in the seed's section order and table layout.

Every figure the house format prints is produced by ``derived()`` from the scorecard, never from the
assessment's own claims; the importer compares a document's written figures against the same function,
which is what makes its consistency report exact.
"""

from __future__ import annotations

import json
from decimal import Decimal

from ..assessment import AWAITING_INPUT, BARRIER_NAMES, EVIDENCE_NAMES, PRINCIPLE_NAMES, Assessment
from ..methodology import Methodology, load_methodology
from ..scoring import ScoreCard, score

AWAITING = AWAITING_INPUT
METADATA_TAG = "drafter:metadata"
REFRAMED_QUESTION = "Reframed question: What prevents AI execution even when programmatically possible?"

HEADINGS = (
    "Role Definition",
    "Protective Principles + AI Growth Correlation",
    "Task Decomposition (Agentic AI Scoring)",
    "Evidence Score",
    "Barrier Assessment",
    "AI Growth Correlation Check",
    "JobZone Composite Score (AIJRI)",
    "Sub-Label Determination",
    "Assessor Commentary",
)
COMMENTARY_HEADINGS = (
    "Score vs Reality Check",
    "What the Numbers Don't Capture",
    "Who Should Worry (and Who Shouldn't)",
    "What This Means",
)
_NUMBER_WORDS = {0: "none", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def row(*cells: object) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def score_cell(v: int | None) -> str:
    return AWAITING if v is None else str(v)


def _plain(d: Decimal) -> str:
    return str(d.normalize()) if d == d.to_integral() else str(d)


def _pending_suffix(n: int) -> str:
    return f" (provisional: {n} awaiting input)" if n else ""


def derived(a: Assessment, card: ScoreCard, m: Methodology) -> dict[str, str]:
    """Every printed figure or generated line, keyed by where it stands in the house format."""
    pend = card.pending
    n_prot = sum(p.startswith("protective_principles.") for p in pend)
    n_ev = sum(p.startswith("evidence.") for p in pend)
    n_bar = sum(p.startswith("barriers.") for p in pend)
    out: dict[str, str] = {}
    out["protective_total"] = f"{card.protective_total}/9{_pending_suffix(n_prot)}"
    out["quick_screen"] = (
        f"Quick screen result: Protective {card.protective_total}/9 AND Correlation "
        f"{card.growth_correlation} → {card.quick_screen}."
    )
    for i, r in enumerate(a.tasks):
        out[f"weighted[{i}]"] = str((Decimal(r.time_pct) * r.score / 100).quantize(Decimal("0.01")))
    out["time_total"] = f"{sum(r.time_pct for r in a.tasks)}%"
    out["weighted_total"] = card.weighted_total.shown
    out["task_resistance_line"] = (
        f"Task Resistance Score: {m.ceiling} - {card.weighted_total.shown} = {card.task_resistance.shown}/5.0"
    )
    out["split_line"] = (
        f"Displacement/Augmentation split: {card.displacement_pct}% displacement, "
        f"{card.augmentation_pct}% augmentation, {card.not_involved_pct}% not involved."
    )
    out["evidence_total"] = f"{card.evidence_total}{_pending_suffix(n_ev)}"
    out["barrier_total"] = f"{card.barrier_total}/10{_pending_suffix(n_bar)}"
    out["tr_input"] = f"{card.task_resistance.shown}/5.0"
    for key in ("evidence_modifier", "barrier_modifier", "growth_modifier"):
        fig = getattr(card, key)
        out[key] = f"{fig.formula} = {fig.shown}"
    out["raw_line"] = f"Raw: {card.raw.formula} = {card.raw.shown}"
    out["score_line"] = f"JobZone Score: {card.score.formula} = {card.score.shown}/100" + (
        " (provisional: " + ", ".join(pend) + " awaiting input)" if pend else ""
    )
    # the seed prints whole-number bands as "Yellow 25-47"
    yellow_top = int(m.green_min) - 1 if m.green_min == m.green_min.to_integral() else _plain(m.green_min)
    out["zone_line"] = (
        f"Zone: {card.zone.value.upper()} (Green ≥{_plain(m.green_min)}, Yellow {_plain(m.yellow_min)}-{yellow_top}, "
        f"Red <{_plain(m.yellow_min)})"
    )
    out["pct_high"] = f"{card.pct_time_high}%"
    out["growth_metric"] = str(card.growth_correlation)
    by_name = {c.name: c.shown for c in card.sub_label_criteria}
    out["crit_task_resistance"] = by_name.get("Task Resistance", card.task_resistance.shown)
    out["crit_evidence"] = by_name.get("Evidence", str(card.evidence_total))
    out["crit_barriers"] = by_name.get("Barriers", str(card.barrier_total))
    out["sub_label"] = sub_label_sentence(card)
    return out


def sub_label_sentence(card: ScoreCard) -> str:
    crit = card.sub_label_criteria
    if not crit:
        return card.sub_label
    met = [c for c in crit if c.met]
    unmet = [c for c in crit if not c.met]
    rule_name = card.sub_label.split(" — ", 1)[1] if " — " in card.sub_label else "Imminent"

    def phrase(c, lower: bool) -> str:
        name = c.name.lower() if lower else c.name
        return f"{name} {c.shown.split('(', 1)[1].rstrip(')')}"

    n = _NUMBER_WORDS.get(len(met), str(len(met)))
    total = _NUMBER_WORDS.get(len(crit), str(len(crit)))
    if not unmet:
        return f"{card.sub_label} — all {total} {rule_name} criteria met ({', '.join(phrase(c, True) for c in met)})."
    text = f"{card.sub_label} — only {n} of {total} {rule_name} criteria met"
    text += f" ({', '.join(phrase(c, True) for c in met)})." if met else "."
    verb = "prevents" if len(unmet) == 1 else "prevent"
    text += f" {' and '.join(phrase(c, False) for c in unmet)} {verb} {rule_name} classification."
    return text


SOURCE_NOTE = {
    "assessor": "[source: assessor]",
    "notes": "[source: assessor's notes]",
    "model": "[source: model recall, verify]",
}


def evidence_cell(item) -> str:
    """Evidence text, followed by where it came from, so a reviewer of the Markdown knows what to verify."""
    if item.source is None:
        return item.evidence
    return f"{item.evidence} {SOURCE_NOTE[item.source.value]}"


def override_line(a: Assessment) -> str:
    o = a.assessor_override
    if o.zone is None:
        return "Assessor override: None — formula score accepted." + (f" {o.note}" if o.note else "")
    return f"Assessor override: {o.zone.value.upper()} — {o.note}"


def metadata(a: Assessment) -> dict:
    """What the house format has no visible place for, carried in an HTML comment for a lossless round trip."""
    return {
        "schema_version": a.schema_version,
        "provenance": a.provenance.model_dump(mode="json", exclude_defaults=True),
        "onet_task_ids": {r.task: r.onet_task_ids for r in a.tasks if r.onet_task_ids},
        "unmapped_onet_tasks": {str(k): v for k, v in a.unmapped_onet_tasks.items()},
    }


def render_markdown(
    a: Assessment, m: Methodology | None = None, *, headings: bool = True, card: ScoreCard | None = None
) -> str:
    """The house format. ``headings=False`` prints section titles as plain lines, as the seed does; ``card`` is
    the assessment's scorecard under ``m`` when the caller has it (a draft carries one), so it is not computed twice."""
    m = m or load_methodology()
    card = card or score(a, m)
    d = derived(a, card, m)
    h2 = "## " if headings else ""
    h3 = "### " if headings else ""
    out: list[str] = []

    def block(*lines: str) -> None:
        out.extend(lines)
        out.append("")

    r = a.role
    title = f"{r.job_title} (BLS SOC {r.soc_code})" if r.soc_code else r.job_title
    block(h2 + HEADINGS[0])
    block(
        row("Field", "Value"),
        "|---|---|",
        row("Job Title", title),
        row("Seniority Level", r.seniority_level),
        row("Primary Function", r.primary_function),
        row("What This Role Is NOT", r.what_this_role_is_not),
        row("Typical Experience", r.typical_experience),
    )
    if r.seniority_note:
        block(f"Seniority note: {r.seniority_note}")

    block(h2 + HEADINGS[1])
    pp = a.protective_principles
    block(
        row("Principle", "Score (0-3)", "Rationale"),
        "|---|---|---|",
        *(row(PRINCIPLE_NAMES[k], score_cell(v.score), v.rationale) for k, v in pp),
        "| Protective Total | " + cell(d["protective_total"]) + " | |",
        row("AI Growth Correlation", score_cell(a.growth.score), a.growth.rationale),
    )
    block(d["quick_screen"])

    block(h2 + HEADINGS[2])
    block(
        row("Task", "Time %", "Score (1-5)", "Weighted", "Aug/Disp", "Rationale"),
        "|---|---|---|---|---|---|",
        *(
            row(t.task, f"{t.time_pct}%", t.score, d[f"weighted[{i}]"], t.label.value, t.rationale)
            for i, t in enumerate(a.tasks)
        ),
        row("Total", d["time_total"], d["weighted_total"]),
    )
    block(d["task_resistance_line"])
    block(d["split_line"])
    if a.reinstatement_check:
        block(f"Reinstatement check (Acemoglu): {a.reinstatement_check}")

    block(h2 + HEADINGS[3])
    block(
        row("Dimension", "Score (-2 to 2)", "Evidence"),
        "|---|---|---|",
        *(row(EVIDENCE_NAMES[k], score_cell(v.score), evidence_cell(v)) for k, v in a.evidence),
        row("Total", d["evidence_total"]),
    )

    block(h2 + HEADINGS[4])
    block(REFRAMED_QUESTION)
    block(
        row("Barrier", "Score (0-2)", "Rationale"),
        "|---|---|---|",
        *(row(BARRIER_NAMES[k], score_cell(v.score), v.rationale) for k, v in a.barriers),
        row("Total", d["barrier_total"]),
    )

    block(h2 + HEADINGS[5])
    block(a.growth.check or AWAITING)

    block(h2 + HEADINGS[6])
    block(
        row("Input", "Value"),
        "|---|---|",
        row("Task Resistance Score", d["tr_input"]),
        row("Evidence Modifier", d["evidence_modifier"]),
        row("Barrier Modifier", d["barrier_modifier"]),
        row("Growth Modifier", d["growth_modifier"]),
    )
    block(d["raw_line"])
    block(d["score_line"])
    block(d["zone_line"])

    block(h2 + HEADINGS[7])
    block(
        row("Metric", "Value"),
        "|---|---|",
        row(f"% of task time scoring {m.high_score_threshold}+", d["pct_high"]),
        row("AI Growth Correlation", d["growth_metric"]),
        row("Task Resistance", d["crit_task_resistance"]),
        row("Evidence Score", d["crit_evidence"]),
        row("Barriers", d["crit_barriers"]),
        row("Sub-label", d["sub_label"]),
    )
    block(override_line(a))

    block(h2 + HEADINGS[8])
    for sec in a.commentary:
        block(h3 + sec.heading)
        for line in sec.body.splitlines():
            if line.strip():
                block(line)

    meta = json.dumps(metadata(a), ensure_ascii=False, sort_keys=True).replace(">", "\\u003e")
    block(f"<!-- {METADATA_TAG} {meta} -->")
    text = "\n".join(out).rstrip("\n") + "\n"
    if not headings:
        # the seed's own layout: no blank lines, no metadata
        text = "\n".join(line for line in text.splitlines() if line and not line.startswith("<!--")) + "\n"
    return text
