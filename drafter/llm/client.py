"""One structured LLM call: instructor for schema + validation re-asks, the openai SDK for HTTP retries.

Two retry budgets, kept apart: ``http_retries`` (429 honouring Retry-After, 5xx, timeouts, connection
errors; the openai SDK's backoff) and ``validation_retries`` (instructor re-sends the conversation with the
invalid answer and the validation error). Whatever still fails is raised as ``LLMError`` with a kind and a
one-line reason; nothing is repaired.

The layer knows no domain: a caller passes the response model; whatever its validators check the answer
against is the caller's to provide (the drafting steps bind their facts around the call: drafting/facts.py).
"""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import DrafterError, format_validation_error
from ..redact import guard_third_party_logs, redact, split_url
from ..usage import Usage
from . import instructor_patch
from .automode import say
from .endpoints import Endpoint
from .limiter import RateLimiter, RequestSlots
from .runlog import Failure, RunLog
from .transport import CallContext, LoggingTransport, current_call
from .window import Budget, ContextOverflow, Shorter, TokenRatio, output_floor, plan

T = TypeVar("T", bound=BaseModel)

# the run id calls are logged under: one per draft (set by the pipeline), else the client's own
current_run: ContextVar[str | None] = ContextVar("drafter_run", default=None)


class ErrorKind(StrEnum):
    """Why a call failed for good (after its own HTTP retries and validation re-asks)."""

    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    HTTP_ERROR = "http_error"  # any other HTTP status: a bad key, an unknown model, a rejected request
    TRUNCATED = "truncated"  # the answer hit max_tokens
    INVALID = "invalid"  # the answer failed validation on every attempt
    CONTEXT = "context_window"  # the request does not fit the server's context window (by drafter's estimate or its)

    @property
    def retryable(self) -> bool:
        """Whether the same work may succeed if tried again later (a busy or flaky server, an unlucky answer);
        an HTTP error, a cut-off answer or a prompt past the window would fail the same way until the request or
        the limits change."""
        return self not in (ErrorKind.HTTP_ERROR, ErrorKind.TRUNCATED, ErrorKind.CONTEXT)


class LLMError(DrafterError):
    exit_code = 3

    def __init__(self, kind: ErrorKind, message: str, stats: CallContext | None = None):
        super().__init__(message)
        self.kind = kind
        self.stats = stats


@dataclass(frozen=True)
class StepResult:
    """One structured call as measured at the HTTP layer (every attempt, retries and re-asks included)."""

    step: str
    attempts: int  # requests made plus answers from drafter's cache
    requests: int  # that reached the network
    cache_hits: int
    usage: Usage  # of the requests that reached the network
    usage_missing: int  # answers whose server reported no usage
    latency_ms: float
    left_out: tuple[str, ...] = ()  # what the first request left out to fit the context window (llm/window.py)


class LLM:
    """Structured calls to one endpoint, sync (``structured``) or async (``structured_async``).

    Both share the run log, the cache, the rate limiter and the error mapping; the async client (an
    ``AsyncOpenAI`` under instructor) is built on first use, for batches.
    """

    MODES = {"tools": "TOOLS", "json_schema": "JSON_SCHEMA", "json": "JSON"}

    def __init__(
        self,
        endpoint: Endpoint,
        log: RunLog | None = None,
        *,
        use_cache: bool = True,
        limiter: RateLimiter | None = None,
        slots: RequestSlots | None = None,
        pool: int = 100,
        inner_transport=None,
    ):
        """``limiter`` (requests and tokens per minute) is shared by every request, by default one planning
        against the endpoint's ``rpm`` / ``tpm`` budgets and the server's rate-limit headers; ``slots`` bounds the
        async requests in flight (a batch's concurrency); ``inner_transport`` replaces the network (Batch API
        capture and cache-only replay use it)."""
        import httpx2
        import openai

        self.endpoint = endpoint
        self.limiter = limiter or RateLimiter(endpoint.rpm, endpoint.tpm)
        self.slots = slots
        self.use_cache = use_cache
        self.pool = pool
        guard_third_party_logs()
        key = endpoint.api_key
        self.secrets = endpoint.secrets
        self._owns_log = log is None
        self.log = log or RunLog(secrets=self.secrets)
        self.log.secrets = tuple(set(self.log.secrets) | set(self.secrets))
        # the URL without its user:password and query, which travel as a header and parameters instead: what is
        # sent as the base URL, and what logs, caches, errors and drafts record
        self.url = split_url(endpoint.base_url or "https://api.openai.com/v1")
        self.public_url = self.base_url = self.url.public
        self.ratio = TokenRatio()  # characters per token, learnt from the server's counts (llm/window.py)
        self._window: tuple[int | None] | None = None  # the context window, once known (None inside: unknown)
        self._window_lock = threading.Lock()
        inner = inner_transport or httpx2.HTTPTransport(limits=self._limits())
        transport = LoggingTransport(
            inner, self.log, endpoint.name, self.public_url, use_cache, self.limiter, deadline=endpoint.timeout,
            retry_timeouts=endpoint.max_in_flight != 1, ratio=self.ratio,
        )  # fmt: skip
        self._openai = openai.OpenAI(
            api_key=key or "no-key-configured", http_client=httpx2.Client(transport=transport, timeout=endpoint.timeout),
            **self._sdk_settings(),
        )  # fmt: skip
        self.run_id = uuid.uuid4().hex[:12]
        if endpoint.instructor_mode == "auto":
            self.endpoint = replace(endpoint, mode=self._auto_mode(probing=inner_transport is None))
        self._client = self._instructor(self._openai)
        self._async_openai = None
        self._async_client = None
        instructor_patch.apply()

    def _auto_mode(self, probing: bool) -> str:
        """``--mode auto`` settled (llm/automode.py); a probe that settles none is this client's one-line error."""
        from .automode import ProbeFailed, resolve_auto

        try:
            return resolve_auto(self, current_run.get() or self.run_id, probing)
        except ProbeFailed as e:
            kind = ErrorKind.HTTP_ERROR if e.reachable else ErrorKind.CONNECTION
            raise LLMError(kind, redact(str(e), self.secrets) or "") from None

    def _instructor(self, sdk):
        """instructor over an openai client, in the endpoint's mode, marking invalid answers in the run log."""
        import instructor

        client = instructor.from_openai(sdk, mode=getattr(instructor.Mode, self.MODES[self.endpoint.instructor_mode]))
        client.on("parse:error", self._mark_invalid)
        return client

    def _sdk_settings(self) -> dict[str, Any]:
        """What the sync and async openai clients share: the public URL, the URL's credentials, timeout, retries."""
        ep = self.endpoint
        return dict(
            base_url=self.public_url, timeout=ep.timeout, max_retries=ep.http_retries,
            default_headers=self.url.headers or None, default_query=self.url.query or None,
        )  # fmt: skip

    def _limits(self):
        import httpx2

        return httpx2.Limits(max_connections=self.pool, max_keepalive_connections=self.pool)

    def _async(self):
        if self._async_client is None:
            import httpx2
            import openai

            from .transport import AsyncLoggingTransport

            transport = AsyncLoggingTransport(
                httpx2.AsyncHTTPTransport(limits=self._limits()), self.log, self.endpoint.name, self.public_url,
                self.use_cache, self.limiter, self.slots, deadline=self.endpoint.timeout,
                retry_timeouts=self.endpoint.max_in_flight != 1, ratio=self.ratio,
            )  # fmt: skip
            self._async_openai = openai.AsyncOpenAI(
                api_key=self.endpoint.api_key or "no-key-configured",
                http_client=httpx2.AsyncClient(transport=transport, timeout=self.endpoint.timeout),
                **self._sdk_settings(),
            )  # fmt: skip
            self._async_client = self._instructor(self._async_openai)
        return self._async_client

    def _mark_invalid(self, error: Exception) -> None:
        """instructor's hook for an answer it could not parse or validate: that attempt's log record is marked
        failed, so failures are counted per step (the re-ask that follows is a request of its own)."""
        ctx = current_call.get()
        if ctx is not None and ctx.last is not None:
            said = " ".join(str(error).split())
            self.log.mark_failed(Failure(*ctx.last, f"invalid answer: {said[:200]}"))

    def close(self) -> None:
        """Close the HTTP client and flush the run log (closing it when this client opened it): the records of
        a failed call, the ones that explain the failure, are written before the process exits."""
        try:
            self._openai.close()
        finally:
            if self._owns_log:
                self.log.close()
            else:
                self.log.flush()

    async def aclose(self) -> None:
        if self._async_openai is not None:
            await self._async_openai.close()
            self._async_openai = self._async_client = None

    def _request(self, messages, response_model, seed: int | None = None, max_tokens: int | None = None) -> dict:
        """``seed`` names a sample (drafter.drafting.sampling): it goes into the request, so sample k is its own
        request, answered from the run log when repeated (the transport caches seeded requests at any temperature).
        ``max_tokens``: the step's own allowance (sized from its expected output), capped by the endpoint's."""
        ep = self.endpoint
        extra = {} if seed is None else {"seed": seed}
        limit = ep.max_tokens if max_tokens is None else min(max_tokens, ep.max_tokens)
        return dict(
            model=ep.model, messages=alternating(messages) if ep.alternate_roles else messages, response_model=response_model, max_retries=ep.validation_retries,
            strict=False, temperature=ep.temperature, max_tokens=limit, **extra,
        )  # fmt: skip

    def structured(
        self,
        step: str,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        seed: int | None = None,
        max_tokens: int | None = None,
        min_tokens: int | None = None,
        shorter: Shorter | None = None,
    ) -> tuple[T, StepResult]:
        """One structured call. ``max_tokens``: the step's allowance; ``min_tokens``: the least it may be lowered
        to so that the request fits the context window; ``shorter``: the step's shorter prompts, sent instead when
        even that does not fit (llm/window.py)."""
        with self._call(step) as ctx:
            messages, max_tokens = self._fit(step, ctx, response_model, messages, max_tokens, min_tokens, shorter)
            request = self._request(messages, response_model, seed, max_tokens)
            parsed, _ = self._client.chat.completions.create_with_completion(**request)
        return parsed, _result(step, ctx)

    async def structured_async(
        self,
        step: str,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        seed: int | None = None,
        max_tokens: int | None = None,
        min_tokens: int | None = None,
        shorter: Shorter | None = None,
    ) -> tuple[T, StepResult]:
        client = self._async()
        with self._call(step) as ctx:
            messages, max_tokens = self._fit(step, ctx, response_model, messages, max_tokens, min_tokens, shorter)
            request = self._request(messages, response_model, seed, max_tokens)
            parsed, _ = await client.chat.completions.create_with_completion(**request)
        return parsed, _result(step, ctx)

    def context_window(self) -> int | None:
        """The tokens of prompt and answer the server holds: the endpoint's ``context_window`` if configured, else
        read from the server once (llm/probe.py; None: unknown, nothing is checked)."""
        if self.endpoint.context_window is not None:
            return self.endpoint.context_window
        with self._window_lock:
            if self._window is None:
                from .probe import read_window

                self._window = (read_window(self.endpoint, self.public_url, self.url.headers, self.url.query),)
            return self._window[0]

    def _fit(self, step, ctx, response_model, messages, max_tokens, min_tokens, shorter):
        """The messages and max_tokens to send so that the first request fits the window (``window.plan``); the
        call's budget is left in ``ctx`` for the transport to check each re-ask against."""
        window = self.context_window()
        if window is None:
            return messages, max_tokens
        import json

        limit = self.endpoint.max_tokens if max_tokens is None else min(max_tokens, self.endpoint.max_tokens)
        floor = output_floor(limit) if min_tokens is None else min(min_tokens, limit)
        ctx.budget = Budget(window, floor)
        schema = len(json.dumps(response_model.model_json_schema()))
        try:
            fitted = plan(messages, schema, limit, ctx.budget.at(self.ratio.value), shorter)
        except ContextOverflow as e:
            ctx.overflow = str(e)
            raise LLMError(ErrorKind.CONTEXT, self._overflow_message(step, ctx), ctx) from None
        ctx.left_out = fitted.left_out
        if fitted.left_out:
            say(f"{step}: the prompt left out {', '.join(fitted.left_out)} to fit the {window:,}-token context window")
        return fitted.messages, fitted.max_tokens

    def _overflow_message(self, step: str, ctx: CallContext) -> str:
        window = ctx.budget.window if ctx.budget is not None else None
        if ctx.overflow and ctx.overflow.startswith("estimated"):
            where, said = f"the {window or 0:,}-token context window", ctx.overflow
        else:
            where, said = "the server's context window", f"it says: {clip(ctx.overflow or '')}"
        msg = (
            f"{step}: the request does not fit {where} ({said}); set the server's real window with "
            "--context-window (or context_window in the endpoint's config), or use a model with a bigger window"
        )
        return redact(msg, self.secrets) or ""

    @contextmanager
    def _call(self, step: str):
        """Per-call context for the transport, and the mapping of failures to LLMError."""
        import instructor
        import openai
        from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

        ctx = CallContext(run_id=current_run.get() or self.run_id, step=step)
        token = current_call.set(ctx)
        try:
            yield ctx
        except IncompleteOutputException:
            raise LLMError(
                ErrorKind.TRUNCATED,
                f"{step}: the answer was cut off ({ctx.cut_off or f'max_tokens={self.endpoint.max_tokens}'}); "
                "raise --max-tokens or use a model with a longer output",
                ctx,
            ) from None
        except (InstructorRetryException, openai.APIError, instructor.core.exceptions.InstructorError) as e:
            raise self._explain(step, e, ctx) from None
        except (AttributeError, TypeError, KeyError):  # the SDK reading a page as a completion ('str' object ...)
            if ctx.not_completion:
                raise self._not_completion(step, ctx) from None
            raise
        finally:
            current_call.reset(token)

    def _explain(self, step: str, e: Exception, ctx: CallContext) -> LLMError:
        import openai

        if ctx.not_completion:
            return self._not_completion(step, ctx)
        if ctx.overflow:
            return LLMError(ErrorKind.CONTEXT, self._overflow_message(step, ctx), ctx)
        if ctx.too_large:
            from .transport import MAX_ANSWER_BYTES

            msg = f"{step}: the answer was {ctx.too_large:,} bytes, over the limit of {MAX_ANSWER_BYTES:,} ({ctx.attempts} attempts)"
            return LLMError(ErrorKind.INVALID, msg, ctx)
        if ctx.refused_mode:
            return self._refused(step, ctx)
        if ctx.timed_out:
            msg = (
                f"{step}: no complete answer from {self.public_url} within the {self.endpoint.timeout:g} s deadline "
                "(--timeout); not re-sent, as a one-slot local server keeps working on an abandoned request: "
                "raise --timeout, or lower --max-tokens"
            )
            return LLMError(ErrorKind.TIMEOUT, redact(msg, self.secrets) or "", ctx)
        cause: BaseException = e
        while cause.__cause__ is not None and not isinstance(cause, openai.APIError | ValidationError):
            cause = cause.__cause__
        n = ctx.attempts
        if isinstance(cause, openai.RateLimitError):
            kind, msg = ErrorKind.RATE_LIMITED, f"rate limited (HTTP 429) on all {n} attempts"
        elif isinstance(cause, openai.APITimeoutError):
            kind, msg = (
                ErrorKind.TIMEOUT,
                f"no complete answer from {self.public_url} within the {self.endpoint.timeout:g} s deadline "
                f"(--timeout) on all {n} attempts",
            )
        elif isinstance(cause, openai.APIConnectionError):
            kind, msg = (
                ErrorKind.CONNECTION,
                f"could not connect to {self.public_url} ({n} attempts); "
                "without network, --offline drafts with the offline default",
            )
        elif isinstance(cause, openai.InternalServerError):
            kind, msg = ErrorKind.SERVER_ERROR, f"server error (HTTP {cause.status_code}) on all {n} attempts"
        elif isinstance(cause, openai.APIStatusError):
            kind, msg = ErrorKind.HTTP_ERROR, f"HTTP {cause.status_code}: {str(cause.message)[:200]}"
        elif isinstance(cause, ValidationError):
            problems = format_validation_error(cause).replace("\n", "; ")
            kind, msg = (
                ErrorKind.INVALID,
                f"answer failed validation on all {n} attempts; last errors: {clip(problems)}",
            )
        else:
            kind, msg = ErrorKind.INVALID, f"answer could not be used after {n} attempts: {clip(str(cause))}"
        return LLMError(kind, redact(f"{step}: {msg}", self.secrets) or "", ctx)

    def _refused(self, step: str, ctx: CallContext) -> LLMError:
        """The server refused the structured-output mode itself: no retry can help, another mode can."""
        mode = self.endpoint.instructor_mode
        other = "tools" if mode != "tools" else "json"
        msg = (
            f"{step}: the server refused --mode {mode}: {ctx.refused_mode}; use --mode {other} "
            f'(or mode = "{other}" in the endpoint\'s config)'
        )
        return LLMError(ErrorKind.HTTP_ERROR, redact(msg, self.secrets) or "", ctx)

    def _not_completion(self, step: str, ctx: CallContext) -> LLMError:
        """An HTTP 200 that is no chat completion (a proxy's or login page): say so, with the URL asked."""
        url = self.public_url.rstrip("/") + "/chat/completions"
        return LLMError(
            ErrorKind.HTTP_ERROR,
            redact(
                f"{step}: the server at {url} did not answer in the chat-completions format (got {ctx.not_completion}); "
                "check --base-url (an OpenAI-compatible API usually ends in /v1)",
                self.secrets,
            )
            or "",
            ctx,
        )


QUOTED = 200
"""The most of a model's answer (or of what is said about it) an error message quotes, in characters: enough to
recognise it; the whole answer is in the run log (``drafter logs``)."""


def clip(text: str, limit: int = QUOTED) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis (and a pointer to the full text)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "… (all of it: drafter logs)"


def alternating(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``messages`` with consecutive plain-text messages of one role merged (blank line between): chat templates
    that require strict user/assistant alternation (Gemma, Mistral) reject system, user, user."""
    out: list[dict[str, Any]] = []
    for m in messages:
        prev = out[-1] if out else None
        if (
            prev is not None and prev.get("role") == m.get("role") and set(prev) == set(m) == {"role", "content"}
            and isinstance(prev["content"], str) and isinstance(m["content"], str)
        ):  # fmt: skip
            out[-1] = {"role": m["role"], "content": prev["content"] + "\n\n" + m["content"]}
        else:
            out.append(m)
    return out


def _result(step: str, ctx: CallContext) -> StepResult:
    return StepResult(step, ctx.attempts, ctx.requests, ctx.cache_hits, ctx.usage, ctx.usage_missing, ctx.latency_ms,
                      ctx.left_out)  # fmt: skip
