"""Sampled and panel drafts behind the ``Drafter`` seam: the pipeline run several times — N samples per endpoint,
one or more endpoints — then the consensus (drafter.review.consensus) with the spread, and one commentary
written for the consensus.

Each sample is the same pipeline (decompose, score rows, role sections; no commentary) with the request
``seed`` set to the sample number, so sample k of an endpoint is a request of its own: the first run asks the
model, a re-run is answered from the run log at no cost, and ``--samples 5`` after ``--samples 3`` asks only
for samples 3 and 4. The samples run concurrently on the async client; the commentary (seed 0, first endpoint)
is written last, from the consensus figures, so it never describes one sample's score. All of a draft's calls
share its run id, as a single draft's do, and every sample reads the one request (the calibration set ranked
once). Each sample is scored once, when drafted (the consensus's spread reuses that card), and the consensus once.
A step is reported to ``on_step`` with its sample's label, as the provenance names it: "a/0:decompose",
"consensus:commentary".
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Unpack

from ..assessment import FieldSource, SourceKind
from ..llm.client import current_run
from ..llm.runlog import RunLog, RunTotals
from ..methodology import Methodology, load_methodology
from ..review.consensus import METHOD, Sample, consensus
from ..review.fields import flatten
from ..scoring import score
from ..usage import Usage
from .base import Draft, Drafter, drafter_name
from .drive import async_answers_from, drive_async, labelled
from .llm_drafter import LLMDrafter
from .pipeline import commentary_steps, steps
from .request import DraftOptions, DraftRequest, ModelRef, OnStep

if TYPE_CHECKING:
    from ..calibration import CalibrationSet
    from ..llm.endpoints import Endpoint
    from ..onet.model import Occupation


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

    def request(self, occ: Occupation, options: DraftOptions) -> DraftRequest:
        """One request for every sample: each is shown the same calibration roles, ranked once."""
        first = self.members[0]
        calibration = first.calibration_for(occ, options.get("job_title"))
        return DraftRequest.resolve(occ, options, run_id=first.llm.run_id, calibration=calibration)

    def draft_request(self, request: DraftRequest, on_step: OnStep) -> Draft:
        async def run() -> Draft:
            try:
                return await self.adraft_request(request, on_step)
            finally:
                await self.aclose()

        return asyncio.run(run())

    async def adraft_request(self, request: DraftRequest, on_step: OnStep) -> Draft:
        token = current_run.set(request.run_id)
        try:
            found = await self._samples(request, on_step)
            merged = consensus(found, self.m)
            answers = async_answers_from(self.members[0].llm, seed=0)
            gen = commentary_steps(request, Draft(merged, score(merged, self.m)), self.m)
            written = await drive_async(gen, answers, labelled(on_step, "consensus"))
        finally:
            current_run.reset(token)
        return self._finished(written)

    async def _samples(self, request: DraftRequest, on_step: OnStep) -> list[Sample]:
        """Every sample of every endpoint at once (no commentary), each scored once as it is drafted."""
        jobs = [
            (member, k, steps(request, self.m, ModelRef.of(member.llm), commentary=False))
            for member in self.members
            for k in range(self.samples)
        ]
        drafts = await asyncio.gather(*(
            drive_async(gen, async_answers_from(member.llm, seed=k), labelled(on_step, f"{member.endpoint.name}/{k}"))
            for member, k, gen in jobs
        ))  # fmt: skip
        return [
            Sample.of(d.assessment, sample=k, temperature=member.endpoint.temperature, card=d.scorecard)
            for (member, k, _gen), d in zip(jobs, drafts, strict=True)
        ]

    def _finished(self, draft: Draft) -> Draft:
        """The consensus's provenance completed (the commentary's source, the temperatures); its card unchanged."""
        a, first = draft.assessment, self.members[0].endpoint
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
        return Draft(a, draft.scorecard)

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
    log: RunLog | None = None,
    use_cache: bool = True,
    calibration: CalibrationSet | None = None,
    **options: Unpack[DraftOptions],
) -> Draft:
    """The consensus draft of ``samples`` samples from each endpoint (a panel when several); every sample is shown
    the same calibration roles (the nearest of ``calibration``, never the role itself)."""
    d = SampledDrafter(endpoints, samples, log=log, use_cache=use_cache, calibration=calibration)
    try:
        return d.draft(occ, **options)
    finally:
        d.close()
