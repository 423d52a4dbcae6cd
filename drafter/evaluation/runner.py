"""An eval run: drafts (made now by a drafter, or read from a folder) judged against the golden set.

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
from ..documents import load_assessment
from ..drafting.base import Draft, Drafter
from ..errors import DrafterError
from ..scoring import score
from .golden import derived_from, load_golden_roles, load_reference_points
from .metrics import AGGREGATED, RoleResult, aggregate_values, compare_point, compare_role
from .runs import EvalRole, EvalRun, EvalUsage

ROLE_METRICS = (*AGGREGATED, "zone_agreement", "sub_label_agreement")


def _calibrated_on_itself(drafts: list[Assessment], key: str, title: str) -> str | None:
    """A draft shown the very role it is judged against would flatter the eval: such a role counts as failed."""
    from ..calibration import same_role

    code = key if re.fullmatch(r"\d{2}-\d{4}(\.\d{2})?", key) else None
    for a in drafts:
        for c in a.provenance.calibration:
            if same_role(code, title, c.onet_code, c.title):
                return f"the draft was calibrated on this role itself ({c.title}); it cannot be judged against it"
    return None


def _index_drafts(
    directory: Path, all_files: bool = False, unreadable: list[str] | None = None
) -> dict[str, list[tuple[Path, Assessment]]]:
    """Drafts in a folder keyed by O*NET code (or by job title for roles without one). A file that is not a
    readable assessment is left out, its one-line reason added to ``unreadable``: one bad file in a folder of
    hundreds must not stop the judging of the rest.

    One file per role unless ``all_files``: the most recently modified, JSON before Markdown on a tie. A
    draft's ``.md`` and ``.json`` are one draft in two formats, and after the review loop (render, edit,
    import) the imported JSON is the newest; averaging it with the stale Markdown would judge the unreviewed
    draft as half of the role."""
    if not directory.is_dir():
        raise DrafterError(f"{directory}: no such folder of drafts")
    found: dict[str, list[tuple[Path, Assessment]]] = {}
    for path in sorted([*directory.glob("*.json"), *directory.glob("*.md")]):
        try:
            a, _ = load_assessment(path)
        except DrafterError as e:
            if unreadable is not None:
                unreadable.append(f"unreadable: {e}")
            continue
        keys = []
        if a.provenance.onet_code:
            keys.append(a.provenance.onet_code)
        elif a.role.soc_code:
            keys.append(normalise_onet_code(a.role.soc_code))
        keys.append(a.role.job_title.casefold())
        for k in keys:
            found.setdefault(k, []).append((path, a))
    if all_files:
        return found
    newest = {
        k: max(got, key=lambda pa: (pa[0].stat().st_mtime_ns, pa[0].suffix == ".json")) for k, got in found.items()
    }
    return {k: [pa] for k, pa in newest.items()}


def run_eval(
    *,
    drafter: Drafter | None = None,
    drafts_dir: Path | None = None,
    samples: int = 1,
    all_files_as_samples: bool = False,
    golden_dir: Path | None = None,
    on_role: Callable[[str, str], None] = lambda key, status: None,
) -> EvalRun:
    """Judge ``samples`` drafts per role made now by ``drafter``, or every draft found in ``drafts_dir``."""
    from ..onet.catalog import Catalog

    if (drafter is None) == (drafts_dir is None):
        raise DrafterError("eval needs either drafts to judge (--drafts DIR) or a drafter to draft with")
    golden = load_golden_roles(golden_dir)
    points = load_reference_points(golden_dir).points
    skipped: list[str] = []
    drafts = _index_drafts(Path(drafts_dir), all_files_as_samples, skipped) if drafts_dir else {}
    catalog = Catalog.load()
    statements = {t.id: t.statement for o in catalog.by_code.values() for t in o.tasks}

    roles: list[EvalRole] = []

    def drafts_for(key: str, title: str) -> list[Draft]:
        if drafts_dir is not None:
            got = drafts.get(key) or drafts.get(title.casefold()) or []
            return [Draft(a, score(a)) for _, a in got]  # one file per role unless all_files_as_samples
        assert drafter is not None
        return [drafter.draft(catalog.get(key)) for _ in range(samples)]

    targets: list[tuple[str, str, str, Any]] = [(code, a.role.job_title, "golden", a) for code, a in golden.items()]
    targets += [(p.onet_code or p.title, p.title, "reference", p) for p in points]
    for key, title, kind, truth in targets:
        if drafts_dir is None and kind == "reference" and truth.onet_code is None:
            role, skip = None, f"{title}: no O*NET code to draft from (supply a draft with --drafts)"
        else:
            role = _eval_role(key, title, kind, truth, drafts_for, statements)
            skip = f"{title} ({key}): " + (f"no draft in {drafts_dir}" if drafts_dir else f"--samples {samples}")
        if role is None:
            skipped.append(skip)
            on_role(key, "skipped")
        else:
            roles.append(role)
            on_role(key, "failed" if role.error else "done")

    aggregates = {name: aggregate_values([r.metrics.get(name) for r in roles if not r.error]) for name in ROLE_METRICS}
    config = drafter.describe() if drafter else {"backend": "drafts", "drafts_dir": str(drafts_dir)}
    config |= {"samples": samples, "golden": sorted(golden), "reference_points": [p.title for p in points],
               "derived_from": derived_from(golden_dir)}  # fmt: skip
    labour = employment_weighted(roles, catalog)  # issue 15: workers covered, by zone
    return EvalRun(
        run_id=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6],
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        config=config,
        roles=roles,
        aggregates=aggregates,
        usage=_eval_usage(drafter),
        skipped=skipped,
        failed=[f"{r.title} ({r.key}): {r.error}" for r in roles if r.error],
        labour=labour,
    )


def _eval_role(
    key: str, title: str, kind: str, truth: Any, drafts_for: Callable[[str, str], list[Draft]],
    statements: dict[int, str],
) -> EvalRole | None:  # fmt: skip
    """One role judged: its drafts against its truth, or the error that stopped it; None when it has no draft."""
    try:
        made = drafts_for(key, title)
    except DrafterError as e:
        return EvalRole(key=key, title=title, kind=kind, error=str(e))
    if not made:
        return None
    if leaked := _calibrated_on_itself([one.assessment for one in made], key, title):
        return EvalRole(key=key, title=title, kind=kind, error=leaked)
    return _judged(made, key, title, kind, truth, statements)


def _judged(made: list[Draft], key: str, title: str, kind: str, truth: Any, statements: dict[int, str]) -> EvalRole:
    """Each draft compared with the golden role or reference point (with its cards), and the role's mean metrics
    and their spread over the drafts."""
    results: list[RoleResult] = []
    for one in made:
        a, card = one.assessment, one.scorecard
        if kind == "golden":
            results.append(compare_role(a, truth, key, card))
        else:
            results.append(compare_point(a, key, title, truth.score, truth.zone.value, card))
    for r in results:
        for d in r.disagreements:
            d["statement"] = statements.get(d["task_id"], "")
    metrics, spread = {}, {}
    for name in ROLE_METRICS:
        vals = [v for r in results if (v := _metric(r, name)) is not None]
        if vals:
            metrics[name] = round(mean(vals), 4)
            spread[name] = round(pstdev(vals), 4)
    return EvalRole(key=key, title=title, kind=kind, samples=results, metrics=metrics, spread=spread)


def _eval_usage(drafter: Drafter | None) -> EvalUsage | None:
    """What the run's drafting took from an LLM, priced with the drafter's prices (None: nothing was spent)."""
    totals = drafter.usage() if drafter else None
    if totals is None:
        return None
    return EvalUsage(
        requests=totals.requests, cache_hits=totals.cache_hits, errors=totals.errors, **totals.usage.model_dump(),
        cost_usd=totals.usage.cost(drafter.prices if drafter else None),
    )  # fmt: skip


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
