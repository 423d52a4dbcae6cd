"""The LLM drafting pipeline: decompose -> (score rows | role sections) -> scorer -> commentary.

Each step is a structured call whose answer is validated against the step's facts; the composite is computed by
``drafter.scoring`` before the commentary, which is told the figures, never asked for them.

Three rounds of calls, not four sequential ones (issue 14): the rows are scored while the role-level sections are
drafted (those need the rows, their O*NET tasks and time shares, not their scores), and a large task list (more
than ``LARGE_TASK_LIST`` O*NET tasks) has its rows scored by several calls at once, at most ``ROWS_PER_CALL`` rows
each, so that no single answer is long. A round is a tuple of calls the drivers (``drive``) make concurrently.

Every request has the same three messages, longest-shared first, so that an endpoint's prompt cache can reuse
the longest prefix: the system prompt with the rubric (identical for every step of every role), then the role's
context (its O*NET tasks, the calibration table and worked example, the evidence notes: identical for the
steps of one role), then the step's own instructions and data.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..assessment import (
    BARRIER_NAMES,
    EVIDENCE_NAMES,
    PRINCIPLE_NAMES,
    Assessment,
    AssessorOverride,
    CalibrationRef,
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
    TaskRow,
    Zone,
)
from ..labour.notes import notes_for_draft
from ..llm.client import LLM, StepResult, current_run
from ..methodology import Methodology, load_methodology
from ..onet.model import Occupation
from ..onet.priors import priors
from ..scoring import score
from . import prompts
from .base import Draft, OnStep, soc_code
from .drive import Call, Yielded, drive, drive_async
from .outputs import Commentary, Decomposition, RoleSections, RowScores, calibration_match

LARGE_TASK_LIST = 20  # O*NET tasks: above this, the rows are scored by several calls at once
ROWS_PER_CALL = 5  # at most this many rows per scoring call of a large task list


def required_task_ids(occ: Occupation) -> tuple[list[int], list[int]]:
    """Core tasks must be covered; where O*NET leaves an occupation untyped, every task must be."""
    typed = any(t.type for t in occ.tasks)
    required = [t.id for t in occ.tasks if not typed or t.type != "Supplemental"]
    optional = [t.id for t in occ.tasks if typed and t.type == "Supplemental"]
    return required, optional


@dataclass(frozen=True)
class Calibration:
    """What the prompts show of the human-scored roles nearest to the one being drafted (never that role).

    ``table`` rows are dicts with title, code, task_resistance, evidence/barrier/growth modifiers (``None`` where
    unknown), score and zone as printed (strings); ``example`` is the nearest complete role's rows, or ``None``.
    Built by ``drafting.calibrate`` from the calibration set; plain data here, so the pipeline does no I/O.
    """

    table: tuple[dict, ...] = ()
    example: dict | None = None

    @property
    def used(self) -> list[CalibrationRef]:
        """What the draft's provenance records: every role of the table, the worked example marked."""
        example = (self.example["title"], self.example.get("code")) if self.example else None
        return [
            CalibrationRef(title=c["title"], onet_code=c.get("code"), source=c.get("source", "calibration set"),
                           similarity=c.get("similarity", 0.0), complete=c.get("complete", False),
                           worked_example=(c["title"], c.get("code")) == example)
            for c in self.table
        ]  # fmt: skip

    def facts(self) -> list[dict]:
        """What the validators check cited figures against."""
        return [
            {"title": c["title"], "code": c.get("code"), "score": c["score"], "zone": c["zone"]} for c in self.table
        ]


NO_CALIBRATION = Calibration()

PRIORS = {
    # priors() rule -> what the prompt calls the shares, and what it says they are worth
    "explicit": ("weights given in the task list", "Shares from the weights the task list gives."),
    "ratings": (
        "share from imported O*NET Task Ratings",
        "Shares from the imported O*NET Task Ratings (frequency, importance, relevance): a heuristic, not time use.",
    ),
    "type": (
        "share from task type only",
        "No O*NET ratings were imported: Core tasks count twice a Supplemental one. Not evidence of time use.",
    ),
    "equal": (
        "equal share",
        "No O*NET ratings were imported and the tasks are untyped: every task has an equal share. This is no "
        "evidence of time use; weigh the tasks by what the role actually spends its time on.",
    ),
}


def prior_kind(occ: Occupation, rule: str) -> str:
    if rule == "explicit weights":
        return "explicit"
    if rule.startswith("Task Ratings"):
        return "ratings"
    return "type" if any(t.type for t in occ.tasks) else "equal"


def system_variables(m: Methodology) -> dict:
    """The first message's variables: the same for every step of every role."""
    return {
        "methodology_id": m.id,
        "rubric": m.rubric,
        "labels_by_score": {s: list(v) for s, v in sorted(m.labels_by_score.items())},
    }


def role_variables(occ: Occupation, title: str, notes: str | None, calibration: Calibration) -> dict:
    """The second message's variables: the same for the four steps of one role."""
    shares, rule = priors(occ.tasks)
    name, note = PRIORS[prior_kind(occ, rule)]
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
        "notes": notes,
    }


def messages(template: str, system: dict, role: dict, step: dict | None = None) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": prompts.render("system.j2", **system)},
        {"role": "user", "content": prompts.render("role.j2", **role)},
        {"role": "user", "content": prompts.render(template, **system, prior_name=role["prior_name"], **(step or {}))},
    ]


def row_chunks(rows: list, tasks: int) -> list[list]:
    """The rows each scoring call scores: all at once, or for a large task list balanced groups of at most
    ``ROWS_PER_CALL`` (9 rows: 5 + 4; 7 rows: 4 + 3). Each call repeats the shared prompt, so few and even."""
    if tasks <= LARGE_TASK_LIST or len(rows) <= ROWS_PER_CALL:
        return [rows]
    k = math.ceil(len(rows) / ROWS_PER_CALL)
    q, r = divmod(len(rows), k)
    bounds = [sum(q + (j < r) for j in range(i)) for i in range(k + 1)]
    return [rows[bounds[i] : bounds[i + 1]] for i in range(k)]


def draft_with_llm(
    occ: Occupation,
    llm: LLM,
    *,
    job_title: str | None = None,
    notes: str | None = None,
    notes_source: str | None = None,
    methodology: Methodology | None = None,
    calibration: Calibration = NO_CALIBRATION,
    on_step: OnStep | None = None,
    run_id: str | None = None,
    extra_inputs: dict[str, str] | None = None,
) -> Draft:
    """``run_id`` groups this draft's calls in the run log (default: the client's); ``extra_inputs`` are
    recorded in the provenance (a batch records its id there); ``calibration`` is what the prompts show of the
    nearest human-scored roles (``drafting.calibrate.calibration_for``)."""
    run_id = run_id or llm.run_id
    token = current_run.set(run_id)
    steps = _steps(occ, llm, job_title, notes, notes_source, methodology, calibration, run_id, extra_inputs or {})
    try:
        answer = lambda c: llm.structured(c.step, c.response_model, c.messages, c.context)  # noqa: E731
        return drive(steps, answer, on_step or (lambda step, result: None))
    finally:
        current_run.reset(token)


async def draft_with_llm_async(
    occ: Occupation,
    llm: LLM,
    *,
    job_title: str | None = None,
    notes: str | None = None,
    methodology: Methodology | None = None,
    calibration: Calibration = NO_CALIBRATION,
    run_id: str | None = None,
    extra_inputs: dict[str, str] | None = None,
) -> Draft:
    """The same pipeline on the async client: many drafts share one event loop in a batch."""
    run_id = run_id or llm.run_id
    token = current_run.set(run_id)
    steps = _steps(occ, llm, job_title, notes, None, methodology, calibration, run_id, extra_inputs or {})
    try:
        return await drive_async(steps, lambda c: llm.structured_async(c.step, c.response_model, c.messages, c.context))
    finally:
        current_run.reset(token)


def decompose_request(
    occ: Occupation,
    job_title: str | None = None,
    notes: str | None = None,
    methodology: Methodology | None = None,
    calibration: Calibration = NO_CALIBRATION,
) -> tuple[list[dict[str, str]], dict]:
    """Messages and validation context of step (a), shared by live drafting and Batch API files."""
    m = methodology or load_methodology()
    notes, _ = notes_for_draft(occ.code, notes, None)  # issue 15: no notes given -> the official BLS figures
    required, optional = required_task_ids(occ)
    msgs = messages(
        "decompose.j2", system_variables(m), role_variables(occ, job_title or occ.title, notes, calibration),
        {"required_ids": required, "optional_ids": optional},
    )  # fmt: skip
    return msgs, {"known_ids": [t.id for t in occ.tasks], "required_ids": required}


def _steps(
    occ,
    llm,
    job_title,
    notes,
    notes_source,
    methodology,
    calibration: Calibration,
    run_id,
    extra_inputs,
    commentary: bool = True,
) -> Generator[Yielded, Any, Draft]:
    """The pipeline without I/O: yields the LLM calls it needs (a tuple: a round of calls independent of one
    another), receives their (answer, StepResult) (a list for a round), returns the draft.

    ``commentary=False`` stops after the scorer (a sample of a sampled draft: the commentary is written once,
    for the consensus, by ``commentary_steps``)."""
    m = methodology or load_methodology()
    notes, notes_source = notes_for_draft(occ.code, notes, notes_source)  # issue 15: no notes -> official figures
    title = job_title or occ.title
    _required, optional = required_task_ids(occ)
    by_id = {t.id: t for t in occ.tasks}
    system, role = system_variables(m), role_variables(occ, title, notes, calibration)
    cal_facts = calibration.facts()
    records: list[StepRecord] = []

    def call(step: str, template: str, model, variables: dict, context: dict) -> Call:
        return Call(step, template, model, messages(template, system, role, variables), context)

    def answered(calls: tuple[Call, ...], answers: list) -> list:
        """The parsed answers; each call's record in the provenance, in the order of the calls."""
        records.extend(_record(a[1], prompts.prompt_version(c.template)) for c, a in zip(calls, answers, strict=True))
        return [a[0] for a in answers]

    # round 1: the rows
    msgs, context = decompose_request(occ, title, notes, m, calibration)
    first = (Call("decompose", "decompose.j2", Decomposition, msgs, context),)
    decomposition: Decomposition = answered(first, (yield first))[0]
    seniority = decomposition.seniority_level.strip()
    rows: list[dict[str, Any]] = [
        {"task": r.task.strip(), "time_pct": r.time_pct, "ids": r.onet_task_ids,
         "statements": [by_id[i].statement for i in r.onet_task_ids]}
        for r in decomposition.rows
    ]  # fmt: skip
    # round 2: the rows scored (in parallel groups for a large task list) while the role-level sections are drafted
    labels = {s: list(v) for s, v in m.labels_by_score.items()}
    second = tuple(
        call("score_rows", "score_rows.j2", RowScores, {"rows": chunk, "seniority_level": seniority},
             {"row_names": [r["task"] for r in chunk], "labels_by_score": labels})
        for chunk in row_chunks(rows, len(occ.tasks))
    ) + (
        call("role_sections", "role_sections.j2", RoleSections, {"rows": rows, "seniority_level": seniority},
             {"notes": notes, "calibration": cal_facts}),
    )  # fmt: skip
    *scored, sections = answered(second, (yield second))
    by_name = {s.task: s for part in scored for s in part.scores}
    task_rows = [
        TaskRow(task=r["task"], time_pct=r["time_pct"], score=by_name[r["task"]].score, label=by_name[r["task"]].label,
                rationale=by_name[r["task"]].rationale, onet_task_ids=r["ids"])
        for r in rows
    ]  # fmt: skip
    covered = {i for r in rows for i in r["ids"]}
    unmapped = {e.onet_task_id: e.reason.strip() for e in decomposition.excluded_tasks}
    unmapped |= {
        i: "Supplemental task the draft left out (allowed by the method); review."
        for i in optional
        if i not in covered and i not in unmapped
    }
    inputs = {
        "endpoint": llm.endpoint.name,
        "base_url": llm.public_url,
        "model": llm.endpoint.model,
        "instructor_mode": llm.endpoint.instructor_mode,
        "methodology": m.id,
        "rubric": m.rubric.version if m.rubric else "none",
        "onet_source": occ.source,
        "run_id": run_id,
    } | extra_inputs
    if notes_source:
        inputs["notes"] = notes_source
    ev = sections.evidence
    assessment = Assessment(
        role=RoleDefinition(
            job_title=title,
            soc_code=soc_code(occ),
            seniority_level=seniority,
            seniority_note=decomposition.seniority_note.strip(),
            **sections.role.model_dump(),
        ),  # fmt: skip
        protective_principles=sections.protective_principles,
        growth=sections.growth,
        tasks=task_rows,
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
        unmapped_onet_tasks=unmapped,
        provenance=Provenance(
            drafted_by=f"llm:{llm.endpoint.model}",
            created_at=datetime.now(UTC).replace(microsecond=0),
            onet_code=None if occ.code == "custom" else occ.code,
            inputs=inputs,
            calibration=calibration.used,
        ),
    )
    card = score(assessment, m)
    if commentary:
        written = yield from commentary_steps(assessment, occ, title, notes, m, calibration)
        assessment.commentary = written.commentary
        assessment.assessor_override = written.assessor_override
        assessment.where_to_look_next = written.where_to_look_next
        records += written.provenance.steps[-1:]
    assessment.provenance = assessment.provenance.model_copy(update={"steps": records})
    return Draft(assessment, card)


def _evidence_item(item) -> EvidenceItem:
    """A dimension's source is 'model' when any of its claims is the model's recall (so a reviewer verifies it)."""
    model = any(c.source is EvidenceSource.MODEL for c in item.items)
    return EvidenceItem(
        score=item.score, evidence=item.evidence, source=EvidenceSource.MODEL if model else EvidenceSource.NOTES
    )


def _career_move(move, calibration: list[dict]) -> CareerMove:
    """A validated suggestion, with the title, code and score as the calibration table lists them."""
    c = calibration_match(move, calibration)
    assert c is not None  # the Commentary validator refused any move not in the table
    return CareerMove(title=c["title"], onet_code=c.get("code"), score=float(c["score"]), zone=Zone(c["zone"]),
                      why=move.why.strip())  # fmt: skip


def _commentary_variables(a: Assessment, card, rows: list[dict]) -> dict:
    """Step 4 sees the draft itself (role, rationales, evidence), not only the figures."""
    r = a.reinstatement
    size = (
        f"{r.size.value}, {'offsets' if r.offsets_displacement else 'does not offset'} the displaced work. "
        if r
        else ""
    )
    return {
        "card": card,
        "rows": rows,
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
    a: Assessment,
    occ: Occupation,
    title: str,
    notes: str | None,
    m: Methodology,
    calibration: Calibration = NO_CALIBRATION,
) -> Generator[Call, tuple, Assessment]:
    """Step (d) on its own: the calibration note, where to look next and the commentary, written from the scorer's
    figures and the draft itself (role, rationales, evidence). Returns ``a`` with them and the step's record
    appended to its provenance. A sampled draft runs it once, for the consensus."""
    card = score(a, m)
    rows = [
        {"task": t.task, "time_pct": t.time_pct, "score": t.score, "label": t.label.value, "rationale": t.rationale}
        for t in a.tasks
    ]
    template = "commentary.j2"
    cal_facts = calibration.facts()
    msgs = messages(
        template, system_variables(m), role_variables(occ, title, notes, calibration),
        _commentary_variables(a, card, rows),
    )  # fmt: skip
    context = {"calibration": cal_facts, "own_score": card.score.shown}
    parsed, result = yield Call("commentary", template, Commentary, msgs, context)
    record = _record(result, prompts.prompt_version(template))
    steps = [*a.provenance.steps, record]
    return a.model_copy(
        update={
            "commentary": parsed.sections,
            "assessor_override": AssessorOverride(note=parsed.calibration_note.strip()),
            "where_to_look_next": [_career_move(mv, cal_facts) for mv in parsed.where_to_look_next],
            "provenance": a.provenance.model_copy(update={"steps": steps}),
        }
    )


def _record(result: StepResult, prompt_version: str) -> StepRecord:
    return StepRecord(
        step=result.step, prompt_version=prompt_version, attempts=result.attempts, requests=result.requests,
        cache_hits=result.cache_hits, latency_ms=round(result.latency_ms, 1), **result.usage.model_dump(),
    )  # fmt: skip
