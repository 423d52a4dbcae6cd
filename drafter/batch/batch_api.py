"""Batch API files: step (a) of every role written as OpenAI Batch API JSONL, and its results collected line by
line: a bad line is named by file:line and left out, every good one is collected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def write_request_file(
    codes: list[str], endpoint, out: Path, requests_out: Path, calibration=None, force: bool = False, inputs=()
) -> tuple[int, Path | None]:
    """Step (a) of every role as OpenAI Batch API JSONL, under the batch id a live run would use, its prompts
    calibrated on ``calibration`` (a ``CalibrationSet``; default: the shipped roles). The roles are recorded as
    the batch's requests, so that ``collect`` takes results for them only. ``requests_out`` is written like any
    output a user names (``files.write_owned_files``); returns the requests written and the backup kept."""
    from ..drafting.base import drafter_name
    from ..store import open_store
    from .jsonl import write_requests
    from .state import batch_id_for, record_requests

    batch_id = batch_id_for(codes, out, drafter_name(endpoint), calibration.user_key() if calibration else "")
    n, backup = write_requests(codes, endpoint, requests_out, batch_id, calibration, force, inputs)
    store = open_store()
    try:
        record_requests(store, batch_id, codes)
    finally:
        store.close()
    return n, backup


@dataclass(frozen=True)
class Collected:
    """Batch API results read and checked: the roles to draft now, and what was wrong with the rest."""

    answers: int
    invalid: dict[str, str]  # code -> validation problem (step (a) is asked again with the error)
    engine_failed: dict[str, str]  # code -> the batch engine's reason (drafted live)
    problems: list[str]  # "FILE:line N: what is wrong", for each line left out, in line order
    codes: list[str]


def collect_results(results: Path, endpoint, calibration=None, catalog=None) -> Collected:
    """Store each good Batch API answer under its request in the run log and validate it by replay (no network);
    ``calibration`` is the set the requests were written with (default: the shipped roles). A line that is not a
    result drafter can use (unreadable, an unknown O*NET code, a role not in the batch, a second result for a
    role) is a problem of its own and collects nothing."""
    from ..llm.runlog import RunLog
    from ..onet.catalog import Catalog
    from ..store import open_store
    from .jsonl import check_answers, read_results
    from .state import requested_roles

    catalog = catalog or Catalog.load()
    lines, unreadable = read_results(results)
    store = open_store()  # one store: the batch's recorded requests and the run log the answers are stored in
    log = RunLog(store=store, secrets=(endpoint.api_key,) if endpoint.api_key else ())
    try:
        answers, engine_failed, wrong = sort_lines(lines, catalog, lambda batch_id: requested_roles(store, batch_id))
        invalid = check_answers(answers, endpoint, log, calibration)
    finally:
        log.close()
        store.close()
    problems = [why for _, why in sorted(unreadable + wrong)]
    codes = sorted(set(answers) | set(engine_failed))
    return Collected(len(answers), invalid, engine_failed, problems, codes)


def sort_lines(lines, catalog, requested: Callable[[str], set[str]]):
    """(answers by code, engine failures by code, (line, problem) pairs) of the readable lines of one batch.

    The file's batch is the first line's whose requests this database recorded (else the first line's); a line
    of another batch, of a role its requests did not include, of no O*NET occupation, or a role's second result
    is a problem: nothing of it is collected or drafted."""
    from ..onet.catalog import UnknownOccupation

    batch = next((x.batch_id for x in lines if requested(x.batch_id)), lines[0].batch_id if lines else "")
    roles = requested(batch)
    answers: dict[str, dict] = {}
    failed: dict[str, str] = {}
    problems: list[tuple[int, str]] = []
    first: dict[str, int] = {}
    for x in lines:
        try:
            code = catalog.get(x.code).code
        except UnknownOccupation as e:
            problems.append((x.n, f"{x.where}: custom_id names role {x.code!r}: {e}"))
            continue
        if x.batch_id != batch:
            why = f"{code} is from batch {x.batch_id}, the file's other lines from {batch}: collect one batch at a time"
        elif roles and code not in roles:
            why = f"{code} is not in batch {batch} (its {len(roles)} requests did not include it)"
        elif code in first:
            why = f"a second result for {code} (line {first[code]} has the first)"
        else:
            first[code] = x.n
            if x.answer is not None:
                answers[code] = x.answer
            else:
                failed[code] = x.engine_error or "the batch engine gave no answer"
            continue
        problems.append((x.n, f"{x.where}: {why}"))
    return answers, failed, problems
