"""Batch drafting of many occupations: selection (``selection``), settings (``settings``), the run from start to
summary (``run``) over the resumable runner (``runner``, ``state``), and Batch API files (``batch_api``, ``jsonl``)."""

from __future__ import annotations

from .batch_api import Collected, collect_results, write_request_file
from .run import BatchInterrupted, BatchStart, run_batch
from .selection import Selection, human_scored_codes, select_codes, select_roles
from .settings import ONE_LOOP_CALLS_PER_SECOND, BatchSettings, default_processes

__all__ = [
    "ONE_LOOP_CALLS_PER_SECOND", "BatchInterrupted", "BatchSettings", "BatchStart", "Collected", "Selection", "collect_results",
    "default_processes", "human_scored_codes", "run_batch", "select_codes", "select_roles", "write_request_file",
]  # fmt: skip
