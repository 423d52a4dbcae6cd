"""Beyond one machine: step (a) of every role as OpenAI Batch API JSONL, and collecting the results.

The request bodies are captured from the very code path that live drafting uses (instructor builds them;
a transport records them instead of sending), so a collected answer is the cached answer to exactly the
request live drafting would make: ``collect`` stores each result in the run log under that request, checks
it with the same validators (replaying from the log, no network), reports invalid answers per role, and then
runs the remaining steps live — re-asking step (a) with the validation error where an answer was invalid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import httpx2

from ..errors import DrafterError
from ..files import read_text, write_owned
from ..llm.endpoints import public_url

URL = "/v1/chat/completions"


class _Captured(Exception):
    def __init__(self, body: bytes):
        self.body = body


class _CaptureTransport(httpx2.BaseTransport):
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        raise _Captured(request.read())


class _NoNetwork(httpx2.BaseTransport):
    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("not in the collected batch results", request=request)


def _find(exc: BaseException | None, kind: type) -> BaseException | None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


class _NullLog:
    """A run log that records nothing: a captured request was never sent."""

    secrets: tuple[str, ...] = ()

    def record(self, record) -> None:
        pass

    def cached_response(self, req_hash: str) -> None:
        return None

    def mark_failed(self, failure) -> None:
        pass

    def flush(self) -> None:
        pass


def capture_body(endpoint, step: str, response_model, messages: list[dict], facts) -> bytes:
    """The exact JSON body the live client would POST for this step (``facts``: the step's, drafting/facts.py)."""
    from ..drafting.constraints import shaped
    from ..drafting.facts import bound
    from ..llm.client import LLM, LLMError

    llm = LLM(
        replace(endpoint, http_retries=0, validation_retries=0), cast(Any, _NullLog()), use_cache=False,
        inner_transport=_CaptureTransport(),
    )  # fmt: skip
    try:
        model, max_tokens = shaped(response_model, facts)
        with bound(facts):
            llm.structured(step, model, messages, max_tokens=max_tokens)
    except LLMError as e:
        captured = _find(e.__cause__ or e.__context__, _Captured)
        if captured is None:
            raise
        return cast(_Captured, captured).body
    finally:
        llm.close()
    raise DrafterError("capturing the request failed: the client answered without a request")


def validate_batch_line(obj: object, where: str) -> str:
    """Check one line of a Batch API input file; returns its custom_id."""
    if not isinstance(obj, dict):
        raise DrafterError(f"{where}: expected a JSON object")
    missing = [k for k in ("custom_id", "method", "url", "body") if k not in obj]
    if missing:
        raise DrafterError(f"{where}: missing {', '.join(missing)}")
    if not isinstance(obj["custom_id"], str) or not obj["custom_id"]:
        raise DrafterError(f"{where}.custom_id: expected a non-empty string")
    if obj["method"] != "POST" or obj["url"] != URL:
        raise DrafterError(f"{where}: expected method POST and url {URL}")
    body = obj["body"]
    if not isinstance(body, dict) or not body.get("model") or not isinstance(body.get("messages"), list):
        raise DrafterError(f"{where}.body: expected a chat completion request with model and messages")
    return obj["custom_id"]


def _decompose_requests(catalog, calibration=None):
    """Step 1's messages of a role as a live draft builds them (the same calibration set: ``drafter_for``'s default,
    the shipped roles, unless the batch names its own), so that ``collect`` finds each answer under the request the
    live pipeline makes."""
    from ..calibration import CalibrationSet
    from ..drafting.neighbours import draft_calibration
    from ..drafting.pipeline import decompose_request

    calibration = CalibrationSet.load() if calibration is None else calibration

    def request(code: str):
        occ = catalog.get(code)
        return decompose_request(occ, calibration=draft_calibration(occ, occ.title, calibration, catalog))

    return request


def write_requests(
    codes: list[str], endpoint, path: Path, batch_id: str, calibration=None, force: bool = False, inputs=()
) -> tuple[int, Path | None]:
    """The requests written to ``path`` through the protected writer (an edited or foreign file, or one of
    ``inputs``, is refused unless ``force``); returns how many, and the backup kept of the old file."""
    from ..drafting.outputs import Decomposition
    from ..onet.catalog import Catalog

    catalog = Catalog.load()
    lines: list[str] = []
    seen: set[str] = set()
    request = _decompose_requests(catalog, calibration)
    for code in codes:
        messages, facts = request(code)
        body = json.loads(capture_body(endpoint, "decompose", Decomposition, messages, facts))
        line = {"custom_id": f"{batch_id}:{code}:decompose", "method": "POST", "url": URL, "body": body}
        cid = validate_batch_line(line, f"{path}:line {len(lines) + 1}")
        if cid in seen:
            raise DrafterError(f"{path}: custom_id {cid} twice")
        seen.add(cid)
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    backup = write_owned(path, "\n".join(lines) + "\n", force, "batch-requests", inputs=inputs)
    return len(lines), backup


@dataclass(frozen=True)
class ResultLine:
    """One readable line of a Batch API output file: whose answer it is, and the answer or the engine's failure."""

    n: int  # line number
    where: str  # "FILE:line N"
    batch_id: str
    code: str  # as the custom_id spells it (checked against O*NET and the batch by the collector)
    answer: dict | None  # the chat completion
    engine_error: str | None  # why the batch engine gave no answer


def read_results(path: Path) -> tuple[list[ResultLine], list[tuple[int, str]]]:
    """The readable lines, and (line number, problem) for each line that is not a Batch API result drafter wrote."""
    lines: list[ResultLine] = []
    problems: list[tuple[int, str]] = []
    for n, raw in enumerate(read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        where = f"{path}:line {n}"
        try:
            line = _result_line(n, where, raw)
        except ValueError as e:
            problems.append((n, f"{where}: {e}"))
            continue
        lines.append(line)
    return lines, problems


def _result_line(n: int, where: str, raw: str) -> ResultLine:
    """One line read, or ValueError saying what is wrong with it."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON ({e.msg})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object (a Batch API result), got {type(obj).__name__}")
    cid = obj.get("custom_id")
    parts = cid.split(":") if isinstance(cid, str) else []
    if len(parts) != 3 or parts[2] != "decompose":
        raise ValueError(f"custom_id {cid!r} is not one drafter wrote (batch:code:decompose)")
    response = obj.get("response") or {}
    if not isinstance(response, dict):
        raise ValueError(f"response: expected an object, got {type(response).__name__}")
    if obj.get("error") or response.get("status_code") != 200:
        why = f"the batch engine reported {obj.get('error') or 'HTTP ' + str(response.get('status_code'))}"
        return ResultLine(n, where, parts[0], parts[1], None, why)
    body = response.get("body") or {}
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        raise ValueError("response.body: expected a chat completion (an object with choices)")
    return ResultLine(n, where, parts[0], parts[1], body, None)


def check_answers(answers: dict[str, dict], endpoint, log, calibration=None) -> dict[str, str]:
    """Store each answer under its request and validate it by replay; returns {code: problem} for invalid ones."""
    from ..drafting.constraints import shaped
    from ..drafting.facts import bound
    from ..drafting.outputs import Decomposition
    from ..llm.client import LLM, LLMError
    from ..onet.catalog import Catalog

    catalog = Catalog.load()
    request = _decompose_requests(catalog, calibration)
    base_url = public_url(endpoint.base_url)
    invalid = {}
    replay = LLM(replace(endpoint, http_retries=0, validation_retries=0), log, inner_transport=_NoNetwork())
    try:
        for code, completion in sorted(answers.items()):
            messages, facts = request(code)
            body = capture_body(endpoint, "decompose", Decomposition, messages, facts)
            log.seed_cache(base_url, endpoint.name, body, json.dumps(completion), None, "batch-import")
            model, max_tokens = shaped(Decomposition, facts)  # the request the live call makes
            try:
                with bound(facts):
                    replay.structured("decompose", model, messages, max_tokens=max_tokens)
            except LLMError as e:
                invalid[code] = str(e).removeprefix("decompose: ")
    finally:
        replay.close()
    return invalid
