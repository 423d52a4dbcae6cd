"""The pipeline drivers: a round of independent calls is in flight at once, answers come back in call order."""

from __future__ import annotations

import asyncio
import threading
from contextvars import ContextVar

import pytest

from drafter.drafting.drive import Call, drive, drive_async
from drafter.llm.client import StepResult
from drafter.usage import Usage

where: ContextVar[str] = ContextVar("where", default="unset")


def _call(step: str) -> Call:
    return Call(step, f"{step}.j2", dict, [], {})


def _result(step: str) -> StepResult:
    return StepResult(step, 1, 1, 0, Usage(), 0, 1.0)


def pipeline(log: list):
    """first -> (a, b, c) at once -> last; returns what it was sent."""
    one = yield _call("first")
    log.append(one)
    many = yield (_call("a"), _call("b"), _call("c"))
    log.append(many)
    last = yield _call("last")
    log.append(last)
    return "done"


def test_the_sync_driver_runs_a_rounds_calls_at_once_and_answers_in_call_order():
    barrier = threading.Barrier(3, timeout=30)  # a, b and c must all be in flight together to pass it
    where.set("draft-1")
    seen_context = []

    def answer(call: Call):
        if call.step in "abc":
            barrier.wait()
        seen_context.append(where.get())
        return f"answer {call.step}", _result(call.step)

    events: list[tuple[str, bool]] = []
    log: list = []
    assert drive(pipeline(log), answer, lambda step, r: events.append((step, r is not None))) == "done"
    assert log[0][0] == "answer first" and [a for a, _ in log[1]] == ["answer a", "answer b", "answer c"]
    assert log[2][0] == "answer last"
    assert seen_context == ["draft-1"] * 5  # the run id and the like follow the calls into the pool's threads
    assert [e for e in events if not e[1]] == [("first", False), ("a", False), ("b", False), ("c", False),
                                               ("last", False)]  # fmt: skip
    assert sorted(step for step, ended in events if ended) == ["a", "b", "c", "first", "last"]


def test_a_failed_call_in_a_round_fails_the_draft_with_that_error():
    def answer(call: Call):
        if call.step == "b":
            raise ValueError("b failed")
        return call.step, _result(call.step)

    log: list = []
    with pytest.raises(ValueError, match="b failed"):
        drive(pipeline(log), answer)
    assert len(log) == 1  # the round never reached the pipeline


def test_the_async_driver_gathers_a_rounds_calls_and_answers_in_call_order():
    async def main():
        barrier = asyncio.Barrier(3)
        where.set("draft-2")

        async def answer(call: Call):
            if call.step in "abc":
                await asyncio.wait_for(barrier.wait(), 30)
                await asyncio.sleep(0.01 * (ord("c") - ord(call.step)))  # c ends first, a last
            return f"{call.step} in {where.get()}", _result(call.step)

        log: list = []
        assert await drive_async(pipeline(log), answer) == "done"
        return log

    log = asyncio.run(main())
    assert [a for a, _ in log[1]] == ["a in draft-2", "b in draft-2", "c in draft-2"]


def test_the_async_driver_cancels_the_rest_of_a_round_when_one_call_fails():
    cancelled = []

    async def main():
        async def answer(call: Call):
            if call.step == "b":
                raise ValueError("b failed")
            if call.step in "ac":
                try:
                    await asyncio.Event().wait()  # would never answer
                except asyncio.CancelledError:
                    cancelled.append(call.step)
                    raise
            return call.step, _result(call.step)

        await drive_async(pipeline([]), answer)

    with pytest.raises(ValueError, match="b failed"):
        asyncio.run(main())
    assert sorted(cancelled) == ["a", "c"]


def test_ctrl_c_during_a_round_ends_the_program_without_waiting_for_the_rounds_requests(tmp_path):
    """A round's calls run in daemon threads: an interrupted draft does not sit out their timeouts and retries."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "interrupted.py"
    script.write_text(
        "import sys, time\n"
        "from drafter.drafting.drive import Call, drive\n"
        "def gen():\n"
        "    yield (Call('a', 'a.j2', dict, [], {}), Call('b', 'b.j2', dict, [], {}))\n"
        "def slow(call):\n"
        "    time.sleep(60)\n"
        "print('started', flush=True)\n"
        "try:\n"
        "    drive(gen(), slow)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
        "    sys.exit(130)\n",
        encoding="utf-8",
    )
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "started"
    time.sleep(0.5)  # the round's two calls are asleep in their threads
    p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=30)  # the calls would take 60 s; a joined thread would make this time out
    finally:
        p.kill()
    assert p.returncode == 130 and "interrupted" in out
