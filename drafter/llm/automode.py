"""``--mode auto``: the structured-output mode an endpoint honours, asked of it once and remembered.

The first run sends the smallest request of each mode in ``probe.PROBE_ORDER`` (a forced tool, then a
``response_format`` JSON schema, then ``json_object``) until the server accepts one, and remembers the answer
in drafter's database (llm/memory.py, keyed by public base URL and model: no secret); later runs read it and
send no probe. The probes go through the client's own transport, so the run log accounts for them (step
``mode-probe``). Which mode was chosen, and whether it was probed or remembered, is said once on stderr.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .endpoints import DEFAULT_MODE
from .memory import ModeMemory
from .probe import PROBE_ORDER, accepted, probe_request

if TYPE_CHECKING:
    from .client import LLM


def resolve_auto(llm: LLM, probing: bool = True) -> str:
    """The mode for ``llm``'s endpoint: remembered, else probed and remembered. ``probing`` False (a client whose
    transport is no network: Batch API capture, cache-only replay): the kind's default when nothing is known."""
    from .client import say

    ep = llm.endpoint
    memory = ModeMemory(llm.log.store)
    try:
        mode = memory.mode(llm.public_url, ep.model)
        if mode is not None:
            say(f"--mode auto: {mode} for {ep.model} at {llm.public_url} (remembered; --reprobe asks again)")
            return mode
        if not probing:
            return DEFAULT_MODE.get(ep.kind, "tools")
        mode = probe_mode(llm)
        memory.remember(llm.public_url, ep.model, mode)
        say(f"--mode auto: {mode} for {ep.model} at {llm.public_url} (probed, remembered)")
        return mode
    finally:
        memory.close()


def probe_mode(llm: LLM) -> str:
    """The first mode of ``PROBE_ORDER`` the server accepts; ``LLMError`` when it accepts none, or cannot be
    asked (no connection, busy): nothing is remembered then."""
    from .client import ErrorKind, LLMError, current_run
    from .transport import CallContext, current_call

    sdk = llm._openai.with_options(max_retries=0)
    refused: list[str] = []
    token = current_call.set(CallContext(run_id=current_run.get() or llm.run_id, step="mode-probe"))
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
                raise LLMError(
                    ErrorKind.CONNECTION,
                    f"--mode auto: could not ask {llm.public_url} which mode it accepts ({text[:120]}); "
                    "try again, or name a --mode",
                )
            refused.append(f"{mode} (HTTP {status})")
    finally:
        current_call.reset(token)
    raise LLMError(
        ErrorKind.HTTP_ERROR,
        f"--mode auto: {llm.public_url} accepted none of drafter's modes: {', '.join(refused)}",
    )


def _status(e: Exception) -> tuple[int, str]:
    """(HTTP status, body) of an SDK error; (0, what happened) when there was no HTTP answer."""
    import openai

    if isinstance(e, openai.APIStatusError):
        return e.status_code, e.response.text
    return 0, " ".join(str(e).split())
