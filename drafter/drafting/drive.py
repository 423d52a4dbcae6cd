"""Drivers of the pipeline generator: the only place where its calls meet an LLM client.

The pipeline is written without I/O (``pipeline._steps``): it yields the LLM calls it needs and is sent back their
answers. A yield is either one ``Call`` (sent back one answer) or a *round*, a tuple of calls that do not depend
on one another (sent back a list of answers, in the order of the calls). A round is what shortens a draft's
critical path: the sync driver runs its calls in a thread pool, the async driver gathers them, and either way
the draft waits for the slowest call of the round, not for the sum of them.

A call that fails fails the draft, with the first failure: the async driver cancels the round's other calls;
the sync driver lets those already sent finish in the background (their answers stay in the run log and cache,
so a retry of the draft does not pay for them twice). The sync driver's threads are daemon threads: Ctrl-C or
the end of the program does not wait for a round's requests and their retries.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from ..llm.client import StepResult

R = TypeVar("R")
Answer = tuple[Any, StepResult]  # the parsed, validated answer and how it was obtained


@dataclass
class Call:
    """One structured LLM call the pipeline needs; a driver makes it and sends back the parsed answer."""

    step: str
    template: str
    response_model: type
    messages: list[dict[str, str]]
    context: dict


Yielded = Call | tuple[Call, ...]


def calls_of(yielded: Yielded) -> tuple[Call, ...]:
    return yielded if isinstance(yielded, tuple) else (yielded,)


def drive(
    gen: Generator[Yielded, Any, R],
    answer: Callable[[Call], Answer],
    on_step: Callable[[str, StepResult | None], None] = lambda step, result: None,
) -> R:
    """Run the pipeline synchronously: one call in this thread, a round's calls in threads of their own (each in a
    copy of this thread's context, so the run id and the like follow them). ``on_step`` is called in this thread,
    with None when a call starts and with its result when it ends."""
    try:
        yielded = next(gen)
        while True:
            calls = calls_of(yielded)
            for c in calls:
                on_step(c.step, None)
            if len(calls) == 1:
                answers = [answer(calls[0])]
                on_step(calls[0].step, answers[0][1])
            else:
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


async def drive_async(gen: Generator[Yielded, Any, R], answer: Callable[[Call], Awaitable[Answer]]) -> R:
    """Run the pipeline on an event loop: a round's calls are gathered (each a task in a copy of this context)."""
    try:
        yielded = next(gen)
        while True:
            calls = calls_of(yielded)
            if len(calls) == 1:
                answers = [await answer(calls[0])]
            else:
                answers = await _gather([answer(c) for c in calls])
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
