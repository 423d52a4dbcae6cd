"""Workers by zone: the employment-weighted zone distribution of the offline default over all 923 occupations.

    python benchmarks/labour_weighted_zones.py [--import-lines 1000000]

1. Drafts every O*NET occupation with the offline default through the batch runner (what
   `drafter batch --all --offline --include-scored` does) into a temporary folder, scores each draft, and prints
   ``employment_weighted_zones`` over the (code, zone) pairs: roles and workers per zone (BLS OEWS May 2025),
   next to the plain role counts.
2. Times `drafter bls import` (the library call) on a time-series file of the given size: the bundled national
   table for all 15 OE datatypes plus state-level lines the importer must check and skip, as in the real
   ``oe.data.0.Current``.

Everything is written under a temporary DRAFTER_HOME; nothing of the user's is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def weighted_offline_batch() -> None:
    from drafter.batch import BatchSettings, run_batch
    from drafter.documents import load_assessment
    from drafter.labour.tables import LabourTables
    from drafter.labour.weighting import employment_weighted_zones
    from drafter.onet.catalog import Catalog
    from drafter.scoring import score

    catalog = Catalog.load()
    codes = sorted(catalog.by_code)
    out = Path(tempfile.mkdtemp(prefix="drafter-bench-drafts-"))
    t0 = time.perf_counter()
    summary = run_batch(codes, None, out, BatchSettings(), catalog=catalog)
    t1 = time.perf_counter()
    pairs = []
    for code in codes:
        a, _ = load_assessment(out / f"{code}.json")
        pairs.append((code, score(a).final_zone.value))
    t2 = time.perf_counter()
    w = employment_weighted_zones(pairs, LabourTables.load(), catalog.by_code)
    t3 = time.perf_counter()
    print(f"Offline batch of {len(codes)} occupations: {summary['done']} done, {summary['failed']} failed, "
          f"{t1 - t0:.1f} s drafting; scoring {t2 - t1:.1f} s; weighting {1000 * (t3 - t2):.1f} ms")  # fmt: skip
    counts = Counter(z for _, z in pairs)
    print("Roles by zone (unweighted): " + ", ".join(f"{z} {counts[z]}" for z in ("Red", "Yellow", "Green")))
    for line in w.headline():
        print("  " + line)
    for code, why in w.without_figures:
        print(f"  counted apart: {code} ({catalog.by_code[code].title}): {why}")


def timed_import(lines: int) -> None:
    from drafter.labour.figures import MEASURES
    from drafter.labour.tables import bundled_table
    from drafter.labour.timeseries import import_timeseries

    table = bundled_table()
    folder = Path(tempfile.mkdtemp(prefix="drafter-bench-bls-"))
    path = folder / "oe.data.0.Current"
    datatypes = [f"{d:02d}" for d in range(1, 16)]
    kept = {code for code, _, _ in MEASURES.values()}
    written = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("series_id                     \tyear\tperiod\t       value\tfootnote_codes\n")
        for code, row in sorted(table.rows.items()):  # national: all 15 datatypes, 4 of them kept
            for d in datatypes:
                measure = next((m for m, (c, _, _) in MEASURES.items() if c == d), None)
                fig = row.get(measure) if measure and d in kept else None
                value = "-" if fig is not None and fig.value is None else (str(fig.value) if fig else "1000")
                f.write(f"OEUN0000000000000{code.replace('-', '')}{d}\t2026\tA01\t{value:>12}\t\n")
                written += 1
        state = 1
        while written < lines:  # state-level series: checked, then skipped
            for code in sorted(table.rows):
                for d in datatypes:
                    f.write(f"OEUS{state:02d}00000000000{code.replace('-', '')}{d}\t2026\tA01\t{1234:>12}\t\n")
                    written += 1
            state += 1
    size = path.stat().st_size / 1e6
    t0 = time.perf_counter()
    imported, store = import_timeseries([path])
    seconds = time.perf_counter() - t0
    ((t, _),) = imported
    print(f"bls import of {written:,} lines ({size:.0f} MB): {seconds:.2f} s, {len(t.rows):,} national SOC codes "
          f"stored in {store.stat().st_size / 1e6:.2f} MB")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--import-lines", type=int, default=1_000_000)
    args = ap.parse_args()
    os.environ["DRAFTER_HOME"] = tempfile.mkdtemp(prefix="drafter-bench-home-")
    sys.path.insert(0, str(ROOT))
    weighted_offline_batch()
    timed_import(args.import_lines)


if __name__ == "__main__":
    main()
