"""The offline default drafter: deterministic, no LLM, and plain about what it cannot know.

It drafts one task row per O*NET task, with the task's time-share prior, and scores each row from the
published *human* exposure label of that task (Eloundou et al., "GPTs are GPTs"):

    E0 (no exposure: an LLM cannot halve the time)                 -> score 2, AUGMENTATION
    E1 (an LLM alone halves the time at equal quality)             -> score 4, DISPLACEMENT
    E2 (an LLM plus purpose-built software halves the time)        -> score 4, DISPLACEMENT

E1 and E2 both map to 4 because the AIJRI scores an *agent with tools*: software built on an LLM is exactly
what such an agent is, and neither label says the task is fully automatable (5). E0 maps to 2, not 1, because
the label says AI cannot halve the time, not that it plays no part. A task with no label (a custom task list,
or an occupation held out in evaluation) takes the majority label of its most similar labelled tasks in other
occupations (TF-IDF cosine over word stems), and the rationale names them.

Protective principles, growth correlation, evidence and barriers cannot be known offline: they are left
*awaiting assessor input* (score None), and the scorer counts them as neutral and marks the score provisional.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from ..assessment import (
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
    TaskLabel,
    TaskRow,
)
from ..onet.catalog import Catalog, stems
from ..onet.model import Occupation, Task
from ..onet.priors import priors
from .pipeline import soc_code

DRAFTER_NAME = "offline:human-labels-v1"
LABEL_TO_SCORE: dict[str, tuple[int, TaskLabel, str]] = {
    "E0": (2, TaskLabel.AUGMENTATION, "no exposure: an LLM cannot cut the time in half, so AI at most assists"),
    "E1": (4, TaskLabel.DISPLACEMENT, "direct exposure: an LLM alone could halve the time at equal quality"),
    "E2": (
        4,
        TaskLabel.DISPLACEMENT,
        "exposure with LLM-based software, i.e. an agent with tools, could halve the time",
    ),
}
AWAITING = "Awaiting assessor input: the offline default cannot judge this without an LLM or an assessor."
NEIGHBOURS = 5


@dataclass(frozen=True)
class Neighbour:
    task: Task
    occupation: Occupation
    similarity: float


class LabelIndex:
    """TF-IDF over the labelled task statements, for tasks that carry no label of their own."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    @cached_property
    def _index(self):
        docs: list[tuple[Task, Occupation, Counter]] = []
        df: Counter = Counter()
        for occ in self.catalog.by_code.values():
            for t in occ.tasks:
                if t.human_label:
                    tf = Counter(stems(t.statement))
                    docs.append((t, occ, tf))
                    df.update(tf.keys())
        n = len(docs)
        idf = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, (_, _, tf) in enumerate(docs):
            weights = {w: c * idf[w] for w, c in tf.items()}
            norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
            for w, v in weights.items():
                postings[w].append((i, v / norm))
        return docs, idf, postings

    def neighbours(self, statement: str, exclude_code: str | None = None, k: int = NEIGHBOURS) -> list[Neighbour]:
        docs, idf, postings = self._index
        tf = Counter(stems(statement))
        q = {w: c * idf.get(w, 0.0) for w, c in tf.items() if w in idf}
        norm = math.sqrt(sum(v * v for v in q.values())) or 1.0
        sims: dict[int, float] = defaultdict(float)
        for w, v in q.items():
            for i, dv in postings[w]:
                sims[i] += v / norm * dv
        ranked = sorted(
            ((s, i) for i, s in sims.items() if docs[i][1].code != exclude_code),
            key=lambda x: (-x[0], docs[x[1]][0].id),
        )
        return [Neighbour(docs[i][0], docs[i][1], s) for s, i in ranked[:k]]

    def infer(self, statement: str, exclude_code: str | None = None) -> tuple[str | None, list[Neighbour]]:
        near = self.neighbours(statement, exclude_code)
        if not near:
            return None, []
        votes: Counter = Counter()
        for n in near:
            votes[n.task.human_label] += n.similarity
        best = max(sorted(votes), key=lambda lab: votes[lab])
        return best, near


def _row(task: Task, share: int, label: str | None, neighbours: list[Neighbour]) -> TaskRow:
    if label is None:
        raise ValueError(f"task {task.id}: no label and no similar labelled task to infer one from")
    score, row_label, meaning = LABEL_TO_SCORE[label]
    if neighbours:
        cited = "; ".join(
            f"[{n.task.id}] {n.task.statement[:70]}… ({n.occupation.title}, {n.task.human_label}, sim {n.similarity:.2f})"
            for n in neighbours
        )
        why = f"No published label for this task; inferred {label} from the most similar labelled tasks: {cited}."
    else:
        why = f"Human annotators (GPTs are GPTs) labelled this task {label}."
    rationale = (
        f"{why} {label} = {meaning} -> score {score}, {row_label.value}. "
        "Offline default from published exposure labels: an assessor should confirm the score and name the tools."
    )
    return TaskRow(
        task=task.statement, time_pct=share, score=score, label=row_label, rationale=rationale, onet_task_ids=[task.id]
    )


def draft_offline(
    occ: Occupation, *, job_title: str | None = None, catalog: Catalog | None = None, hold_out: bool = False
) -> Assessment:
    """``hold_out=True`` ignores the occupation's own labels (leave-one-occupation-out evaluation)."""
    shares, rule = priors(occ.tasks)
    index = LabelIndex(catalog) if catalog is not None else None
    rows = []
    inferred = 0
    for task, share in zip(occ.tasks, shares, strict=True):
        if share == 0:
            continue  # a task too small to get a whole percent is left out, and listed below
        label = None if hold_out else task.human_label
        near: list[Neighbour] = []
        if label is None:
            if index is None:
                index = LabelIndex(catalog or Catalog.load())
            label, near = index.infer(task.statement, exclude_code=occ.code if occ.code != "custom" else None)
            inferred += 1
        rows.append(_row(task, share, label, near))
    title = job_title or occ.title
    pending_principle = PrincipleScore(score=None, rationale=AWAITING)
    pending_barrier = BarrierScore(score=None, rationale=AWAITING)
    pending_evidence = EvidenceItem(score=None, evidence=AWAITING)
    return Assessment(
        role=RoleDefinition(
            job_title=title,
            soc_code=soc_code(occ),
            seniority_level=AWAITING,
            primary_function=occ.description
            or f"Performs the {len(occ.tasks)} O*NET tasks of {occ.title} scored below.",
            what_this_role_is_not=AWAITING,
            typical_experience=AWAITING,
        ),
        protective_principles=ProtectivePrinciples(
            embodied_physicality=pending_principle,
            deep_interpersonal_connection=pending_principle,
            goal_setting_moral_judgment=pending_principle,
        ),
        growth=GrowthCorrelation(score=None, rationale=AWAITING),
        tasks=rows,
        reinstatement_check=AWAITING,
        evidence=Evidence(**{k: pending_evidence for k in Evidence.model_fields}),
        barriers=Barriers(**{k: pending_barrier for k in Barriers.model_fields}),
        commentary=[
            CommentarySection(
                heading="Offline draft",
                body=(
                    f"Drafted without an LLM by drafter's offline default ({DRAFTER_NAME}): one row per O*NET task, "
                    f"time shares from the O*NET prior ({rule}), task scores from the published human exposure labels "
                    f"(E0 -> 2, E1 -> 4, E2 -> 4){f'; {inferred} task(s) had no label and took the label of similar tasks' if inferred else ''}.\n"
                    "Protective principles, growth correlation, evidence and barriers await assessor input and count as "
                    "neutral (0), so the score is provisional.\n"
                    "Configure an LLM (see README: Configuring an endpoint) for a complete first draft."
                ),
            )
        ],
        unmapped_onet_tasks={
            t.id: "Prior rounds to 0% of working time." for t, s in zip(occ.tasks, shares, strict=True) if s == 0
        },
        provenance=Provenance(
            drafted_by=DRAFTER_NAME,
            created_at=datetime.now(UTC).replace(microsecond=0),
            onet_code=None if occ.code == "custom" else occ.code,
            inputs={"onet_source": occ.source, "prior_rule": rule, "labels": "GPTs-are-GPTs human_exposure_agg"},
        ),
    )
