"""What drafter asks a server about itself, once: its context window, and (``--mode auto``) which
structured-output mode it honours.

The context window, by kind (docs/local-models.md):

- ``llamacpp``: ``GET /props`` (``default_generation_settings.n_ctx``: the context of one slot, the one a
  request gets); llama-cpp-python's server has no ``/props``, and its ``/v1/models`` says nothing of the window,
  so for it (``llama-cpp-python``) the window is unknown unless configured (``context_window``, its ``--n_ctx``);
- ``vllm``: ``GET /v1/models``, the model's ``max_model_len``;
- ``ollama``: ``POST /api/show``: the ``num_ctx`` the model runs with (its Modelfile's ``parameters``), else
  Ollama's default of ``OLLAMA_DEFAULT_NUM_CTX``, never more than the model's ``model_info.*.context_length``.
  Ollama does not refuse a longer prompt, it cuts its start silently: the one server where guessing low is
  safer than guessing high;
- ``openai``, ``azure``, ``other``: not asked (no such endpoint): unknown unless configured, and the server's
  own HTTP 400 ``context_length_exceeded`` is reported as the one-line error.

Any failure to read it (404, a shape not recognised, no connection) leaves it unknown: no check, as before.
"""

from __future__ import annotations

import json
from typing import Any

from .endpoints import Endpoint

OLLAMA_DEFAULT_NUM_CTX = 4096
"""Ollama's context when neither the Modelfile nor the request sets ``num_ctx`` (4,096 on machines with under
24 GiB of VRAM since 0.6; 2,048 before; a server started with ``OLLAMA_CONTEXT_LENGTH`` has that instead, which
the API does not show: configure ``context_window`` then)."""
PROBE_SECONDS = 10.0
"""The most one look-up waits: a server that does not answer /props at once is not going to."""


def _root(base_url: str) -> str:
    """The server's root for its own (non-OpenAI) endpoints: the base URL without its trailing ``/v1``."""
    url = base_url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def read_window(endpoint: Endpoint, base_url: str, headers: dict[str, str], query: dict[str, str]) -> int | None:
    """The server's context window in tokens, read from the server (None: unknown). ``base_url`` is the public
    one; ``headers`` and ``query`` carry the credentials as every request does."""
    import httpx2

    kind = endpoint.kind
    if kind not in ("llamacpp", "vllm", "ollama"):
        return None
    try:
        with httpx2.Client(timeout=min(PROBE_SECONDS, endpoint.timeout), headers=headers, params=query) as http:
            if kind == "llamacpp":
                return _llamacpp(http.get(_root(base_url) + "/props"))
            if kind == "vllm":
                return _vllm(http.get(base_url.rstrip("/") + "/models"), endpoint.model)
            return _ollama(http.post(_root(base_url) + "/api/show", json={"model": endpoint.model}))
    except (httpx2.HTTPError, ValueError, TypeError, AttributeError, KeyError):
        return None


def _json(response: Any) -> Any:
    return response.json() if response.status_code == 200 else None


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _llamacpp(response: Any) -> int | None:
    props = _json(response) or {}
    return _positive((props.get("default_generation_settings") or {}).get("n_ctx")) or _positive(props.get("n_ctx"))


def _vllm(response: Any, model: str) -> int | None:
    models = (_json(response) or {}).get("data") or []
    same = [m for m in models if isinstance(m, dict) and m.get("id") == model] or models[:1]
    return _positive(same[0].get("max_model_len")) if same else None


def _ollama(response: Any) -> int | None:
    show = _json(response) or {}
    trained = next(
        (_positive(v) for k, v in (show.get("model_info") or {}).items() if k.endswith(".context_length")), None
    )
    num_ctx = None
    for line in str(show.get("parameters") or "").splitlines():
        name, _, value = line.strip().partition(" ")
        if name == "num_ctx" and value.strip().isdigit():
            num_ctx = int(value.strip())
    window = num_ctx or OLLAMA_DEFAULT_NUM_CTX
    return min(window, trained) if trained else window


# --- --mode auto -------------------------------------------------------------------------------------------

PROBE_NAME = "ModeProbe"
PROBE_SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
PROBE_ORDER = ("tools", "json_schema", "json")
"""The modes ``--mode auto`` tries, best first: a forced tool and a JSON schema are grammars on the servers
that constrain output; plain JSON (``json_object``) is the fallback every one of them accepts."""


def probe_request(mode: str, model: str) -> dict[str, Any]:
    """The smallest request that shows whether the server accepts ``mode``: a one-field schema, 16 tokens."""
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": 16,
        "messages": [{"role": "user", "content": f'Answer {PROBE_NAME} with {{"ok": true}}.'}],
    }
    if mode == "tools":
        fn = {"name": PROBE_NAME, "description": "Say ok.", "parameters": PROBE_SCHEMA}
        body |= {"tools": [{"type": "function", "function": fn}],
                 "tool_choice": {"type": "function", "function": {"name": PROBE_NAME}}}  # fmt: skip
    elif mode == "json_schema":
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": PROBE_NAME, "schema": PROBE_SCHEMA}}
    else:
        body["response_format"] = {"type": "json_object"}
    return body


def accepted(mode: str, status: int, text: str) -> bool | None:
    """Whether the server's answer to ``probe_request(mode)`` accepts the mode: True, False (refused: an HTTP
    4xx/5xx, or a 200 that ignored the forced tool), or None (busy or unreachable, status 0: no HTTP answer)."""
    if status == 0 or status in (408, 429) or status >= 502:
        return None
    if status >= 400:
        return False
    try:
        message = json.loads(text)["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        return False
    if mode == "tools":
        return bool(message.get("tool_calls"))
    return isinstance(message.get("content"), str)
