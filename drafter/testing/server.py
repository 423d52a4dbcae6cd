"""A real OpenAI-compatible chat-completions server on 127.0.0.1 that answers from a hook and misbehaves from a
script: for tests and benchmarks of drafter, and of anyone's prompts and client code (docs/testing.md).

``FakeOpenAI(script, answer=…, spoil=…)`` answers each ``POST …/chat/completions`` with
``answer(step, request)``: ``step`` is the name of the response model the request asks for (its forced tool, its
``response_format`` schema's name), ``request`` the JSON body as sent. The answer becomes the tool call's
arguments (or the message content for ``response_format``). Without a hook it answers drafter's own four steps
(``drafter.testing.answers``).

The script queues one behaviour per request, then falls back to ``default`` (or draws from ``faults``
probabilities). Behaviours the server plays itself: valid, 429 (Retry-After), 500, html (a login page with HTTP
200), hang (sleeps past the client's timeout), drip (the answer one byte every ``drip_seconds``), echo_401 (a
401 quoting the request's credentials), malformed (not JSON), huge (a valid answer padded with ``Script.huge_bytes`` of text), truncated (finish_reason
length), cut_tool_call (a tool call cut at max_tokens whose finish_reason says "tool_calls", as llama-cpp-python's
does), no_usage (valid but without usage). Any other behaviour is a content fault: the server passes the valid answer
to ``spoil(behaviour, step, answer)`` (drafter's: invalid, invented_score, invented_move, bad_quote,
uncovered_task). A queued ``"bad_quote@RoleSections"`` waits for a request of that step.

``Script.vary`` rewrites valid answers per request (different scores per sample seed or per model).

With ``refuse_json_schema`` on, the server plays llama-cpp-python: a ``response_format`` json_schema is answered
HTTP 500 with its reason (only text or json_object are supported); with ``refuse_tools``, a server without tool
support (``tools`` answered HTTP 400). With ``context_window``, it tells its window as llama.cpp, vLLM and Ollama
do and refuses a request past it with HTTP 400 ``context_length_exceeded`` (testing/introspect.py).

With ``prompt_cache`` on, the server plays OpenAI's automatic prompt caching: the longest prefix of a request (its
response schema, then its messages) that an earlier request had, counted from 1,024 tokens up in steps of 128, is
reported as ``usage.prompt_tokens_details.cached_tokens``.

With ``tpm`` and/or ``rpm`` set, the server enforces a per-minute budget as OpenAI does (a bucket holding one
minute's worth that refills continuously): a request's prompt tokens are charged when it arrives, its completion
tokens when it is answered, and a request that finds too little left is answered 429 with ``retry-after-ms``.
Every answer then carries the ``x-ratelimit-limit-*``, ``x-ratelimit-remaining-*`` and ``x-ratelimit-reset-*``
headers. Tokens are counted as four characters each: of the response schema and the messages' content (prompt),
of the answer (completion).
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .faults import SERVER_FAULTS
from .introspect import PROBE_STEP, lookup, overflow
from .limits import Budget, PrefixCache

Answer = Callable[[str, dict], dict]  # answer(step, request) -> the structured output
Spoil = Callable[[str, str, dict], dict]  # spoil(behaviour, step, valid answer) -> a faulty answer


@dataclass
class Script:
    queue: deque = field(default_factory=deque)
    default: str = "valid"
    retry_after: str = "1"
    hang_seconds: float = 5.0
    drip_seconds: float = 1.0  # "drip": the pause between the bytes of the answer
    latency: float = 0.0
    faults: dict[str, float] = field(default_factory=dict)  # behaviour -> probability per request
    prompt_cache: bool = False
    cache_min_tokens: int = 1024  # OpenAI: prefixes of 1,024 tokens and more, in steps of 128
    cache_step_tokens: int = 128
    tpm: float | None = None  # enforce a tokens-per-minute budget (429s and rate-limit headers)
    rpm: float | None = None  # enforce a requests-per-minute budget
    seed: int = 0
    # play llama-cpp-python: a ``response_format`` of type json_schema is refused with its HTTP 500
    refuse_json_schema: bool = False
    refuse_tools: bool = False  # a server without tool support: ``tools`` answered HTTP 400 naming them
    context_window: int | None = None  # answer /props, /v1/models, /api/show; 400 past it (testing/introspect.py)
    ollama_num_ctx: int | None = None  # the num_ctx /api/show's parameters name (None: none set)
    model_id: str = "fake-model"  # the model /v1/models lists
    huge_bytes: int = 5_000_000  # the size of a "huge" answer (a runaway model's padding in an extra field)
    # vary(step model name, request body, valid answer) -> answer: lets a test make answers differ by the
    # request's ``seed`` (a sample) or ``model`` (a panel), as a real model at temperature > 0 would
    vary: Callable[[str, dict, dict], dict] | None = None
    _rng: random.Random | None = None

    def next(self, name: str = "") -> str:
        """The behaviour of the next request, for the step answered as ``name``: the first queued behaviour meant
        for any request or for that step ("bad_quote@RoleSections": the steps of one round arrive in any order)."""
        for k, entry in enumerate(self.queue):
            behaviour, _, step = entry.partition("@")
            if not step or step == name:
                del self.queue[k]
                return behaviour
        if self.faults:
            self._rng = self._rng or random.Random(self.seed)
            r, acc = self._rng.random(), 0.0
            for behaviour, p in self.faults.items():
                acc += p
                if r < acc:
                    return behaviour
        return self.default


LLAMA_CPP_PYTHON_REFUSAL = (
    "Only 'text' or 'json_object' response_format types are supported; got response_format type 'json_schema'"
)
"""What llama-cpp-python's server says (HTTP 500) to a ``response_format`` json_schema (issue 23)."""

# what the server plays itself; any other behaviour is a content fault, handed to the spoil hook
SERVER_BEHAVIOURS = frozenset(
    {"valid", "429", "500", "html", "hang", "malformed", "huge", "truncated", "cut_tool_call", "no_usage"}
) | set(SERVER_FAULTS)


def step_name(body: dict) -> str:
    """The step a request asks for: its forced tool's name, its JSON schema's name, or a step named in it."""
    if body.get("tool_choice"):
        return body["tool_choice"]["function"]["name"]
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["name"]
    text = json.dumps(body.get("messages", []))
    for name in ("Decomposition", "RowScores", "RoleSections", "Commentary", PROBE_STEP):
        if name in text:
            return name
    return "unknown"


def schema_text(body: dict) -> str:
    """The response schema a request carries (its tools, or its response_format's JSON schema), as sent."""
    schema = body.get("tools") or (body.get("response_format") or {}).get("json_schema")
    return json.dumps(schema) if schema else ""


def prompt_text(body: dict) -> str:
    """What the server counts and caches of a request: the response schema first (OpenAI puts it before the
    system message, so it is part of every cached prefix), then the messages in order."""
    return schema_text(body) + "".join(f"<{m.get('role')}>{m.get('content') or ''}" for m in body.get("messages", []))


def prompt_tokens(body: dict) -> int:
    """Four characters a token, of the schema and the messages' content (tool definitions are billed as input)."""
    return (len(schema_text(body)) + sum(len(str(m.get("content", ""))) for m in body.get("messages", []))) // 4


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops connections when a batch opens dozens at once
    allow_reuse_port = True  # several server processes may share one port (benchmarks)

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a killed client: expected in fault runs
            super().handle_error(request, client_address)


class FakeOpenAI:
    """The server, started and stopped as a context manager; ``base_url`` is what a client points at."""

    def __init__(
        self, script: Script | None = None, port: int = 0, *, answer: Answer | None = None, spoil: Spoil | None = None
    ):
        if answer is None:  # drafter's own steps, and their content faults
            from . import answers

            answer, spoil = answers.answer, spoil or answers.spoil
        self.answer, self.spoil = answer, spoil or (lambda behaviour, step, valid: valid)
        self.script = script or Script()
        self.requests: list[dict] = []
        self.lookups: list[str] = []  # "GET /props", "POST /api/show": what was asked besides chat completions
        self.behaviours: list[str] = []
        self.work_ms: list[float] = []  # time spent per request besides the injected latency
        self.prefix_cache = PrefixCache(self.script.cache_min_tokens, self.script.cache_step_tokens)
        self.budget = Budget(self.script.rpm, self.script.tpm) if self.script.rpm or self.script.tpm else None
        self.in_flight = self.peak_in_flight = 0  # requests being answered at once
        self._lock = threading.Lock()
        handler = self._handler()
        self.httpd = _Server(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def queue(self, *behaviours: str) -> None:
        with self._lock:
            self.script.queue.extend(behaviours)

    @property
    def count(self) -> int:
        return len(self.requests)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
            disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stalls)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(
                self, status: int, payload: bytes, headers: dict | None = None, content_type: str = "application/json"
            ) -> None:
                if server.budget is not None:
                    headers = server.budget.headers() | (headers or {})
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/stats"):
                    n = len(server.work_ms)
                    stats = {"requests": server.count, "work_ms_mean": sum(server.work_ms) / n if n else None}
                    if (b := server.budget) is not None:
                        with b.lock:
                            charged = list(b.charged)
                        stats |= {"rpm": b.rpm, "tpm": b.tpm, "refused_429": b.refused, "charged": charged}
                    return self._send(200, json.dumps(stats).encode())
                status, payload = lookup(server, "GET", self.path)
                self._send(status, json.dumps(payload).encode())

            def do_POST(self) -> None:
                started = time.perf_counter()
                with server._lock:
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                try:
                    self._post()
                finally:
                    with server._lock:
                        server.in_flight -= 1
                    server.work_ms.append((time.perf_counter() - started - server.script.latency) * 1000)

            def _post(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.partition("?")[0].rstrip("/").endswith("/api/show"):
                    status, payload = lookup(server, "POST", self.path)
                    return self._send(status, json.dumps(payload).encode())
                with server._lock:
                    server.requests.append(body)
                if server.budget is not None and (wait := server.budget.admit(prompt_tokens(body))) is not None:
                    with server._lock:
                        server.behaviours.append("budget_429")
                    return self._send(
                        429,
                        b'{"error": {"message": "Rate limit reached for tokens per min", "type": "tokens"}}',
                        {"retry-after-ms": str(max(1, round(wait * 1000)))},
                    )
                name = step_name(body)
                with server._lock:
                    behaviour = server.script.next(name)
                    server.behaviours.append(behaviour)
                if server.script.latency:
                    time.sleep(server.script.latency)
                if not self.path.partition("?")[0].endswith("/chat/completions"):  # a query: Azure's api-version
                    return self._send(404, b'{"error": {"message": "not found"}}')
                fmt = body.get("response_format") or {}
                if server.script.refuse_json_schema and fmt.get("type") not in (None, "text", "json_object"):
                    return self._send(500, json.dumps({"error": {"message": LLAMA_CPP_PYTHON_REFUSAL, "type": "internal_server_error"}}).encode())  # fmt: skip
                if server.script.refuse_tools and body.get("tools"):
                    return self._send(400, b'{"error": {"message": "tools are not supported by this server", "type": "invalid_request_error"}}')  # fmt: skip
                if (too_long := overflow(server.script.context_window, prompt_tokens(body), body)) is not None:
                    return self._send(400, too_long)
                if behaviour == "429":
                    return self._send(
                        429,
                        b'{"error": {"message": "Rate limit reached", "type": "rate_limit"}}',
                        {"Retry-After": server.script.retry_after},
                    )
                if behaviour == "500":
                    return self._send(500, b'{"error": {"message": "The server had an error", "type": "server_error"}}')
                if behaviour == "html":  # a proxy's or login page's HTML, with HTTP 200
                    return self._send(
                        200, b"<!DOCTYPE html><html><body>Please sign in</body></html>", None, "text/html"
                    )
                if behaviour in SERVER_FAULTS:
                    return SERVER_FAULTS[behaviour](self, server)
                if behaviour == "hang":
                    time.sleep(server.script.hang_seconds)
                answer = {"ok": True} if name == PROBE_STEP else server.answer(name, body)
                if server.script.vary is not None:
                    answer = server.script.vary(name, body, answer)
                if behaviour not in SERVER_BEHAVIOURS:
                    answer = server.spoil(behaviour, name, answer)
                if behaviour == "huge":
                    answer = answer | {"padding": "x" * server.script.huge_bytes}
                arguments = json.dumps(answer)
                if behaviour == "malformed":
                    arguments = arguments[: len(arguments) // 2] + " <<not json"
                completion_tokens = len(arguments) // 4
                if behaviour == "cut_tool_call":  # llama-cpp-python: cut at max_tokens, finish_reason "tool_calls"
                    completion_tokens = int(body.get("max_tokens") or 16)
                    arguments = arguments[: min(len(arguments) // 2, completion_tokens * 4)]
                finish = "length" if behaviour == "truncated" else ("tool_calls" if body.get("tools") else "stop")
                if body.get("tools"):
                    message = {"role": "assistant", "content": None, "tool_calls": [
                        {"id": f"call_{len(server.requests)}", "type": "function", "function": {"name": name, "arguments": arguments}}
                    ]}  # fmt: skip
                else:
                    message = {"role": "assistant", "content": arguments}
                completion = {
                    "id": f"chatcmpl-{len(server.requests)}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                }
                if server.budget is not None:
                    server.budget.charge(completion_tokens)
                if behaviour != "no_usage":
                    prompt = prompt_tokens(body)
                    completion["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion_tokens,
                                           "total_tokens": prompt + completion_tokens}  # fmt: skip
                    if server.script.prompt_cache:
                        cached = min(prompt, server.prefix_cache.cached_tokens(prompt_text(body)))
                        completion["usage"]["prompt_tokens_details"] = {"cached_tokens": cached}
                self._send(200, json.dumps(completion).encode())

        return Handler
