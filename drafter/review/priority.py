"""Review first: what the assessor should check first in a draft, ranked.

Each task score and role-level input gets a priority

    priority = leverage × (1 + uncertainty) × flip

- **leverage**: how far one step of the input moves the composite (from the sensitivity analysis); for a
  task row this is proportional to its time share, so long rows weigh more.
- **uncertainty** (in steps of the input's scale): the range of values the samples or models gave (max - min);
  the whole scale for an input awaiting assessor input; at least 1 for evidence the model recalled (to verify)
  and for an input the offline default borrowed from a similar scored role (to confirm).
- **flip**: 3 when a value inside that uncertainty changes the zone (the samples straddle a boundary, or the
  input awaits input and can decide the zone), 2 when one step changes the zone, 1.5 when the sub-label changes
  within the uncertainty or one step, else 1.

An input is listed when there is something to check: a spread, a pending value, model-recalled evidence, or a
zone or sub-label flip within one step. Inputs with no leverage (protective principles only feed the quick
screen) are listed only when awaiting input, with a small floor so they still rank.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..assessment import Assessment, EvidenceSource
from ..methodology import Methodology, load_methodology
from ..scoring import ScoreCard, score
from ..sensitivity import InputSensitivity, Sensitivity, sensitivity

FLIP_INSIDE, FLIP_ONE_STEP, SUB_LABEL, PLAIN = 3.0, 2.0, 1.5, 1.0
LEVERAGE_FLOOR = 0.1


class ReviewItem(BaseModel):
    path: str
    name: str
    priority: float
    value: int | None
    uncertainty: int
    reasons: list[str]


class ReviewFirst(BaseModel):
    items: list[ReviewItem]
    headline: list[str]  # the draft-level facts: interval across a boundary, pending count, nearest boundary

    @property
    def count(self) -> int:
        return len(self.items)


def _spreads(a: Assessment) -> dict[str, list[int]]:
    """Values per input path across the samples (empty when the draft is a single sample)."""
    u = a.uncertainty
    if u is None:
        return {}
    out = {s.path: [v for v in s.values if v is not None] for s in u.inputs}
    by_name = {r.task: r for r in u.rows}
    for i, row in enumerate(a.tasks):
        spread = by_name.get(row.task)
        if spread is not None:
            out[f"tasks[{i}].score"] = [v for v in spread.scores if v is not None]
    return out


def _item(a: Assessment, s: InputSensitivity, values: list[int], borrowed: set[str]) -> ReviewItem | None:
    reasons = []
    current = s.counted_as
    lo, hi = (min(values), max(values)) if values else (current, current)
    uncertainty = hi - lo
    if uncertainty:
        who = "samples" if a.uncertainty and len({x.model for x in a.uncertainty.samples}) == 1 else "samples/models"
        reasons.append(f"{who} disagree: {lo}–{hi}")
    if s.value is None:
        lo, hi, uncertainty = s.lo, s.hi, s.hi - s.lo
        reasons.append("awaiting assessor input")
    if s.path.startswith("evidence."):
        item = getattr(a.evidence, s.path.split(".")[1])
        if item.source == EvidenceSource.MODEL and item.score is not None:
            uncertainty = max(uncertainty, 1)
            lo, hi = min(lo, current - 1), max(hi, current + 1)
            reasons.append("evidence recalled by the model: verify")
    key = s.path.removesuffix(".score")
    if key in borrowed and s.value is not None:
        uncertainty = max(uncertainty, 1)
        lo, hi = min(lo, current - 1), max(hi, current + 1)
        roles = ", ".join(a.provenance.priors.get(key, [])) or "a similar scored role"
        reasons.append(f"borrowed from {roles}: confirm")
    flip = PLAIN
    zf, sf = s.zone_flip, s.sub_label_flip
    if zf is not None and uncertainty and lo <= zf.after <= hi:
        flip = FLIP_INSIDE
        reasons.append(f"can flip the zone: {zf.describe()}")
    elif zf is not None and abs(zf.after - current) == 1:
        flip = FLIP_ONE_STEP
        reasons.append(f"one step flips the zone: {zf.describe()}")
    elif sf is not None and (abs(sf.after - current) == 1 or (uncertainty and lo <= sf.after <= hi)):
        flip = SUB_LABEL
        reasons.append(f"can change the sub-label: {sf.describe('sub_label')}")
    if not reasons:
        return None
    leverage = s.step_effect if s.step_effect else (LEVERAGE_FLOOR if s.value is None else 0.0)
    if leverage == 0.0:
        return None
    return ReviewItem(
        path=s.path, name=s.name, priority=round(leverage * (1 + uncertainty) * flip, 2), value=s.value,
        uncertainty=uncertainty, reasons=reasons,
    )  # fmt: skip


def review_first(
    a: Assessment, m: Methodology | None = None, sens: Sensitivity | None = None, card: ScoreCard | None = None
) -> ReviewFirst:
    m = m or load_methodology()
    card = card or score(a, m)
    sens = sens or sensitivity(a, m, card)
    spreads = _spreads(a)
    borrowed = set(card.priors)
    items = [it for s in sens.inputs if (it := _item(a, s, spreads.get(s.path, []), borrowed)) is not None]
    items.sort(key=lambda it: (-it.priority, it.path))
    headline = []
    u = a.uncertainty
    if u is not None:
        c = u.composite
        shares = ", ".join(f"{share:.0%} {z.value}" for z, share in c.zone_shares.items() if share)
        split = " — the samples disagree on the zone" if sum(1 for v in c.zone_shares.values() if v) > 1 else ""
        headline.append(
            f"{len(u.samples)} samples: composite {c.low:.1f}–{c.high:.1f} (median {c.median:.1f}); {shares}{split}"
        )
    headline.append(sens.boundary_line())
    if card.pending:
        headline.append(f"{len(card.pending)} input(s) awaiting assessor input (counted as neutral)")
    if card.priors:
        headline.append(f"{len(card.priors)} input(s) borrowed from similar scored roles, to confirm")
    return ReviewFirst(items=items, headline=headline)
