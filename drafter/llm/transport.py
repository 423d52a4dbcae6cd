"""An HTTP transport under the openai SDK that logs every request and answers repeats from the log.

Sitting at the HTTP layer means every attempt is seen: the SDK's own retries of 429 / 5xx / timeouts and
instructor's re-asks after a validation error each arrive here as a separate request, and a cache hit is
served without touching the network, whatever the SDK or instructor do above.
"""

from __future__ import annotations

import json
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx2

from .runlog import CallRecord, RunLog, request_hash


@dataclass
class CallContext:
    """What the transport cannot see in a request: which run and step it belongs to."""

    run_id: str | None = None
    step: str | None = None
    attempts: int = 0
    requests: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usage_missing: int = 0
    latency_ms: float = 0.0
    errors: list[str] = field(default_factory=list)


current_call: ContextVar[CallContext | None] = ContextVar("drafter_call", default=None)


def _usage(payload: dict) -> tuple[int | None, int | None, int | None, str | None]:
    usage = payload.get("usage") or {}
    choices = payload.get("choices") or [{}]
    finish = choices[0].get("finish_reason") if isinstance(choices[0], dict) else None
    return usage.get("prompt_tokens"), usage.get("completion_tokens"), usage.get("total_tokens"), finish


def _retry_after(headers) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(headers[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


class LoggingTransport(httpx2.BaseTransport):
    def __init__(
        self, inner: httpx2.BaseTransport, log: RunLog, endpoint: str, base_url: str, use_cache: bool, limiter=None
    ):
        self.inner = inner
        self.log = log
        self.endpoint = endpoint
        self.base_url = base_url
        self.use_cache = use_cache
        self.limiter = limiter

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        ctx = current_call.get() or CallContext()
        ctx.attempts += 1
        body_bytes = request.read()
        try:
            body = json.loads(body_bytes or b"{}")
        except ValueError:
            body = {"raw": body_bytes.decode("utf-8", "replace")}
        req_hash = request_hash(self.base_url, body)
        model = body.get("model")
        cacheable = body.get("temperature") == 0

        def record(**kw) -> None:
            base = dict(
                run_id=ctx.run_id, step=ctx.step, endpoint=self.endpoint, base_url=self.base_url, model=model,
                request_hash=req_hash, request_json=json.dumps(body, ensure_ascii=False), response_json=None,
                status=None, error=None, finish_reason=None, prompt_tokens=None, completion_tokens=None,
                total_tokens=None, latency_ms=0.0, attempt=ctx.attempts, cached=False,
            )  # fmt: skip
            self.log.record(CallRecord(**(base | kw)))

        if self.use_cache and cacheable and (hit := self.log.cached_response(req_hash)) is not None:
            ctx.cache_hits += 1
            pt, ct, tt, finish = _usage(json.loads(hit))
            record(response_json=hit, status=200, finish_reason=finish, prompt_tokens=pt, completion_tokens=ct,
                   total_tokens=tt, cached=True)  # fmt: skip
            return httpx2.Response(
                200, headers={"content-type": "application/json"}, content=hit.encode(), request=request
            )

        ctx.requests += 1
        estimate = len(body_bytes) // 4 + int(body.get("max_tokens") or 0) // 4
        if self.limiter is not None:
            self.limiter.acquire(estimate)
        t0 = time.perf_counter()
        try:
            response = self.inner.handle_request(request)
            content = response.read()
        except Exception as e:
            latency = (time.perf_counter() - t0) * 1000
            ctx.latency_ms += latency
            ctx.errors.append(f"{type(e).__name__}: {e}")
            record(error=f"{type(e).__name__}: {e}", latency_ms=latency)
            raise
        latency = (time.perf_counter() - t0) * 1000
        ctx.latency_ms += latency
        text = content.decode("utf-8", "replace")
        pt = ct = tt = finish = None
        error = None
        if 200 <= response.status_code < 300:
            try:
                pt, ct, tt, finish = _usage(json.loads(text))
            except (ValueError, AttributeError, IndexError, TypeError):
                error = "response body is not a chat completion JSON object"
        else:
            error = f"HTTP {response.status_code}"
            ctx.errors.append(f"HTTP {response.status_code}: {text[:200]}")
        if self.limiter is not None:
            if response.status_code == 429:
                self.limiter.on_429(_retry_after(response.headers))
            else:
                self.limiter.settle(estimate, tt)
        if pt is None and error is None:
            ctx.usage_missing += 1
        ctx.prompt_tokens += pt or 0
        ctx.completion_tokens += ct or 0
        record(response_json=text, status=response.status_code, error=error, finish_reason=finish,
               prompt_tokens=pt, completion_tokens=ct, total_tokens=tt, latency_ms=latency)  # fmt: skip
        return response
