"""A draft's wall time against the fake OpenAI server with a fixed injected latency L, as a multiple of L.

    python benchmarks/critical_path.py [--latency 0.5] [--runs 3]

What a user waits for with a real provider is round trips: each sequential call costs at least one L. The fake
server (its own process) answers every request after L seconds; drafter's response cache is off. Measured for a
5-task occupation (47-2072.00 Pile Driver Operators) and a 40-task one (25-2057.00 Special Education Teachers,
Middle School), with the sync driver (``drafter draft``) and the async one (batches); the figure is the median
of ``--runs`` drafts. Also printed: the LLM calls per draft, and how many of them were sequential (the rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ROLES = {"47-2072.00": "5 tasks", "25-2057.00": "40 tasks"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from drafter.drafting.drive import draft_with_llm, draft_with_llm_async
    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog
    from drafter.onet.catalog import Catalog

    server = subprocess.Popen(
        [sys.executable, "-m", "drafter.testing", str(args.latency)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        base_url = server.stdout.readline().strip()
        os.environ["DRAFTER_BENCH_KEY"] = "sk-bench-not-a-key"
        log = RunLog(Path(tempfile.mkdtemp(prefix="drafter-bench-")) / "runlog.sqlite")
        endpoint = Endpoint(base_url=base_url, model="bench", api_key_env="DRAFTER_BENCH_KEY")
        llm = LLM(endpoint, log, use_cache=False)
        catalog = Catalog.load()
        draft_with_llm(catalog.get("39-5093.00"), llm)  # warm-up: imports, templates, connections
        L = args.latency
        print(f"L = {L * 1000:.0f} ms injected per request; median of {args.runs} drafts each")
        for code, size in ROLES.items():
            occ = catalog.get(code)
            for driver in ("sync", "async"):
                walls, calls, rounds = [], [], []
                for _ in range(args.runs):
                    before = log.totals()["requests"]
                    t0 = time.perf_counter()
                    run_id = f"bench-{code}-{driver}-{len(walls)}"
                    if driver == "sync":
                        d = draft_with_llm(occ, llm, run_id=run_id)
                    else:
                        d = asyncio.run(_draft_async(draft_with_llm_async, occ, llm, run_id))
                    walls.append(time.perf_counter() - t0)
                    calls.append(log.totals()["requests"] - before)
                    rounds.append(_rounds(log, d.assessment.provenance.inputs["run_id"]))
                wall = statistics.median(walls)
                print(f"  {code} ({size}, {len(d.assessment.tasks)} rows), {driver:5s}: {wall:6.2f} s = "
                      f"{wall / L:4.2f} x L; {statistics.median(calls):.0f} LLM calls in "
                      f"{statistics.median(rounds):.0f} sequential rounds")  # fmt: skip
        llm.close()
        log.close()
    finally:
        server.terminate()
        server.wait()


async def _draft_async(fn, occ, llm, run_id: str):
    try:
        return await fn(occ, llm, run_id=run_id)
    finally:
        await llm.aclose()


def _rounds(log, run_id: str) -> int:
    """Sequential rounds of a draft, from its calls in the run log: calls whose time on the wire overlaps ran
    together (a call's record is written when it ends, ``latency_ms`` after it was sent)."""
    log.flush()
    with log.store.transaction() as con:
        spans = sorted((ts - ms / 1000, ts) for ts, ms in con.execute(
            "SELECT ts, latency_ms FROM calls WHERE run_id = ? AND cached = 0", (run_id,)))  # fmt: skip
    rounds, end = 0, float("-inf")
    for start, stop in spans:
        if start >= end:
            rounds += 1
        end = max(end, stop) if start < end else stop
    return rounds


if __name__ == "__main__":
    main()
