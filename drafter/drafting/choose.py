"""``drafter_for``: the one place that chooses a drafter, so that no caller branches on "offline or LLM".

Its own module, above every drafter (the ``drafting-order`` contract in pyproject.toml): the drafters import the
seam (drafting/base.py), never the chooser, so the drafting package has no import circle. Each drafter is
imported only when chosen: the offline default loads no HTTP stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .base import Drafter, endpoints_of

if TYPE_CHECKING:
    from ..calibration import CalibrationSet
    from ..llm.endpoints import Endpoint
    from ..llm.runlog import RunLog
    from ..onet.catalog import Catalog


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
    endpoint drafts the role ``samples`` times and the draft is their consensus, with the spread. The offline
    default is deterministic: it drafts once whatever ``samples`` says.
    """
    endpoints = endpoints_of(endpoint)
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
