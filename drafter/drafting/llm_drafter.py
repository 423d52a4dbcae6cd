"""The LLM pipeline behind the ``Drafter`` seam: one client (connections, run log, cache, limits) for every draft.

Importing this module loads the HTTP stack (httpx, and openai + instructor when the client is built); the
offline default never imports it. ``drafter_for`` is the only caller outside tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..llm.client import LLM
from .base import Draft, Drafter, OnStep, drafter_name
from .pipeline import STEPS, draft_with_llm, draft_with_llm_async

if TYPE_CHECKING:
    from ..llm.endpoints import Endpoint
    from ..llm.runlog import RunLog
    from ..onet.model import Occupation

USAGE_KEYS = ("requests", "cache_hits", "prompt_tokens", "completion_tokens")


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
    ):
        """``concurrency`` (a batch): that many requests in flight over a pool of as many connections, and a
        rate limiter shared by all of them (it also backs off on 429s when ``rpm``/``tpm`` are unset)."""
        limiter, options = None, {}
        if concurrency is not None or rpm is not None or tpm is not None:
            from ..llm.limiter import RateLimiter

            limiter = RateLimiter(rpm, tpm)
        if concurrency is not None:
            options["pool"] = concurrency + 2
        self.llm = LLM(endpoint, log, use_cache=use_cache, limiter=limiter, **options)
        if concurrency is not None:
            from ..llm.limiter import RequestSlots

            # `concurrency` requests in flight; the slots favour roles with more calls ahead
            self.llm.slots = RequestSlots(concurrency)  # type: ignore[assignment]  # LLM types it None until set
        self.endpoint = endpoint
        self.name = drafter_name(endpoint)
        self.prices = endpoint.prices
        self.totals = dict.fromkeys(USAGE_KEYS, 0)

    def draft(
        self,
        occ: Occupation,
        *,
        job_title: str | None = None,
        notes: str | None = None,
        notes_source: str | None = None,
        run_id: str | None = None,
        extra_inputs: dict[str, str] | None = None,
        on_step: OnStep | None = None,
    ) -> Draft:
        d = draft_with_llm(
            occ, self.llm, job_title=job_title, notes=notes, notes_source=notes_source, on_step=on_step,
            run_id=run_id, extra_inputs=extra_inputs,
        )  # fmt: skip
        return self._counted(d)

    async def adraft(
        self,
        occ: Occupation,
        *,
        job_title: str | None = None,
        notes: str | None = None,
        run_id: str | None = None,
        extra_inputs: dict[str, str] | None = None,
    ) -> Draft:
        d = await draft_with_llm_async(
            occ, self.llm, job_title=job_title, notes=notes, run_id=run_id, extra_inputs=extra_inputs
        )
        return self._counted(d)

    def _counted(self, d: Draft) -> Draft:
        for s in d.assessment.provenance.steps:
            for k in USAGE_KEYS:
                self.totals[k] += getattr(s, k)
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
        }

    def usage(self) -> dict[str, Any]:
        """Totals over the successful drafts (their steps' figures), priced when the endpoint has prices."""
        cost = None
        if self.prices:
            cost = round(
                self.totals["prompt_tokens"] / 1e6 * self.prices.get("input", 0)
                + self.totals["completion_tokens"] / 1e6 * self.prices.get("output", 0),
                6,
            )
        return self.totals | {"cost_usd": cost}

    def run_usage(self, run_id: str) -> dict[str, Any]:
        return self.llm.log.usage_for_run(run_id)

    def close(self) -> None:
        self.llm.close()

    async def aclose(self) -> None:
        await self.llm.aclose()
