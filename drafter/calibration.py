"""The calibration set: the human-scored roles drafter knows, and the ones nearest a role being drafted.

Three sources, one record type (``ScoredRole``):

* the golden roles (``evals/golden/*.json``): full human assessments;
* the reference points (``evals/golden/reference_points.json``): roles known only by a published composite
  (and whatever figures the source states, e.g. a task resistance or a barrier total);
* the user's own scored assessments: a folder of house-format Markdown or JSON files (``--calibration DIR`` or
  ``$DRAFTER_CALIBRATION``), plus an optional ``reference_points.json`` of their own. A file with inputs still
  awaiting input or still borrowed from other roles is not a scored assessment and is skipped, with the reason.

``CalibrationSet.nearest`` ranks them by task-text similarity to the role being drafted and never returns the
role itself: not by O*NET code, not by six-digit SOC code, not by title (normalised). The offline drafter
borrows role-level priors from the complete ones; the LLM drafter (issue 11) builds its calibration table and
worked example from the same records. This module sits below drafting and evaluation: it reads O*NET, the
house format and the task model's text features, nothing above them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .assessment import SOC_PATTERN, Assessment, CalibrationRef, Zone
from .codes import normalise_onet_code
from .errors import DrafterError, format_validation_error
from .files import assessment_from_json, read_text
from .methodology import load_methodology
from .resources import golden_dir
from .scoring import score, zone_for

REFERENCE_FILE = "reference_points.json"
CALIBRATION_ENV = "DRAFTER_CALIBRATION"


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
        expected = zone_for(Decimal(str(self.score)), load_methodology())
        if expected != self.zone:
            raise ValueError(f"score {self.score} is in zone {expected.value}, not {self.zone.value}")
        return self


class ReferencePoints(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    # the golden roles whose text these figures were taken from: never shown when drafting those roles
    derived_from: list[str] = Field(default_factory=list)
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


@dataclass(frozen=True)
class ScoredRole:
    """A human-scored role: what issue 11's calibration table and the offline priors read."""

    title: str
    onet_code: str | None
    score: float
    zone: Zone
    complete: bool  # a full assessment (True) or composite-only (False)
    source: str  # "golden", "reference point", or the file it was read from
    task_resistance: float | None = None
    evidence_modifier: float | None = None
    barrier_modifier: float | None = None
    growth_modifier: float | None = None
    assessment: Assessment | None = None  # when complete
    derived_from: tuple[str, ...] = ()  # golden roles (O*NET codes) whose text this role's figures come from

    @classmethod
    def from_assessment(cls, a: Assessment, source: str) -> ScoredRole:
        card = score(a)
        code = a.provenance.onet_code or (normalise_onet_code(a.role.soc_code) if a.role.soc_code else None)
        return cls(
            title=a.role.job_title, onet_code=code, score=card.score.value, zone=card.final_zone, complete=True,
            source=source, task_resistance=card.task_resistance.value, evidence_modifier=card.evidence_modifier.value,
            barrier_modifier=card.barrier_modifier.value, growth_modifier=card.growth_modifier.value, assessment=a,
        )  # fmt: skip

    @classmethod
    def from_point(cls, p: ReferencePoint, source: str, derived_from: list[str] | tuple[str, ...] = ()) -> ScoredRole:
        m = load_methodology()
        barrier = None if p.barrier_total is None else float(1 + p.barrier_total * m.barrier_per_point)
        return cls(p.title, p.onet_code, p.score, p.zone, False, source, p.task_resistance, None, barrier, None,
                   derived_from=tuple(derived_from))  # fmt: skip

    def taken_from(self, onet_code: str | None, title: str) -> bool:
        """Whether this role's figures were taken from the text of the role ``onet_code``/``title``: such a
        role never calibrates that role's draft (its own answers would reach its own prompt)."""
        return any(same_role(code, "", onet_code, title) for code in self.derived_from)


@dataclass(frozen=True)
class CalibrationMatch:
    role: ScoredRole
    similarity: float  # cosine of the two roles' task-statement centroids, 0..1

    def ref(self, lent_priors: bool = False) -> CalibrationRef:
        r = self.role
        return CalibrationRef(title=r.title, onet_code=r.onet_code, source=r.source, similarity=self.similarity,
                              complete=r.complete, lent_priors=lent_priors)  # fmt: skip


def normalised_title(title: str) -> str:
    """Lower case, punctuation out, each word singular: 'Medical Secretaries' == 'medical secretary'."""
    words = re.findall(r"[a-z0-9]+", title.lower())
    return " ".join(_singular(w) for w in words)


def _singular(w: str) -> str:
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def _code_keys(code: str | None) -> set[str]:
    if not code:
        return set()
    try:
        full = normalise_onet_code(code)
    except ValueError:
        return set()
    return {full, full[:7]}  # the O*NET code and its six-digit SOC code


def same_role(code_a: str | None, title_a: str, code_b: str | None, title_b: str) -> bool:
    """The same occupation by O*NET code, by six-digit SOC code, or by normalised title."""
    if _code_keys(code_a) & _code_keys(code_b):
        return True
    return bool(title_a.strip() and title_b.strip()) and normalised_title(title_a) == normalised_title(title_b)


def names_role(text: str, titles: tuple[str, ...]) -> bool:
    """Whether a scored role's text speaks of another role, named by any of ``titles`` (normalised, so "Medical
    Secretary work" names Medical Secretaries): how a calibration role's judgement *of* the role being drafted is
    told apart from its judgement of its own work."""
    words = f" {normalised_title(text)} "
    return any(t.strip() and f" {normalised_title(t)} " in words for t in titles)


@dataclass
class CalibrationSet:
    roles: list[ScoredRole]
    skipped: list[str] = field(default_factory=list)  # user files that are not scored assessments, with why
    _vectors: dict[int, list[dict[int, float]]] = field(default_factory=dict, repr=False)
    _catalog_vectors: dict[str, list[dict[int, float]]] = field(default_factory=dict, repr=False)
    estimates: dict[str, tuple[float, str]] = field(default_factory=dict, repr=False)  # offline, by O*NET code

    @classmethod
    def load(cls, user_dir: Path | None = None, *, golden: Path | None = None, shipped: bool = True) -> CalibrationSet:
        """The shipped golden roles and reference points (unless ``shipped=False``) and the user's folder."""
        roles: list[ScoredRole] = []
        if shipped:
            roles += [ScoredRole.from_assessment(a, "golden") for a in load_golden_roles(golden).values()]
            points = load_reference_points(golden)
            roles += [ScoredRole.from_point(p, "reference point", points.derived_from) for p in points.points]
        skipped: list[str] = []
        if user_dir is not None:
            mine, skipped = load_user_roles(user_dir)
            for r in roles:  # the user's file of a shipped role is the one that counts: one row per role
                if any(same_role(m.onet_code, m.title, r.onet_code, r.title) for m in mine):
                    skipped.append(f"{r.title} ({r.source}): your scored file of the same role is used instead")
            roles = [r for r in roles if not any(same_role(m.onet_code, m.title, r.onet_code, r.title) for m in mine)]
            roles += mine
        return cls(roles, skipped)

    def user_key(self) -> str:
        """A fingerprint of the roles beyond the shipped ones (title, code, score, zone, file): empty when there
        are none. A batch's id includes it, so drafts calibrated on other roles are another batch."""
        mine = sorted(
            (r.title, r.onet_code or "", r.score, r.zone.value, r.source)
            for r in self.roles
            if r.source not in ("golden", "reference point")
        )
        return hashlib.sha256(json.dumps(mine).encode()).hexdigest()[:12] if mine else ""

    def nearest(
        self, *, onet_code: str | None, title: str, statements: list[str], limit: int | None = None, catalog=None
    ) -> list[CalibrationMatch]:
        """Scored roles by similarity to the role (most similar first, ties by title); never the role itself,
        nor a reference point taken from that role's own text (``ScoredRole.taken_from``).

        ``catalog``: where scored roles' O*NET task statements are looked up (default: ``Catalog.load()``).
        """
        from .onet.catalog import Catalog
        from .taskmodel.light import bundled_table

        model = bundled_table()  # the shipped model's vocabulary and idf, without numpy
        mine = [model.statement_vector(s) for s in statements]
        out = []
        for i, r in enumerate(self.roles):
            if same_role(onet_code, title, r.onet_code, r.title) or r.taken_from(onet_code, title):
                continue
            if i not in self._vectors:
                catalog = catalog or Catalog.load()
                self._vectors[i] = [model.statement_vector(s) for s in role_statements(r, catalog)]
            out.append(CalibrationMatch(r, round(role_similarity(mine, self._vectors[i]), 4)))
        out.sort(key=lambda m: (-m.similarity, m.role.title))
        return out[:limit] if limit is not None else out

    def similar_occupations(
        self, *, onet_code: str | None, title: str, statements: list[str], catalog=None, floor: float = 0.0
    ) -> list[tuple[float, object]]:
        """Catalog occupations by task similarity to the role (most similar first, at least ``floor``), without
        the role itself and without the roles this set has scored (those are ranked by ``nearest``): where an
        occupation not yet scored by anyone may still be a move worth naming ("where to look next")."""
        from .onet.catalog import Catalog
        from .taskmodel.light import bundled_table

        catalog = catalog or Catalog.load()
        model = bundled_table()
        if not self._catalog_vectors:
            self._catalog_vectors.update(
                {c: [model.statement_vector(t.statement) for t in o.tasks] for c, o in catalog.by_code.items()}
            )
        mine = [model.statement_vector(s) for s in statements]
        out = []
        for code, occ in catalog.by_code.items():
            scored = any(same_role(r.onet_code, r.title, code, occ.title) for r in self.roles)
            if scored or same_role(onet_code, title, code, occ.title) or code not in self._catalog_vectors:
                continue
            sim = round(role_similarity(mine, self._catalog_vectors[code]), 4)
            if sim >= floor:
                out.append((sim, occ))
        out.sort(key=lambda m: (-m[0], m[1].code))
        return out


def role_statements(r: ScoredRole, catalog) -> list[str]:
    """The texts a scored role is compared by: its O*NET task statements when the catalog knows its code, else
    its rows' task names and primary function, else its title."""
    occ = catalog.by_code.get(normalise_onet_code(r.onet_code)) if r.onet_code else None
    if occ is not None:
        return [t.statement for t in occ.tasks]
    if r.assessment is not None:
        return [row.task for row in r.assessment.tasks] + [r.assessment.role.primary_function]
    return [r.title]


def role_similarity(a: list[dict[int, float]], b: list[dict[int, float]]) -> float:
    """How alike two roles' tasks are: each task's best cosine match among the other role's tasks, averaged
    over each role's tasks, then over the two directions (symmetric, 0..1).

    Why best-match and not the cosine of the two task centroids: centroids share the words every task of a
    field repeats ('patient', 'records'), so a nursing assistant and a medical records specialist look 0.44
    alike by centroid but 0.15 by best match, while a health information technologist stays close (0.47).
    """
    a, b = [v for v in a if v], [v for v in b if v]
    if not a or not b:
        return 0.0
    sims = [[sum(w * y.get(j, 0.0) for j, w in x.items()) for y in b] for x in a]
    best_a = sum(max(row) for row in sims) / len(a)
    best_b = sum(max(col) for col in zip(*sims, strict=True)) / len(b)
    return min(max(0.5 * (best_a + best_b), 0.0), 1.0)


def load_user_roles(directory: Path) -> tuple[list[ScoredRole], list[str]]:
    """A folder of the user's scored assessments (.json / .md / .txt house format) and reference points."""
    from .documents import load_assessment

    directory = Path(directory)
    if not directory.is_dir():
        raise DrafterError(f"{directory}: expected a folder of scored assessments (--calibration / ${CALIBRATION_ENV})")
    roles: list[ScoredRole] = []
    skipped: list[str] = []
    for path in sorted(p for p in directory.iterdir() if p.suffix.lower() in (".json", ".md", ".txt")):
        if path.name == REFERENCE_FILE:
            points = load_reference_points(directory)
            roles += [ScoredRole.from_point(p, str(path), points.derived_from) for p in points.points]
            continue
        try:
            a, _ = load_assessment(path)
        except DrafterError as e:  # a README or notes file beside the assessments: named, not fatal
            skipped.append(f"{path}: not an assessment ({e})")
            continue
        card = score(a)
        if card.pending or card.priors:
            n = len(card.pending) + len(card.priors)
            skipped.append(f"{path}: {n} input(s) awaiting input or borrowed: not a scored assessment")
            continue
        role = ScoredRole.from_assessment(a, str(path))
        if twin := next((r for r in roles if same_role(r.onet_code, r.title, role.onet_code, role.title)), None):
            skipped.append(f"{path}: the same role as {twin.source}, which is used")
            continue
        roles.append(role)
    if not roles:
        skipped.append(f"{directory}: no scored assessments found; only the shipped roles calibrate")
    return roles, skipped


def calibration_dir(option: Path | None) -> Path | None:
    """The user's calibration folder: the command-line option, else ``$DRAFTER_CALIBRATION``, else none."""
    if option is not None:
        return option
    env = os.environ.get(CALIBRATION_ENV, "").strip()
    return Path(env).expanduser() if env else None
