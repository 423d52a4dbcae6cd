"""A draft's calibration with its "where to look next" candidates: the one function every LLM path resolves it by.

``calibrate.calibration_for`` ranks the scored roles; the catalog occupations nobody has scored are offered as
moves only when their offline estimate (``offline.draft_offline``, scored) is Green. That estimate lives above
``calibrate`` in the drafting order, so the live drafter, the prompt preview and the Batch API files all call
``draft_calibration`` here rather than pass an estimator each.
"""

from __future__ import annotations

from typing import Any

from ..onet.model import Occupation
from ..scoring import score
from .calibrate import Calibration, Estimator, calibration_for
from .offline import draft_offline

# recorded in an estimate's provenance: another occupation's figures, worked out for a draft's candidates
ESTIMATE_INPUT = {"purpose": "where-to-look-next estimate"}


def offline_estimate(calibration_set: Any, catalog: Any = None) -> Estimator:
    """An occupation's offline AIJRI score and zone, each worked out once per calibration set (a batch asks for
    the same neighbours many times)."""
    cache: dict[str, tuple[float, str]] = calibration_set.estimates

    def estimate(occ: Occupation) -> tuple[float, str]:
        if occ.code not in cache:
            a = draft_offline(occ, catalog=catalog, calibration=calibration_set, extra_inputs=dict(ESTIMATE_INPUT))
            card = score(a)
            cache[occ.code] = (card.score.value, card.final_zone.value)
        return cache[occ.code]

    return estimate


def draft_calibration(occ: Occupation, title: str, calibration_set: Any, catalog: Any = None) -> Calibration:
    """What the prompts of one LLM draft show of the scored roles, and the moves it may name (see the module)."""
    return calibration_for(occ, title, calibration_set, catalog, estimate=offline_estimate(calibration_set, catalog))
