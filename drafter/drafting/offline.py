"""The offline default drafter: deterministic, no LLM, calibrated on the house's scored roles, plain about
what it cannot know.

Task rows: one per O*NET task, with the task's time-share prior. Each task's exposure class is its published
*human* label (GPTs-are-GPTs) when it has one — that is evidence, and the draft shows the learned task model's
estimate beside it — else the task model's estimate (``drafter.taskmodel``: scikit-learn fit, numpy predictor;
custom tasks and unlabelled occupations get scores named as model-estimated). The class fixes the side of 3
(E0 -> 1-2, E1/E2 -> 3-5) and ``task_scale.toml`` places the task on the whole 1-5 scale from the model's
probabilities and the statement's leading verb; labels follow the methodology (4-5 DISPLACEMENT,
2-3 AUGMENTATION, 1 NOT INVOLVED).

Role-level inputs (protective principles, growth, evidence, barriers): borrowed from the most similar *complete*
scored roles of the calibration set (``drafter.calibration``: golden roles and the user's own scored
assessments; never the role itself) whose task similarity is at least ``PRIOR_MIN_SIMILARITY``, as the
similarity-weighted mean of their scores. Each borrowed input says "Prior from: ROLE (similarity s)" and stays
provisional until an assessor writes their own. With no scored role that close, inputs await assessor input
(counted as neutral by the scorer, the score marked provisional).

Imports no HTTP stack (openai, instructor, httpx): the offline default works where none is installed or wanted.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from ..assessment import (
    PRIOR_MARK,
    Assessment,
    Barriers,
    BarrierScore,
    CommentarySection,
    Evidence,
    EvidenceItem,
    GrowthCorrelation,
    PrincipleScore,
    ProtectivePrinciples,
    Provenance,
    RoleDefinition,
    TaskEstimate,
    TaskRow,
)
from ..calibration import CalibrationMatch, CalibrationSet, same_role
from ..labour.facts import official_evidence
from ..onet.catalog import Catalog
from ..onet.model import Occupation, Task
from ..onet.priors import priors
from ..scoring import score
from ..taskmodel.estimate import LABELS, Estimate, decide
from ..taskmodel.light import bundled_table
from .base import Draft, Drafter
from .request import DraftOptions, DraftRequest, OnStep, soc_code
from .task_scale import load_scale

if TYPE_CHECKING:  # the numpy model is imported only when a task is not in the precomputed table
    from ..taskmodel.model import Prefetched, TaskModel

DRAFTER_NAME = "offline:task-model-v1"
AWAITING = "Awaiting assessor input: the offline default cannot judge this without an LLM or an assessor."
# Below this task similarity two O*NET occupations are mostly in different major SOC groups (34% share one in
# [0.15, 0.20), 64% in [0.20, 0.25), over all 425,503 pairs): too far apart to lend role-level inputs.
PRIOR_MIN_SIMILARITY = 0.20
CALIBRATION_RECORDED = 10  # the most similar calibration roles named in the provenance (lenders always)


def draft_offline(
    occ: Occupation,
    *,
    job_title: str | None = None,
    catalog: Catalog | None = None,
    hold_out: bool = False,
    index: TaskModel | Prefetched | None = None,
    calibration: CalibrationSet | None = None,
    extra_inputs: dict[str, str] | None = None,
) -> Assessment:
    """A draft of ``occ`` without an LLM.

    ``hold_out=True`` ignores the occupation's own published labels (cross-validated evaluation); ``index`` is
    a ``taskmodel.model.TaskModel`` to estimate with (default: the shipped one; evaluation passes a model
    fitted without the occupation); ``calibration`` is the set of scored roles to borrow role-level priors
    from (default: the shipped golden roles and reference points; ``CalibrationSet([])`` for none).
    """
    catalog = catalog or Catalog.load()
    shares, rule = priors(occ.tasks)
    kept = [(t, share) for t, share in zip(occ.tasks, shares, strict=True) if share > 0]
    code = None if occ.code == "custom" else occ.code
    rows, task_estimates, model_name, scale_id = _task_rows(kept, occ, code, index, hold_out, catalog)
    title = job_title or occ.title
    calibration = CalibrationSet.load() if calibration is None else calibration
    matches, lenders = _lenders(occ, code, title, calibration, catalog)
    sections, borrowed = role_priors(lenders)
    stated = official_evidence(occ.code) | observed_evidence(occ)
    sections["evidence"] = _with_official_figures(sections["evidence"], stated)
    n_model = sum(e.published is None for e in task_estimates.values())
    inputs = {
        "onet_source": occ.source,
        "prior_rule": rule,
        "occupation_facts": "observed AI use: Anthropic Economic Index, Mar 2025; prior: " + rule.split(":")[0],
        "labels": "GPTs-are-GPTs human_exposure_agg" + (" (held out)" if hold_out else ""),
        "task_model": model_name,
        "task_scale": scale_id,
        "calibration": f"{len(calibration.roles)} scored roles; priors from similarity >= {PRIOR_MIN_SIMILARITY}",
    } | (extra_inputs or {})
    return Assessment(
        role=RoleDefinition(
            job_title=title,
            soc_code=soc_code(occ),
            seniority_level=AWAITING,
            primary_function=occ.description or _primary_function(occ, len(kept), code is not None),
            what_this_role_is_not=AWAITING,
            typical_experience=AWAITING,
        ),
        tasks=rows,
        reinstatement_check=AWAITING,
        commentary=[CommentarySection(heading="Offline draft", body=_commentary(rule, scale_id, n_model, lenders))],
        unmapped_onet_tasks={
            t.id: f"Prior rounds to 0% of working time ({len(occ.tasks) - len(kept)} of {len(occ.tasks)} tasks: "
            "a row's time share is a whole percent)."
            for t, s in zip(occ.tasks, shares, strict=True)
            if s == 0
        },
        provenance=Provenance(
            drafted_by=DRAFTER_NAME,
            created_at=datetime.now(UTC).replace(microsecond=0),
            onet_code=code,
            inputs=inputs,
            calibration=[
                m.ref(lent_priors=m in lenders) for m in matches if m in lenders or m in matches[:CALIBRATION_RECORDED]
            ],
            priors=borrowed,
            task_estimates=task_estimates,
        ),
        **sections,
    )


def _task_rows(
    kept: list[tuple[Task, int]], occ: Occupation, code: str | None, index: Any, hold_out: bool, catalog: Catalog
) -> tuple[list[TaskRow], dict[int, TaskEstimate], str, str]:
    """One row per task with a share, scored from its published label (unless held out) or the task model's
    estimate; each task's estimate as the provenance records it; the task model's and the scale's names."""
    estimates, model_name = _estimates([t for t, _ in kept], occ, code, index, precomputed=not hold_out)
    scale = load_scale()
    statements = _statements(catalog) if hold_out or any(not t.human_label for t, _ in kept) else {}
    rows, task_estimates = [], {}
    for (t, share), est in zip(kept, estimates, strict=True):
        published = None if hold_out else t.human_label
        rows.append(_row(t, share, published, est, scale, statements))
        task_estimates[t.id] = TaskEstimate(
            label=est.label, probabilities={k: round(v, 3) for k, v in est.probabilities.items()}, published=published
        )
    return rows, task_estimates, model_name, scale.id


def _lenders(
    occ: Occupation, code: str | None, title: str, calibration: CalibrationSet, catalog: Catalog
) -> tuple[list[CalibrationMatch], list[CalibrationMatch]]:
    """The calibration roles nearest ``occ`` (never itself), and those complete and close enough to lend priors."""
    matches = [
        m
        for m in calibration.nearest(
            onet_code=code, title=occ.title, statements=[t.statement for t in occ.tasks], catalog=catalog
        )
        if not same_role(None, title, m.role.onet_code, m.role.title)
    ]
    return matches, [m for m in matches if m.role.complete and m.similarity >= PRIOR_MIN_SIMILARITY]


def _primary_function(occ: Occupation, scored: int, onet: bool) -> str:
    """Counts every task, so a long list whose smallest shares round to 0% does not read as fully scored."""
    kind = "O*NET tasks" if onet else "listed tasks"
    total = len(occ.tasks)
    if scored == total:
        return f"Performs the {total} {kind} of {occ.title} scored below."
    return (
        f"Performs the {total} {kind} of {occ.title}: the {scored} scored below, and {total - scored} whose time "
        "share rounds to 0% (listed as unmapped tasks, with the reason)."
    )


def _estimates(
    tasks: list[Task], occ: Occupation, code: str | None, model: TaskModel | Prefetched | None, precomputed: bool
) -> tuple[list[Estimate], str]:
    """The task model's estimate of each task, never leaning on the occupation's own labelled tasks.

    With no model given: the shipped model's precomputed estimates of the bundled (labelled) tasks when their
    label is shown (no numpy), and the numpy model for the rest, whose rationale cites its nearest labelled
    tasks (custom lists, imported releases, held-out labels).
    """
    if model is not None:
        return model.estimate([t.statement for t in tasks], occ.title, code, exclude_code=code), model.name
    table = bundled_table()
    found: dict[int, Estimate] = {}
    for t in tasks:
        p = table.probabilities(t.id, code, occ.title, t.statement) if code and precomputed else None
        if p is not None:
            found[t.id] = Estimate(decide([p[lab] for lab in LABELS]), p, ())
    missing = [t for t in tasks if t.id not in found]
    if missing:
        from ..taskmodel.model import shipped_model

        live = shipped_model().estimate([t.statement for t in missing], occ.title, code, exclude_code=code)
        found.update(zip((t.id for t in missing), live, strict=True))
    return [found[t.id] for t in tasks], table.model


def _probabilities(est: Estimate) -> str:
    return " / ".join(f"{k} {v:.2f}" for k, v in est.probabilities.items())


def _row(task: Task, share: int, published: str | None, est: Estimate, scale, statements) -> TaskRow:
    exposure = published or est.label
    score, label, meaning = scale.place(exposure != "E0", est.probabilities, task.statement)
    if published:
        agree = "agrees" if est.label == published else "differs"
        why = (
            f"Published human label (GPTs are GPTs): {published}. Model estimate beside it: {est.label} "
            f"({_probabilities(est)}; {agree})."
        )
    else:
        cited = "; ".join(
            f"[{n.task_id}] {statements.get(n.task_id, ('', ''))[0][:70]}… ({statements.get(n.task_id, ('', n.onet_code))[1]}, "
            f"{n.label}, sim {n.similarity:.2f})"
            for n in est.neighbours
        )
        why = (
            f"No published label: model-estimated {est.label} ({_probabilities(est)}; learned task model"
            + (f", nearest labelled tasks: {cited}" if cited else "")
            + ")."
        )
    rationale = (
        f"{why} Score {score}, {label.value}: {meaning}. "
        "Offline default: an assessor should confirm the score and name the tools."
    )
    return TaskRow(
        task=task.statement, time_pct=share, score=score, label=label, rationale=rationale, onet_task_ids=[task.id]
    )


_STATEMENTS: WeakKeyDictionary[Catalog, dict[int, tuple[str, str]]] = WeakKeyDictionary()


def _statements(catalog: Catalog) -> dict[int, tuple[str, str]]:
    """Task ID -> (statement, occupation title), to cite the labelled tasks an estimate leaned on (built once
    per catalog, and only when a task has no published label)."""
    if catalog not in _STATEMENTS:
        _STATEMENTS[catalog] = {t.id: (t.statement, o.title) for o in catalog.by_code.values() for t in o.tasks}
    return _STATEMENTS[catalog]


# --- role-level priors from the nearest complete scored roles --------------------------------------------------


def _round_half_away(x: float) -> int:
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def _borrow(lenders: list[CalibrationMatch], item_of) -> tuple[int | None, str, list[str]]:
    """One input: the similarity-weighted mean of the lenders' scores, rounded half away from zero; the marked
    rationale; and the lenders' titles. Lenders that left the input awaiting input do not count."""
    pairs = [(m, item_of(m.role.assessment)) for m in lenders]
    pairs = [(m, item) for m, item in pairs if item.score is not None]
    if not pairs:
        return None, AWAITING, []
    weights = [m.similarity for m, _ in pairs]
    values = [item.score for _, item in pairs]
    mean = sum(w * v for w, v in zip(weights, values, strict=True)) / sum(weights)
    value = _round_half_away(mean)
    names = ", ".join(f"{m.role.title} (similarity {m.similarity:.2f})" for m, _ in pairs)
    if len(pairs) == 1:
        m, item = pairs[0]
        body = f"{m.role.title} scored {item.score}: {_clip(_text(item))}"
    else:
        body = f"similarity-weighted mean {mean:.2f} of {', '.join(str(v) for v in values)}, rounded to {value}."
    why = f"{PRIOR_MARK} {names}. {body} Provisional: confirm or rewrite for this role."
    return value, why, [m.role.title for m, _ in pairs]


def _text(item) -> str:
    return str(getattr(item, "rationale", None) or getattr(item, "evidence", ""))


def _clip(text: str, n: int = 240) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def role_priors(lenders: list[CalibrationMatch]) -> tuple[dict, dict[str, list[str]]]:
    """The four role-level sections (borrowed, or awaiting input) and the provenance's priors map."""
    if not lenders:
        pending_p = PrincipleScore(score=None, rationale=AWAITING)
        pending_b = BarrierScore(score=None, rationale=AWAITING)
        pending_e = EvidenceItem(score=None, evidence=AWAITING)
        return {
            "protective_principles": ProtectivePrinciples(
                **dict.fromkeys(ProtectivePrinciples.model_fields, pending_p)
            ),
            "growth": GrowthCorrelation(score=None, rationale=AWAITING),
            "evidence": Evidence(**dict.fromkeys(Evidence.model_fields, pending_e)),
            "barriers": Barriers(**dict.fromkeys(Barriers.model_fields, pending_b)),
        }, {}
    borrowed: dict[str, list[str]] = {}

    def section(name: str, model, make):
        items = {}
        for field in model.model_fields:
            value, why, titles = _borrow(lenders, lambda a, f=field: getattr(getattr(a, name), f))
            items[field] = make(value, why)
            if titles:
                borrowed[f"{name}.{field}"] = titles
        return model(**items)

    principles = section(
        "protective_principles", ProtectivePrinciples, lambda v, w: PrincipleScore(score=v, rationale=w)
    )
    value, why, titles = _borrow(lenders, lambda a: a.growth)
    if titles:
        borrowed["growth"] = titles
    return {
        "protective_principles": principles,
        "growth": GrowthCorrelation(score=value, rationale=why),
        "evidence": section("evidence", Evidence, lambda v, w: EvidenceItem(score=v, evidence=w)),
        "barriers": section("barriers", Barriers, lambda v, w: BarrierScore(score=v, rationale=w)),
    }, borrowed


def observed_evidence(occ: Occupation) -> dict[str, str]:
    """AI Tool Maturity's dated fact: how many of the role's tasks the Anthropic Economic Index observed in AI use,
    and the leading interaction mode (issue 22). Empty for a custom task list or an occupation without the data."""
    from ..labour.occupation import occupation_facts

    facts = occupation_facts(occ) if occ.code != "custom" else None
    if facts is None or not facts.observed:
        return {}
    summary = facts.observed_summary()
    return {"ai_tool_maturity": f"{summary[0].upper()}{summary[1:]}. Observed use is current use, not capability."}


_PREFIX = {"ai_tool_maturity": ""}  # evidence name -> what introduces a stated fact after a borrowed prior's text
_AWAITING_TAIL = {"ai_tool_maturity": " Score awaiting assessor input: name the production tools and their reach."}


def _with_official_figures(evidence: Evidence, stated: dict[str, str]) -> Evidence:
    """The official BLS figures (issue 15) and observed AI use (issue 22) as dated evidence text: the text of an
    item still awaiting input, or appended to a borrowed prior's. Scores are never set from them: one level is not
    a trend, and observed use is not capability."""
    items = {}
    for name in Evidence.model_fields:
        item: EvidenceItem = getattr(evidence, name)
        if name in stated:
            prefix = _PREFIX.get(name, "Official figures: ")
            awaiting = stated[name] + _AWAITING_TAIL.get(name, "")
            text = awaiting if item.score is None else f"{item.evidence} {prefix}{stated[name]}"
            item = item.model_copy(update={"evidence": text})
        items[name] = item
    return Evidence(**items)


def _commentary(rule: str, scale_id: str, n_model: int, lenders: list[CalibrationMatch]) -> str:
    lines = [
        f"Drafted without an LLM by drafter's offline default ({DRAFTER_NAME}): one row per O*NET task, time shares "
        f"from the O*NET prior ({rule}). Task exposure from the published human labels where they exist, else "
        f"from the learned task model ({n_model} task(s) model-estimated); scores on the whole 1-5 scale by "
        f"{scale_id} (drafter/drafting/task_scale.toml).",
    ]
    if lenders:
        names = ", ".join(f"{m.role.title} (similarity {m.similarity:.2f})" for m in lenders)
        lines.append(
            f"Protective principles, growth, evidence and barriers are priors from the most similar human-scored "
            f"role(s): {names}. They are provisional until an assessor confirms or rewrites them."
        )
    else:
        lines.append(
            "No human-scored role is similar enough to lend role-level priors: protective principles, growth, "
            "evidence and barriers await assessor input and count as neutral (0), so the score is provisional."
        )
    lines.append("Configure an LLM (docs/drafting.md: Configuring an endpoint) for a complete first draft.")
    return "\n".join(lines)


class OfflineDrafter(Drafter):
    """The offline default behind the ``Drafter`` seam: one calibration set shared by every draft it makes."""

    kind = name = "offline"
    io_bound = False

    def __init__(
        self, catalog: Catalog | None = None, *, hold_out: bool = False, calibration: CalibrationSet | None = None
    ):
        self.catalog = catalog
        self.hold_out = hold_out
        self.prices = None
        self._calibration = calibration
        self._lock = threading.Lock()

    @property
    def calibration(self) -> CalibrationSet:
        """Loaded on first use, once even when several batch threads need it at the same moment."""
        with self._lock:
            if self._calibration is None:
                self._calibration = CalibrationSet.load()
            return self._calibration

    def request(self, occ: Occupation, options: DraftOptions) -> DraftRequest:
        """Notes cannot inform the offline default (nothing reads them, so none are looked up); run ids have no
        LLM calls to group; its calibration roles are ranked when it drafts (they lend priors, not prompts)."""
        return DraftRequest(
            occ, options.get("job_title") or occ.title, run_id=options.get("run_id") or "offline",
            inputs=options.get("extra_inputs") or {},
        )  # fmt: skip

    def draft_request(self, request: DraftRequest, on_step: OnStep) -> Draft:
        a = draft_offline(
            request.occupation, job_title=request.title, catalog=self.catalog, hold_out=self.hold_out,
            calibration=self.calibration, extra_inputs=dict(request.inputs),
        )  # fmt: skip
        return Draft(a, score(a))

    async def adraft_request(self, request: DraftRequest, on_step: OnStep) -> Draft:
        """CPU-bound work goes to the event loop's executor (a batch sets it to its own thread pool)."""
        import asyncio  # here: a single offline draft never starts an event loop (asyncio is ~80 ms to import)

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: self.draft_request(request, on_step))

    def describe(self) -> dict[str, Any]:
        from ..taskmodel.model import shipped_model

        return {
            "backend": self.kind,
            "drafter": DRAFTER_NAME,
            "hold_out": self.hold_out,
            "task_model": shipped_model().name,
            "calibration": [f"{r.title} ({r.source})" for r in self.calibration.roles],
        }
