"""The LLM drafting pipeline: decompose -> score rows -> role sections -> scorer -> commentary.

Each step is one structured call whose answer is validated against the step's facts; the composite is
computed by ``drafter.scoring`` between steps 3 and 4, and step 4 is told the figures, never asked for them.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..assessment import (
    Assessment,
    AssessorOverride,
    Evidence,
    EvidenceItem,
    Provenance,
    RoleDefinition,
    StepRecord,
    TaskRow,
)
from ..labour.notes import notes_for_draft
from ..llm.client import LLM, StepResult, current_run
from ..methodology import Methodology, load_methodology
from ..onet.model import Occupation
from ..onet.priors import priors
from ..scoring import score
from . import prompts
from .base import Draft, OnStep, soc_code
from .outputs import Commentary, Decomposition, RoleSections, RowScores

STEPS = ("decompose", "score_rows", "role_sections", "commentary")


def required_task_ids(occ: Occupation) -> tuple[list[int], list[int]]:
    """Core tasks must be covered; where O*NET leaves an occupation untyped, every task must be."""
    typed = any(t.type for t in occ.tasks)
    required = [t.id for t in occ.tasks if not typed or t.type != "Supplemental"]
    optional = [t.id for t in occ.tasks if typed and t.type == "Supplemental"]
    return required, optional


def _messages(template: str, **variables) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": prompts.render("system.j2")},
        {"role": "user", "content": prompts.render(template, **variables)},
    ]


@dataclass
class Call:
    """One structured LLM call the pipeline needs; a driver makes it and sends back the parsed answer."""

    step: str
    template: str
    response_model: type
    messages: list[dict[str, str]]
    context: dict


def draft_with_llm(
    occ: Occupation,
    llm: LLM,
    *,
    job_title: str | None = None,
    notes: str | None = None,
    notes_source: str | None = None,
    methodology: Methodology | None = None,
    on_step: OnStep | None = None,
    run_id: str | None = None,
    extra_inputs: dict[str, str] | None = None,
) -> Draft:
    """``run_id`` groups this draft's calls in the run log (default: the client's); ``extra_inputs`` are
    recorded in the provenance (a batch records its id there)."""
    run_id = run_id or llm.run_id
    token = current_run.set(run_id)
    steps = _steps(occ, llm, job_title, notes, notes_source, methodology, run_id, extra_inputs or {})
    tell = on_step or (lambda step, result: None)
    try:
        call = next(steps)
        while True:
            tell(call.step, None)
            answer: tuple[Any, StepResult] = llm.structured(call.step, call.response_model, call.messages, call.context)
            tell(call.step, answer[1])
            call = steps.send(answer)
    except StopIteration as done:
        return done.value
    finally:
        current_run.reset(token)


async def draft_with_llm_async(
    occ: Occupation,
    llm: LLM,
    *,
    job_title: str | None = None,
    notes: str | None = None,
    methodology: Methodology | None = None,
    run_id: str | None = None,
    extra_inputs: dict[str, str] | None = None,
) -> Draft:
    """The same pipeline on the async client: many drafts share one event loop in a batch."""
    run_id = run_id or llm.run_id
    token = current_run.set(run_id)
    steps = _steps(occ, llm, job_title, notes, None, methodology, run_id, extra_inputs or {})
    try:
        call = next(steps)
        while True:
            answer: tuple[Any, StepResult] = await llm.structured_async(
                call.step, call.response_model, call.messages, call.context
            )
            call = steps.send(answer)
    except StopIteration as done:
        return done.value
    finally:
        current_run.reset(token)


def _base_variables(occ: Occupation, title: str, notes: str | None, m: Methodology) -> dict:
    return {
        "methodology_id": m.id,
        "labels_by_score": {s: list(v) for s, v in sorted(m.labels_by_score.items())},
        "job_title": title,
        "code": None if occ.code == "custom" else occ.code,
        "occupation_title": occ.title,
        "notes": notes,
    }


def decompose_request(
    occ: Occupation, job_title: str | None = None, notes: str | None = None, methodology: Methodology | None = None
) -> tuple[list[dict[str, str]], dict]:
    """Messages and validation context of step (a), shared by live drafting and Batch API files."""
    m = methodology or load_methodology()
    notes, _ = notes_for_draft(occ.code, notes, None)  # issue 15: no notes given -> the official BLS figures
    shares, _rule = priors(occ.tasks)
    required, optional = required_task_ids(occ)
    tasks = [
        {"id": t.id, "type": t.type, "prior": p, "statement": t.statement}
        for t, p in zip(occ.tasks, shares, strict=True)
    ]
    messages = _messages(
        "decompose.j2", **_base_variables(occ, job_title or occ.title, notes, m),
        tasks=tasks, required_ids=required, optional_ids=optional,
    )  # fmt: skip
    return messages, {"known_ids": [t.id for t in occ.tasks], "required_ids": required}


def _steps(
    occ, llm, job_title, notes, notes_source, methodology, run_id, extra_inputs
) -> Generator[Call, tuple, Draft]:
    """The pipeline without I/O: yields each LLM call it needs, receives (answer, StepResult), returns the draft."""
    m = methodology or load_methodology()
    notes, notes_source = notes_for_draft(occ.code, notes, notes_source)  # issue 15: no notes -> official figures
    title = job_title or occ.title
    _required, optional = required_task_ids(occ)
    by_id = {t.id: t for t in occ.tasks}
    base = _base_variables(occ, title, notes, m)
    records: list[StepRecord] = []

    def call(step: str, template: str, model, messages: list[dict[str, str]], context: dict):
        parsed, result = yield Call(step, template, model, messages, context)
        records.append(_record(result, prompts.prompt_version(template)))
        return parsed

    def run(step: str, template: str, model, context: dict, **variables):
        return (yield from call(step, template, model, _messages(template, **base, **variables), context))

    messages, context = decompose_request(occ, title, notes, m)
    decomposition: Decomposition = yield from call("decompose", "decompose.j2", Decomposition, messages, context)
    rows: list[dict[str, Any]] = [
        {"task": r.task.strip(), "time_pct": r.time_pct, "ids": r.onet_task_ids,
         "statements": [by_id[i].statement for i in r.onet_task_ids]}
        for r in decomposition.rows
    ]  # fmt: skip
    scores: RowScores = yield from run(
        "score_rows", "score_rows.j2", RowScores,
        {"row_names": [r["task"] for r in rows], "labels_by_score": {s: list(v) for s, v in m.labels_by_score.items()}},
        rows=rows,
    )  # fmt: skip
    by_name = {s.task: s for s in scores.scores}
    task_rows = [
        TaskRow(task=r["task"], time_pct=r["time_pct"], score=by_name[r["task"]].score, label=by_name[r["task"]].label,
                rationale=by_name[r["task"]].rationale, onet_task_ids=r["ids"])
        for r in rows
    ]  # fmt: skip
    scored_rows = [
        {"task": t.task, "time_pct": t.time_pct, "score": t.score, "label": t.label.value} for t in task_rows
    ]
    sections: RoleSections = yield from run(
        "role_sections", "role_sections.j2", RoleSections, {"has_notes": bool(notes)}, rows=scored_rows
    )
    covered = {i for r in rows for i in r["ids"]}
    inputs = {
        "endpoint": llm.endpoint.name,
        "base_url": llm.public_url,
        "model": llm.endpoint.model,
        "instructor_mode": llm.endpoint.instructor_mode,
        "methodology": m.id,
        "onet_source": occ.source,
        "run_id": run_id,
    } | extra_inputs
    if notes_source:
        inputs["notes"] = notes_source
    assessment = Assessment(
        role=RoleDefinition(job_title=title, soc_code=soc_code(occ), **sections.role.model_dump()),
        protective_principles=sections.protective_principles,
        growth=sections.growth,
        tasks=task_rows,
        reinstatement_check=sections.reinstatement_check,
        evidence=Evidence(**{k: EvidenceItem(**v.model_dump()) for k, v in sections.evidence}),
        barriers=sections.barriers,
        assessor_override=AssessorOverride(),
        unmapped_onet_tasks={
            i: "Supplemental task the draft left out (allowed by the method); review."
            for i in optional
            if i not in covered
        },
        provenance=Provenance(
            drafted_by=f"llm:{llm.endpoint.model}",
            created_at=datetime.now(UTC).replace(microsecond=0),
            onet_code=None if occ.code == "custom" else occ.code,
            inputs=inputs,
        ),
    )
    card = score(assessment, m)
    commentary: Commentary = yield from run("commentary", "commentary.j2", Commentary, {}, card=card, rows=scored_rows)
    assessment.commentary = commentary.sections
    assessment.provenance = assessment.provenance.model_copy(update={"steps": records})
    return Draft(assessment, card)


def _record(result: StepResult, prompt_version: str) -> StepRecord:
    return StepRecord(
        step=result.step, prompt_version=prompt_version, attempts=result.attempts, requests=result.requests,
        cache_hits=result.cache_hits, latency_ms=round(result.latency_ms, 1), **result.usage.model_dump(),
    )  # fmt: skip
