"""An eval run: drafts (made now by a backend, or read from a folder) judged against the golden set.

The run is an ``EvalRun`` (whose JSON is the stored file), so the gate, ``compare`` and the HTML report read
stored runs and fresh ones alike.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean, pstdev
from typing import Any

from ..assessment import Assessment
from ..codes import normalise_onet_code
from ..errors import DrafterError
from ..files import load_assessment
from ..usage import Usage
from .golden import load_golden_roles, load_reference_points
from .metrics import AGGREGATED, RoleResult, aggregate_values, compare_point, compare_role
from .runs import EvalRole, EvalRun, EvalUsage

ROLE_METRICS = (*AGGREGATED, "zone_agreement", "sub_label_agreement")


class Backend:
    """Makes drafts of O*NET occupations for an eval run."""

    name = "backend"

    def draft(self, code: str, sample: int) -> Assessment:
        raise NotImplementedError

    def describe(self) -> dict:
        return {"backend": self.name}

    def usage(self) -> EvalUsage | None:
        return None


class OfflineBackend(Backend):
    """The offline default, calibrated on the golden roles, reference points and the user's scored roles; each
    role drafted is left out of its own calibration by code and title (``drafter.calibration``)."""

    name = "offline"

    def __init__(self, hold_out: bool = False, calibration_dir: Path | None = None):
        from ..calibration import CalibrationSet
        from ..onet.catalog import Catalog

        self.catalog = Catalog.load()
        self.calibration = CalibrationSet.load(calibration_dir)
        self.hold_out = hold_out

    def draft(self, code: str, sample: int) -> Assessment:
        from ..drafting.offline import draft_offline

        occ = self.catalog.get(code)
        return draft_offline(occ, catalog=self.catalog, hold_out=self.hold_out, calibration=self.calibration)

    def describe(self) -> dict:
        from ..drafting.offline import DRAFTER_NAME
        from ..taskmodel.model import shipped_model

        return {
            "backend": "offline",
            "drafter": DRAFTER_NAME,
            "hold_out": self.hold_out,
            "task_model": shipped_model().name,
            "calibration": [f"{r.title} ({r.source})" for r in self.calibration.roles],
        }


class LLMBackend(Backend):
    name = "llm"

    def __init__(self, llm, notes: str | None = None, calibration_dir: Path | None = None):
        """Each role is calibrated on the nearest human-scored roles, never on itself (``drafter.calibration``
        leaves the role out by code and by title), so a golden role is never shown its own assessment."""
        from ..calibration import CalibrationSet
        from ..onet.catalog import Catalog

        self.llm = llm
        self.catalog = Catalog.load()
        self.calibration = CalibrationSet.load(calibration_dir)
        self.notes = notes
        self.requests = self.cache_hits = 0
        self.tokens = Usage()

    def draft(self, code: str, sample: int) -> Assessment:
        from ..drafting.calibrate import calibration_for
        from ..drafting.pipeline import draft_with_llm

        occ = self.catalog.get(code)
        calibration = calibration_for(occ, occ.title, self.calibration, self.catalog)
        a = draft_with_llm(occ, self.llm, notes=self.notes, calibration=calibration).assessment
        for s in a.provenance.steps:
            self.requests += s.requests
            self.cache_hits += s.cache_hits
            self.tokens += s
        return a

    def describe(self) -> dict:
        from ..drafting.prompts import prompt_version

        ep = self.llm.endpoint
        return {
            "backend": "llm",
            "endpoint": ep.name,
            "model": ep.model,
            "base_url": self.llm.public_url,
            "instructor_mode": ep.instructor_mode,
            "temperature": ep.temperature,
            "prompts": [
                prompt_version(n) for n in ("decompose.j2", "score_rows.j2", "role_sections.j2", "commentary.j2")
            ],
            "calibration": [f"{r.title} ({r.source})" for r in self.calibration.roles],
        }

    def usage(self) -> EvalUsage:
        return EvalUsage(requests=self.requests, cache_hits=self.cache_hits, **self.tokens.model_dump(),
                         cost_usd=self.tokens.cost(self.llm.endpoint.prices))  # fmt: skip


def _calibrated_on_itself(drafts: list[Assessment], key: str, title: str) -> str | None:
    """A draft shown the very role it is judged against would flatter the eval: such a role counts as failed."""
    from ..calibration import same_role

    code = key if re.fullmatch(r"\d{2}-\d{4}(\.\d{2})?", key) else None
    for a in drafts:
        for c in a.provenance.calibration:
            if same_role(code, title, c.onet_code, c.title):
                return f"the draft was calibrated on this role itself ({c.title}); it cannot be judged against it"
    return None


def _index_drafts(directory: Path) -> dict[str, list[tuple[Path, Assessment]]]:
    """Drafts in a folder keyed by O*NET code (or by job title for roles without one)."""
    found: dict[str, list[tuple[Path, Assessment]]] = {}
    for path in sorted([*directory.glob("*.json"), *directory.glob("*.md")]):
        a, _ = load_assessment(path)
        keys = []
        if a.provenance.onet_code:
            keys.append(a.provenance.onet_code)
        elif a.role.soc_code:
            keys.append(normalise_onet_code(a.role.soc_code))
        keys.append(a.role.job_title.casefold())
        for k in keys:
            found.setdefault(k, []).append((path, a))
    return found


def run_eval(
    *,
    backend: Backend | None = None,
    drafts_dir: Path | None = None,
    samples: int = 1,
    golden_dir: Path | None = None,
    on_role: Callable[[str, str], None] = lambda key, status: None,
) -> EvalRun:
    if (backend is None) == (drafts_dir is None):
        raise DrafterError("eval needs either drafts to judge (--drafts DIR) or a backend to draft with")
    golden = load_golden_roles(golden_dir)
    points = load_reference_points(golden_dir).points
    drafts = _index_drafts(Path(drafts_dir)) if drafts_dir else {}
    statements = _statements(getattr(backend, "catalog", None))

    roles: list[EvalRole] = []
    skipped: list[str] = []

    def drafts_for(key: str, title: str) -> list[Assessment]:
        if drafts_dir is not None:
            got = drafts.get(key) or drafts.get(title.casefold()) or []
            return [a for _, a in got]  # every draft of a role in the folder counts as a sample
        assert backend is not None
        return [backend.draft(key, s) for s in range(samples)]

    targets: list[tuple[str, str, str, Any]] = [(code, a.role.job_title, "golden", a) for code, a in golden.items()]
    targets += [(p.onet_code or p.title, p.title, "reference", p) for p in points]
    for key, title, kind, truth in targets:
        if drafts_dir is None and kind == "reference" and truth.onet_code is None:
            skipped.append(f"{title}: no O*NET code to draft from (supply a draft with --drafts)")
            on_role(key, "skipped")
            continue
        try:
            made = drafts_for(key, title)
        except DrafterError as e:
            roles.append(EvalRole(key=key, title=title, kind=kind, error=str(e)))
            on_role(key, "failed")
            continue
        if not made:
            skipped.append(f"{title} ({key}): no draft in {drafts_dir}")
            on_role(key, "skipped")
            continue
        if leaked := _calibrated_on_itself(made, key, title):
            roles.append(EvalRole(key=key, title=title, kind=kind, error=leaked))
            on_role(key, "failed")
            continue
        results: list[RoleResult] = []
        for a in made:
            if kind == "golden":
                results.append(compare_role(a, truth, key))
            else:
                results.append(compare_point(a, key, title, truth.score, truth.zone.value))
        for r in results:
            for d in r.disagreements:
                d["statement"] = statements.get(d["task_id"], "")
        metrics, spread = {}, {}
        for name in ROLE_METRICS:
            vals = [v for r in results if (v := _metric(r, name)) is not None]
            if vals:
                metrics[name] = round(mean(vals), 4)
                spread[name] = round(pstdev(vals), 4)
        roles.append(EvalRole(key=key, title=title, kind=kind, samples=results, metrics=metrics, spread=spread))
        on_role(key, "done")

    aggregates = {name: aggregate_values([r.metrics.get(name) for r in roles if not r.error]) for name in ROLE_METRICS}
    config = backend.describe() if backend else {"backend": "drafts", "drafts_dir": str(drafts_dir)}
    config |= {"samples": samples, "golden": sorted(golden), "reference_points": [p.title for p in points]}
    labour = employment_weighted(roles, getattr(backend, "catalog", None))  # issue 15: workers covered, by zone
    return EvalRun(
        run_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6],
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        config=config,
        roles=roles,
        aggregates=aggregates,
        usage=backend.usage() if backend else None,
        skipped=skipped,
        failed=[f"{r.title} ({r.key}): {r.error}" for r in roles if r.error],
        labour=labour,
    )


# --- issue 15: employment-weighted zones of the judged roles (drafted and human), BLS OEWS employment ---
def employment_weighted(roles: list[EvalRole], catalog=None) -> dict:
    """The workers the judged roles cover by zone, for the drafts (each role's most common zone over its samples)
    and for the human scores; a SOC code's workers are split among all the O*NET occupations that share it."""
    from collections import Counter

    from ..labour.tables import LabourTables
    from ..labour.weighting import employment_weighted_zones
    from ..onet.catalog import Catalog

    tables, judged = LabourTables.load(), [r for r in roles if r.samples]
    universe = list((catalog or Catalog.load()).by_code)
    drafted = [(r.key, Counter(s.draft_zone for s in r.samples).most_common(1)[0][0]) for r in judged]
    human = [(r.key, r.samples[0].golden_zone) for r in judged]
    out = {}
    for name, pairs, verb in (("drafted", drafted, "drafted"), ("human", human, "scored")):
        dist = employment_weighted_zones(pairs, tables, universe)
        out[name] = dist.to_json() | {"headline": dist.headline(verb)}
    return out


# --- end issue 15 ---


def _metric(r: RoleResult, name: str) -> float | None:
    if name == "zone_agreement":
        return float(r.zone_agrees)
    if name == "sub_label_agreement":
        return None if r.sub_label_agrees is None else float(r.sub_label_agrees)
    m = getattr(r, name)
    return None if m is None else m.value


def _statements(catalog=None) -> dict[int, str]:
    from ..onet.catalog import Catalog

    catalog = catalog or Catalog.load()  # a drafting backend has loaded it already
    return {t.id: t.statement for o in catalog.by_code.values() for t in o.tasks}
