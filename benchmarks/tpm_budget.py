"""A batch against a fake server that enforces a tokens-per-minute budget: how much of it drafter uses, and how
often it is refused.

    python benchmarks/tpm_budget.py [--roles 300] [--tpm 1000000] [--concurrency 32] [--latency 0.2]

The fake OpenAI server (drafter/testing/, one process) enforces ``--tpm`` as a provider does: a bucket of one
minute's worth that refills continuously, prompt tokens charged on arrival and completion tokens on answering, a
429 for a request that finds too little left, and ``x-ratelimit-*`` headers on every answer. drafter runs
``drafter batch`` with the same budget set as ``tpm`` on the endpoint in endpoints.toml (the documented way).

Achieved tokens per minute are the server's own count. Because the bucket starts full, a run of T minutes may
use up to (1 + T) x budget; the figure compared with the budget is the *sustained* rate, the tokens beyond that
first full bucket per minute of the run: (charged - budget) / T. Targets: sustained >= 0.9 x budget, and under
1% of requests answered 429.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def roles(n: int) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from drafter.batch import human_scored_codes
    from drafter.onet.catalog import Catalog

    scored = human_scored_codes()
    return [c for c in sorted(Catalog.load().by_code) if c not in scored][:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--roles", type=int, default=300)
    ap.add_argument("--tpm", type=float, default=1_000_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--learn", action="store_true", help="no budget in endpoints.toml: learn it from the headers")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="drafter-bench-"))
    codes = work / "codes.txt"
    codes.write_text("\n".join(roles(args.roles)) + "\n", encoding="utf-8")
    server = subprocess.Popen(
        [sys.executable, "-m", "drafter.testing", str(args.latency), "1", "--tpm", str(args.tpm)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base_url = server.stdout.readline().strip()
        home = work / "home"
        home.mkdir()
        (home / "endpoints.toml").write_text(
            f'[endpoints.budgeted]\nbase_url = "{base_url}"\nmodel = "bench"\n'
            + ("" if args.learn else f"tpm = {args.tpm:.0f}\n"),
            encoding="utf-8",
        )
        env = {**os.environ, "DRAFTER_HOME": str(home), "OPENAI_API_KEY": "sk-bench-not-a-key"}
        r = subprocess.run(
            [sys.executable, "-m", "drafter", "batch", "--codes", str(codes), "--endpoint", "budgeted", "--no-cache",
             "-o", str(work / "drafts"), "--concurrency", str(args.concurrency), "--json"],
            env=env, capture_output=True, text=True, cwd=work,
        )  # fmt: skip
        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats") as resp:
            stats = json.loads(resp.read())
    finally:
        server.terminate()
        server.wait()
    if r.returncode != 0:
        sys.exit(f"batch failed ({r.returncode}):\n{r.stderr[-2000:]}")
    s = json.loads(r.stdout)
    charged = stats["charged"]
    t0, t1 = charged[0][0], charged[-1][0]
    minutes = (t1 - t0) / 60
    total = sum(t for _, t in charged)
    sustained = (total - args.tpm) / minutes
    refused = stats["refused_429"]
    print(f"{s['roles']} roles ({s['done']} done, {s['failed']} failed) in {s['processes']} process(es), "
          f"C = {args.concurrency}, L = {args.latency * 1000:.0f} ms; server budget {args.tpm:,.0f} tokens/min")  # fmt: skip
    print(f"{stats['requests']} requests reached the server in {minutes * 60:.1f} s; {total:,} tokens charged "
          f"({total / s['roles']:,.0f} per role)")  # fmt: skip
    print(f"average {total / minutes:,.0f} tokens/min = {total / minutes / args.tpm:.3f} x budget (the bucket starts "
          f"full: at most (1 + T) / T = {(1 + minutes) / minutes:.3f} x in {minutes:.2f} min)")  # fmt: skip
    print(f"sustained (beyond the first full bucket) {sustained:,.0f} tokens/min = {sustained / args.tpm:.3f} x budget "
          f"(target >= 0.9)")  # fmt: skip
    print(f"answered 429: {refused} of {stats['requests']} requests = {100 * refused / stats['requests']:.2f}% "
          f"(target < 1%); drafter counted {s['throttled_429']} 429s")  # fmt: skip
    if not args.learn:  # learnt budgets live in the worker processes' limiters, not the summary's
        print(f"batch summary's budget (endpoints.toml): {s['budget']}")


if __name__ == "__main__":
    main()
