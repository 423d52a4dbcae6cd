"""What a structured call's validators may read: the ``context`` its caller passed, for the duration of the call.

The LLM client sets it around each call; a response model's validators read it (after pydantic's own
``info.context``, which instructor would only fill by also rendering every message as a Jinja template — that
mangles task text or notes containing braces). The LLM layer does not know what is in it.
"""

from __future__ import annotations

from contextvars import ContextVar

validation_context: ContextVar[dict | None] = ContextVar("drafter_validation_context", default=None)
