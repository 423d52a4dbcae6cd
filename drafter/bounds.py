"""The range each numeric setting may take, written once for the command line and the endpoints file.

Why: a value outside it does not fail where it is given but much later and obscurely (``--concurrency 0`` waits
forever for a free slot, ``--temperature nan`` fails "after 0 attempts" when the request is encoded, a negative
temperature is sent to the server). Checking against one table at parse time turns each into a one-line error
naming the option, what was expected and what was given. A leaf: the standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bound:
    """A closed or half-open range of finite numbers; ``whole`` for counts."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the low end itself is not allowed ("above 0")
    whole: bool = False
    says: str | None = None  # what is expected, in words, where the range alone would say less

    def expected(self) -> str:
        if self.says:
            return self.says
        what = "a whole number" if self.whole else "a number"
        if self.low is not None and self.high is not None:
            return f"{what} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{what} {'above' if self.low_open else 'of at least'} {self.low:g}"
        if self.high is not None:
            return f"{what} of at most {self.high:g}"
        return what

    def problem(self, value: object) -> str | None:
        """None if ``value`` is in range, else "expected …, got …" (NaN and infinities are never in range)."""
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if ok and self.whole:
            ok = float(value).is_integer()  # type: ignore[arg-type]
        if ok and self.low is not None:
            ok = value > self.low if self.low_open else value >= self.low  # type: ignore[operator]
        if ok and self.high is not None:
            ok = value <= self.high  # type: ignore[operator]
        return None if ok else f"expected {self.expected()}, got {value!r}"


POSITIVE = Bound(low=0, low_open=True)
COUNT = Bound(low=1, whole=True)  # at least one
RETRIES = Bound(low=0, whole=True)  # none allowed

SETTINGS: dict[str, Bound] = {
    # an endpoint's settings (endpoints.toml and the flags that override them)
    "timeout": POSITIVE,
    "max_tokens": COUNT,
    "temperature": Bound(low=0, high=2),  # OpenAI's range; every compatible server accepts it
    "http_retries": RETRIES,
    "validation_retries": RETRIES,
    "rpm": Bound(low=0, low_open=True, says="a positive number per minute"),
    "tpm": Bound(low=0, low_open=True, says="a positive number per minute"),
    # tokens of prompt and answer the server holds; under 256 is a typo ("8" for 8k), not a model
    "context_window": Bound(low=256, whole=True, says="a whole number of tokens, at least 256"),
    # a batch's (requests in flight: a bound that no server's rate limit makes useful to exceed, and past which a
    # typo of a few extra zeros would only start idle workers)
    "concurrency": Bound(low=1, high=1000, whole=True),
    "processes": Bound(low=0, whole=True),  # 0: chosen by drafter
    "role_retries": RETRIES,
    "max_cost": POSITIVE,
    "max_tokens_total": COUNT,
    "draft_timeout": POSITIVE,
    # the other commands' counts: drafts per role, occupations sampled, rows listed
    "samples": COUNT,
    "sample": COUNT,
    "limit": COUNT,
}
