"""The drafter seam: one protocol for everything that turns an O*NET occupation into a scored draft.

Two implementations: the offline default (``drafting.offline.OfflineDrafter``, no network, importable without
the HTTP stack) and the LLM pipeline (``drafting.llm_drafter.LLMDrafter``). ``drafter_for(endpoint)`` is the one
place that chooses between them, so the CLI, batch, eval and the Python API never branch on "offline or LLM"
themselves. A drafter is a context manager: ``with drafter_for(ep) as d: d.draft(occ)`` closes its connections.

A ``Draft`` carries the scorecard the scorer computed when the draft was made; whoever renders, prints or
judges the draft uses that card instead of scoring the assessment again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..assessment import Assessment
from ..scoring import ScoreCard

if TYPE_CHECKING:
    from ..calibration import CalibrationSet
    from ..llm.client import StepResult
    from ..llm.endpoints import Endpoint
    from ..llm.runlog import RunLog, RunTotals
    from ..onet.catalog import Catalog
    from ..onet.model import Occupation
    from ..usage import Prices

# Told before each LLM step (result None) and after it (its StepResult); the offline default has no steps.
OnStep = Callable[[str, "StepResult | None"], None]


@dataclass(frozen=True)
class Draft:
    """A drafted assessment and its scorecard, computed once by the scorer when the draft was made."""

    assessment: Assessment
    scorecard: ScoreCard


def soc_code(occ: Occupation) -> str | None:
    """The SOC code a draft's role definition shows: none for a custom task list."""
    if occ.code == "custom":
        return None
    return occ.code.removesuffix(".00")


class Drafter(Protocol):
    """Drafts occupations. Subclass it explicitly to inherit the context-manager and no-op defaults."""

    kind: str  # "offline" or "llm": what an eval run records as its drafts' origin
    name: str  # "offline" or "llm:MODEL": names a batch (part of its id, so a re-run resumes it)
    io_bound: bool  # True when drafting waits on the network, so many roles in flight pay off
    prices: Prices | None  # USD per million tokens; None when free or unknown

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
        """``notes`` reach the prompts (``notes_source`` names them in the provenance); ``run_id`` groups the
        draft's LLM calls in the run log; ``extra_inputs`` are recorded in the provenance (a batch's id)."""
        ...

    async def adraft(
        self,
        occ: Occupation,
        *,
        job_title: str | None = None,
        notes: str | None = None,
        run_id: str | None = None,
        extra_inputs: dict[str, str] | None = None,
    ) -> Draft:
        """The same draft on an event loop: a batch keeps many in flight at once."""
        ...

    def describe(self) -> dict[str, Any]:
        """What an eval run records about the drafter (its ``config``)."""
        ...

    def usage(self) -> RunTotals | None:
        """Requests, cache hits and tokens of the drafts made so far; None for a drafter that spends nothing."""
        return None

    def budget(self) -> dict[str, float | None] | None:
        """The requests- and tokens-per-minute budget in force (``rpm``, ``tpm``: configured or learnt from the
        server), for this process's share; None for a drafter that calls no endpoint."""
        return None

    def run_usage(self, run_id: str) -> RunTotals | None:
        """What one draft run spent, failed attempts included (from the run log); None when nothing is logged."""
        return None

    def close(self) -> None:
        return None

    async def aclose(self) -> None:
        """Close what the async path opened (the batch's event loop ends before ``close``)."""
        return None

    def __enter__(self) -> Drafter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def drafter_for(
    endpoint: Endpoint | Sequence[Endpoint] | None,
    *,
    samples: int = 1,
    use_cache: bool = True,
    log: RunLog | None = None,
    concurrency: int | None = None,
    rpm: float | None = None,
    tpm: float | None = None,
    budget_share: float = 1.0,
    catalog: Catalog | None = None,
    hold_out: bool = False,
    calibration: CalibrationSet | None = None,
) -> Drafter:
    """The drafter for an endpoint: the LLM pipeline, or the offline default when ``endpoint`` is None.

    LLM settings: ``use_cache`` answers a logged request from the run log; ``log`` is the run log to use
    (default: the user's); ``concurrency`` prepares the client for a batch (that many requests in flight);
    ``rpm``/``tpm`` override the endpoint's budgets, of which this drafter plans ``budget_share`` (a batch's
    worker process: one over the number of processes). Offline settings: ``catalog`` is the O*NET catalog to infer
    missing labels from (loaded when first needed); ``hold_out`` hides each occupation's own published labels
    (leave-one-occupation-out evaluation). ``calibration`` is the set of human-scored roles the offline default
    borrows role-level priors from and an LLM draft's prompts show the nearest of (default: the shipped golden
    roles and reference points, loaded when first needed).

    Several endpoints (a panel) or ``samples`` > 1 give the sampled drafter (drafting/sampling.py): each
    endpoint drafts the role ``samples`` times and the draft is their consensus, with the spread.
    """
    endpoints = _endpoints(endpoint)
    if not endpoints:
        from .offline import OfflineDrafter

        return OfflineDrafter(catalog, hold_out=hold_out, calibration=calibration)
    if len(endpoints) > 1 or samples > 1:
        from .sampling import SampledDrafter

        return SampledDrafter(
            endpoints, samples, log=log, use_cache=use_cache, concurrency=concurrency, rpm=rpm, tpm=tpm,
            budget_share=budget_share, calibration=calibration,
        )  # fmt: skip
    from .llm_drafter import LLMDrafter

    return LLMDrafter(
        endpoints[0], log=log, use_cache=use_cache, concurrency=concurrency, rpm=rpm, tpm=tpm,
        budget_share=budget_share, calibration=calibration,
    )  # fmt: skip


def _endpoints(endpoint: Endpoint | Sequence[Endpoint] | None) -> list[Endpoint]:
    if endpoint is None:
        return []
    return list(endpoint) if isinstance(endpoint, list | tuple) else [endpoint]  # type: ignore[list-item]


def drafter_name(endpoint: Endpoint | Sequence[Endpoint] | None, samples: int = 1) -> str:
    """The name of the drafter ``drafter_for(endpoint)`` gives, without building it (a batch id needs it)."""
    endpoints = _endpoints(endpoint)
    if not endpoints:
        return "offline"
    if len(endpoints) == 1 and samples == 1:
        return f"llm:{endpoints[0].model}"
    return "+".join(f"llm:{ep.model}" for ep in endpoints) + (f"×{samples}" if samples > 1 else "")


def draft_stem(a: Assessment) -> str:
    """The file name (without suffix) of a draft: its O*NET code, or its title as a slug for a custom list."""
    import re

    if a.provenance.onet_code:
        return a.provenance.onet_code
    # at most 80 characters: a long title must still make a file name the file system accepts (255 bytes)
    return re.sub(r"[^a-z0-9]+", "-", a.role.job_title.lower())[:80].strip("-") or "draft"


__all__ = ["Draft", "Drafter", "OnStep", "draft_stem", "drafter_for", "drafter_name", "soc_code"]
