"""Sampled and panel drafts: the pipeline run several times — N samples per endpoint, one or more endpoints —
then the consensus (drafter.review.consensus) with the spread, and one commentary written for the consensus.

Each sample is the same pipeline (decompose, score rows, role sections; no commentary) with the request
``seed`` set to the sample number, so sample k of an endpoint is a request of its own: the first run asks the
model, a re-run is answered from the run log at no cost, and ``--samples 5`` after ``--samples 3`` asks only
for samples 3 and 4. The samples run concurrently on the async client; the commentary (seed 0, first endpoint)
is written last, from the consensus figures, so it never describes one sample's score.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import Any

from ..assessment import Assessment, FieldSource, SourceKind
from ..labour.notes import notes_for_draft
from ..llm.client import LLM, StepResult, current_run
from ..methodology import Methodology, load_methodology
from ..onet.model import Occupation
from ..review.consensus import Sample, consensus
from ..review.fields import flatten
from ..scoring import score
from .pipeline import Call, Draft, _steps, commentary_steps

OnStep = Callable[[str, str, StepResult | None], None]  # (sample label "endpoint/k", step, result or None at start)


async def _drive(gen: Generator[Call, tuple, Any], llm: LLM, seed: int, run_id: str, label: str, on_step: OnStep):
    token = current_run.set(run_id)
    try:
        call = next(gen)
        while True:
            on_step(label, call.step, None)
            answer: tuple[Any, StepResult] = await llm.structured_async(
                call.step, call.response_model, call.messages, call.context, seed=seed
            )
            on_step(label, call.step, answer[1])
            call = gen.send(answer)
    except StopIteration as done:
        return done.value
    finally:
        current_run.reset(token)


async def _sampled(
    occ: Occupation,
    llms: list[LLM],
    samples: int,
    job_title: str | None,
    notes: str | None,
    notes_source: str | None,
    m: Methodology,
    on_step: OnStep,
) -> Draft:
    title = job_title or occ.title
    jobs = []
    for llm in llms:
        for k in range(samples):
            run_id = f"{llm.run_id}-s{k}"
            gen = _steps(occ, llm, job_title, notes, notes_source, m, run_id, {}, commentary=False)
            jobs.append((llm, k, _drive(gen, llm, k, run_id, f"{llm.endpoint.name}/{k}", on_step)))
    try:
        drafts = await asyncio.gather(*(job for _llm, _k, job in jobs))
        found = [
            Sample.of(d.assessment, sample=k, temperature=llm.endpoint.temperature)
            for (llm, k, _job), d in zip(jobs, drafts, strict=True)
        ]
        merged = consensus(found, m)
        first = llms[0]
        notes, _source = notes_for_draft(occ.code, notes, notes_source)  # the notes the samples were drafted with
        written: Assessment = await _drive(
            commentary_steps(merged, occ, title, notes, m), first, 0, f"{first.run_id}-consensus", "consensus", on_step
        )
    finally:
        for llm in llms:
            await llm.aclose()
    version = written.provenance.steps[-1].prompt_version
    source = FieldSource(kind=SourceKind.MODEL, endpoint=first.endpoint.name, model=first.endpoint.model,
                         prompt_version=version, detail="written for the consensus")  # fmt: skip
    fields = dict(written.provenance.fields)
    fields |= {p: source for p in flatten(written) if p.startswith("commentary[")}
    inputs = written.provenance.inputs | {
        "temperature": ",".join(dict.fromkeys(f"{x.endpoint.temperature:g}" for x in llms))
    }
    written = written.model_copy(
        update={"provenance": written.provenance.model_copy(update={"fields": fields, "inputs": inputs})}
    )
    return Draft(written, score(written, m))


def draft_sampled(
    occ: Occupation,
    llms: list[LLM],
    samples: int,
    *,
    job_title: str | None = None,
    notes: str | None = None,
    notes_source: str | None = None,
    methodology: Methodology | None = None,
    on_step: OnStep = lambda label, step, result: None,
) -> Draft:
    """The consensus draft of ``samples`` samples from each endpoint in ``llms`` (a panel when several)."""
    if samples < 1 or not llms:
        raise ValueError("a sampled draft needs at least one endpoint and one sample")
    m = methodology or load_methodology()
    return asyncio.run(_sampled(occ, llms, samples, job_title, notes, notes_source, m, on_step))
