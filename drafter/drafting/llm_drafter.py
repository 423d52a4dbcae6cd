"""The LLM pipeline behind the ``Drafter`` seam: one client (connections, run log, cache, limits) for every draft.

Importing this module loads the HTTP stack (httpx, and openai + instructor when the client is built); the
offline default never imports it. ``drafter_for`` is the only caller outside tests. Each draft's request ranks the
calibration set once (``request``); the drivers (drafting/drive.py) make its calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..llm.client import LLM
from ..llm.runlog import RunTotals
from ..usage import Usage
from .base import Draft, Drafter, drafter_name
from .calibrate import Calibration
from .drive import arun_request, run_request
from .neighbours import draft_calibration
from .request import DraftOptions, DraftRequest, OnStep
from .steps import STEPS

if TYPE_CHECKING:
    from ..calibration import CalibrationSet
    from ..llm.endpoints import Endpoint
    from ..llm.runlog import RunLog
    from ..onet.model import Occupation


class LLMDrafter(Drafter):
    kind = "llm"
    io_bound = True

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        log: RunLog | None = None,
        use_cache: bool = True,
        concurrency: int | None = None,
        rpm: float | None = None,
        tpm: float | None = None,
        budget_share: float = 1.0,
        calibration: CalibrationSet | None = None,
    ):
        """``concurrency`` (a batch): that many requests in flight over a pool of as many connections. Every
        request passes one limiter, planning against ``rpm``/``tpm`` (default: the endpoint's budgets), of which
        it takes ``budget_share``, and the server's rate-limit headers; it also backs off on 429s.
        ``calibration``: the human-scored roles whose nearest each draft's prompts show (default: the shipped
        golden roles and reference points, loaded on first use); never the role being drafted."""
        from ..llm.limiter import RateLimiter, RequestSlots

        limiter = RateLimiter(rpm or endpoint.rpm, tpm or endpoint.tpm, share=budget_share)
        if concurrency is None:
            self.llm = LLM(endpoint, log, use_cache=use_cache, limiter=limiter)
        else:  # `concurrency` requests in flight; the slots favour roles with more calls ahead
            self.llm = LLM(endpoint, log, use_cache=use_cache, limiter=limiter, slots=RequestSlots(concurrency),
                           pool=concurrency + 2)  # fmt: skip
        self.endpoint = endpoint
        self.name = drafter_name(endpoint)
        self.prices = endpoint.prices
        self.totals = RunTotals()  # over the successful drafts (their steps' figures)
        self._run_ids: dict[str, None] = {}  # every run drafted here, failed ones included (for usage())
        self._closed: RunTotals | None = None
        self._calibration = calibration

    @property
    def calibration(self) -> CalibrationSet:
        if self._calibration is None:
            from ..calibration import CalibrationSet

            self._calibration = CalibrationSet.load()
        return self._calibration

    def calibration_for(self, occ: Occupation, job_title: str | None = None) -> Calibration:
        """What the prompts of ``occ`` show: its nearest scored roles and a worked example, never itself."""
        return draft_calibration(occ, job_title or occ.title, self.calibration)

    def request(self, occ: Occupation, options: DraftOptions) -> DraftRequest:
        """The calibration set ranked for this draft, once; the run id defaults to the client's."""
        calibration = self.calibration_for(occ, options.get("job_title"))
        return DraftRequest.resolve(occ, options, run_id=self.llm.run_id, calibration=calibration)

    def draft_request(self, request: DraftRequest, on_step: OnStep) -> Draft:
        self._run_ids[request.run_id] = None
        return self._counted(run_request(request, self.llm, on_step=on_step))

    async def adraft_request(self, request: DraftRequest, on_step: OnStep) -> Draft:
        self._run_ids[request.run_id] = None
        return self._counted(await arun_request(request, self.llm, on_step=on_step))

    def _counted(self, d: Draft) -> Draft:
        steps = d.assessment.provenance.steps
        self.totals = RunTotals(
            requests=self.totals.requests + sum(s.requests for s in steps),
            cache_hits=self.totals.cache_hits + sum(s.cache_hits for s in steps),
            usage=sum((Usage.model_validate(s, from_attributes=True) for s in steps), self.totals.usage),
        )
        return d

    def describe(self) -> dict[str, Any]:
        from .prompts import prompt_version

        ep = self.endpoint
        return {
            "backend": self.kind,
            "endpoint": ep.name,
            "model": ep.model,
            "base_url": self.llm.public_url,
            "instructor_mode": ep.instructor_mode,
            "temperature": ep.temperature,
            "prompts": [prompt_version(f"{step}.j2") for step in STEPS],
            "calibration": [f"{r.title} ({r.source})" for r in self.calibration.roles],
        }

    def usage(self) -> RunTotals:
        """Totals over every draft run here, failed ones included (an eval that sent 5 requests and failed says 5,
        not 0): from the run log, by run id; priced with ``self.prices``."""
        if not self._run_ids:
            return self.totals
        if self._closed is not None:  # the client closed its run log: the totals as they were then
            return self._closed
        runs = [self.llm.log.usage_for_run(run_id) for run_id in self._run_ids]
        return RunTotals(
            requests=sum(r.requests for r in runs), cache_hits=sum(r.cache_hits for r in runs),
            usage=sum((r.usage for r in runs), Usage()), errors=sum(r.errors for r in runs),
        )  # fmt: skip

    def budget(self) -> dict[str, float | None]:
        limiter = self.llm.limiter
        return {"rpm": limiter.rpm, "tpm": limiter.tpm}

    def run_usage(self, run_id: str) -> RunTotals:
        return self.llm.log.usage_for_run(run_id)

    def close(self) -> None:
        if self._closed is None:
            self._closed = self.usage()
        self.llm.close()

    async def aclose(self) -> None:
        await self.llm.aclose()
