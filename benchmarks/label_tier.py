"""Wall time of the human-label tier over all 923 occupations (target: under a minute for the offline default).

python benchmarks/label_tier.py
"""

from __future__ import annotations

import time

from drafter.evaluation.labels_tier import run_label_tier


def main() -> None:
    for backend in ("gpt4-labels", "offline"):
        t0 = time.perf_counter()
        r = run_label_tier(backend)
        elapsed = time.perf_counter() - t0
        d = r["drafter"]
        exact = f"{d['exact']['agreement'] * 100:.1f}%" if d["exact"] else "—"
        print(
            f"{backend:12s} {r['occupations']} occupations, {d['exposed_or_not']['n']} tasks: exact {exact}, "
            f"exposed-or-not {d['exposed_or_not']['agreement'] * 100:.1f}% (kappa {d['exposed_or_not']['kappa']:.3f}) "
            f"in {elapsed:.1f} s"
        )
    g = r["gpt4_reference"]
    print(
        f"GPT-4 reference on the same tasks: exact {g['exact']['agreement'] * 100:.1f}%, exposed-or-not {g['exposed_or_not']['agreement'] * 100:.1f}%"
    )


if __name__ == "__main__":
    main()
