"""Median wall time of `drafter --help` and `drafter score` in fresh processes. Target: --help under 0.3 s.

python benchmarks/cli_startup.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_wall(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "drafter", *args], check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    golden = str(ROOT / "evals" / "golden" / "29-2072.00.json")
    for label, args, target in (
        ("drafter --help", ["--help"], 0.3),
        ("drafter score <golden>", ["score", golden], None),
    ):
        t = median_wall(args, runs)
        verdict = "" if target is None else f" (target < {target:.1f} s: {'met' if t < target else 'MISSED'})"
        print(f"{label:28s} median {t * 1000:7.1f} ms over {runs} runs{verdict}")
    heavy = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, drafter.cli; print(sorted(m for m in ('openai','instructor') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout.strip()
    print(f"heavy modules imported by the CLI at start-up: {heavy}")


if __name__ == "__main__":
    main()
