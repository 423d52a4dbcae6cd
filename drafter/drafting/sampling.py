"""Sampled and panel drafts behind the ``Drafter`` seam: the pipeline run several times — N samples per endpoint,
one or more endpoints — then the consensus (drafter.review.consensus) with the spread, and one commentary
written for the consensus.

Each sample is the same pipeline (decompose, score rows, role sections; no commentary) with the request
``seed`` set to the sample number, so sample k of an endpoint is a request of its own: the first run asks the
model, a re-run is answered from the run log at no cost, and ``--samples 5`` after ``--samples 3`` asks only
for samples 3 and 4. The samples run concurrently on the async client; the commentary (seed 0, first endpoint)
is written last, from the consensus figures, so it never describes one sample's score. All of a draft's calls
share its run id, as a single draft's do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from ..assessment import Assessment, FieldSource, SourceKind
from ..labour.notes import notes_for_draft
from ..llm.client import LLM, StepResult, current_run
from ..llm.runlog import RunLog, RunTotals
from ..methodology import Methodology, load_methodology
from ..review.consensus import METHOD, Sample, consensus
from ..review.fields import flatten
from ..scoring import score
from ..usage import Usage
from .base import Draft, Drafter, drafter_name
from .drive import Call, drive_async
from .llm_drafter import LLMDrafter
from .pipeline import _steps, commentary_steps

if TYPE_CHECKING:
    from ..calibration import CalibrationSet
    from ..llm.endpoints import Endpoint
    from ..onet.model import Occupation

SampleStep = Callable[[str, str, StepResult | None], None]  # (sample "endpoint/k", step, result or None at start)


async def _drive(gen: Generator[Any, Any, Any], llm: LLM, seed: int, label: str, on_step: SampleStep):
    """One sample's pipeline on the async client, with the request ``seed`` set to the sample number."""

    async def answer(call: Call) -> tuple[Any, StepResult]:
        on_step(label, call.step, None)
        result: tuple[Any, StepResult] = await llm.structured_async(
            call.step, call.response_model, call.messages, call.context, seed=seed
        )
        on_step(label, call.step, result[1])
        return result

    return await drive_async(gen, answer)


class SampledDrafter(Drafter):
    kind = "llm"
    io_bound = True

    def __init__(
        self,
        endpoints: list[Endpoint],
        samples: int,
        *,
        log: RunLog | None = None,
        use_cache: bool = True,
        concurrency: int | None = None,
        rpm: float | None = None,
        tpm: float | None = None,
        budget_share: float = 1.0,
        methodology: Methodology | None = None,
        calibration: CalibrationSet | None = None,
    ):
        if samples < 1 or not endpoints:
            raise ValueError("a sampled draft needs at least one endpoint and one sample")
        self._own_log = log is None
        self.log = log or RunLog(secrets=tuple(k for ep in endpoints if (k := ep.api_key)))
        self.members = [
            LLMDrafter(
                ep,
                log=self.log,
                use_cache=use_cache,
                concurrency=concurrency,
                rpm=rpm,
                tpm=tpm,
                budget_share=budget_share,  # a batch's worker process plans its share of each endpoint's budget
                calibration=calibration,
            )  # fmt: skip
            for ep in endpoints
        ]
        self.samples = samples
        self.m = methodology or load_methodology()
        self.name = drafter_name(endpoints, samples)  # llm:m1+llm:m2×3
        prices = {repr(ep.prices) for ep in endpoints}
        self.prices = endpoints[0].prices if len(prices) == 1 else None  # a mixed panel is not priced as one
        self.totals = RunTotals()

    def draft(
        self,
        occ: Occupation,
        *,
        job_title: str | None = None,
        notes: str | None = None,
        notes_source: str | None = None,
        run_id: str | None = None,
        extra_inputs: dict[str, str] | None = None,
        on_step: Callable | None = None,
        on_sample_step: SampleStep | None = None,
    ) -> Draft:
        """``on_sample_step`` is told of every step of every sample; ``on_step`` (the seam's) of the steps by name."""
        tell = on_sample_step or (lambda label, step, result: on_step(step, result) if on_step else None)

        async def run() -> Draft:
            try:
                return await self._draft(occ, job_title, notes, notes_source, run_id, extra_inputs, tell)
            finally:
                await self.aclose()

        return asyncio.run(run())

    async def adraft(
        self,
        occ: Occupation,
        *,
        job_title: str | None = None,
        notes: str | None = None,
        run_id: str | None = None,
        extra_inputs: dict[str, str] | None = None,
    ) -> Draft:
        return await self._draft(occ, job_title, notes, None, run_id, extra_inputs, lambda label, step, result: None)

    async def _draft(self, occ, job_title, notes, notes_source, run_id, extra_inputs, tell: SampleStep) -> Draft:
        m, first = self.m, self.members[0].llm
        run_id = run_id or first.run_id
        token = current_run.set(run_id)
        try:
            jobs = []
            calibration = self.members[0].calibration_for(occ, job_title)  # every sample is shown the same roles
            for member in self.members:
                for k in range(self.samples):
                    gen = _steps(occ, member.llm, job_title, notes, notes_source, m, calibration, run_id,
                                 extra_inputs or {}, commentary=False)  # fmt: skip
                    jobs.append((member, k, _drive(gen, member.llm, k, f"{member.endpoint.name}/{k}", tell)))
            drafts = await asyncio.gather(*(job for _m, _k, job in jobs))
            found = [
                Sample.of(d.assessment, sample=k, temperature=member.endpoint.temperature)
                for (member, k, _job), d in zip(jobs, drafts, strict=True)
            ]
            merged = consensus(found, m)
            title = job_title or occ.title
            notes, _source = notes_for_draft(occ.code, notes, notes_source)  # as the samples were drafted
            written: Assessment = await _drive(
                commentary_steps(merged, occ, title, notes, m, calibration), first, 0, "consensus", tell
            )
        finally:
            current_run.reset(token)
        return self._finished(written)

    def _finished(self, a: Assessment) -> Draft:
        first = self.members[0].endpoint
        version = a.provenance.steps[-1].prompt_version
        source = FieldSource(kind=SourceKind.MODEL, endpoint=first.name, model=first.model, prompt_version=version,
                             detail="written for the consensus")  # fmt: skip
        fields = dict(a.provenance.fields) | {p: source for p in flatten(a) if p.startswith("commentary[")}
        temperatures = ",".join(dict.fromkeys(f"{x.endpoint.temperature:g}" for x in self.members))
        inputs = a.provenance.inputs | {"temperature": temperatures}
        a = a.model_copy(update={"provenance": a.provenance.model_copy(update={"fields": fields, "inputs": inputs})})
        steps = a.provenance.steps
        self.totals = RunTotals(
            requests=self.totals.requests + sum(s.requests for s in steps),
            cache_hits=self.totals.cache_hits + sum(s.cache_hits for s in steps),
            usage=sum((Usage.model_validate(s, from_attributes=True) for s in steps), self.totals.usage),
        )
        return Draft(a, score(a, self.m))

    def describe(self) -> dict[str, Any]:
        members = [member.describe() for member in self.members]
        return {"backend": self.kind, "samples": self.samples, "consensus": METHOD, "endpoints": members} | {
            k: members[0][k] for k in ("endpoint", "model", "temperature", "prompts")
        }

    def usage(self) -> RunTotals:
        return self.totals

    def run_usage(self, run_id: str) -> RunTotals:
        return self.log.usage_for_run(run_id)

    def close(self) -> None:
        for member in self.members:
            member.close()
        if self._own_log:
            self.log.close()

    async def aclose(self) -> None:
        for member in self.members:
            await member.aclose()


def draft_sampled(
    occ: Occupation,
    endpoints: list[Endpoint],
    samples: int,
    *,
    job_title: str | None = None,
    notes: str | None = None,
    notes_source: str | None = None,
    log: RunLog | None = None,
    use_cache: bool = True,
    on_sample_step: SampleStep | None = None,
    calibration: CalibrationSet | None = None,
) -> Draft:
    """The consensus draft of ``samples`` samples from each endpoint (a panel when several); every sample is shown
    the same calibration roles (the nearest of ``calibration``, never the role itself)."""
    d = SampledDrafter(endpoints, samples, log=log, use_cache=use_cache, calibration=calibration)
    try:
        return d.draft(occ, job_title=job_title, notes=notes, notes_source=notes_source, on_sample_step=on_sample_step)
    finally:
        d.close()
