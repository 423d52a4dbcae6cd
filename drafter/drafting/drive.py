"""Drivers of the pipeline generator: the only place where its calls meet an LLM client.

The pipeline is written without I/O (``pipeline.steps``): it yields the LLM calls it needs and is sent back their
answers. A yield is either one ``Call`` (sent back one answer) or a *round*, a tuple of calls that do not depend
on one another (sent back a list of answers, in the order of the calls). A round is what shortens a draft's
critical path: the sync driver runs its calls in a thread pool, the async driver gathers them, and either way
the draft waits for the slowest call of the round, not for the sum of them.

A call that fails fails the draft, with the first failure: the async driver cancels the round's other calls;
the sync driver lets those already sent finish in the background (their answers stay in the run log and cache,
so a retry of the draft does not pay for them twice). The sync driver's threads are daemon threads: Ctrl-C or
the end of the program does not wait for a round's requests and their retries.

Each call is made with its step's facts bound (drafting/facts.py), in the thread or task that makes it, so the
answer's validators check it against that step's facts and no other's. Both drivers tell ``on_step`` of each
call, with None when it starts and with its ``StepResult`` when it ends.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from ..llm.client import LLM, StepResult, current_run
from ..methodology import Methodology, load_methodology
from .calibrate import NO_CALIBRATION, Calibration
from .constraints import output_floor, shaped
from .facts import bound
from .pipeline import steps
from .request import Call, Draft, DraftOptions, DraftRequest, ModelRef, OnStep, Yielded, calls_of, no_step

if TYPE_CHECKING:
    from ..onet.model import Occupation

R = TypeVar("R")
Answer = tuple[Any, StepResult]  # the parsed, validated answer and how it was obtained


def answers_from(llm: LLM, seed: int | None = None) -> Callable[[Call], Answer]:
    """Calls answered by ``llm``, each with its step's facts bound; ``seed`` names a sample (drafting/sampling.py)."""

    def answer(c: Call) -> Answer:
        model, max_tokens = shaped(c.response_model, c.facts)
        with bound(c.facts):
            return llm.structured(c.step, model, c.messages, seed=seed, max_tokens=max_tokens,
                                  min_tokens=output_floor(max_tokens), shorter=c.shorter)  # fmt: skip

    return answer


def async_answers_from(llm: LLM, seed: int | None = None) -> Callable[[Call], Awaitable[Answer]]:
    """The same on the async client."""

    async def answer(c: Call) -> Answer:
        model, max_tokens = shaped(c.response_model, c.facts)
        with bound(c.facts):
            return await llm.structured_async(c.step, model, c.messages, seed=seed, max_tokens=max_tokens,
                                              min_tokens=output_floor(max_tokens), shorter=c.shorter)  # fmt: skip

    return answer


def labelled(on_step: OnStep, label: str | None) -> OnStep:
    """``on_step`` told the step as ``LABEL:step`` (a sample's, as a sampled draft's provenance names its steps)."""
    if label is None:
        return on_step
    return lambda step, result: on_step(f"{label}:{step}", result)


def run_request(
    request: DraftRequest, llm: LLM, methodology: Methodology | None = None, on_step: OnStep = no_step
) -> Draft:
    """One draft by the pipeline on the sync client, its calls logged under the request's run id."""
    token = current_run.set(request.run_id)
    try:
        gen = steps(request, methodology or load_methodology(), ModelRef.of(llm))
        return drive(gen, answers_from(llm), on_step, serial=llm.endpoint.max_in_flight == 1)
    finally:
        current_run.reset(token)


async def arun_request(
    request: DraftRequest, llm: LLM, methodology: Methodology | None = None, on_step: OnStep = no_step
) -> Draft:
    """The same on the async client: many drafts share one event loop in a batch."""
    token = current_run.set(request.run_id)
    try:
        gen = steps(request, methodology or load_methodology(), ModelRef.of(llm))
        return await drive_async(gen, async_answers_from(llm), on_step, serial=llm.endpoint.max_in_flight == 1)
    finally:
        current_run.reset(token)


def draft_with_llm(
    occ: Occupation,
    llm: LLM,
    *,
    methodology: Methodology | None = None,
    calibration: Calibration = NO_CALIBRATION,
    **options: Unpack[DraftOptions],
) -> Draft:
    """A draft of ``occ`` by ``llm`` outside a drafter (tests, benchmarks): ``calibration`` is what its prompts show
    (``drafting.calibrate.calibration_for``); the run id defaults to the client's."""
    request = DraftRequest.resolve(occ, options, run_id=llm.run_id, calibration=calibration)
    return run_request(request, llm, methodology, options.get("on_step") or no_step)


async def draft_with_llm_async(
    occ: Occupation,
    llm: LLM,
    *,
    methodology: Methodology | None = None,
    calibration: Calibration = NO_CALIBRATION,
    **options: Unpack[DraftOptions],
) -> Draft:
    """``draft_with_llm`` on the async client."""
    request = DraftRequest.resolve(occ, options, run_id=llm.run_id, calibration=calibration)
    return await arun_request(request, llm, methodology, options.get("on_step") or no_step)


def drive(
    gen: Generator[Yielded, Any, R], answer: Callable[[Call], Answer], on_step: OnStep = no_step, serial: bool = False
) -> R:
    """Run the pipeline synchronously: one call in this thread, a round's calls in threads of their own (each in a
    copy of this thread's context, so the run id and the like follow them). ``on_step`` is called in this thread,
    with None when a call starts and with its result when it ends. ``serial``: a round's calls one at a time (a
    one-slot server would queue them, and each would spend its timeout waiting for the others)."""
    try:
        yielded = next(gen)
        while True:
            calls = calls_of(yielded)
            if len(calls) == 1 or serial:
                answers = []
                for c in calls:
                    on_step(c.step, None)
                    answers.append(answer(c))
                    on_step(c.step, answers[-1][1])
            else:
                for c in calls:
                    on_step(c.step, None)
                answers = _round(calls, answer, on_step)
            yielded = gen.send(answers if isinstance(yielded, tuple) else answers[0])
    except StopIteration as done:
        return done.value


def _round(calls: tuple[Call, ...], answer, on_step) -> list[Answer]:
    """A round's calls at once, one daemon thread each (a round is a handful of calls); answers in call order."""
    finished: queue.Queue[tuple[int, Answer | None, BaseException | None]] = queue.Queue()

    def run(i: int, call: Call, context: contextvars.Context) -> None:
        try:
            finished.put((i, context.run(answer, call), None))
        except BaseException as e:  # noqa: BLE001 - handed to the waiting thread, which raises it
            finished.put((i, None, e))

    for i, c in enumerate(calls):
        threading.Thread(target=run, args=(i, c, contextvars.copy_context()), name="drafter-round", daemon=True).start()
    answers: list[Answer | None] = [None] * len(calls)
    for _ in calls:
        i, got, error = finished.get()  # interruptible: Ctrl-C ends the wait at once
        if error is not None:
            raise error
        assert got is not None
        on_step(calls[i].step, got[1])
        answers[i] = got
    return [a for a in answers if a is not None]


async def drive_async(
    gen: Generator[Yielded, Any, R],
    answer: Callable[[Call], Awaitable[Answer]],
    on_step: OnStep = no_step,
    serial: bool = False,
) -> R:
    """Run the pipeline on an event loop: a round's calls are gathered (each a task in a copy of this context);
    ``serial``: one at a time, as ``drive``."""

    async def told(call: Call) -> Answer:
        on_step(call.step, None)
        got = await answer(call)
        on_step(call.step, got[1])
        return got

    try:
        yielded = next(gen)
        while True:
            calls = calls_of(yielded)
            if len(calls) == 1 or serial:
                answers = [await told(c) for c in calls]
            else:
                answers = await _gather([told(c) for c in calls])
            yielded = gen.send(answers if isinstance(yielded, tuple) else answers[0])
    except StopIteration as done:
        return done.value


async def _gather(awaitables: list[Awaitable[Answer]]) -> list[Answer]:
    import asyncio  # already loaded wherever a coroutine runs; not at import (a sync draft never needs it)

    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        failed = next((t for t in tasks if t in done and t.exception() is not None), None)
        if failed is not None:
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise failed.exception()  # type: ignore[misc]
        return [t.result() for t in tasks]
    except asyncio.CancelledError:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
