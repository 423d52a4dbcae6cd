"""The golden set: full human-scored assessments and composite-only reference points, validated on load.

The loaders live in ``drafter.calibration`` (the drafters read the same roles as their calibration set);
they are re-exported here for the evaluation code.
"""

from __future__ import annotations

from ..calibration import REFERENCE_FILE, ReferencePoint, ReferencePoints, load_golden_roles, load_reference_points

__all__ = ["REFERENCE_FILE", "ReferencePoint", "ReferencePoints", "load_golden_roles", "load_reference_points"]
