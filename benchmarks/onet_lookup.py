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
    release_figures(runs)
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


def synthetic_release(folder: Path, occupations: int = 1000, tasks_each: int = 20) -> None:
    """A release of the official files' shape and about the real size (Task Ratings: 9 rows per task)."""
    import random

    rng = random.Random(1)
    codes = [f"{11 + 2 * (i // 46):02d}-{1000 + i % 46:04d}.00" for i in range(occupations)]
    folder.mkdir(parents=True, exist_ok=True)
    occ = ["O*NET-SOC Code\tTitle\tDescription"] + [f"{c}\tOccupation {c}\tDoes things." for c in codes]
    stmts = ["O*NET-SOC Code\tTask ID\tTask\tTask Type\tIncumbents Responding\tDate\tDomain Source"]
    ratings = ["O*NET-SOC Code\tTask ID\tScale ID\tCategory\tData Value\tN\tStandard Error\tLower CI Bound\t"
               "Upper CI Bound\tRecommend Suppress\tDate\tDomain Source"]  # fmt: skip
    tid = 1
    for c in codes:
        for k in range(tasks_each):
            stmts.append(f"{c}\t{tid}\tDo task {k} of {c} carefully.\tCore\t30\t08/2023\tIncumbent")
            rows = [("FT", str(cat), f"{rng.random() * 30:.2f}") for cat in range(1, 8)]
            rows += [("IM", "n/a", f"{rng.uniform(1, 5):.2f}"), ("RT", "n/a", f"{rng.uniform(0, 100):.2f}")]
            ratings += [f"{c}\t{tid}\t{s}\t{cat}\t{v}\t30\t1\tn/a\tn/a\tN\t08/2023\tIncumbent" for s, cat, v in rows]
            tid += 1
    for name, lines in (("Occupation Data.txt", occ), ("Task Statements.txt", stmts), ("Task Ratings.txt", ratings)):
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def release_figures(runs: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="drafter-bench-"))
    synthetic_release(work / "release")
    env = {**os.environ, "DRAFTER_HOME": str(work / "home")}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "drafter", "onet", "import", str(work / "release")], check=True,
                   capture_output=True, env=env, cwd=ROOT)  # fmt: skip
    imported = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "drafter", "onet", "show", "11-1000"], check=True, capture_output=True,
                       env=env, cwd=ROOT)  # fmt: skip
        times.append(time.perf_counter() - t0)
    print(f"synthetic release of 1,000 occupations / 20,000 tasks / 180,000 ratings: import {imported:.2f} s; "
          f"`onet show` with that store: median {statistics.median(times) * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
