"""The human-label tier: drafted per-task exposure against the published human labels (GPTs-are-GPTs).

Mapping (documented, fixed): a task is *exposed* when its drafted score is 3 or more, matching E1/E2; a score
of 1-2 matches E0. The offline default also states an E0/E1/E2 label per task (its task model's estimate), so
its exact agreement is reported too. GPT-4's published labels on the same tasks are the reference (65.6% exact,
82.1% exposed-or-not over all 19,265 tasks).

The offline default learns from these very labels, so it is cross-validated by occupation: the tasks are split
into folds by occupation (GroupKFold), a task model is fitted (scikit-learn) on the other folds, and each held-out
occupation is drafted with that model and its own labels hidden. With ``sample`` the sampled occupations form
the one held-out fold. Figures are given for all tasks and for *unique statements*: 8.7% of statements recur
verbatim in other occupations, where a neighbour's label gives the answer away.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..drafting.base import Drafter
from ..errors import DrafterError
from .metrics import project

EXPOSED_FROM_SCORE = 3


def _binary(labels: list[str]) -> list[str]:
    return ["exposed" if lab in ("E1", "E2") else "not exposed" for lab in labels]


def _figures(drafted: list[str], human: list[str], exact: bool) -> dict:
    from ..taskmodel.fit import agreement_figures

    if exact:
        return agreement_figures(drafted, human)
    return {"exact": None, "exposed_or_not": agreement_figures(drafted, _binary(human))["exact"]}


def _offline_drafts(catalog, codes: list[str], sample: bool, on_progress):
    """(code, draft) for each code, each drafted by a task model that never saw the code's occupation."""
    from ..calibration import CalibrationSet
    from ..drafting.offline import draft_offline
    from ..taskmodel.fit import fit_arrays, fold_models, labelled_tasks
    from ..taskmodel.model import Prefetched, TaskModel

    tasks = labelled_tasks(catalog)
    wanted = set(codes)
    folds: Iterable[tuple[set[str], TaskModel]]
    if sample:
        folds = [(wanted, TaskModel(fit_arrays([t for t in tasks if t.onet_code not in wanted]), name="held-out fit"))]
    else:
        folds = fold_models(tasks)
    no_priors = CalibrationSet([])  # role-level priors do not touch task scores
    done = 0
    for held_out, model in folds:
        occupations = [catalog.get(code) for code in sorted(held_out & wanted)]
        batch = Prefetched(model, [(t.statement, o.title, o.code, o.code) for o in occupations for t in o.tasks])
        for occ in occupations:
            yield occ.code, draft_offline(occ, catalog=catalog, hold_out=True, index=batch, calibration=no_priors)
            done += 1
            on_progress(done, len(codes))


PUBLISHED_GPT4 = "gpt4-labels"  # the labeller's name when no drafter is given


def labeller_name(drafter: Drafter | None) -> str:
    return PUBLISHED_GPT4 if drafter is None else drafter.kind


@dataclass
class _Labels:
    """Each labelled task's human and GPT-4 labels, the labeller's, and whether its statement is unique."""

    unique_ids: set[int]
    human: list[str] = field(default_factory=list)
    gpt4: list[str] = field(default_factory=list)
    drafted: list[str] = field(default_factory=list)  # E-labels (offline, gpt4-labels) or "exposed"/"not exposed"
    unique: list[bool] = field(default_factory=list)

    def add(self, t, label: str) -> None:
        self.human.append(t.human_label)
        self.gpt4.append(t.gpt4_label)
        self.drafted.append(label)
        self.unique.append(t.id in self.unique_ids)


def _label_tasks(drafter, backend: str, catalog, codes: list[str], sampled: bool, on_progress, labels: _Labels):
    """The labeller's label for every labelled task of ``codes``: the published GPT-4 labels, the offline default's
    task model (never fitted on the occupation it labels), or an LLM draft's row scores. Returns the failed drafts."""
    failed: list[str] = []
    if drafter is None:
        for code in codes:
            for t in catalog.get(code).tasks:
                if t.human_label and t.gpt4_label:
                    labels.add(t, t.gpt4_label)
    elif backend == "offline":  # the task model never sees the held-out occupation (fold fits)
        for code, a in _offline_drafts(catalog, codes, sampled, on_progress):
            rows = project(a)  # the label is the task model's; the score sits on the same side of 3 (a test checks)
            for t in catalog.get(code).tasks:
                if t.human_label and t.gpt4_label and t.id in rows:
                    labels.add(t, a.provenance.task_estimates[t.id].label)
    else:
        for i, code in enumerate(codes):
            try:
                rows = project(drafter.draft(catalog.get(code)).assessment)
            except Exception as e:  # a failed LLM draft is reported, not fatal to the tier
                failed.append(f"{code}: {e}")
                continue
            for t in catalog.get(code).tasks:
                if t.human_label and t.gpt4_label and t.id in rows:
                    labels.add(t, "exposed" if rows[t.id].score >= EXPOSED_FROM_SCORE else "not exposed")
            on_progress(i + 1, len(codes))
    return failed


def run_label_tier(
    drafter: Drafter | None,
    *,
    sample: int | None = None,
    seed: int = 0,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict:
    """Per-task agreement of ``drafter`` (None: the published GPT-4 labels) with the human labels.

    The offline default is cross-validated by occupation whatever drafter instance is given (its task model is
    refitted per fold); any other drafter drafts each occupation as it would for a user."""
    from ..onet.catalog import Catalog
    from ..taskmodel.fit import labelled_tasks, unique_statements

    if drafter is not None and drafter.describe().get("hold_out") is False:
        raise DrafterError(
            "the onet-labels tier needs the offline default with each occupation's own labels hidden "
            "(drafter_for(None, hold_out=True)): otherwise it would be graded on the answers it read"
        )
    backend = labeller_name(drafter)
    catalog = Catalog.load()
    codes = sorted(c for c, o in catalog.by_code.items() if any(t.human_label for t in o.tasks))
    sampled = sample is not None and sample < len(codes)
    if sample is not None and sampled:
        codes = sorted(random.Random(seed).sample(codes, sample))
    all_tasks = labelled_tasks(catalog)
    labels = _Labels({t.task_id for t, u in zip(all_tasks, unique_statements(all_tasks), strict=True) if u})
    failed = _label_tasks(drafter, backend, catalog, codes, sampled, on_progress, labels)
    human, gpt4, drafted, unique = labels.human, labels.gpt4, labels.drafted, labels.unique
    exact = backend in ("offline", "gpt4-labels")
    only = [i for i, u in enumerate(unique) if u]
    return {
        "tier": "onet-labels",
        "backend": backend,
        "occupations": len(codes),
        "sample": sample,
        "seed": seed,
        "evaluation": "occupation-grouped cross-validation (5 folds; a sample is one held-out fold)"
        if backend == "offline"
        else "as drafted",
        "mapping": f"score >= {EXPOSED_FROM_SCORE} <=> exposed (E1 or E2)",
        "drafter": _figures(drafted, human, exact),
        "gpt4_reference": _figures(gpt4, human, True),
        "unique_statements": {
            "drafter": _figures([drafted[i] for i in only], [human[i] for i in only], exact),
            "gpt4_reference": _figures([gpt4[i] for i in only], [human[i] for i in only], True),
        },
        "failed": failed,
    }
