"""A test kit: a real OpenAI-compatible server on 127.0.0.1 with scripted faults, drafter's own answers for it,
and a Batch API engine. For drafter's tests and benchmarks, and for testing your own prompts or client code
without the network or a key (docs/testing.md).

    from drafter.testing import FakeOpenAI, Script

    with FakeOpenAI(Script(queue=deque(["429", "valid"]))) as server:
        ...  # point a client at server.base_url; server.requests holds the JSON bodies received

Nothing here is imported by drafter itself.
"""

from __future__ import annotations

from .answers import requests_per_draft
from .batch import run_batch_file
from .limits import Budget, PrefixCache
from .server import SERVER_BEHAVIOURS, FakeOpenAI, Script, prompt_text, prompt_tokens, schema_text, step_name

__all__ = [
    "SERVER_BEHAVIOURS",
    "Budget",
    "FakeOpenAI",
    "PrefixCache",
    "Script",
    "prompt_text",
    "prompt_tokens",
    "requests_per_draft",
    "run_batch_file",
    "schema_text",
    "step_name",
]
