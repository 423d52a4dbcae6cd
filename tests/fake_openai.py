"""A real OpenAI-compatible chat-completions server on 127.0.0.1 that answers from a script.

It answers drafter's four drafting steps with valid structured output derived from the prompt (the golden
29-2072 role where the task IDs match it), and can misbehave on purpose: each queued behaviour is used for
one request, then the server falls back to ``default``.

Behaviours: valid, invalid (schema-invalid answer), 429 (Retry-After), 500, hang (sleeps past the client's
timeout), malformed (not JSON), huge (a valid answer padded with ``Script.huge_bytes`` of text), truncated
(finish_reason length), no_usage (valid but without usage), and answers that break one of drafter's rules at
the step they reach: invented_score (the calibration note cites a score the calibration table does not list),
invented_move (a "where to look next" role not in the table), bad_quote (an evidence item marked "notes"
quoting words the notes do not contain), uncovered_task (a required task neither covered nor excluded).

Valid answers are read from the request like a model would: the task IDs and calibration table from the role's
context (drafter's second message), the rows from the step's message (its last).

``Script.vary`` rewrites valid answers per request (different scores per sample seed or per model).

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
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent.parent / "evals" / "golden" / "29-2072.00.json"
HEADINGS = [
    "Score vs Reality Check",
    "What the Numbers Don't Capture",
    "Who Should Worry (and Who Shouldn't)",
    "What This Means",
]


@dataclass
class Script:
    queue: deque = field(default_factory=deque)
    default: str = "valid"
    retry_after: str = "1"
    hang_seconds: float = 5.0
    latency: float = 0.0
    faults: dict[str, float] = field(default_factory=dict)  # behaviour -> probability per request
    prompt_cache: bool = False
    cache_min_tokens: int = 1024  # OpenAI: prefixes of 1,024 tokens and more, in steps of 128
    cache_step_tokens: int = 128
    tpm: float | None = None  # enforce a tokens-per-minute budget (429s and rate-limit headers)
    rpm: float | None = None  # enforce a requests-per-minute budget
    seed: int = 0
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


_GOLDEN_CACHE: dict = {}


def _golden() -> dict:
    if not _GOLDEN_CACHE:
        _GOLDEN_CACHE.update(json.loads(GOLDEN.read_text(encoding="utf-8")))
    return json.loads(json.dumps(_GOLDEN_CACHE))  # a fresh copy: answers get mutated


def _user_text(body: dict) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")


def _model_name(body: dict) -> str:
    if body.get("tool_choice"):
        return body["tool_choice"]["function"]["name"]
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["name"]
    text = json.dumps(body.get("messages", []))
    for name in ("Decomposition", "RowScores", "RoleSections", "Commentary"):
        if name in text:
            return name
    return "unknown"


def _users(body: dict) -> list[str]:
    return [str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user"]


def _role_text(body: dict) -> str:
    """The role's context (drafter's second message): its tasks, calibration table, worked example, notes."""
    return _users(body)[0]


def _step_text(body: dict) -> str:
    """The step's own instructions and data (drafter's last message)."""
    return _users(body)[-1]


_CALIBRATION_ROW = re.compile(
    r"^\| (?P<title>[^|]+?) \| (?P<code>[^|]+?) \|(?:[^|]*\|){4} (?P<score>\d+\.\d) \| (?P<zone>Red|Yellow|Green) \|$",
    re.M,
)


def calibration_table(body: dict) -> list[dict]:
    """The calibration roles the prompt shows (title, code, score, zone), read back from the request."""
    text = _role_text(body)
    if "CALIBRATION: HUMAN-SCORED ROLES" not in text:
        return []
    return [m.groupdict() for m in _CALIBRATION_ROW.finditer(text)]


def notes_text(body: dict) -> str | None:
    m = re.search(r"<notes>\n(.*?)\n</notes>", _role_text(body), re.S)
    return m.group(1) if m else None


def decomposition(body: dict) -> dict:
    ids = [int(x) for x in re.findall(r"^- \[(\d+)\]", _role_text(body), re.M)]
    golden = _golden()
    mapped = {i for r in golden["tasks"] for i in r["onet_task_ids"]}
    excluded = {int(k): v for k, v in golden["unmapped_onet_tasks"].items()}
    if set(ids) <= mapped | set(excluded) and ids:
        rows = [
            {"task": r["task"], "onet_task_ids": [i for i in r["onet_task_ids"] if i in ids], "time_pct": r["time_pct"]}
            for r in golden["tasks"]
        ]
        rows = [r for r in rows if r["onet_task_ids"]]
        rows[0]["time_pct"] += 100 - sum(r["time_pct"] for r in rows)
        return {
            "seniority_level": golden["role"]["seniority_level"],
            "seniority_note": golden["role"]["seniority_note"],
            "rows": rows,
            "excluded_tasks": [{"onet_task_id": i, "reason": why} for i, why in excluded.items() if i in ids],
        }
    n = fake_rows(len(ids))  # 4 rows, up to 9 for long task lists (as a model would)
    chunks = [ids[k::n] for k in range(n)]
    shares = [100 // n] * n
    shares[0] += 100 - sum(shares)
    return {
        "seniority_level": "Mid-Level (3-7 years)",
        "seniority_note": "Entry-level staff do the routine share and score lower; seniors own exceptions and score higher.",
        "rows": [
            {"task": f"Activity {k + 1}", "onet_task_ids": c, "time_pct": s}
            for k, (c, s) in enumerate(zip(chunks, shares, strict=True))
        ],
        "excluded_tasks": [],
    }


def fake_rows(ids: int) -> int:
    """How many rows this server's decomposition of a role without golden rows has."""
    return min(ids, 9, max(4, ids // 4))


def requests_per_draft(code: str) -> int:
    """The requests a draft of ``code`` makes against this server when every answer is valid: decompose, the
    scoring calls (several for a large task list), role sections and commentary."""
    from drafter.drafting.pipeline import row_chunks
    from drafter.onet.catalog import Catalog

    tasks = Catalog.load().get(code).tasks
    golden = _golden()
    golden_ids = {i for r in golden["tasks"] for i in r["onet_task_ids"]} | set(map(int, golden["unmapped_onet_tasks"]))
    rows = len(golden["tasks"]) if {t.id for t in tasks} <= golden_ids else fake_rows(len(tasks))
    return 3 + len(row_chunks(list(range(rows)), len(tasks)))


def row_scores(body: dict) -> dict:
    names = re.findall(r"^- (.+?) \(\d+%\):", _step_text(body), re.M)
    golden = {r["task"]: r for r in _golden()["tasks"]}
    scores = []
    for name in names:
        g = golden.get(name)
        score, label = (g["score"], g["label"]) if g else (3, "AUGMENTATION")
        rationale = (
            g["rationale"] if g else "AI drafts and checks this work; a human leads and signs off on the result."
        )
        scores.append({"task": name, "score": score, "label": label, "rationale": rationale})
    return {"scores": scores}


def role_sections(body: dict) -> dict:
    g = _golden()
    table = calibration_table(body)
    neighbour = (
        f"NOT a {table[0]['title']} (assessed at {table[0]['score']} {table[0]['zone']}: different task mix)."
        if table
        else "NOT a neighbouring administrative role (different task mix and accountability)."
    )
    role = {
        "primary_function": g["role"]["primary_function"],
        "what_this_role_is_not": neighbour,
        "typical_experience": g["role"]["typical_experience"],
    }
    notes = notes_text(body)
    evidence = {}
    for k, v in g["evidence"].items():
        item = {"claim": v["evidence"].split(". ")[0][:200], "source": "model", "citation": "recalled"}
        if notes and k == "wage_trends":
            quote = " ".join(notes.split())[:40]
            item = {"claim": f"The notes say: {quote}", "figure": None, "as_of": None, "source": "notes",
                    "citation": "assessor's notes", "quote": quote}  # fmt: skip
        evidence[k] = {"score": v["score"], "evidence": v["evidence"], "items": [item]}
    return {
        "role": role,
        "protective_principles": g["protective_principles"],
        "growth": g["growth"],
        "reinstatement": {"size": "moderate", "offsets_displacement": False, "text": g["reinstatement_check"]},
        "evidence": evidence,
        "barriers": g["barriers"],
    }


def commentary(body: dict) -> dict:
    text = _step_text(body)
    score = re.search(r"JobZone score ([\d.]+)/100", text)
    figure = score.group(1) if score else "?"
    table = calibration_table(body)
    if table:
        names = " and ".join(f"{c['title']} ({c['score']}, {c['zone']})" for c in table[:2])
        note = f"The {figure} places this role between {names}, given its task resistance and barriers."
    else:
        note = "No scored neighbour was given, so the formula score stands unplaced."
    moves = [
        {"title": c["title"], "onet_code": None if c["code"] == "—" else c["code"], "score": float(c["score"]),
         "why": f"Skills in records, rules and review transfer to {c['title']}."}
        for c in table if c["zone"] == "Green"
    ][:3]  # fmt: skip
    return {
        "calibration_note": note,
        "where_to_look_next": moves,
        "sections": [
            {
                "heading": h,
                "body": f"{h}: the computed JobZone score of {figure} reflects the task mix; review before publishing.",
            }
            for h in HEADINGS
        ],
    }


ANSWERS = {
    "Decomposition": decomposition,
    "RowScores": row_scores,
    "RoleSections": role_sections,
    "Commentary": commentary,
}


def invalid(name: str, answer: dict) -> dict:
    """A schema-invalid variant of a valid answer."""
    if name == "Decomposition":
        answer["rows"][0]["time_pct"] -= 5  # sums to 95
    elif name == "RowScores":
        answer["scores"][0]["score"] = 7
    elif name == "RoleSections":
        answer["barriers"]["physical_presence"]["score"] = 5
    else:
        answer["sections"] = answer["sections"][:2]
    return answer


def misbehave(behaviour: str, name: str, answer: dict) -> dict:
    """Answers that are well-formed but break one of drafter's rules (what a real model gets wrong)."""
    if behaviour == "invented_score" and name == "Commentary":
        answer["calibration_note"] += " It scores well below Claims Adjusters (22.6, Red)."
    elif behaviour == "invented_move" and name == "Commentary":
        invented = {
            "title": "Data Scientists",
            "onet_code": "15-2051.00",
            "score": 71.3,
            "why": "Analytics skills transfer.",
        }
        answer["where_to_look_next"] = [*answer["where_to_look_next"][:2], invented]
    elif behaviour == "bad_quote" and name == "RoleSections":
        item = answer["evidence"]["wage_trends"]["items"][0]
        item.update(source="notes", quote="Wages rose 40% in 2025 according to the notes")
    elif behaviour == "uncovered_task" and name == "Decomposition":
        answer["excluded_tasks"] = answer["excluded_tasks"][1:]
    return answer


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


class PrefixCache:
    """OpenAI-style automatic prompt caching: prefixes seen before, at 128-token steps from 1,024 tokens."""

    def __init__(self, min_tokens: int, step_tokens: int):
        self.first, self.step = min_tokens * 4, step_tokens * 4  # in characters, at four a token
        self.seen: set[bytes] = set()
        self.lock = threading.Lock()

    def cached_tokens(self, text: str) -> int:
        """Tokens of the longest cached prefix of ``text``; every eligible prefix of it is cached from now on."""
        import hashlib

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


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops connections when a batch opens dozens at once
    allow_reuse_port = True  # several server processes may share one port (benchmarks)

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a killed client: expected in fault runs
            super().handle_error(request, client_address)


class FakeOpenAI:
    def __init__(self, script: Script | None = None, port: int = 0):
        self.script = script or Script()
        self.requests: list[dict] = []
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
                self._send(404, b'{"error": {"message": "not found"}}')

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
                name = _model_name(body)
                with server._lock:
                    behaviour = server.script.next(name)
                    server.behaviours.append(behaviour)
                if server.script.latency:
                    time.sleep(server.script.latency)
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, b'{"error": {"message": "not found"}}')
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
                if behaviour == "hang":
                    time.sleep(server.script.hang_seconds)
                answer = ANSWERS.get(name, lambda b: {})(body)
                if server.script.vary is not None:
                    answer = server.script.vary(name, body, answer)
                if behaviour == "invalid":
                    answer = invalid(name, answer)
                answer = misbehave(behaviour, name, answer)
                if behaviour == "huge":
                    answer["padding"] = "x" * server.script.huge_bytes
                arguments = json.dumps(answer)
                if behaviour == "malformed":
                    arguments = arguments[: len(arguments) // 2] + " <<not json"
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
                    server.budget.charge(len(arguments) // 4)
                if behaviour != "no_usage":
                    prompt = prompt_tokens(body)
                    completion["usage"] = {"prompt_tokens": prompt, "completion_tokens": len(arguments) // 4,
                                           "total_tokens": prompt + len(arguments) // 4}  # fmt: skip
                    if server.script.prompt_cache:
                        cached = min(prompt, server.prefix_cache.cached_tokens(prompt_text(body)))
                        completion["usage"]["prompt_tokens_details"] = {"cached_tokens": cached}
                self._send(200, json.dumps(completion).encode())

        return Handler


def run_batch_file(
    server: FakeOpenAI, requests_path: Path, results_path: Path, fail_codes: tuple[str, ...] = ()
) -> int:
    """Play a batch engine: send each JSONL request to the server, write OpenAI Batch API output lines."""
    import urllib.request

    out = []
    for n, raw in enumerate(requests_path.read_text(encoding="utf-8").splitlines(), start=1):
        line = json.loads(raw)
        code = line["custom_id"].split(":")[1]
        if code in fail_codes:
            out.append({"id": f"batch_req_{n}", "custom_id": line["custom_id"], "response": None,
                        "error": {"code": "server_error", "message": "engine failure"}})  # fmt: skip
            continue
        req = urllib.request.Request(
            server.base_url.removesuffix("/v1") + line["url"], data=json.dumps(line["body"]).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )  # fmt: skip
        with urllib.request.urlopen(req) as resp:
            body = json.loads(resp.read())
        out.append({"id": f"batch_req_{n}", "custom_id": line["custom_id"],
                    "response": {"status_code": 200, "request_id": f"req_{n}", "body": body}, "error": None})  # fmt: skip
    results_path.write_text("".join(json.dumps(o) + "\n" for o in out), encoding="utf-8")
    return len(out)


def _serve(script: Script, port: int) -> None:
    with FakeOpenAI(script, port=port):
        threading.Event().wait()


def main() -> None:
    """Serve from the command line (for benchmarks):
    ``python -m tests.fake_openai [LATENCY] [PROCESSES] [--tpm N] [--rpm N] [--prompt-cache]``.

    With several processes (sharing one port), the server's own interpreter lock adds less to the latency; a
    budget (``--tpm`` / ``--rpm``) is enforced by one process, so it needs PROCESSES = 1.
    """
    import argparse
    import multiprocessing
    import socket

    ap = argparse.ArgumentParser(prog="python -m tests.fake_openai")
    ap.add_argument("latency", nargs="?", type=float, default=0.0, help="seconds before each answer")
    ap.add_argument("processes", nargs="?", type=int, default=1)
    ap.add_argument("--tpm", type=float, help="enforce a tokens-per-minute budget")
    ap.add_argument("--rpm", type=float, help="enforce a requests-per-minute budget")
    ap.add_argument("--prompt-cache", action="store_true", help="report cached prompt tokens as OpenAI does")
    args = ap.parse_args()
    if (args.tpm or args.rpm) and args.processes != 1:
        ap.error("a budget is enforced by one server process: leave PROCESSES at 1")
    script = Script(latency=args.latency, tpm=args.tpm, rpm=args.rpm, prompt_cache=args.prompt_cache)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    extra = [
        multiprocessing.Process(target=_serve, args=(script, port), daemon=True) for _ in range(args.processes - 1)
    ]
    for p in extra:
        p.start()
    with FakeOpenAI(script, port=port) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
