"""Zone-flip sensitivity: for each scored input, the smallest change that changes the zone or the sub-label.

Pure, and computed *with* the scorer rather than beside it: every candidate value of every input is scored
by ``drafter.scoring.score`` itself, so the analysis can never disagree with the figures a draft prints
(a property test checks exactly that). The inputs are small integer scales (task scores 1-5, evidence
-2..+2, ...), so trying every value is exact and cheap: about a hundred scorecards for a typical role.

A task row's time share is not varied: changing one share means changing another, and the review-first
list already weighs rows by their share. An input awaiting assessor input counts as neutral in the scorer;
here its "current" value is that neutral value and every value on its scale is a candidate.
"""

from __future__ import annotations

import threading
from decimal import Decimal

from pydantic import BaseModel

from .assessment import Assessment, Zone
from .inputs import Input, all_inputs, role_values, with_value
from .methodology import Methodology, load_methodology
from .scoring import ScoreCard, score


class Flip(BaseModel):
    """Setting ``path`` from ``before`` to ``after`` moves the score and changes the zone (or the sub-label)."""

    path: str
    name: str
    before: int | None  # None: awaiting input
    after: int
    score_before: str
    score_after: str
    zone_after: Zone
    sub_label_after: str

    @property
    def step(self) -> int:
        return self.after - (self.before if self.before is not None else 0)

    def describe(self, what: str = "zone") -> str:
        """e.g. 'row 2 "EHR data abstraction & entry" score 5 → 3 moves 15.1 to 25.3: Yellow'."""
        before = "awaiting input" if self.before is None else str(self.before)
        result = self.zone_after.value if what == "zone" else self.sub_label_after
        return f"{self.name} score {before} → {self.after} moves {self.score_before} to {self.score_after}: {result}"


class InputSensitivity(BaseModel):
    path: str
    name: str
    kind: str
    value: int | None
    counted_as: int  # the value the scorer used (the neutral value for an input awaiting input)
    lo: int
    hi: int
    time_pct: int | None = None
    step_effect: float  # largest |score change| from a one-step change of this input (its leverage)
    zone_flip: Flip | None  # smallest change that changes the zone, ties: the lower value
    sub_label_flip: Flip | None  # smallest change that keeps the zone but changes the sub-label


class Sensitivity(BaseModel):
    score: str
    zone: Zone
    sub_label: str
    nearest_boundary: str  # e.g. "Yellow ≥ 25.0"
    boundary_distance: float  # |printed score - that boundary|
    inputs: list[InputSensitivity]
    awaiting_range: AwaitingRange | None = None  # the composite over the awaiting inputs' scales (none await: None)

    def flips(self) -> list[InputSensitivity]:
        """Inputs that can flip the zone, smallest change first."""
        have = [i for i in self.inputs if i.zone_flip is not None]
        return sorted(have, key=lambda i: (abs(i.zone_flip.step), i.path))  # type: ignore[union-attr]

    def boundary_line(self) -> str:
        side = "below" if Decimal(self.score) < Decimal(self.nearest_boundary.split("≥ ")[1]) else "above"
        return f"{self.score} is {self.boundary_distance:.1f} {side} the {self.nearest_boundary} boundary"


def boundaries(m: Methodology) -> list[tuple[str, Decimal]]:
    return [(f"Yellow ≥ {m.yellow_min}", m.yellow_min), (f"Green ≥ {m.green_min}", m.green_min)]


def nearest_boundary(printed: Decimal, m: Methodology) -> tuple[str, Decimal]:
    """The zone boundary closest to a printed score, and the distance to it (ties: the lower boundary)."""
    name, b = min(boundaries(m), key=lambda nb: (abs(printed - nb[1]), nb[1]))
    return name, abs(printed - b)


def _flip(inp: Input, after: int, base: ScoreCard, card: ScoreCard) -> Flip:
    return Flip(
        path=inp.path, name=inp.name, before=inp.value, after=after, score_before=base.score.shown,
        score_after=card.score.shown, zone_after=card.zone, sub_label_after=card.sub_label,
    )  # fmt: skip


class _Scorer:
    """``score`` remembered by the scored values as a multiset of rows (row order cannot change a scorecard,
    a law tested in test_scoring): offline drafts have many rows with equal share and score, so most candidate
    scorecards are computed once."""

    def __init__(self, m: Methodology):
        self.m = m
        self.known: dict[tuple, ScoreCard] = {}

    def __call__(self, a: Assessment) -> ScoreCard:
        key = (
            tuple(sorted((r.time_pct, r.score, r.label.value) for r in a.tasks)),
            role_values(a),
        )
        card = self.known.get(key)
        if card is None:
            card = self.known[key] = score(a, self.m)
        return card


def input_sensitivity(
    a: Assessment, inp: Input, base: ScoreCard, m: Methodology, scorer: _Scorer | None = None
) -> InputSensitivity:
    scorer = scorer or _Scorer(m)
    current = inp.value if inp.value is not None else m.pending_value
    candidates = sorted((v for v in range(inp.lo, inp.hi + 1) if v != inp.value), key=lambda v: (abs(v - current), v))
    zone_flip = sub_flip = None
    step_effect = 0.0
    for v in candidates:
        card = scorer(with_value(a, inp.path, v))
        if abs(v - current) == 1:
            step_effect = max(step_effect, abs(card.score.value - base.score.value))
        if zone_flip is None and card.zone != base.zone:
            zone_flip = _flip(inp, v, base, card)
        if sub_flip is None and card.zone == base.zone and card.sub_label != base.sub_label:
            sub_flip = _flip(inp, v, base, card)
    return InputSensitivity(
        path=inp.path, name=inp.name, kind=inp.kind, value=inp.value, counted_as=current, lo=inp.lo, hi=inp.hi,
        time_pct=inp.time_pct, step_effect=round(step_effect, 1), zone_flip=zone_flip, sub_label_flip=sub_flip,
    )  # fmt: skip


def sensitivity(a: Assessment, m: Methodology | None = None, card: ScoreCard | None = None) -> Sensitivity:
    """Zone-flip sensitivity of every task score and role-level input of ``a``.

    Pure, and the answer for the same assessment (by its JSON) and methodology is remembered for the last few:
    a draft's terminal view and its Markdown both show it, and each costs ~250 scorer runs."""
    m = m or load_methodology()
    key = (id(m), a.model_dump_json(), card.score.shown if card is not None else None)
    with _MEMO_LOCK:  # a batch writes drafts from several threads
        known = _MEMO.get(key)
    if known is not None and known[0] is m:
        return known[1].model_copy(deep=True)  # a copy: a caller may change what it is given
    result = _sensitivity(a, m, card)
    with _MEMO_LOCK:
        while len(_MEMO) >= 8:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = (m, result)  # the methodology is kept alive with its answer, so its id is not reused
    return result.model_copy(deep=True)


_MEMO: dict[tuple[int, str, str | None], tuple[Methodology, Sensitivity]] = {}
_MEMO_LOCK = threading.Lock()


def _sensitivity(a: Assessment, m: Methodology, card: ScoreCard | None) -> Sensitivity:
    base = card or score(a, m)
    scorer = _Scorer(m)
    printed = Decimal(base.score.shown)
    name, distance = nearest_boundary(printed, m)
    return Sensitivity(
        score=base.score.shown,
        zone=base.zone,
        sub_label=base.sub_label,
        nearest_boundary=name,
        boundary_distance=float(distance),
        inputs=[input_sensitivity(a, inp, base, m, scorer) for inp in all_inputs(a)],
        awaiting_range=awaiting_range(a, m, base),
    )


# --- what is unknown: the composite over the awaiting inputs' whole scales --------------------------------------


class AwaitingRange(BaseModel):
    """The composite's range while role-level inputs await assessor input: each end is the score of an actual
    setting of those inputs (``low_settings`` / ``high_settings``, scored by ``drafter.scoring.score``)."""

    awaiting: list[str]  # the inputs' paths (tasks[i].score never awaits)
    score: str  # now, with the awaiting inputs counted as neutral
    low: str
    high: str
    zones: list[Zone]  # every zone the range spans, lowest first
    low_settings: dict[str, int]
    high_settings: dict[str, int]
    method: str  # "corners" (proved monotone) or "grid" (every reachable combination of section totals)

    def line(self) -> str:
        """e.g. '20.1 now; 9.8–52.3 until the 14 awaiting inputs are set (spans Red, Yellow, Green)'."""
        n = len(self.awaiting)
        spans = ", ".join(z.value for z in self.zones)
        what = "spans" if len(self.zones) > 1 else "stays"
        return f"{self.score} now; {self.low}–{self.high} until the {n} awaiting input(s) are set ({what} {spans})"


Sensitivity.model_rebuild()

_SECTION_STEP = {"evidence": "evidence_per_point", "barriers": "barrier_per_point", "growth": "growth_per_point"}


def awaiting_range(a: Assessment, m: Methodology | None = None, card: ScoreCard | None = None) -> AwaitingRange | None:
    """The lowest and highest composite over every setting of the inputs awaiting assessor input (None: none await).

    Why the two corners are exact: the composite depends on the role-level inputs only through the evidence,
    barrier and growth totals (protective principles move only the quick screen and sub-labels); each enters as a
    modifier ``1 + total × per_point`` multiplied into a positive task resistance, and half-up rounding and the
    clamp keep order. So when every modifier stays positive over the whole scales the composite is monotone in
    each input (rising when its per-point step is positive), and the all-low and all-high corners are its minimum
    and maximum. When a methodology lets a modifier reach zero or below, monotonicity fails and every reachable
    combination of the three section totals is scored instead (at most 21 × 11 × 5 for aijri-v1).
    ``card``: ``a``'s scorecard under ``m`` when the caller has it (the "now" end is not scored again).
    """
    m = m or load_methodology()
    awaiting = [i for i in all_inputs(a) if i.value is None]
    if not awaiting:
        return None
    base = card or score(a, m)
    if _monotone(a, m):
        low, high = (_corner(awaiting, m, rising) for rising in (False, True))
        method = "corners"
    else:
        settings = list(_grid(awaiting))
        cards = [(score(_apply(a, s), m).score.value, s) for s in settings]
        low, high = min(cards, key=lambda c: c[0])[1], max(cards, key=lambda c: c[0])[1]
        method = "grid"
    lo_card, hi_card = score(_apply(a, low), m), score(_apply(a, high), m)
    order = [Zone.RED, Zone.YELLOW, Zone.GREEN]
    zones = order[order.index(lo_card.zone) : order.index(hi_card.zone) + 1]
    return AwaitingRange(
        awaiting=[i.path for i in awaiting], score=base.score.shown, low=lo_card.score.shown,
        high=hi_card.score.shown, zones=zones, low_settings=low, high_settings=high, method=method,
    )  # fmt: skip


def _section(inp: Input) -> str:
    return "growth" if inp.kind == "growth" else inp.kind


def _monotone(a: Assessment, m: Methodology) -> bool:
    """Every modifier positive at both ends of its section's reachable totals (so positive throughout)."""
    for section, step in _SECTION_STEP.items():
        per_point = getattr(m, step)
        inputs = [i for i in all_inputs(a) if _section(i) == section]
        fixed = sum(i.value for i in inputs if i.value is not None)
        free = [i for i in inputs if i.value is None]
        for total in (fixed + sum(i.lo for i in free), fixed + sum(i.hi for i in free)):
            if 1 + total * per_point <= 0:
                return False
    return True


def _corner(awaiting: list[Input], m: Methodology, rising: bool) -> dict[str, int]:
    """Each awaiting input at the end of its scale that moves the composite the asked way."""
    out = {}
    for i in awaiting:
        section = _section(i)
        step = getattr(m, _SECTION_STEP[section]) if section in _SECTION_STEP else Decimal(1)
        out[i.path] = i.hi if (step >= 0) == rising else i.lo
    return out


def _grid(awaiting: list[Input]):
    """One setting per reachable combination of the evidence / barrier / growth totals of the awaiting inputs
    (each total filled greedily from the low end); protective principles, which the composite ignores, at 0 or lo."""
    from itertools import product

    by_section: dict[str, list[Input]] = {}
    for i in awaiting:
        by_section.setdefault(_section(i), []).append(i)
    moving = [s for s in _SECTION_STEP if s in by_section]
    spans = [range(sum(i.lo for i in by_section[s]), sum(i.hi for i in by_section[s]) + 1) for s in moving]
    rest = {i.path: max(i.lo, min(0, i.hi)) for s, ins in by_section.items() if s not in moving for i in ins}
    for totals in product(*spans):
        setting = dict(rest)
        for s, total in zip(moving, totals, strict=True):
            left = total - sum(i.lo for i in by_section[s])
            for i in by_section[s]:
                add = min(left, i.hi - i.lo)
                setting[i.path], left = i.lo + add, left - add
        yield setting


def _apply(a: Assessment, setting: dict[str, int]) -> Assessment:
    for path, value in setting.items():
        a = with_value(a, path, value)
    return a
