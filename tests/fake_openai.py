"""The fake OpenAI server the tests use: the package's test kit (drafter/testing/, docs/testing.md), re-exported
under the name the tests import. Faults, answers and the Batch API engine live there."""

from __future__ import annotations

from drafter.testing import (
    Budget,
    FakeOpenAI,
    PrefixCache,
    Script,
    prompt_text,
    prompt_tokens,
    requests_per_draft,
    run_batch_file,
    step_name,
)

__all__ = [
    "Budget",
    "FakeOpenAI",
    "PrefixCache",
    "Script",
    "prompt_text",
    "prompt_tokens",
    "requests_per_draft",
    "run_batch_file",
    "step_name",
]
