"""Wall time of `drafter onet show 29-2072` in a fresh process (target < 0.5 s) and of loading all occupations.

python benchmarks/onet_lookup.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    env = {**os.environ, "DRAFTER_HOME": tempfile.mkdtemp(prefix="drafter-bench-")}  # bundled data, no store
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "drafter", "onet", "show", "29-2072"],
            check=True,
            capture_output=True,
            env=env,
            cwd=ROOT,
        )
        times.append(time.perf_counter() - t0)
    show = statistics.median(times)
    print(
        f"drafter onet show 29-2072 (fresh process): median {show * 1000:.0f} ms over {runs} runs (target < 500 ms: {'met' if show < 0.5 else 'MISSED'})"
    )

    from drafter.onet.catalog import Catalog

    loads = []
    for _ in range(runs):
        t0 = time.perf_counter()
        cat = Catalog.load(Path(env["DRAFTER_HOME"]) / "onet.sqlite")
        loads.append(time.perf_counter() - t0)
    n_tasks = sum(len(o.tasks) for o in cat.by_code.values())
    print(
        f"load all {len(cat)} occupations / {n_tasks} tasks (in process): median {statistics.median(loads) * 1000:.0f} ms"
    )
    t0 = time.perf_counter()
    cat.search("medical coder")
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    cat.search("registered nurse")
    print(
        f"search: first query (builds the index) {first * 1000:.0f} ms, next query {(time.perf_counter() - t0) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
