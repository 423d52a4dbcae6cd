"""What the role page shows beside the form, computed by the library once per change: pure.

``results(draft, edit)`` scores the edited assessment with the one scorer, runs the review (sensitivity and the
review-first list, ``review.report.review``) and the diff against the draft (``review.diff.diff``), and collects
the errors that block saving: the form's own (``edit.Edit.errors``) and a label the methodology does not allow
for a row's score (the scorer's label warnings, which a saved final must not carry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..assessment import Assessment
from .edit import Edit

MAX_FLIPS = 6
_LABEL_WARNING = re.compile(r"^(tasks\[\d+\]) ")


@dataclass
class Results:
    """Everything the results panel prints. ``card`` is None while the form does not validate."""

    errors: dict[str, str]
    card: Any = None
    flips: list[str] = field(default_factory=list)
    boundary: str = ""
    changes: list[Any] = field(default_factory=list)
    rank: dict[str, int] = field(default_factory=dict)  # path -> place in "check first"
    review_first: list[Any] = field(default_factory=list)
    zone_changed: bool = False
    draft_score: str = ""
    draft_zone: str = ""

    @property
    def ok(self) -> bool:
        return self.card is not None and not self.errors


def results(draft: Assessment, edit: Edit) -> Results:
    """The panel for ``edit`` of ``draft`` (see the module docstring)."""
    from ..review.diff import diff
    from ..review.report import review

    if edit.assessment is None:
        return Results(dict(edit.errors))
    a = edit.assessment
    r = review(a)
    card = r.scorecard
    errors = dict(edit.errors)
    for w in card.label_warnings:
        m = _LABEL_WARNING.match(w)
        errors.setdefault(f"{m.group(1)}.label" if m else "", w.split(": ", 1)[-1])
    d = diff(draft, a, draft_name="draft", final_name="this page", other_role=True)
    flips = [f.zone_flip.describe() for f in r.sensitivity.flips()[:MAX_FLIPS] if f.zone_flip is not None]
    rank = {item.path: n for n, item in enumerate(r.review_first.items, start=1)}
    return Results(
        errors=errors, card=card, flips=flips, boundary=r.sensitivity.boundary_line(), changes=d.changes, rank=rank,
        review_first=r.review_first.items[:8], zone_changed=d.zone_changed, draft_score=d.score_before,
        draft_zone=d.zone_before.value,
    )  # fmt: skip


def observed_use(a: Assessment) -> dict[int, str]:
    """Each O*NET task's observed AI use as the occupation facts state it (dated, sourced), for the rows of the
    role page: the assessor sees beside a row what the model saw beside it while scoring (issue 22). Only tasks
    the index reports; empty for a draft without an O*NET code or one the catalog does not know."""
    from ..errors import DrafterError
    from ..labour.occupation import occupation_facts
    from ..onet.catalog import Catalog

    if not a.provenance.onet_code:
        return {}
    try:
        occ = Catalog.load_one(a.provenance.onet_code)
    except DrafterError:
        return {}
    return {u.task_id: u.line() for u in occupation_facts(occ).observed if u.reported}
