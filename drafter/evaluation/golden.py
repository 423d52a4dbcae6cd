"""The golden set: full human-scored assessments and composite-only reference points, validated on load."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..assessment import SOC_PATTERN, Assessment, Zone
from ..errors import DrafterError, format_validation_error
from ..files import assessment_from_json, read_text
from ..methodology import load_methodology
from ..resources import golden_dir
from ..scoring import zone_for

REFERENCE_FILE = "reference_points.json"


class ReferencePoint(BaseModel):
    """A role known only by its published composite (and whatever figures the source states)."""

    model_config = ConfigDict(extra="forbid")
    title: str
    onet_code: str | None = Field(default=None, pattern=SOC_PATTERN)
    score: float = Field(ge=0, le=100)
    zone: Zone
    task_resistance: float | None = Field(default=None, ge=1, le=5)
    barrier_total: int | None = Field(default=None, ge=0, le=10)

    @model_validator(mode="after")
    def _zone_matches_score(self) -> ReferencePoint:
        from decimal import Decimal

        expected = zone_for(Decimal(str(self.score)), load_methodology())
        if expected != self.zone:
            raise ValueError(f"score {self.score} is in zone {expected.value}, not {self.zone.value}")
        return self


class ReferencePoints(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    points: list[ReferencePoint]


def load_golden_roles(directory: Path | None = None) -> dict[str, Assessment]:
    """Full golden assessments keyed by O*NET code (or job title when the role has none)."""
    directory = directory or golden_dir()
    roles: dict[str, Assessment] = {}
    for path in sorted(directory.glob("*.json")):
        if path.name == REFERENCE_FILE:
            continue
        a = assessment_from_json(read_text(path), str(path))
        key = a.provenance.onet_code or a.role.job_title
        if key in roles:
            raise DrafterError(f"{path}: a second golden role for {key}")
        roles[key] = a
    return roles


def load_reference_points(directory: Path | None = None) -> ReferencePoints:
    path = (directory or golden_dir()) / REFERENCE_FILE
    try:
        return ReferencePoints.model_validate_json(read_text(path))
    except ValidationError as e:
        raise DrafterError(format_validation_error(e, str(path))) from None
