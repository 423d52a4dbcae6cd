"""A provider's limits as the fake server plays them: per-minute budgets (429 and the rate-limit headers) and
automatic prompt caching (prefixes seen before, reported as cached tokens).

Tokens are counted as four characters each, as everywhere in the fake server.
"""

from __future__ import annotations

import hashlib
import threading
import time


class PrefixCache:
    """OpenAI-style automatic prompt caching: prefixes seen before, at 128-token steps from 1,024 tokens."""

    def __init__(self, min_tokens: int, step_tokens: int):
        self.first, self.step = min_tokens * 4, step_tokens * 4  # in characters, at four a token
        self.seen: set[bytes] = set()
        self.lock = threading.Lock()

    def cached_tokens(self, text: str) -> int:
        """Tokens of the longest cached prefix of ``text``; every eligible prefix of it is cached from now on."""
        digest, done, best, digests = hashlib.sha256(), 0, 0, []
        data = text.encode("utf-8")
        for end in range(self.first, len(data) + 1, self.step):
            digest.update(data[done:end])
            done = end
            digests.append((end, digest.copy().digest()))
        with self.lock:
            for end, d in digests:
                if d in self.seen:
                    best = end
            self.seen.update(d for _, d in digests)
        return best // 4


class Budget:
    """Requests and tokens per minute as a provider enforces them, with the headers it sends."""

    def __init__(self, rpm: float | None, tpm: float | None, clock=time.monotonic):
        self.rpm, self.tpm, self.clock = rpm, tpm, clock
        now = clock()
        self.requests, self.tokens, self.last = float(rpm or 0), float(tpm or 0), now
        self.lock = threading.Lock()
        self.refused = 0  # requests answered 429 for the budget
        self.charged: list[tuple[float, int]] = []  # (time, tokens) of every charge

    def _refill(self) -> float:
        now = self.clock()
        dt, self.last = now - self.last, now
        if self.rpm:
            self.requests = min(self.rpm, self.requests + dt * self.rpm / 60)
        if self.tpm:
            self.tokens = min(self.tpm, self.tokens + dt * self.tpm / 60)
        return now

    def admit(self, tokens: int) -> float | None:
        """Charge an arriving request (one request, its prompt tokens) and return None, or refuse it and return
        the seconds until it would fit."""
        with self.lock:
            now = self._refill()
            short = []
            if self.rpm and self.requests < 1:
                short.append((1 - self.requests) * 60 / self.rpm)
            if self.tpm and self.tokens < min(tokens, self.tpm):
                short.append((min(tokens, self.tpm) - self.tokens) * 60 / self.tpm)
            if short:
                self.refused += 1
                return max(short)
            self.requests -= 1 if self.rpm else 0
            self.tokens -= tokens if self.tpm else 0
            self.charged.append((now, tokens))
            return None

    def charge(self, tokens: int) -> None:
        with self.lock:
            now = self._refill()
            if self.tpm:
                self.tokens -= tokens
            self.charged.append((now, tokens))

    def headers(self) -> dict[str, str]:
        with self.lock:
            self._refill()
            out = {}
            for name, limit, level in (("requests", self.rpm, self.requests), ("tokens", self.tpm, self.tokens)):
                if limit:
                    out[f"x-ratelimit-limit-{name}"] = str(int(limit))
                    out[f"x-ratelimit-remaining-{name}"] = str(max(0, int(level)))
                    out[f"x-ratelimit-reset-{name}"] = _duration((limit - level) * 60 / limit)
            return out


def _duration(seconds: float) -> str:
    """A reset time as OpenAI writes it: 20ms, 1.5s, 6m0s."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.0f}s" if minutes else f"{rest:.3g}s"
