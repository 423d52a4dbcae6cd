"""The deterministic AIJRI scorer: assessment + methodology -> scorecard. Pure: no I/O, no LLM.

Arithmetic is ``Decimal`` with half-up rounding at the places the methodology prints, and each printed
figure is computed from the printed figures before it, so the seed's arithmetic is reproduced exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from .assessment import PRIOR_MARK, Assessment, TaskLabel, Zone
from .methodology import Methodology, load_methodology


class Figure(BaseModel):
    """A computed number, how it is printed, and the arithmetic that produced it."""

    model_config = ConfigDict(frozen=True)
    value: float
    shown: str
    formula: str


class CriterionResult(BaseModel):
    name: str
    met: bool
    shown: str  # e.g. "2.00 (≥ 1.8)"


class ScoreCard(BaseModel):
    methodology: str
    weighted_total: Figure
    task_resistance: Figure
    protective_total: int
    growth_correlation: int
    evidence_total: int
    barrier_total: int
    evidence_modifier: Figure
    barrier_modifier: Figure
    growth_modifier: Figure
    raw: Figure
    score: Figure
    score_unclamped: float
    zone: Zone
    zone_bands: str
    sub_label: str
    sub_label_criteria: list[CriterionResult]
    final_zone: Zone
    overridden: bool
    quick_screen: str
    pct_time_high: int
    displacement_pct: int
    augmentation_pct: int
    not_involved_pct: int
    pending: list[str]
    label_warnings: list[str]
    priors: list[str] = []  # inputs borrowed from similar scored roles, not yet the assessor's own

    @property
    def provisional(self) -> bool:
        return bool(self.pending or self.priors)


def _q(x: Decimal, places: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _fig(x: Decimal, formula: str) -> Figure:
    return Figure(value=float(x), shown=str(x), formula=formula)


def _total(items: dict, pending: list[str], where: str, pending_value: int) -> int:
    total = 0
    for name, item in items.items():
        if item.score is None:
            pending.append(f"{where}.{name}")
            total += pending_value
        else:
            total += item.score
    return total


def section_totals(a: Assessment, m: Methodology) -> tuple[int, int, int, int, list[str]]:
    """Protective, growth, evidence and barrier totals, and the inputs still awaiting assessor input."""
    pending: list[str] = []
    protective = _total(dict(a.protective_principles), pending, "protective_principles", m.pending_value)
    evidence = _total(dict(a.evidence), pending, "evidence", m.pending_value)
    barriers = _total(dict(a.barriers), pending, "barriers", m.pending_value)
    if a.growth.score is None:
        pending.append("growth")
    growth = m.pending_value if a.growth.score is None else a.growth.score
    return protective, growth, evidence, barriers, pending


def input_paths() -> list[str]:
    """Every role-level input's path, in the order the scorer lists pending inputs."""
    from .assessment import Barriers, Evidence, ProtectivePrinciples

    return (
        [f"protective_principles.{n}" for n in ProtectivePrinciples.model_fields]
        + [f"evidence.{n}" for n in Evidence.model_fields]
        + [f"barriers.{n}" for n in Barriers.model_fields]
        + ["growth"]
    )


def borrowed_inputs(a: Assessment) -> list[str]:
    """Inputs the provenance lists as priors whose text still starts with the prior mark."""
    out = []
    for path in input_paths():
        if path not in a.provenance.priors:
            continue
        section, _, name = path.partition(".")
        item = getattr(a, section)
        if name:
            item = getattr(item, name)
        text = getattr(item, "rationale", None) or getattr(item, "evidence", None) or ""
        if item.score is not None and text.startswith(PRIOR_MARK):
            out.append(path)
    return out


def zone_for(score: Decimal, m: Methodology) -> Zone:
    if score >= m.green_min:
        return Zone.GREEN
    if score >= m.yellow_min:
        return Zone.YELLOW
    return Zone.RED


def score(a: Assessment, m: Methodology | None = None) -> ScoreCard:
    m = m or load_methodology()
    p = m.places
    rows = a.tasks

    weighted = _q(sum((Decimal(r.time_pct) * r.score for r in rows), Decimal(0)) / 100, p["weighted"])
    terms = " + ".join(f"{r.time_pct}% × {r.score}" for r in rows)
    tr = _q(m.ceiling - weighted, p["task_resistance"])

    protective, growth, evidence, barriers, pending = section_totals(a, m)

    ev_mod = _q(1 + evidence * m.evidence_per_point, p["modifier"])
    ba_mod = _q(1 + barriers * m.barrier_per_point, p["modifier"])
    gr_mod = _q(1 + growth * m.growth_per_point, p["modifier"])
    raw = _q(tr * ev_mod * ba_mod * gr_mod, p["raw"])
    unclamped, final, formula = _scaled(raw, m)
    zone = zone_for(final, m)

    def pct(pred) -> int:
        return sum(r.time_pct for r in rows if pred(r))

    high = pct(lambda r: r.score >= m.high_score_threshold)
    metrics = {
        "task_resistance": tr,
        "evidence_total": Decimal(evidence),
        "barrier_total": Decimal(barriers),
        "growth_correlation": Decimal(growth),
        "protective_total": Decimal(protective),
        "pct_time_high": Decimal(high),
        "score": final,
    }

    sub_label, criteria = _sub_label(zone, metrics, m)
    override = a.assessor_override.zone
    return ScoreCard(
        methodology=m.id,
        weighted_total=_fig(weighted, terms),
        task_resistance=_fig(tr, f"{m.ceiling} - {weighted}"),
        protective_total=protective,
        growth_correlation=growth,
        evidence_total=evidence,
        barrier_total=barriers,
        evidence_modifier=_fig(ev_mod, f"1.0 + ({evidence} × {m.evidence_per_point})"),
        barrier_modifier=_fig(ba_mod, f"1.0 + ({barriers} × {m.barrier_per_point})"),
        growth_modifier=_fig(gr_mod, f"1.0 + ({growth} × {m.growth_per_point})"),
        raw=_fig(raw, f"{tr} × {ev_mod} × {ba_mod} × {gr_mod}"),
        score=_fig(final, formula),
        score_unclamped=float(unclamped),
        zone=zone,
        zone_bands=f"Green ≥ {m.green_min}, Yellow ≥ {m.yellow_min}, Red below (on the printed score)",
        sub_label=sub_label,
        sub_label_criteria=criteria,
        final_zone=override or zone,
        overridden=override is not None and override != zone,
        quick_screen=_quick_screen(pending, metrics, m),
        pct_time_high=high,
        displacement_pct=pct(lambda r: r.label is TaskLabel.DISPLACEMENT),
        augmentation_pct=pct(lambda r: r.label is TaskLabel.AUGMENTATION),
        not_involved_pct=pct(lambda r: r.label is TaskLabel.NOT_INVOLVED),
        pending=pending,
        label_warnings=_label_warnings(a, m),
        priors=borrowed_inputs(a),
    )


def _scaled(raw: Decimal, m: Methodology) -> tuple[Decimal, Decimal, str]:
    """The raw product on the 0-100 scale, unclamped and clamped, and the formula that shows it."""
    unclamped = _q((raw - m.offset) / m.scale * 100, m.places["score"])
    final = min(max(unclamped, m.score_floor), m.score_cap)
    formula = f"({raw} - {m.offset}) / {m.scale} × 100"
    if final != unclamped:
        formula += f" = {unclamped}, clamped to {final}"
    return unclamped, final, formula


def _sub_label(zone: Zone, metrics: dict[str, Decimal], m: Methodology) -> tuple[str, list[CriterionResult]]:
    """The zone's first sub-label whose criteria all hold, with them (else the zone, with its first rule's)."""
    sub_label, criteria = zone.value, list[CriterionResult]()
    for rule in (r for r in m.sub_labels if r.zone == zone.value):
        results = [
            CriterionResult(name=c.name or c.metric, met=c.holds(metrics), shown=_criterion_shown(c, metrics))
            for c in rule.criteria
        ]
        if not criteria:
            criteria = results
        if all(r.met for r in results):
            return f"{zone.value} — {rule.result}", results
    return sub_label, criteria


def _quick_screen(pending: list[str], metrics: dict[str, Decimal], m: Methodology) -> str:
    """The quick screen's verdict; awaiting input while growth or a protective principle is unscored."""
    if any(p == "growth" or p.startswith("protective_principles.") for p in pending):
        return "Awaiting assessor input"
    rules = m.quick_screen
    return next((r.result for r in rules if all(c.holds(metrics) for c in r.criteria)), m.quick_screen_default)


def _label_warnings(a: Assessment, m: Methodology) -> list[str]:
    """Rows whose label the methodology does not allow for their score."""
    return [
        f"tasks[{i}] {r.task!r}: score {r.score} with label {r.label.value}; expected "
        + " or ".join(m.labels_by_score[r.score])
        for i, r in enumerate(a.tasks)
        if m.labels_by_score.get(r.score) and r.label.value not in m.labels_by_score[r.score]
    ]


def _criterion_shown(c, metrics: dict[str, Decimal]) -> str:
    """How the seed prints a criterion: the value, then the side of the threshold it falls on."""
    v = metrics[c.metric]
    met = c.holds(metrics)
    negation = {"<": "≥", "<=": ">", ">": "≤", ">=": "<", "==": "≠"}
    sym = (c.op.replace("<=", "≤").replace(">=", "≥")) if met else negation[c.op]
    shown_value = str(v) if c.metric == "task_resistance" else str(int(v)) if v == v.to_integral() else str(v)
    return f"{shown_value} ({sym} {c.value})"
