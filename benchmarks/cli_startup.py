"""Start-up of the commands people type most, as medians of fresh processes, beside a bare interpreter.

    python benchmarks/cli_startup.py [runs]        # default 15 runs per command

Measured (issue 14 targets on this machine):
- ``drafter --help``                      <= 0.25 s
- ``drafter onet show 29-2072``           <= 0.30 s
- ``drafter draft 29-2072`` (offline)     <= 0.60 s (written to a fresh temporary directory each run)
and ``python -c pass``, the floor no command can go under: each figure is also printed as a multiple of it, so
a loaded machine (which slows every process alike) can still be read; the CPU time (user + system) of each
process is printed too, as it moves less with the machine's load than the wall time does. The commands run interleaved, one of each
in turn, so that a change in the machine's load touches all of them alike. Also printed: which heavy modules
(openai, instructor, numpy, sklearn, pydantic) each command imports.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("openai", "instructor", "httpx", "numpy", "sklearn", "pydantic", "jinja2", "rich.table")


def commands(work: Path) -> list[tuple[str, list[str], float | None]]:
    return [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("drafter --help", [sys.executable, "-m", "drafter", "--help"], 0.25),
        ("drafter onet show 29-2072", [sys.executable, "-m", "drafter", "onet", "show", "29-2072"], 0.30),
        ("drafter draft 29-2072 (offline)",
         [sys.executable, "-m", "drafter", "draft", "29-2072", "--offline", "-o", str(work / "out")], 0.60),
    ]  # fmt: skip


def once(argv: list[str], work: Path, env: dict) -> tuple[float, float]:
    """Wall time and CPU time (user + system, from the child's rusage) of one fresh process."""
    shutil.rmtree(work / "out", ignore_errors=True)  # a draft never overwrites: each run writes a fresh directory
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=work, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def imported(argv: list[str], work: Path, env: dict) -> list[str]:
    """The heavy modules the command imports, from ``python -X importtime`` (stderr), not by guessing."""
    r = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], capture_output=True, text=True, cwd=work, env=env)
    shutil.rmtree(work / "out", ignore_errors=True)
    names = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    return [m for m in HEAVY if m in names]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    work = Path(tempfile.mkdtemp(prefix="drafter-startup-"))
    env = {**os.environ, "DRAFTER_HOME": str(work / "home"), "PYTHONPATH": str(ROOT)}
    env.pop("OPENAI_API_KEY", None)
    cmds = commands(work)
    times: dict[str, list[float]] = {label: [] for label, _, _ in cmds}
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in cmds}
    for _label, argv, _ in cmds:  # warm the file cache and drafter's own caches (the first run builds none)
        once(argv, work, env)
    for _ in range(runs):
        for label, argv, _ in cmds:
            wall, used = once(argv, work, env)
            times[label].append(wall)
            cpu[label].append(used)
    floor = statistics.median(times["python -c pass"])
    load = os.getloadavg()[0]
    print(f"medians of {runs} fresh processes each, interleaved; {os.cpu_count()} cores, load {load:.2f}; "
          f"Python {sys.version.split()[0]}")  # fmt: skip
    for label, argv, target in cmds:
        t = statistics.median(times[label])
        verdict = "" if target is None else f"  target <= {target:.2f} s: {'met' if t <= target else 'NOT met'}"
        heavy = "" if target is None else f"  imports: {', '.join(imported(argv, work, env)) or 'none of them'}"
        print(f"  {label:32s} {t * 1000:7.1f} ms (min {min(times[label]) * 1000:6.1f}; CPU "
              f"{statistics.median(cpu[label]) * 1000:6.1f}) = {t / floor:5.2f} x python -c pass{verdict}{heavy}")  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
