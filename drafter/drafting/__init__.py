"""Drafting: O*NET tasks -> prompts -> LLM (or the offline default) -> validated sections -> assessment.

``Drafter`` is the seam (``draft`` / ``adraft`` -> ``Draft``); ``drafter_for(endpoint)`` (drafting/choose.py)
chooses the implementation. Importing this package loads neither implementation, nor the HTTP stack.
"""

from .base import Draft, Drafter
from .choose import drafter_for

__all__ = ["Draft", "Drafter", "drafter_for"]
