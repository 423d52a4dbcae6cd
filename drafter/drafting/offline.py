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

from collections import Counter
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
from ..labour.facts import official_evidence
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
    """TF-IDF (word stems, L2-normalised) over the labelled task statements, for tasks with no label of their own.

    One vectorised implementation serves a single custom task and the leave-one-occupation-out evaluation
    of all 19,265 tasks alike, so the two can never disagree.
    """

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    @cached_property
    def _model(self):
        import numpy as np

        docs: list[tuple[Task, Occupation]] = []
        rows: list[Counter] = []
        for occ in self.catalog.by_code.values():
            for t in occ.tasks:
                if t.human_label:
                    docs.append((t, occ))
                    rows.append(Counter(stems(t.statement)))
        vocab: dict[str, int] = {}
        for tf in rows:
            for w in tf:
                vocab.setdefault(w, len(vocab))
        df = np.zeros(len(vocab))
        for tf in rows:
            for w in tf:
                df[vocab[w]] += 1
        idf = np.log((1 + len(docs)) / (1 + df)) + 1
        matrix = self._matrix(rows, vocab, idf)
        code_ids = {code: i for i, code in enumerate(self.catalog.by_code)}
        occ_of_doc = np.array([code_ids[occ.code] for _, occ in docs])
        return docs, vocab, idf, matrix, occ_of_doc, code_ids

    @staticmethod
    def _matrix(rows: list[Counter], vocab: dict[str, int], idf):
        import numpy as np
        from scipy import sparse

        indptr, indices, data = [0], [], []
        for tf in rows:
            for w, c in tf.items():
                if w in vocab:
                    indices.append(vocab[w])
                    data.append(c * idf[vocab[w]])
            indptr.append(len(indices))
        m = sparse.csr_matrix((np.array(data, dtype=np.float64), indices, indptr), shape=(len(rows), len(vocab)))
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.diags(1 / norms) @ m

    def infer_many(
        self, statements: list[str], exclude_codes: list[str | None], k: int = NEIGHBOURS, block: int = 1024
    ) -> list[tuple[str | None, list[Neighbour]]]:
        import numpy as np

        docs, vocab, idf, matrix, occ_of_doc, code_ids = self._model
        query = self._matrix([Counter(stems(s)) for s in statements], vocab, idf)
        out: list[tuple[str | None, list[Neighbour]]] = []
        for start in range(0, len(statements), block):
            sims = (query[start : start + block] @ matrix.T).toarray()
            for i, row in enumerate(sims):
                code = exclude_codes[start + i]
                if code in code_ids:
                    row[occ_of_doc == code_ids[code]] = 0.0
                top = np.argpartition(-row, min(k, len(row) - 1))[: k + 1]
                ranked = sorted((j for j in top if row[j] > 0), key=lambda j: (-row[j], docs[j][0].id))[:k]
                near = [Neighbour(docs[j][0], docs[j][1], float(row[j])) for j in ranked]
                out.append((_vote(near), near))
        return out

    def infer(self, statement: str, exclude_code: str | None = None) -> tuple[str | None, list[Neighbour]]:
        return self.infer_many([statement], [exclude_code])[0]


def _vote(near: list[Neighbour]) -> str | None:
    if not near:
        return None
    votes: dict[str, float] = {}
    for n in near:
        label = n.task.human_label or ""
        votes[label] = votes.get(label, 0.0) + n.similarity
    return max(sorted(votes), key=lambda lab: votes[lab])


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
    occ: Occupation,
    *,
    job_title: str | None = None,
    catalog: Catalog | None = None,
    hold_out: bool = False,
    index: LabelIndex | None = None,
) -> Assessment:
    """``hold_out=True`` ignores the occupation's own labels (leave-one-occupation-out evaluation);
    pass one ``index`` when drafting many occupations so the TF-IDF model is built once."""
    shares, rule = priors(occ.tasks)
    if index is None and catalog is not None:
        index = LabelIndex(catalog)
    kept = [(t, share) for t, share in zip(occ.tasks, shares, strict=True) if share > 0]
    unlabelled = [t for t, _ in kept if hold_out or not t.human_label]
    inferred: dict[int, tuple[str | None, list[Neighbour]]] = {}
    if unlabelled:
        index = index or LabelIndex(catalog or Catalog.load())
        exclude = occ.code if occ.code != "custom" else None
        results = index.infer_many([t.statement for t in unlabelled], [exclude] * len(unlabelled))
        inferred = {t.id: r for t, r in zip(unlabelled, results, strict=True)}
    rows = [_row(t, share, *inferred.get(t.id, (t.human_label, []))) for t, share in kept]
    title = job_title or occ.title
    pending_principle = PrincipleScore(score=None, rationale=AWAITING)
    pending_barrier = BarrierScore(score=None, rationale=AWAITING)
    pending_evidence = EvidenceItem(score=None, evidence=AWAITING)
    stated = official_evidence(occ.code)  # issue 15: {"wage_trends": …, "job_posting_trends": …} or {}
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
        # issue 15: the official BLS figures as dated evidence text; every evidence score stays awaiting input
        evidence=Evidence(
            **{
                k: pending_evidence.model_copy(update={"evidence": stated.get(k, AWAITING)})
                for k in Evidence.model_fields
            }
        ),
        barriers=Barriers(**{k: pending_barrier for k in Barriers.model_fields}),
        commentary=[
            CommentarySection(
                heading="Offline draft",
                body=(
                    f"Drafted without an LLM by drafter's offline default ({DRAFTER_NAME}): one row per O*NET task, "
                    f"time shares from the O*NET prior ({rule}), task scores from the published human exposure labels "
                    f"(E0 -> 2, E1 -> 4, E2 -> 4){f'; {len(inferred)} task(s) had no label and took the label of similar tasks' if inferred else ''}.\n"
                    "Protective principles, growth correlation, evidence and barriers await assessor input and count as "
                    "neutral (0), so the score is provisional.\n"
                    "Configure an LLM (docs/drafting.md: Configuring an endpoint) for a complete first draft."
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
