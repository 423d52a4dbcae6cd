"""How a batch runs: concurrency, budgets, caps, retries, and how many worker processes share the roles."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass
class BatchSettings:
    concurrency: int = 8
    rpm: float | None = None
    tpm: float | None = None
    max_cost: float | None = None
    max_tokens: int | None = None
    role_retries: int = 2
    retry_failed: bool = False
    use_cache: bool = True
    processes: int = 0  # 0: one per 16 concurrent roles, at most one per core
    force: bool = False  # replace drafts edited since drafter wrote them (keeping numbered backups)
    calibration: Any = None  # the CalibrationSet the prompts (and offline priors) use; None: the shipped roles
    draft_timeout: float | None = None  # seconds for one attempt at a role's whole draft (None: no deadline)


ONE_LOOP_CALLS_PER_SECOND = 100  # what one worker process's event loop sustains with room to spare (docs/batch.md)


def default_processes(concurrency: int, rpm: float | None = None, tpm: float | None = None) -> int:
    """One worker process per 16 requests in flight, up to the cores; but one when the endpoint's budget allows
    fewer calls than one event loop makes (a process's share of a budget is fixed, so a second process would
    only leave part of the budget idle whenever its roles run out first). A call is reckoned at 1,000 tokens
    or more, so a tokens-per-minute budget up to 6 M keeps one process."""
    n = min(os.cpu_count() or 1, max(1, concurrency // 16))
    calls_per_second = [b / 60 for b in (rpm, tpm / 1000 if tpm else None) if b]
    if calls_per_second and min(calls_per_second) <= ONE_LOOP_CALLS_PER_SECOND:
        return 1
    return n
