"""Wall time of the human-label tier over all 923 occupations (target: under a minute for the offline default).

python benchmarks/label_tier.py
"""

from __future__ import annotations

import time

from drafter.drafting import drafter_for
from drafter.evaluation.labels_tier import labeller_name, run_label_tier


def main() -> None:
    for drafter in (None, drafter_for(None, hold_out=True)):  # None: the published GPT-4 labels
        labeller = labeller_name(drafter)
        t0 = time.perf_counter()
        r = run_label_tier(drafter)
        elapsed = time.perf_counter() - t0
        d = r["drafter"]
        exact = f"{d['exact']['agreement'] * 100:.1f}%" if d["exact"] else "—"
        print(
            f"{labeller:12s} {r['occupations']} occupations, {d['exposed_or_not']['n']} tasks: exact {exact}, "
            f"exposed-or-not {d['exposed_or_not']['agreement'] * 100:.1f}% (kappa {d['exposed_or_not']['kappa']:.3f}) "
            f"in {elapsed:.1f} s"
        )
    g = r["gpt4_reference"]
    print(
        f"GPT-4 reference on the same tasks: exact {g['exact']['agreement'] * 100:.1f}%, exposed-or-not {g['exposed_or_not']['agreement'] * 100:.1f}%"
    )


if __name__ == "__main__":
    main()
