"""A shared rate limiter for requests and tokens per minute that backs off when the server says 429.

Thread-safe: every worker's HTTP requests pass through one instance (in the logging transport), so the
limit holds for the whole batch. On a 429 every worker pauses until the Retry-After time and the request
rate drops by a quarter; each success wins back 2% of the configured rate.
"""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, rpm: float | None = None, tpm: float | None = None, clock=time.monotonic, sleep=time.sleep):
        self.rpm = rpm
        self.tpm = tpm
        self.rate_factor = 1.0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        now = clock()
        self._req_tokens = float(rpm or 0)
        self._tok_tokens = float(tpm or 0)
        self._last = now
        self._pause_until = now
        self.throttled = 0  # 429s seen

    def _refill(self, now: float) -> None:
        dt = now - self._last
        self._last = now
        if self.rpm:
            self._req_tokens = min(self.rpm, self._req_tokens + dt * self.rpm * self.rate_factor / 60)
        if self.tpm:
            self._tok_tokens = min(self.tpm, self._tok_tokens + dt * self.tpm * self.rate_factor / 60)

    def _wait_for(self, tokens: int) -> float:
        """Take a slot and return 0, or return how long to wait before asking again."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            wait = self._pause_until - now
            if wait > 0:
                return wait
            need_req = 1 if self.rpm else 0
            need_tok = min(tokens, self.tpm) if self.tpm else 0
            if self._req_tokens >= need_req and self._tok_tokens >= need_tok:
                self._req_tokens -= need_req
                self._tok_tokens -= need_tok
                return 0.0
            waits = [0.01]
            if self.rpm and self._req_tokens < need_req:
                waits.append((need_req - self._req_tokens) * 60 / (self.rpm * self.rate_factor))
            if self.tpm and self._tok_tokens < need_tok:
                waits.append((need_tok - self._tok_tokens) * 60 / (self.tpm * self.rate_factor))
            return max(waits)

    def acquire(self, tokens: int = 0) -> None:
        while (wait := self._wait_for(tokens)) > 0:
            self._sleep(wait)

    async def acquire_async(self, tokens: int = 0) -> None:
        import asyncio

        while (wait := self._wait_for(tokens)) > 0:
            await asyncio.sleep(wait)

    def settle(self, estimated: int, actual: int | None) -> None:
        """Charge the difference between the tokens reserved and those the response reports."""
        with self._lock:
            if self.tpm and actual is not None:
                self._tok_tokens -= actual - estimated
            self.rate_factor = min(1.0, self.rate_factor + 0.02)

    def on_429(self, retry_after: float | None) -> None:
        with self._lock:
            self.throttled += 1
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
