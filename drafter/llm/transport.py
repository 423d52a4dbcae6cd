"""An HTTP transport under the openai SDK that logs every request and answers repeats from the log.

Sitting at the HTTP layer means every attempt is seen: the SDK's own retries of 429 / 5xx / timeouts and
instructor's re-asks after a validation error each arrive here as a separate request, and a cache hit is
served without touching the network, whatever the SDK or instructor do above.

It is also where a request's total deadline is kept: httpx's timeout bounds each read, so an answer that drips
one byte a second never times out there. A request that has no complete answer within ``deadline`` seconds
raises httpx's ``ReadTimeout`` here (the SDK retries it and reports a timeout), whatever the pace of its reads.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx2

from ..usage import Usage
from .limiter import RateLimiter, RequestSlots, estimate_tokens
from .runlog import CallRecord, RunLog, reported_usage, request_hash
from .window import Budget, ContextOverflow, TokenRatio, refit, schema_chars, text_chars


@dataclass
class CallContext:
    """What the transport cannot see in a request (which run and step it belongs to), and what it counts."""

    run_id: str | None = None
    step: str | None = None
    attempts: int = 0
    requests: int = 0
    cache_hits: int = 0
    usage: Usage = field(default_factory=Usage)  # of the requests that reached the network
    usage_missing: int = 0
    latency_ms: float = 0.0
    not_completion: str | None = None  # what a 2xx answer that was no chat completion looked like (HTML, ...)
    too_large: int | None = None  # the size in bytes of an answer over MAX_ANSWER_BYTES, refused
    refused_mode: str | None = None  # the server's reason for refusing the request's structured-output mode
    last: tuple[str, int] | None = None  # the request hash and attempt number of the last answer logged
    timed_out: str | None = None  # a timeout not re-sent (a one-slot server keeps working on it): what it said
    cut_off: str | None = None  # how the last cut-off answer ended ("finish_reason=tool_calls, 50 of max_tokens=50")
    budget: Budget | None = None  # the context window each request of the call must fit (None: unknown)
    prompt_len: int | None = None  # messages of the call's first request: a re-ask's additions come after them
    overflow: str | None = None  # why a request did not fit the context window (drafter's estimate or the server's)
    refitted: tuple[str, ...] = ()  # what was changed in the last request to make it fit
    left_out: tuple[str, ...] = ()  # what the call's first request left out to fit (window.plan)


MAX_ANSWER_BYTES = 2_000_000
"""The largest answer drafter reads. A step's answer is a few kilobytes (max_tokens bounds an honest one); a
runaway or hostile server's 50 MB would otherwise be stored in the run log and sent back in every re-ask.
A larger answer is refused (the call fails as the SDK's retries run out) and only its start is logged."""
LOGGED_HEAD = 65_536
"""How much of a refused answer the run log keeps (characters), for whoever looks into it."""


class AnswerTooLarge(Exception):
    """An answer over ``MAX_ANSWER_BYTES``: never handed to the SDK, so never parsed, cached or re-sent."""


current_call: ContextVar[CallContext | None] = ContextVar("drafter_call", default=None)


MODE_WORDS = ("response_format", "tools", "tool_choice", "json_schema")
"""What a server's refusal names when it rejects the structured-output mode itself (llama-cpp-python answers
``response_format`` json_schema with HTTP 500 "only text or json_object"): the same request would fail the
same way on every retry, so the SDK is told not to retry it (``x-should-retry: false``)."""


def refusal_reason(status: int, text: str) -> str | None:
    """The server's own message when an HTTP 4xx/5xx answer refuses the request's mode, else None."""
    if status < 400 or status in (408, 429) or not any(w in text for w in MODE_WORDS):  # busy is no refusal
        return None
    try:
        error = json.loads(text).get("error")
        message = error.get("message") if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = None
    said = " ".join(str(message or text).split())
    return said if any(w in said for w in MODE_WORDS) else None


OVERFLOW_WORDS = ("context_length_exceeded", "maximum context length", "exceed_context_size", "context size",
                  "context length", "context window", "too many tokens")  # fmt: skip
"""What a server's refusal says when a request does not fit its context window (OpenAI's and vLLM's HTTP 400
``context_length_exceeded`` / "maximum context length is …", llama.cpp's ``exceed_context_size_error``)."""


def overflow_reason(status: int, text: str) -> str | None:
    """The server's own message when an HTTP 4xx/5xx answer says the request does not fit its window."""
    if status < 400 or status in (408, 429) or not any(w in text.lower() for w in OVERFLOW_WORDS):
        return None
    try:
        error = json.loads(text).get("error")
        message = error.get("message") if isinstance(error, dict) else error
    except (ValueError, AttributeError):
        message = None
    return " ".join(str(message or text).split())[:300]


def cut_off_at(body: dict, usage: Usage | None, finish: str | None) -> int | None:
    """``max_tokens`` when the answer used all of it: cut off whatever ``finish_reason`` says (llama-cpp-python
    says "tool_calls" for a tool call cut at max_tokens), else None."""
    limit = body.get("max_tokens")
    if finish == "length":
        return limit if isinstance(limit, int) else 0
    if isinstance(limit, int) and usage is not None and usage.completion_tokens >= limit:
        return limit
    return None


def _as_length(response: httpx2.Response, payload: dict, request: httpx2.Request) -> httpx2.Response:
    """The answer with ``finish_reason`` "length", so instructor reports it cut off instead of re-asking it as
    broken JSON (the run log keeps what the server said)."""
    payload["choices"][0]["finish_reason"] = "length"
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")}
    return httpx2.Response(response.status_code, headers=headers, json=payload, request=request)


def _answer(payload: dict) -> tuple[Usage | None, int | None, str | None]:
    """The usage the server reported (None if none), its total_tokens, and the finish reason."""
    choices = payload.get("choices") or [{}]
    finish = choices[0].get("finish_reason") if isinstance(choices[0], dict) else None
    return reported_usage(payload), (payload.get("usage") or {}).get("total_tokens"), finish


class _Exchange:
    """One request's bookkeeping, shared by the sync and async transports: cache, limiter, log, counters."""

    def __init__(self, owner: _LoggingCore, request: httpx2.Request, body_bytes: bytes):
        self.owner = owner
        self.request = request
        self.ctx = current_call.get() or CallContext()
        self.ctx.attempts += 1
        try:
            self.body = json.loads(body_bytes or b"{}")
        except ValueError:
            self.body = {"raw": body_bytes.decode("utf-8", "replace")}
        self.body_text = body_bytes.decode("utf-8", "replace")
        self.req_hash = request_hash(owner.base_url, body_bytes)
        self.estimate = estimate_tokens(body_bytes, self.body.get("max_tokens"))
        self.t0 = 0.0

    def record(self, **kw) -> None:
        o, ctx = self.owner, self.ctx
        base = dict(
            run_id=ctx.run_id, step=ctx.step, endpoint=o.endpoint, base_url=o.base_url, model=self.body.get("model"),
            request_hash=self.req_hash, request_json=self.body_text, response_json=None,
            status=None, error=None, finish_reason=None, usage=None, total_tokens=None, latency_ms=0.0,
            attempt=ctx.attempts, cached=False,
        )  # fmt: skip
        o.log.record(CallRecord(**(base | kw)))
        ctx.last = (self.req_hash, ctx.attempts)

    def from_cache(self) -> httpx2.Response | None:
        """Repeat answers for requests that mean "the same answer again": temperature 0, or a named sample (a
        ``seed``: sample k of a sampled draft is one request, answered once and then from the log)."""
        o = self.owner
        if not (o.use_cache and (self.body.get("temperature") == 0 or self.body.get("seed") is not None)):
            return None
        hit = o.log.cached_response(self.req_hash)
        if hit is None:
            return None
        self.ctx.cache_hits += 1
        usage, total, finish = _answer(json.loads(hit))
        self.record(response_json=hit, status=200, finish_reason=finish, usage=usage, total_tokens=total, cached=True)
        return httpx2.Response(
            200, headers={"content-type": "application/json"}, content=hit.encode(), request=self.request
        )

    def sending(self) -> None:
        self.ctx.requests += 1
        self.t0 = time.perf_counter()

    def failed(self, e: Exception) -> None:
        latency = (time.perf_counter() - self.t0) * 1000
        self.ctx.latency_ms += latency
        self.record(error=f"{type(e).__name__}: {e}", latency_ms=latency)

    def answered(self, response: httpx2.Response, content: bytes) -> httpx2.Response:
        """Log the answer; returns the response to hand to the SDK (a refused mode marked not to be retried, an
        answer that used up max_tokens marked as cut off)."""
        ctx, limiter = self.ctx, self.owner.limiter
        latency = (time.perf_counter() - self.t0) * 1000
        ctx.latency_ms += latency
        if len(content) > MAX_ANSWER_BYTES:
            ctx.too_large = len(content)
            head = content[:LOGGED_HEAD].decode("utf-8", "replace")
            why = f"answer of {len(content):,} bytes is over drafter's limit of {MAX_ANSWER_BYTES:,}; not used"
            self.record(response_json=f"{head}… [{why}]", status=response.status_code, error=why, latency_ms=latency)
            raise AnswerTooLarge(why)
        text = content.decode("utf-8", "replace")
        usage = total = finish = None
        error = None
        if 200 <= response.status_code < 300:
            try:
                usage, total, finish = _answer(json.loads(text))
            except (ValueError, AttributeError, IndexError, TypeError):
                error = "response body is not a chat completion JSON object"
            if error is not None:
                kind = response.headers.get("content-type", "no content type")
                ctx.not_completion = f"HTTP {response.status_code} {kind}: {' '.join(text[:60].split())!r}"
        else:
            error = f"HTTP {response.status_code}"
            if (said := overflow_reason(response.status_code, text)) is not None:
                ctx.overflow = said
                error = f"HTTP {response.status_code}: context window: {said[:200]}"
                response.headers["x-should-retry"] = "false"
            elif (reason := refusal_reason(response.status_code, text)) is not None:
                ctx.refused_mode = reason[:200]
                error = f"HTTP {response.status_code}: mode refused: {reason[:200]}"
                response.headers["x-should-retry"] = "false"
        cut = None if error is not None else cut_off_at(self.body, usage, finish)
        if cut is not None:
            used = usage.completion_tokens if usage is not None else "?"
            ctx.cut_off = f"finish_reason={finish}, {used} of max_tokens={cut} completion tokens"
            error = f"cut off: {ctx.cut_off}"
        if limiter is not None:
            actual = total if total is not None else (usage.total_tokens if usage is not None else None)
            limiter.on_response(response.status_code, response.headers, self.estimate, actual)
        if usage is None and error is None:
            ctx.usage_missing += 1
        if usage is not None:
            ctx.usage += usage
            if isinstance(self.body.get("messages"), list):
                chars = text_chars(self.body["messages"]) + schema_chars(self.body)
                self.owner.ratio.learn(chars, usage.prompt_tokens)
        self.record(response_json=text, status=response.status_code, error=error, finish_reason=finish, usage=usage,
                    total_tokens=total, latency_ms=latency)  # fmt: skip
        if cut is not None and finish != "length":
            return _as_length(response, json.loads(text), self.request)
        return response


class Deadline:
    """The time by which one request must have its whole answer, checked between the reads of its body."""

    def __init__(self, seconds: float | None, request: httpx2.Request, base_url: str):
        self.seconds, self.request, self.base_url = seconds, request, base_url
        self.at = None if seconds is None else time.monotonic() + seconds

    def expired(self) -> httpx2.ReadTimeout:
        return httpx2.ReadTimeout(
            f"no complete answer from {self.base_url} within the {self.seconds:g} s deadline", request=self.request
        )

    def check(self) -> None:
        if self.at is not None and time.monotonic() > self.at:
            raise self.expired()

    def read(self, response: httpx2.Response) -> httpx2.Response:
        """The response with its body read in full by the deadline (else ``ReadTimeout``, the connection closed)."""
        raw = bytearray()
        try:
            for chunk in response.iter_raw():
                raw += chunk
                self.check()
        finally:
            response.close()
        return _whole(response, bytes(raw), self.request)

    async def aread(self, response: httpx2.Response) -> httpx2.Response:
        raw = bytearray()
        try:
            async for chunk in response.aiter_raw():
                raw += chunk
                self.check()
        finally:
            await response.aclose()
        return _whole(response, bytes(raw), self.request)


def _whole(response: httpx2.Response, raw: bytes, request: httpx2.Request) -> httpx2.Response:
    """A response like ``response`` whose body (still encoded as the server sent it) is ``raw``, read in full."""
    whole = httpx2.Response(
        response.status_code, headers=response.headers, stream=httpx2.ByteStream(raw), request=request,
        extensions=response.extensions,
    )  # fmt: skip
    whole.read()
    return whole


class _LoggingCore:
    def __init__(
        self,
        inner,
        log: RunLog,
        endpoint: str,
        base_url: str,
        use_cache: bool,
        limiter: RateLimiter | None = None,
        slots: RequestSlots | None = None,
        deadline: float | None = None,
        retry_timeouts: bool = True,
        ratio: TokenRatio | None = None,
    ):
        self.inner = inner
        self.ratio = ratio or TokenRatio()  # characters per token, as the server's counts show (llm/window.py)
        self.log = log
        self.endpoint = endpoint
        self.base_url = base_url
        self.use_cache = use_cache
        self.limiter = limiter
        self.slots = slots  # async only: at most that many requests in flight, shared by a batch
        self.deadline = deadline  # seconds for one request's whole answer (None: httpx's per-read timeout only)
        # False for a server that keeps working on a request whose client hung up (llama-cpp-python does not cancel
        # a non-streaming request): a re-sent request would queue behind the abandoned one, so it is not re-sent
        self.retry_timeouts = retry_timeouts

    def fit(self, request: httpx2.Request, content: bytes) -> tuple[httpx2.Request, bytes] | httpx2.Response:
        """The request as it fits the call's context window (llm/window.py ``refit``: a re-ask's earlier failed
        answers dropped, max_tokens lowered), or, when it cannot fit, a final HTTP 400 it is answered with
        instead of being sent (``x-should-retry: false``: the same request would not fit the next time either)."""
        ctx = current_call.get()
        if ctx is None or ctx.budget is None:
            return request, content
        try:
            body = json.loads(content)
        except ValueError:
            return request, content
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return request, content
        if ctx.prompt_len is None:
            ctx.prompt_len = len(body["messages"])
        try:
            new, ctx.refitted = refit(body, ctx.budget.at(self.ratio.value), ctx.prompt_len)
        except ContextOverflow as e:
            ctx.overflow = str(e)
            _Exchange(self, request, content).record(error=f"not sent: {ctx.overflow}")
            said = {"error": {"message": ctx.overflow, "code": "context_length_exceeded", "type": "drafter"}}
            return httpx2.Response(400, headers={"x-should-retry": "false"}, json=said, request=request)
        if new is body:
            return request, content
        content = json.dumps(new).encode()
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "content-length"]
        return httpx2.Request(request.method, request.url, headers=headers, content=content), content

    def gave_up(self, ex: _Exchange, e: Exception) -> httpx2.Response:
        """A timed-out request answered as a final HTTP 504 the SDK does not retry (``x-should-retry: false``)."""
        ex.ctx.timed_out = str(e)
        message = f"{e}; not re-sent: the server keeps working on a request whose client hung up"
        body = json.dumps({"error": {"message": message, "type": "timeout"}}).encode()
        return httpx2.Response(504, headers={"x-should-retry": "false"}, content=body, request=ex.request)


class LoggingTransport(_LoggingCore, httpx2.BaseTransport):
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        fitted = self.fit(request, request.read())
        if isinstance(fitted, httpx2.Response):
            return fitted
        request = fitted[0]
        ex = _Exchange(self, request, fitted[1])
        if (cached := ex.from_cache()) is not None:
            return cached
        if self.limiter is not None:
            self.limiter.acquire(ex.estimate)
        ex.sending()
        deadline = Deadline(self.deadline, request, self.base_url)
        try:
            response = deadline.read(self.inner.handle_request(request))
        except Exception as e:
            ex.failed(e)
            if isinstance(e, httpx2.TimeoutException) and not self.retry_timeouts:
                return self.gave_up(ex, e)
            raise
        return ex.answered(response, response.content)


class AsyncLoggingTransport(_LoggingCore, httpx2.AsyncBaseTransport):
    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        fitted = self.fit(request, await request.aread())
        if isinstance(fitted, httpx2.Response):
            return fitted
        request = fitted[0]
        ex = _Exchange(self, request, fitted[1])
        if (cached := ex.from_cache()) is not None:
            return cached
        if self.slots is not None:
            await self.slots.acquire(ex.ctx.step)
        try:
            if self.limiter is not None:
                await self.limiter.acquire_async(ex.estimate)
            ex.sending()
            deadline = Deadline(self.deadline, request, self.base_url)
            try:
                async with asyncio.timeout(deadline.seconds):  # here the wait for the headers is bounded too
                    response = await deadline.aread(await self.inner.handle_async_request(request))
            except TimeoutError:
                ex.failed(error := deadline.expired())
                if not self.retry_timeouts:
                    return self.gave_up(ex, error)
                raise error from None
            except Exception as e:
                ex.failed(e)
                if isinstance(e, httpx2.TimeoutException) and not self.retry_timeouts:
                    return self.gave_up(ex, e)
                raise
        finally:
            if self.slots is not None:
                self.slots.release()
        return ex.answered(response, response.content)

    async def aclose(self) -> None:
        await self.inner.aclose()
