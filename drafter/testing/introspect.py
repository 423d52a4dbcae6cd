"""What the fake server says about itself when asked as the real local servers are asked (issue 23): the
context window, and what happens to a request past it.

With ``Script.context_window`` set, the server answers, as each real one does:

- ``GET /props`` as llama.cpp's ``llama-server``: ``default_generation_settings.n_ctx``;
- ``GET /v1/models`` as vLLM: the model with its ``max_model_len``;
- ``POST /api/show`` as Ollama: ``model_info`` with ``<arch>.context_length`` (the window) and, when
  ``Script.ollama_num_ctx`` is set, ``parameters`` naming ``num_ctx`` (else none, as a model without a Modelfile
  setting has);

and a chat request whose prompt tokens (four characters each, ``server.prompt_tokens``) and ``max_tokens`` come
to more than the window is answered HTTP 400 ``context_length_exceeded`` with OpenAI's and vLLM's message. Without
it, these paths answer 404 (as llama-cpp-python's server answers ``/props``; its ``/v1/models`` says nothing of
the window). Each such look-up is recorded in ``FakeOpenAI.lookups``.
"""

from __future__ import annotations

import json


def lookup(server, method: str, path: str) -> tuple[int, dict]:
    """(status, JSON) for a GET, or a POST that is not a chat completion."""
    window = server.script.context_window
    route = path.partition("?")[0].rstrip("/")
    with server._lock:
        server.lookups.append(f"{method} {route}")
    if window is None:
        return 404, {"error": {"message": "not found"}}
    if method == "GET" and route.endswith("/props"):
        return 200, {"default_generation_settings": {"n_ctx": window, "n_predict": -1}, "total_slots": 1}
    if method == "GET" and route.endswith("/v1/models"):
        model = {"id": server.script.model_id, "object": "model", "owned_by": "vllm", "max_model_len": window}
        return 200, {"object": "list", "data": [model]}
    if method == "POST" and route.endswith("/api/show"):
        num_ctx = server.script.ollama_num_ctx
        parameters = f'num_ctx                        {num_ctx}\nstop "<|im_end|>"' if num_ctx else ""
        return 200, {"model_info": {"general.architecture": "llama", "llama.context_length": window},
                     "parameters": parameters, "details": {"family": "llama"}}  # fmt: skip
    return 404, {"error": {"message": "not found"}}


def overflow(window: int | None, prompt: int, body: dict) -> bytes | None:
    """The HTTP 400 body for a request past ``window`` (None: it fits, or no window is scripted)."""
    if window is None:
        return None
    completion = int(body.get("max_tokens") or 0)
    if prompt + completion <= window:
        return None
    message = (
        f"This model's maximum context length is {window} tokens. However, you requested {prompt + completion} "
        f"tokens ({prompt} in the messages, {completion} in the completion). Please reduce the length of the "
        "messages or completion."
    )
    error = {
        "message": message,
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
    return json.dumps({"error": error}).encode()


PROBE_STEP = "ModeProbe"  # drafter's --mode auto probe (drafter/llm/probe.py): answered {"ok": true}
