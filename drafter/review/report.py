"""The review of one assessment, computed once: its scorecard, the samples' spread, the zone-flip sensitivity
and the review-first list.

``drafter review first``, the review under every printed scorecard, ``drafter score --json``, the Markdown's
"Review Notes" and ``drafter.review(...)`` all take it from ``review()``, so they show the same thing and none
of them runs the ~250 scorer calls of the sensitivity analysis a second time.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..assessment import Assessment, Uncertainty
from ..methodology import Methodology, load_methodology
from ..scoring import ScoreCard, score
from ..sensitivity import Sensitivity, sensitivity
from .priority import ReviewFirst, review_first


class Review(BaseModel):
    scorecard: ScoreCard
    uncertainty: Uncertainty | None  # the samples' spread (a sampled draft), else None
    sensitivity: Sensitivity
    review_first: ReviewFirst

    def as_json(self) -> dict[str, Any]:
        """The keys ``drafter score --json`` adds to a scorecard (docs/review.md)."""
        return {
            "uncertainty": self.uncertainty.model_dump(mode="json") if self.uncertainty else None,
            "sensitivity": self.sensitivity.model_dump(mode="json"),
            "review_first": self.review_first.model_dump(mode="json"),
        }


def review(a: Assessment, m: Methodology | None = None, card: ScoreCard | None = None) -> Review:
    """Everything an assessor is shown about where to look in ``a`` (``card``: its scorecard, if scored)."""
    m = m or load_methodology()
    card = card or score(a, m)
    sens = sensitivity(a, m, card)
    rf = review_first(a, m, sens=sens, card=card)
    return Review(scorecard=card, uncertainty=a.uncertainty, sensitivity=sens, review_first=rf)
