"""Wall time of the human-label tier over all 923 occupations (target: under a minute for the offline default,
whose task model is refitted on every fold of the occupation-grouped cross-validation).

python benchmarks/label_tier.py
"""

from __future__ import annotations

import time

from drafter.drafting import drafter_for
from drafter.evaluation.labels_tier import labeller_name, run_label_tier


def _line(d: dict) -> str:
    exact = f"{d['exact']['agreement'] * 100:.1f}% (kappa {d['exact']['kappa']:.3f})" if d["exact"] else "—"
    e = d["exposed_or_not"]
    return f"exact {exact}, exposed-or-not {e['agreement'] * 100:.1f}% (kappa {e['kappa']:.3f}), {e['n']} tasks"


def main() -> None:
    for drafter in (None, drafter_for(None, hold_out=True)):  # None: the published GPT-4 labels
        labeller = labeller_name(drafter)
        t0 = time.perf_counter()
        r = run_label_tier(drafter)
        elapsed = time.perf_counter() - t0
        print(f"{labeller:12s} {r['occupations']} occupations in {elapsed:.1f} s")
        print(f"  all tasks:         {_line(r['drafter'])}")
        print(f"  unique statements: {_line(r['unique_statements']['drafter'])}")
    print(f"GPT-4 reference, same tasks: {_line(r['gpt4_reference'])}")
    print(f"  unique statements:         {_line(r['unique_statements']['gpt4_reference'])}")


if __name__ == "__main__":
    main()
