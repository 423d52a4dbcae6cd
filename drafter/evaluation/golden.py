"""The golden set: full human-scored assessments and composite-only reference points, validated on load.

The loaders live in ``drafter.calibration`` (the drafters read the same roles as their calibration set);
they are re-exported here for the evaluation code.
"""

from __future__ import annotations

from pathlib import Path

from ..calibration import REFERENCE_FILE, ReferencePoint, ReferencePoints, load_golden_roles, load_reference_points
from ..methodology import Methodology, load_methodology

__all__ = [
    "REFERENCE_FILE", "ReferencePoint", "ReferencePoints", "derived_from", "load_golden_roles", "load_reference_points",
]  # fmt: skip


def derived_from(golden_dir: Path | None = None, methodology: Methodology | None = None) -> dict[str, list[str]]:
    """Which golden roles any prompt text was derived from, and what: an eval of such a role is partly answered by
    the prompt's own wording (the rubric's ``seed`` levels), so the report says so. The reference points taken from
    a role's text are listed too, with the fact that its own prompts never show them."""
    m = methodology or load_methodology()
    out: dict[str, list[str]] = {}
    if m.rubric is not None and m.rubric.derived_from:
        r = m.rubric
        levels = sum(len(s.levels) + sum(len(d.levels) for d in s.dimensions) for s in r.scales)
        for code in r.derived_from:
            out.setdefault(code, []).append(
                f"rubric wording: {r.seed_levels()} of {levels} levels (basis = seed, methodology {m.id}) in every prompt"
            )
    points = load_reference_points(golden_dir)
    for code in points.derived_from:
        out.setdefault(code, []).append(
            f"reference points: {len(points.points)} figures quoted in its text, never shown in its own prompts"
        )
    return out
