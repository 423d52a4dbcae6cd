"""``--mode auto``: the structured-output mode an endpoint honours, asked of it once and remembered.

The first run sends the smallest request of each mode in ``probe.PROBE_ORDER`` (a forced tool, then a
``response_format`` JSON schema, then ``json_object``) until the server accepts one, and remembers the answer
in drafter's database (llm/memory.py, keyed by public base URL and model: no secret); later runs read it and
send no probe. The probes go through the client's own transport, so the run log accounts for them (step
``mode-probe``). Which mode was chosen, and whether it was probed or remembered, is said once on stderr.
"""

from __future__ import annotations

import sys
from typing import Any

from .endpoints import DEFAULT_MODE
from .memory import ModeMemory
from .probe import PROBE_ORDER, accepted, probe_request
from .transport import CallContext, current_call


class ProbeFailed(Exception):
    """No mode could be settled: ``reachable`` False when the server could not be asked at all."""

    def __init__(self, message: str, reachable: bool):
        super().__init__(message)
        self.reachable = reachable


def say(message: str) -> None:
    """One line on stderr, once per process (a mode chosen, a prompt trimmed): news, not an error."""
    if message not in _said:
        _said.add(message)
        print(f"drafter: {message}", file=sys.stderr, flush=True)


_said: set[str] = set()


def resolve_auto(llm: Any, run_id: str, probing: bool = True) -> str:
    """The mode for the endpoint of ``llm`` (an ``LLM`` whose instructor client is not built yet): remembered,
    else probed and remembered. ``probing`` False (a client whose transport is no network: Batch API capture,
    cache-only replay): the kind's default when nothing is known. ``ProbeFailed`` when the probe settles none."""
    ep = llm.endpoint
    memory = ModeMemory(llm.log.store)
    try:
        mode = memory.mode(llm.public_url, ep.model)
        if mode is not None:
            say(f"--mode auto: {mode} for {ep.model} at {llm.public_url} (remembered; --reprobe asks again)")
            return mode
        if not probing:
            return DEFAULT_MODE.get(ep.kind, "tools")
        mode = probe_mode(llm, run_id)
        memory.remember(llm.public_url, ep.model, mode)
        say(f"--mode auto: {mode} for {ep.model} at {llm.public_url} (probed, remembered)")
        return mode
    finally:
        memory.close()


def probe_mode(llm: Any, run_id: str) -> str:
    """The first mode of ``PROBE_ORDER`` the server accepts; ``ProbeFailed`` when it accepts none, or cannot be
    asked (no connection, busy): nothing is remembered then."""
    sdk = llm._openai.with_options(max_retries=0)
    refused: list[str] = []
    token = current_call.set(CallContext(run_id=run_id, step="mode-probe"))
    try:
        for mode in PROBE_ORDER:
            try:
                raw = sdk.chat.completions.with_raw_response.create(**probe_request(mode, llm.endpoint.model))
                status, text = raw.status_code, raw.http_response.text
            except Exception as e:  # noqa: BLE001 - an HTTP status is an answer; anything else means no answer
                status, text = _status(e)
            verdict = accepted(mode, status, text)
            if verdict:
                return mode
            if verdict is None:
                raise ProbeFailed(
                    f"--mode auto: could not ask {llm.public_url} which mode it accepts ({text[:120]}); "
                    "try again, or name a --mode",
                    reachable=False,
                )
            refused.append(f"{mode} (HTTP {status})")
    finally:
        current_call.reset(token)
    raise ProbeFailed(
        f"--mode auto: {llm.public_url} accepted none of drafter's modes: {', '.join(refused)}", reachable=True
    )


def _status(e: Exception) -> tuple[int, str]:
    """(HTTP status, body) of an SDK error; (0, what happened) when there was no HTTP answer."""
    import openai

    if isinstance(e, openai.APIStatusError):
        return e.status_code, e.response.text
    return 0, " ".join(str(e).split())
