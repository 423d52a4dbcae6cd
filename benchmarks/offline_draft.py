"""Wall time of an offline `drafter draft` in a fresh process (target: under 0.6 s), and where it goes.

python benchmarks/offline_draft.py [runs]

Drafting must not import scikit-learn (about a second on its own), and a bundled occupation not even numpy:
the script checks. Compare with `benchmarks/cli_startup.py` run at the same time: this machine is shared.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
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


STAGES = """
import time, sys
t0 = time.perf_counter()
from drafter.onet import resolve_occupation
occ = resolve_occupation("29-2072")
t1 = time.perf_counter()
from drafter.drafting.offline import draft_offline
from drafter.taskmodel.light import bundled_table
t2 = time.perf_counter()
bundled_table()
t3 = time.perf_counter()
a = draft_offline(occ)
t4 = time.perf_counter()
from drafter.house_format import render_markdown
render_markdown(a)
t5 = time.perf_counter()
print(f"resolve {t1-t0:.3f}  imports {t2-t1:.3f}  model table load {t3-t2:.3f}  draft (calibration incl.) {t4-t3:.3f}  render {t5-t4:.3f} s")
print("numpy / scikit-learn imported:", "numpy" in sys.modules, "/", "sklearn" in sys.modules)
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    with tempfile.TemporaryDirectory() as tmp:
        tasks = Path(tmp) / "tasks.yaml"
        tasks.write_text(
            "title: Data Protection Officer\ntasks:\n"
            "  - {id: 1, text: Review records for compliance with privacy regulations}\n"
            "  - {id: 2, text: Train staff on data protection policies}\n"
            "  - {id: 3, text: Enter breach reports into the incident register}\n",
            encoding="utf-8",
        )
        for label, args in (
            ("drafter draft 29-2072 --offline", ["draft", "29-2072", "--offline", "-o", tmp]),
            ("drafter draft tasks.yaml --offline", ["draft", str(tasks), "--offline", "-o", tmp]),
        ):
            t = median_wall(args, runs)
            print(
                f"{label:36s} median {t * 1000:7.1f} ms over {runs} runs (target < 600 ms: {'met' if t < 0.6 else 'MISSED'})"
            )
    out = subprocess.run([sys.executable, "-c", STAGES], capture_output=True, text=True, cwd=ROOT, check=True)
    print(out.stdout.strip())


if __name__ == "__main__":
    main()
