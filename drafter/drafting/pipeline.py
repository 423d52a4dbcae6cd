"""The LLM drafting pipeline: decompose -> score rows -> role sections -> scorer -> commentary.

Each step is a structured call whose answer is validated against the step's facts; the composite is computed by
``drafter.scoring`` before the commentary, which is told the figures, never asked for them.

Four rounds of calls. Issue 14 drafted the role-level sections while the rows were scored; issue 22 puts them
after, because the AI growth correlation and the reinstatement check weigh the share of task time the rows give
to displacement, and cite it (the seed's "85% of this role's task time"): the sections' prompt shows the scored
rows and their shares, and the validator checks the cited share against them. A large task list (more than
``LARGE_TASK_LIST`` O*NET tasks) still has its rows scored by several calls at once, at most ``ROWS_PER_CALL``
rows each, so that no single answer is long. A round is a tuple of calls the drivers (``drive``) make concurrently.

Every request has the same three messages, longest-shared first, so that an endpoint's prompt cache can reuse
the longest prefix: the system prompt with the rubric (identical for every step of every role), then the role's
context (its O*NET tasks, the calibration table and worked example, the evidence notes: identical for the
steps of one role), then the step's own instructions and data.

``steps(request, methodology, model)`` is the pipeline, typed and pure: it reads a resolved ``DraftRequest``
(drafting/request.py), yields the calls it needs, each with the facts its answer is validated against, and
returns the draft scored once. The drivers (drafting/drive.py) make the calls, synchronously, on an event loop or
once per sample; the preview answers them with stand-ins.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..assessment import (
    BARRIER_NAMES,
    EVIDENCE_NAMES,
    PRINCIPLE_NAMES,
    Assessment,
    AssessorOverride,
    CareerMove,
    Evidence,
    EvidenceClaim,
    EvidenceDimension,
    EvidenceItem,
    EvidenceSource,
    Provenance,
    Reinstatement,
    RoleDefinition,
    StepRecord,
    TaskLabel,
    TaskRow,
    Zone,
)
from ..labour.occupation import prompt_facts
from ..methodology import Methodology, load_methodology
from ..onet.model import Occupation
from ..onet.priors import prior_basis, priors
from ..scoring import ScoreCard, score
from . import prompts
from .calibrate import NO_CALIBRATION, Calibration, CalibrationRow
from .facts import CommentaryFacts, DecomposeFacts, RowFacts, RowShares, SectionFacts
from .outputs import Commentary, Decomposition, RoleSections, RowScores, calibration_match
from .request import Call, Draft, DraftRequest, ModelRef, Yielded, soc_code
from .trim import COMPACT_RUBRIC, shorter_contexts

if TYPE_CHECKING:
    from ..llm.client import StepResult

LARGE_TASK_LIST = 20  # O*NET tasks: above this, the rows are scored by several calls at once
ROWS_PER_CALL = 5  # at most this many rows per scoring call of a large task list

__all__ = ["NO_CALIBRATION", "Calibration", "commentary_steps", "decompose_request", "role_variables", "steps"]


def required_task_ids(occ: Occupation) -> tuple[list[int], list[int]]:
    """Core tasks must be covered; where O*NET leaves an occupation untyped, every task must be."""
    typed = any(t.type for t in occ.tasks)
    required = [t.id for t in occ.tasks if not typed or t.type != "Supplemental"]
    optional = [t.id for t in occ.tasks if typed and t.type == "Supplemental"]
    return required, optional


PRIORS = {
    # onet.priors.prior_basis -> what the prompt calls the shares, and what it says they are worth ({rule}: the
    # ratings rule with its release, from onet.priors)
    "explicit": ("weights given in the task list", "Shares from the weights the task list gives."),
    "ratings": (
        "share from O*NET task ratings",
        "Shares from {rule}. A starting point from frequency, importance and relevance, not time use: move a share "
        "where you have a reason, and say it.",
    ),
    "type": (
        "share from task type only",
        "No O*NET task ratings are bundled or imported for these tasks: Core tasks count twice a Supplemental one. "
        "Not evidence of time use.",
    ),
    "equal": (
        "equal share",
        "No O*NET task ratings are bundled or imported for these tasks, and they are untyped: every task has an "
        "equal share. This is no evidence of time use; weigh the tasks by what the role actually spends its time on.",
    ),
}


def system_variables(m: Methodology) -> dict:
    """The first message's variables: the same for every step of every role."""
    return {
        "methodology_id": m.id,
        "rubric": m.rubric,
        "labels_by_score": {s: list(v) for s, v in sorted(m.labels_by_score.items())},
    }


def mechanics(m: Methodology) -> dict:
    """The methodology's arithmetic, as the role's context states it when no scored role is close enough to
    calibrate on (the model places the role by how the score is made, not by an unrelated neighbour)."""
    return {k: str(getattr(m, k)) for k in MECHANICS}


MECHANICS = ("ceiling", "evidence_per_point", "barrier_per_point", "growth_per_point", "offset", "scale",
             "green_min", "yellow_min")  # fmt: skip


def role_variables(
    occ: Occupation, title: str, notes: str | None, calibration: Calibration, m: Methodology | None = None
) -> dict:
    """The second message's variables: the same for the four steps of one role."""
    shares, rule = priors(occ.tasks)
    name, note = PRIORS[prior_basis(occ.tasks)]
    note = note.format(rule=rule)
    return {
        "job_title": title,
        "code": None if occ.code == "custom" else occ.code,
        "occupation_title": occ.title,
        "description": occ.description,
        "tasks": [
            {"id": t.id, "type": t.type, "prior": p, "statement": t.statement}
            for t, p in zip(occ.tasks, shares, strict=True)
        ],
        "prior_name": name,
        "prior_note": note,
        "calibration": list(calibration.table),
        "example": calibration.example,
        "floor": calibration.floor,
        "nearest_below": calibration.nearest_below,
        "candidates": list(calibration.candidates),
        "mechanics": mechanics(m or load_methodology()),
        "notes": notes,
        **prompt_facts(occ),  # prompts/_facts.j2: observed AI use beside the task list
    }


def messages(template: str, system: dict, role: dict, step: dict | None = None) -> list[dict[str, str]]:
    """A step's three messages; the system prompt with the compact rubric when ``system`` says so (trim.py)."""
    first = prompts.COMPACT_SYSTEM if system.get("compact") else "system.j2"
    return [
        {"role": "system", "content": prompts.render(first, **system)},
        {"role": "user", "content": prompts.render("role.j2", **role)},
        {"role": "user", "content": prompts.render(template, **system, prior_name=role["prior_name"], **(step or {}))},
    ]


@dataclass(frozen=True)
class Prompter:
    """One request's prompts: the system and role variables worked out once, for every step of the draft (and
    the commentary of a sampled draft's consensus)."""

    system: dict
    role: dict

    @classmethod
    def of(cls, request: DraftRequest, m: Methodology) -> Prompter:
        r = request
        return cls(system_variables(m), role_variables(r.occupation, r.title, r.notes, r.calibration, m))

    def call(self, step: str, template: str, model: type, variables: dict, facts) -> Call:
        return Call(
            step, template, model, messages(template, self.system, self.role, variables), facts,
            shorter=functools.partial(self.shorter, template, variables),
        )  # fmt: skip

    def shorter(self, template: str, variables: dict) -> Iterator[tuple[str, list[dict[str, str]]]]:
        """The step's messages with the role's context shortened, then the rubric (drafting/trim.py), for a small
        context window."""
        for left_out, system, role in shorter_contexts(self.system, self.role):
            yield left_out, messages(template, system, role, variables)


def row_chunks(rows: list, tasks: int) -> list[list]:
    """The rows each scoring call scores: all at once, or for a large task list balanced groups of at most
    ``ROWS_PER_CALL`` (9 rows: 5 + 4; 7 rows: 4 + 3). Each call repeats the shared prompt, so few and even."""
    if tasks <= LARGE_TASK_LIST or len(rows) <= ROWS_PER_CALL:
        return [rows]
    k = math.ceil(len(rows) / ROWS_PER_CALL)
    q, r = divmod(len(rows), k)
    bounds = [sum(q + (j < r) for j in range(i)) for i in range(k + 1)]
    return [rows[bounds[i] : bounds[i + 1]] for i in range(k)]


def decompose_call(request: DraftRequest, prompter: Prompter) -> Call:
    """Step (a): the work activities covering the O*NET tasks, checked against the IDs that exist and must be."""
    occ = request.occupation
    required, optional = required_task_ids(occ)
    facts = DecomposeFacts(known_ids=tuple(t.id for t in occ.tasks), required_ids=tuple(required))
    return prompter.call(
        "decompose", "decompose.j2", Decomposition, {"required_ids": required, "optional_ids": optional}, facts
    )


def decompose_request(
    occ: Occupation,
    job_title: str | None = None,
    notes: str | None = None,
    methodology: Methodology | None = None,
    calibration: Calibration = NO_CALIBRATION,
) -> tuple[list[dict[str, str]], DecomposeFacts]:
    """Messages and validation facts of step (a), shared by live drafting and Batch API files."""
    request = DraftRequest.resolve(occ, {"job_title": job_title, "notes": notes}, run_id="", calibration=calibration)
    call = decompose_call(request, Prompter.of(request, methodology or load_methodology()))
    assert isinstance(call.facts, DecomposeFacts)
    return call.messages, call.facts


def scoring_round(request: DraftRequest, prompter: Prompter, rows: list[dict], seniority: str, m: Methodology):
    """Round 2: the rows scored, in parallel groups for a large task list."""
    labels = {s: tuple(v) for s, v in m.labels_by_score.items()}
    return tuple(
        prompter.call("score_rows", "score_rows.j2", RowScores, {"rows": chunk, "seniority_level": seniority},
                      RowFacts(row_names=tuple(r["task"] for r in chunk), labels_by_score=labels))
        for chunk in row_chunks(rows, len(request.occupation.tasks))
    )  # fmt: skip


def row_shares(rows: list[TaskRow], m: Methodology) -> RowShares:
    """The scored rows' shares of task time, as the scorer counts them (whole percents)."""

    def pct(pred) -> int:
        return sum(r.time_pct for r in rows if pred(r))

    return RowShares(
        displacement=pct(lambda r: r.label is TaskLabel.DISPLACEMENT),
        augmentation=pct(lambda r: r.label is TaskLabel.AUGMENTATION),
        not_involved=pct(lambda r: r.label is TaskLabel.NOT_INVOLVED),
        high=pct(lambda r: r.score >= m.high_score_threshold),
    )


def sections_call(request: DraftRequest, prompter: Prompter, rows: list[TaskRow], seniority: str, m: Methodology):
    """Round 3: the role-level sections, drafted with the scored rows in view, so that the growth correlation and
    the reinstatement check weigh (and cite) the share of task time the rows give to displacement (issue 22)."""
    shares = row_shares(rows, m)
    shown = [
        {"task": r.task, "time_pct": r.time_pct, "ids": r.onet_task_ids, "score": r.score, "label": r.label.value}
        for r in rows
    ]
    return prompter.call(
        "role_sections", "role_sections.j2", RoleSections,
        {"rows": shown, "seniority_level": seniority, "shares": shares},
        SectionFacts(notes=request.notes, calibration=request.calibration.table, shares=shares),
    )  # fmt: skip


def _asked(calls: tuple[Call, ...], records: list[StepRecord]) -> Generator[Yielded, Any, list]:
    """Yield a round of calls; the parsed answers, with each call's record added to ``records`` in call order."""
    answers = yield calls
    records.extend(_record(a[1], c.template) for c, a in zip(calls, answers, strict=True))
    return [a[0] for a in answers]


def steps(
    request: DraftRequest, methodology: Methodology, model: ModelRef, *, commentary: bool = True
) -> Generator[Yielded, Any, Draft]:
    """The pipeline without I/O: yields the LLM calls it needs (a tuple: a round of calls independent of one
    another), receives their (answer, StepResult) (a list for a round), returns the draft and its scorecard, the
    assessment scored once.

    ``commentary=False`` stops after the scorer (a sample of a sampled draft: the commentary is written once,
    for the consensus, by ``commentary_steps``)."""
    m, prompter = methodology, Prompter.of(request, methodology)
    records: list[StepRecord] = []
    decomposition: Decomposition = (yield from _asked((decompose_call(request, prompter),), records))[0]
    seniority = decomposition.seniority_level.strip()
    rows = _rows(decomposition, request.occupation)
    scored = yield from _asked(scoring_round(request, prompter, rows, seniority, m), records)
    by_name = {s.task: s for part in scored for s in part.scores}
    task_rows = [
        TaskRow(task=r["task"], time_pct=r["time_pct"], score=by_name[r["task"]].score, label=by_name[r["task"]].label,
                rationale=by_name[r["task"]].rationale, onet_task_ids=r["ids"])
        for r in rows
    ]  # fmt: skip
    sections = (yield from _asked((sections_call(request, prompter, task_rows, seniority, m),), records))[0]
    assessment = _assessment(request, model, m, decomposition, task_rows, sections, records)
    draft = Draft(assessment, score(assessment, m))
    if commentary:
        draft = yield from commentary_steps(request, draft, m, prompter)
    return draft


def _rows(decomposition: Decomposition, occ: Occupation) -> list[dict[str, Any]]:
    """The decomposition's rows as the scoring and role-section prompts show them (with their task statements),
    and beside each row its tasks' observed AI use as the facts state it (issue 22: visible beside the row while
    it is scored): each task's own line, never a sum the source does not publish."""
    by_id = {t.id: t for t in occ.tasks}
    seen = {u["id"]: u["line"] for u in prompt_facts(occ)["observed"]}
    return [
        {"task": r.task.strip(), "time_pct": r.time_pct, "ids": r.onet_task_ids,
         "statements": [by_id[i].statement for i in r.onet_task_ids],
         "observed": [f"task {i}: {seen[i]}" for i in r.onet_task_ids if i in seen]}
        for r in decomposition.rows
    ]  # fmt: skip


def _unmapped(decomposition: Decomposition, occ: Occupation, rows: list[TaskRow]) -> dict[int, str]:
    """The O*NET tasks no row covers: those the model excluded, with its reasons, and Supplemental tasks left out."""
    _required, optional = required_task_ids(occ)
    covered = {i for r in rows for i in r.onet_task_ids}
    unmapped = {e.onet_task_id: e.reason.strip() for e in decomposition.excluded_tasks}
    return unmapped | {
        i: "Supplemental task the draft left out (allowed by the method); review."
        for i in optional
        if i not in covered and i not in unmapped
    }


def _inputs(request: DraftRequest, model: ModelRef, m: Methodology) -> dict[str, str]:
    """What the provenance records a draft was made from."""
    inputs = {
        "endpoint": model.endpoint,
        "base_url": model.base_url,
        "model": model.model,
        "instructor_mode": model.instructor_mode,
        "methodology": m.id,
        "rubric": m.rubric.version if m.rubric else "none",
        "onet_source": request.occupation.source,
        "run_id": request.run_id,
    } | dict(request.inputs)
    if request.notes_source:
        inputs["notes"] = request.notes_source
    return inputs  # type: ignore[return-value]


def _assessment(
    request: DraftRequest, model: ModelRef, m: Methodology, decomposition: Decomposition, rows: list[TaskRow],
    sections: RoleSections, records: list[StepRecord],
) -> Assessment:  # fmt: skip
    """The draft from the answers of rounds 1 to 3 (no commentary yet)."""
    ev = sections.evidence
    return Assessment(
        role=RoleDefinition(
            job_title=request.title,
            soc_code=soc_code(request.occupation),
            seniority_level=decomposition.seniority_level.strip(),
            seniority_note=decomposition.seniority_note.strip(),
            **sections.role.model_dump(),
        ),  # fmt: skip
        protective_principles=sections.protective_principles,
        growth=sections.growth,
        tasks=rows,
        reinstatement_check=sections.reinstatement.text.strip(),
        reinstatement=Reinstatement(
            size=sections.reinstatement.size, offsets_displacement=sections.reinstatement.offsets_displacement
        ),
        evidence=Evidence(**{k: _evidence_item(v) for k, v in ev}),
        evidence_claims=[
            EvidenceClaim(dimension=EvidenceDimension(k), **c.model_dump()) for k, v in ev for c in v.items
        ],
        barriers=sections.barriers,
        assessor_override=AssessorOverride(),
        unmapped_onet_tasks=_unmapped(decomposition, request.occupation, rows),
        provenance=Provenance(
            drafted_by=f"llm:{model.model}",
            created_at=datetime.now(UTC).replace(microsecond=0),
            onet_code=request.onet_code,
            inputs=_inputs(request, model, m),
            calibration=request.calibration.used,
            steps=records,
        ),
    )


def _evidence_item(item) -> EvidenceItem:
    """A dimension's source is 'model' when any of its claims is the model's recall (so a reviewer verifies it)."""
    model = any(c.source is EvidenceSource.MODEL for c in item.items)
    return EvidenceItem(
        score=item.score, evidence=item.evidence, source=EvidenceSource.MODEL if model else EvidenceSource.NOTES
    )


def _career_move(move, candidates: tuple[CalibrationRow, ...]) -> CareerMove:
    """A validated suggestion, with the title, code and score as the candidates list them."""
    c = calibration_match(move, candidates)
    assert c is not None  # the Commentary validator refused any move not among the candidates
    return CareerMove(title=c["title"], onet_code=c["code"], score=float(c["score"]), zone=Zone(c["zone"]),
                      why=move.why.strip())  # fmt: skip


def _commentary_variables(a: Assessment, card: ScoreCard) -> dict:
    """Step 4 sees the draft itself (role, rationales, evidence), not only the figures."""
    r = a.reinstatement
    size = (
        f"{r.size.value}, {'offsets' if r.offsets_displacement else 'does not offset'} the displaced work. "
        if r
        else ""
    )
    return {
        "card": card,
        "rows": [
            {"task": t.task, "time_pct": t.time_pct, "score": t.score, "label": t.label.value, "rationale": t.rationale}
            for t in a.tasks
        ],
        "role": a.role,
        "excluded": [f"{i}: {why}" for i, why in a.unmapped_onet_tasks.items()],
        "principles": [
            {"name": name, **getattr(a.protective_principles, k).model_dump()} for k, name in PRINCIPLE_NAMES.items()
        ],
        "growth": a.growth,
        "reinstatement": size + a.reinstatement_check,
        "evidence": [{"name": name, **getattr(a.evidence, k).model_dump()} for k, name in EVIDENCE_NAMES.items()],
        "barriers": [{"name": name, **getattr(a.barriers, k).model_dump()} for k, name in BARRIER_NAMES.items()],
    }


def commentary_steps(
    request: DraftRequest, draft: Draft, m: Methodology, prompter: Prompter | None = None
) -> Generator[Call, tuple, Draft]:
    """Step (d) on its own: the calibration note, where to look next and the commentary, written from the draft's
    scorecard (computed once, before) and the draft itself (role, rationales, evidence). Returns the draft with
    them and the step's record appended to its provenance, its scorecard unchanged (the commentary changes no
    figure). A sampled draft runs it once, for the consensus."""
    a, card, template = draft.assessment, draft.scorecard, "commentary.j2"
    cal = request.calibration
    facts = CommentaryFacts(calibration=cal.table, own_score=card.score.shown, candidates=cal.candidates)
    prompter = prompter or Prompter.of(request, m)
    call = prompter.call("commentary", template, Commentary, _commentary_variables(a, card), facts)
    parsed, result = yield call
    steps = [*a.provenance.steps, _record(result, template)]
    written = a.model_copy(
        update={
            "commentary": parsed.sections,
            "assessor_override": AssessorOverride(note=parsed.calibration_note.strip()),
            "where_to_look_next": [_career_move(mv, facts.candidates) for mv in parsed.where_to_look_next],
            "provenance": a.provenance.model_copy(update={"steps": steps}),
        }
    )
    return Draft(written, card)


def _record(result: StepResult, template: str) -> StepRecord:
    """The step's record; its prompt version is the compact profile's when the request was sent with the compact
    rubric (trim.py, step 4), so the provenance tells which profile the answer was drafted from."""
    version = prompts.prompt_version(template, compact=COMPACT_RUBRIC in result.left_out)
    return StepRecord(
        step=result.step, prompt_version=version, attempts=result.attempts, requests=result.requests,
        cache_hits=result.cache_hits, latency_ms=round(result.latency_ms, 1), **result.usage.model_dump(),
    )  # fmt: skip
