"""The drafter seam: one protocol for everything that turns an O*NET occupation into a scored draft.

Three implementations: the offline default (``drafting.offline.OfflineDrafter``, no network, importable without
the HTTP stack), the LLM pipeline (``drafting.llm_drafter.LLMDrafter``) and the sampled or panel draft
(``drafting.sampling.SampledDrafter``). ``drafter_for(endpoint)`` (drafting/choose.py) is the one place that
chooses between them, so the CLI, batch, eval and the Python API never branch on "offline or LLM" themselves. A
drafter is a context manager: ``with drafter_for(ep) as d: d.draft(occ)`` closes its connections.

``draft`` and ``adraft`` are written here, once: each resolves the caller's options into a ``DraftRequest``
(drafting/request.py) by the drafter's ``request``, then makes the draft from it by ``draft_request`` or
``adraft_request``, which is all an implementation writes. A ``Draft`` carries the scorecard the scorer computed
when the draft was made; whoever renders, prints or judges the draft uses that card instead of scoring again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, Unpack

from ..assessment import Assessment
from .request import Draft, DraftOptions, DraftRequest, OnStep, no_step, soc_code

if TYPE_CHECKING:
    from ..llm.endpoints import Endpoint
    from ..llm.runlog import RunTotals
    from ..onet.model import Occupation
    from ..usage import Prices


class Drafter(Protocol):
    """Drafts occupations. Subclass it explicitly to inherit the context-manager and no-op defaults."""

    kind: str  # "offline" or "llm": what an eval run records as its drafts' origin
    name: str  # "offline" or "llm:MODEL": names a batch (part of its id, so a re-run resumes it)
    io_bound: bool  # True when drafting waits on the network, so many roles in flight pay off
    prices: Prices | None  # USD per million tokens; None when free or unknown

    def draft(self, occ: Occupation, **options: Unpack[DraftOptions]) -> Draft:
        """A draft of ``occ`` (``DraftOptions`` says what may be asked): its request resolved once, then drafted."""
        request = self._resolved(occ, options)
        return self.draft_request(request, options.get("on_step") or no_step)

    async def adraft(self, occ: Occupation, **options: Unpack[DraftOptions]) -> Draft:
        """The same draft on an event loop: a batch keeps many in flight at once."""
        request = self._resolved(occ, options)
        return await self.adraft_request(request, options.get("on_step") or no_step)

    def _resolved(self, occ: Occupation, options: DraftOptions) -> DraftRequest:
        request = self.request(occ, options)
        if (told := options.get("on_request")) is not None:
            told(request)
        return request

    def request(self, occ: Occupation, options: DraftOptions) -> DraftRequest:
        """The draft's inputs resolved (notes, calibration ranked, run id): what each of its steps reads."""
        ...

    def draft_request(self, request: DraftRequest, on_step: OnStep) -> Draft:
        """The draft a resolved request asks for; ``on_step`` is told of each LLM step."""
        ...

    async def adraft_request(self, request: DraftRequest, on_step: OnStep) -> Draft:
        """``draft_request`` on an event loop."""
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


def endpoints_of(endpoint: Endpoint | Sequence[Endpoint] | None) -> list[Endpoint]:
    """One endpoint, a panel of them, or none, as a list."""
    if endpoint is None:
        return []
    return list(endpoint) if isinstance(endpoint, list | tuple) else [endpoint]  # type: ignore[list-item]


def drafter_name(endpoint: Endpoint | Sequence[Endpoint] | None, samples: int = 1) -> str:
    """The name of the drafter ``drafter_for(endpoint)`` (drafting/choose.py) gives, without building it (a batch id needs it)."""
    endpoints = endpoints_of(endpoint)
    if not endpoints:
        return "offline"
    if len(endpoints) == 1 and samples == 1:
        return f"llm:{endpoints[0].model}"
    return "+".join(f"llm:{ep.model}" for ep in endpoints) + (f"×{samples}" if samples > 1 else "")


def draft_stem(a: Assessment) -> str:
    """The file name (without suffix) of a draft: its O*NET code, or its title as a slug for a custom list."""
    return a.provenance.onet_code or _slug(a.role.job_title)


def planned_stem(occ: Occupation, job_title: str | None) -> str:
    """The stem ``draft_stem`` will give the draft of ``occ`` under ``job_title``, known before drafting (so a
    command can refuse an output that is one of its inputs before anything is spent)."""
    return occ.code if occ.code != "custom" else _slug(job_title or occ.title)


def _slug(title: str) -> str:
    import re

    # at most 80 characters: a long title must still make a file name the file system accepts (255 bytes)
    return re.sub(r"[^a-z0-9]+", "-", title.lower())[:80].strip("-") or "draft"


__all__ = ["Draft", "Drafter", "OnStep", "draft_stem", "drafter_name", "endpoints_of", "planned_stem", "soc_code"]
