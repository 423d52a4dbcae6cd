"""A speed-up for instructor: two per-call costs that depend only on the response model class, paid once per class.

Why: on every call, instructor 1.17 (its ``instructor.v2`` runtime) walks the response model's whole type tree
looking for async validators (``reject_async_validators``), and wraps the model in a fresh ``ResponseSchema``
subclass (``function_calls.response_schema``), so pydantic rebuilds the JSON schema it would otherwise cache.
Together these were most of drafter's own CPU per call in a batch (docs/batch.md). Both answers depend only
on the class, so they are remembered per class. A model that has async validators still raises, every time:
only "no async validators" is remembered.

What is replaced, once per process (by the first ``LLM``):

- ``instructor.v2.validation.async_validators.reject_async_validators``, which instructor's client, retry and
  response-model code look up in that module at call time, and ``instructor.v2.core.patch`` imported by
  name (replaced there too);
- ``instructor.v2.core.function_calls.response_schema``, which ``prepare_response_model`` looks up in that
  module at call time.

These are instructor's internals, not its API. ``tests/test_instructor_patch.py`` fails if they move or stop
being used (a real call must go through both caches), so an upgrade of instructor cannot silently lose the
patch or break drafter. At run time a version whose internals differ is left unpatched, with a warning:
drafter then works as before, only slower. Set ``DRAFTER_NO_INSTRUCTOR_PATCH=1`` to turn the patch off (to
rule it out when something looks wrong inside instructor).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

ENV = "DRAFTER_NO_INSTRUCTOR_PATCH"

checked: set[type] = set()  # response models (and their wrappers) known to have no async validators
schemas: dict[type, type] = {}  # response model -> instructor's schema wrapper of it
original_reject: Callable[[Any], None] | None = None
original_schema: Callable[[type], type] | None = None
_state: str | None = None  # after the first apply(): "applied", "off" or why it is not applied


def _reject_async_validators(response_model: Any) -> None:
    if isinstance(response_model, type) and response_model in checked:
        return None
    assert original_reject is not None
    result = original_reject(response_model)  # raises for a model with async validators: never remembered
    if isinstance(response_model, type):
        checked.add(response_model)
    return result


def _response_schema(model: type) -> type:
    if model not in schemas:
        assert original_schema is not None
        schemas[model] = original_schema(model)
    return schemas[model]


def _internals() -> tuple[Any, Any, Any]:
    """instructor's modules the patch changes; raises (ImportError, AttributeError) where they differ."""
    from instructor.v2.core import function_calls, patch
    from instructor.v2.validation import async_validators

    for module, name in ((async_validators, "reject_async_validators"), (function_calls, "response_schema")):
        if not callable(getattr(module, name)):
            raise AttributeError(f"{module.__name__}.{name} is not a function")
    if patch.reject_async_validators is not async_validators.reject_async_validators:
        raise AttributeError("instructor.v2.core.patch no longer imports reject_async_validators by name")
    return async_validators, function_calls, patch


def apply() -> bool:
    """Patch instructor once per process; True when the patch is in place."""
    global _state, original_reject, original_schema
    if _state is None:
        if os.environ.get(ENV, "") not in ("", "0"):
            _state = "off"
        else:
            try:
                av, fc, patch = _internals()
            except (ImportError, AttributeError) as e:
                _state = f"instructor's internals differ ({e})"
                warnings.warn(f"drafter: instructor not sped up: {_state}", RuntimeWarning, stacklevel=2)
            else:
                original_reject, original_schema = av.reject_async_validators, fc.response_schema
                av.reject_async_validators = patch.reject_async_validators = _reject_async_validators
                fc.response_schema = _response_schema
                _state = "applied"
    return _state == "applied"


def status() -> str | None:
    """``"applied"``, ``"off"`` (by the environment switch), why it could not be applied, or None before."""
    return _state
