"""Batch throughput against the fake OpenAI server with injected latency, versus the ideal C / L.

    python benchmarks/batch_throughput.py [--roles 300] [--concurrency 32] [--latency 0.2]

The server runs in its own process (so it does not share drafter's interpreter lock), answering every request
after `latency` seconds. Throughput is LLM calls per second over the drafting phase (the batch's own timer,
which excludes interpreter start-up and imports); the ideal is C / L calls per second. drafter's CPU time per
call is the drafting phase's process time divided by the calls. Targets: ratio >= 0.9 at C = 32, L = 200 ms,
N = 300; CPU < 5 ms per LLM call.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def roles(n: int) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from drafter.batch import human_scored_codes
    from drafter.onet.catalog import Catalog

    scored = human_scored_codes()
    return [c for c in sorted(Catalog.load().by_code) if c not in scored][:n]


def sequential_cpu_per_call(roles_n: int = 60) -> float:
    """drafter's CPU per call with one draft at a time (no concurrency), against a zero-latency server."""
    import time

    from drafter.drafting.drive import draft_with_llm
    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog
    from drafter.onet.catalog import Catalog

    server = subprocess.Popen(
        [sys.executable, "-m", "drafter.testing", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        base_url = server.stdout.readline().strip()
        os.environ["DRAFTER_BENCH_KEY"] = "sk-bench-not-a-key"
        log = RunLog(Path(tempfile.mkdtemp(prefix="drafter-bench-")) / "runlog.sqlite")
        llm = LLM(Endpoint(base_url=base_url, model="bench", api_key_env="DRAFTER_BENCH_KEY"), log)
        catalog = Catalog.load()
        codes = roles(roles_n + 1)
        draft_with_llm(catalog.get(codes[0]), llm)  # warm-up
        before = log.totals()["requests"]
        c0 = time.process_time()
        for code in codes[1:]:
            draft_with_llm(catalog.get(code), llm)
        cpu = time.process_time() - c0
        return cpu / (log.totals()["requests"] - before)
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--roles", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--processes", type=int, default=0, help="worker processes (0: drafter's default)")
    ap.add_argument("--server-processes", type=int, default=2, help="fake server processes sharing its port")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="drafter-bench-"))
    codes = work / "codes.txt"
    codes.write_text("\n".join(roles(args.roles)) + "\n", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "drafter.testing", str(args.latency), str(args.server_processes)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = server.stdout.readline().strip()
        env = {**os.environ, "DRAFTER_HOME": str(work / "home"), "OPENAI_API_KEY": "sk-bench-not-a-key"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run(
            [sys.executable, "-m", "drafter", "batch", "--codes", str(codes), "--base-url", base_url, "--model", "bench",
             "-o", str(work / "drafts"), "--concurrency", str(args.concurrency), "--processes", str(args.processes), "--json"],  # fmt: skip
            env=env, capture_output=True, text=True, cwd=work,
        )  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        import urllib.request

        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats") as resp:
            server_stats = json.loads(resp.read())
    finally:
        server.terminate()
        server.wait()
    if r.returncode != 0:
        sys.exit(f"batch failed ({r.returncode}):\n{r.stderr[-2000:]}")
    s = json.loads(r.stdout)
    calls = s["requests"]
    throughput = calls / s["drafting_seconds"]
    ideal = args.concurrency / args.latency
    process_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(
        f"roles {s['roles']} ({s['done']} done, {s['failed']} failed), LLM calls {calls}, C = {args.concurrency}, L = {args.latency * 1000:.0f} ms"
    )
    print(
        f"drafting phase {s['drafting_seconds']:.2f} s: {throughput:.1f} calls/s vs ideal C/L = {ideal:.1f} calls/s -> ratio {throughput / ideal:.3f} (target >= 0.9)"
    )
    slots_bound = (calls / args.concurrency) / -(-calls // args.concurrency)
    print(f"(whole rounds of {args.concurrency} calls: the best possible ratio here is {slots_bound:.3f})")
    print(f"drafter CPU per LLM call: {s['cpu_seconds'] / calls * 1000:.2f} ms in the drafting phase (target < 5 ms); "
          f"{process_cpu / calls * 1000:.2f} ms counting start-up and imports; {s['cpu_seconds'] / max(1, s['done']) * 1000:.1f} ms per role")  # fmt: skip
    print(
        f"fake server: {server_stats['work_ms_mean']:.1f} ms per request on top of the injected latency (its own work and queueing)"
    )
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(
        f"whole command {s['wall_seconds']:.2f} s inside the process; process CPU {user:.2f} s user + {system:.2f} s system"
    )
    print(f"one draft at a time (no concurrency): {sequential_cpu_per_call() * 1000:.2f} ms CPU per LLM call")


if __name__ == "__main__":
    main()
