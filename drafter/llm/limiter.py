"""Budgets for one endpoint: requests and tokens per minute, planned before a request is sent.

What stops a big batch is the provider's requests- and tokens-per-minute limit, so the limiter spends from
two buckets that refill continuously (``rpm`` / 60 and ``tpm`` / 60 per second, holding at most one minute's
worth, as OpenAI's limits do): each request takes one request and its *estimated* tokens (the prompt's size plus
its ``max_tokens``, an upper bound) before it is sent, and the difference to the tokens the answer reports is
given back when it arrives. A request waits until both buckets hold enough, so a batch runs at the budget
instead of finding it by 429s.

The server's own figures correct the plan: OpenAI-compatible servers send ``x-ratelimit-limit-*``,
``x-ratelimit-remaining-*`` and ``x-ratelimit-reset-*`` headers, and a limit or a remaining figure below the
limiter's own (another client on the same key, a smaller limit than configured) lowers it; with no budget
configured, the server's limit becomes the budget. A 429 still pauses every request until its Retry-After and
slows the refill by a quarter (each answer wins back 2%).

Thread-safe and shared by every request of a client (sync threads and async tasks alike); ``share`` is this
process's part of a budget split between worker processes (headers describe the whole key, so they are scaled
by it). The clock and sleep are injectable, so tests run on a fake clock.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | None) -> float | None:
    """Seconds in a reset header: ``"1s"``, ``"6m0s"``, ``"20ms"``, ``"1h2m3.5s"`` or a bare number of seconds;
    None if absent or not a duration."""
    if text is None:
        return None
    text = text.strip().lower()
    try:
        value = float(text)
        return value if value >= 0 else None
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNIT[u] for n, u in parts)


def _count(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None


@dataclass(frozen=True)
class RateHeaders:
    """What a server said about one key's limits in one response (None: not said)."""

    limit_requests: float | None = None
    limit_tokens: float | None = None
    remaining_requests: float | None = None
    remaining_tokens: float | None = None
    reset_requests: float | None = None  # seconds until the bucket is full again
    reset_tokens: float | None = None
    retry_after: float | None = None  # seconds (a 429's Retry-After / retry-after-ms)

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateHeaders:
        """From an HTTP response's headers (names case-insensitive); a malformed value counts as absent."""
        h = {k.lower(): v for k, v in headers.items()}
        retry_after = None
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            if (v := _count(h.get(name))) is not None:
                retry_after = v * scale
                break
        return cls(
            limit_requests=_count(h.get("x-ratelimit-limit-requests")),
            limit_tokens=_count(h.get("x-ratelimit-limit-tokens")),
            remaining_requests=_count(h.get("x-ratelimit-remaining-requests")),
            remaining_tokens=_count(h.get("x-ratelimit-remaining-tokens")),
            reset_requests=parse_duration(h.get("x-ratelimit-reset-requests")),
            reset_tokens=parse_duration(h.get("x-ratelimit-reset-tokens")),
            retry_after=retry_after,
        )


def estimate_tokens(body: bytes, max_tokens: int | None) -> int:
    """An upper bound on what a request will use: its body at four bytes a token (the messages and the response
    schema; JSON quoting makes it an overestimate) plus every output token it may get."""
    return len(body) // 4 + int(max_tokens or 0)


class Bucket:
    """One per-minute budget that refills continuously; ``limit`` None means no budget (never waits)."""

    def __init__(self, per_minute: float | None, now: float):
        self.limit = float(per_minute) if per_minute else None
        self.level = self.limit or 0.0
        self.last = now

    def refill(self, now: float, factor: float) -> None:
        if self.limit is not None:
            self.level = min(self.limit, self.level + (now - self.last) * self.limit * factor / 60)
        self.last = now

    def need(self, amount: float) -> float:
        """What a request of ``amount`` must find in the bucket (never more than a full bucket)."""
        return min(amount, self.limit) if self.limit is not None else 0.0

    def wait(self, amount: float, factor: float) -> float:
        """Seconds until ``amount`` is in the bucket (0 if it is now)."""
        if self.limit is None or self.level >= self.need(amount):
            return 0.0
        return (self.need(amount) - self.level) * 60 / (self.limit * factor)

    def observe(self, limit: float | None, remaining: float | None, share: float) -> None:
        """The server's view: a smaller limit replaces ours (or becomes it), less remaining lowers the level."""
        if limit is not None and limit > 0:
            scaled = limit * share
            if self.limit is None:
                self.limit, self.level = scaled, min(scaled, remaining * share if remaining is not None else scaled)
            elif scaled < self.limit:
                self.limit, self.level = scaled, min(self.level, scaled)
        if remaining is not None and self.limit is not None:
            self.level = min(self.level, remaining * share)


class RateLimiter:
    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        *,
        share: float = 1.0,
        clock=time.monotonic,
        sleep=time.sleep,
        async_sleep=None,
    ):
        self.share = share
        self._async_sleep = async_sleep
        self.rate_factor = 1.0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        now = clock()
        self.requests = Bucket(rpm * share if rpm else None, now)
        self.tokens = Bucket(tpm * share if tpm else None, now)
        self._pause_until = now
        self.throttled = 0  # 429s seen

    @property
    def rpm(self) -> float | None:
        """The request budget in force (configured or learnt from the server), for this process's share."""
        return self.requests.limit

    @property
    def tpm(self) -> float | None:
        return self.tokens.limit

    def _refill(self, now: float) -> None:
        self.requests.refill(now, self.rate_factor)
        self.tokens.refill(now, self.rate_factor)

    def _wait_for(self, tokens: int) -> float:
        """Spend one request and ``tokens`` and return 0, or return how long to wait before asking again."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            if (pause := self._pause_until - now) > 0:
                return pause
            wait = max(self.requests.wait(1, self.rate_factor), self.tokens.wait(tokens, self.rate_factor))
            if wait > 0:
                return max(wait, 0.005)
            if self.requests.limit is not None:
                self.requests.level -= 1
            if self.tokens.limit is not None:
                self.tokens.level -= self.tokens.need(tokens)
            return 0.0

    def acquire(self, tokens: int = 0) -> None:
        while (wait := self._wait_for(tokens)) > 0:
            self._sleep(wait)

    async def acquire_async(self, tokens: int = 0) -> None:
        import asyncio

        sleep = self._async_sleep or asyncio.sleep
        while (wait := self._wait_for(tokens)) > 0:
            await sleep(wait)

    def settle(self, estimated: int, actual: int | None) -> None:
        """An answer arrived: give back what was reserved beyond the tokens it reports (or charge the excess)."""
        with self._lock:
            if self.tokens.limit is not None and actual is not None:
                self.tokens.level = min(self.tokens.limit, self.tokens.level + self.tokens.need(estimated) - actual)
            self.rate_factor = min(1.0, self.rate_factor + 0.02)

    def on_response(self, status: int, headers: Mapping[str, str], estimated: int, actual: int | None) -> None:
        """Everything an answer tells the limiter: its tokens, the server's limits, and a 429's pause."""
        h = RateHeaders.parse(headers)
        if status == 429:
            self.on_429(h.retry_after, estimated)
        else:
            self.settle(estimated, actual)
        self.observe(h)

    def observe(self, h: RateHeaders) -> None:
        with self._lock:
            self._refill(self._clock())
            self.requests.observe(h.limit_requests, h.remaining_requests, self.share)
            self.tokens.observe(h.limit_tokens, h.remaining_tokens, self.share)
            # a bucket the server says is empty, with no rate known to plan the refill: wait for its reset
            for bucket, remaining, reset in (
                (self.requests, h.remaining_requests, h.reset_requests),
                (self.tokens, h.remaining_tokens, h.reset_tokens),
            ):
                if bucket.limit is None and remaining == 0 and reset:
                    self._pause_until = max(self._pause_until, self._clock() + min(reset, 60.0))

    def on_429(self, retry_after: float | None, estimated: int = 0) -> None:
        """Rate limited: the request was not served (its tokens come back), every request pauses, the refill slows."""
        with self._lock:
            self.throttled += 1
            if self.tokens.limit is not None:
                self.tokens.level = min(self.tokens.limit, self.tokens.level + self.tokens.need(estimated))
            self.rate_factor = max(0.1, self.rate_factor * 0.75)
            pause = retry_after if retry_after is not None else 1.0
            self._pause_until = max(self._pause_until, self._clock() + min(pause, 60.0))


STEP_PRIORITY = {"decompose": 0, "score_rows": 1, "role_sections": 2, "commentary": 3}


class RequestSlots:
    """At most ``n`` requests in flight (asyncio). Waiting requests of earlier drafting steps go first: a role
    with more calls ahead is served before one about to finish, so a batch's roles end together instead of
    leaving slots idle while the last few roles work through their remaining steps one by one."""

    def __init__(self, n: int):
        import heapq
        import itertools

        self.free = n
        self._heap: list = []
        self._push, self._pop = heapq.heappush, heapq.heappop
        self._order = itertools.count()

    async def acquire(self, step: str | None) -> None:
        import asyncio

        if self.free > 0 and not self._heap:
            self.free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._push(self._heap, (STEP_PRIORITY.get(step or "", 0), next(self._order), waiter))
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # it was handed a slot it will not use
            raise

    def release(self) -> None:
        while self._heap:
            _, _, waiter = self._pop(self._heap)
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1
