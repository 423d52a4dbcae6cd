"""drafter: first drafts of AI job-resistance (AIJRI / JobZone) assessments, scored deterministically.

The Python API (docs/api.md)::

    import drafter
    d = drafter.draft("29-2072")            # the offline default; endpoint=drafter.endpoint(...) for an LLM
    d.scorecard.score.shown, d.scorecard.final_zone
    drafter.write(d, "drafts")              # drafts/29-2072.00.json and .md

Names load on first use, so ``import drafter`` (and ``drafter --help``) pull in nothing heavy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "draft": "drafter.api",
    "endpoint": "drafter.api",
    "evaluate": "drafter.api",
    "load": "drafter.api",
    "occupation": "drafter.api",
    "read": "drafter.api",
    "render": "drafter.api",
    "score": "drafter.api",
    "write": "drafter.api",
    "Draft": "drafter.drafting.base",
    "Drafter": "drafter.drafting.base",
    "drafter_for": "drafter.drafting.base",
    "Assessment": "drafter.assessment",
    "ScoreCard": "drafter.scoring",
    "Endpoint": "drafter.llm.endpoints",
    "Occupation": "drafter.onet.model",
    "EvalOutcome": "drafter.evaluation.gated",
    "DrafterError": "drafter.errors",
}
__all__ = [
    "Assessment",
    "Draft",
    "Drafter",
    "DrafterError",
    "Endpoint",
    "EvalOutcome",
    "Occupation",
    "ScoreCard",
    "draft",
    "drafter_for",
    "endpoint",
    "evaluate",
    "load",
    "occupation",
    "read",
    "render",
    "score",
    "write",
]

if TYPE_CHECKING:
    from .api import draft, endpoint, evaluate, load, occupation, read, render, score, write
    from .assessment import Assessment
    from .drafting.base import Draft, Drafter, drafter_for
    from .errors import DrafterError
    from .evaluation.gated import EvalOutcome
    from .llm.endpoints import Endpoint
    from .onet.model import Occupation
    from .scoring import ScoreCard


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'drafter' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
