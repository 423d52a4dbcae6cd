"""How long `drafter table` takes over a folder of drafts (the review-first list re-scores every input of every
draft), in one process and shared among worker processes, plus the sensitivity analysis of one draft.

    python benchmarks/portfolio.py [N]      # N offline drafts of the first N O*NET occupations (default 300)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from drafter.documents import load_assessment
from drafter.drafting.choose import drafter_for
from drafter.files import assessment_json, atomic_write
from drafter.onet.catalog import Catalog
from drafter.portfolio.table import build_portfolio, render_html
from drafter.sensitivity import sensitivity

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    catalog = Catalog.load()
    with tempfile.TemporaryDirectory() as tmp, drafter_for(None, catalog=catalog) as offline:
        folder = Path(tmp)
        for code in list(catalog.by_code)[:n]:
            a = offline.draft(catalog.get(code)).assessment
            atomic_write(folder / f"{code}.json", assessment_json(a))
        golden, _ = load_assessment(ROOT / "evals" / "golden" / "29-2072.00.json")
        sensitivity(golden)
        t = time.perf_counter()
        for _ in range(20):
            sensitivity(golden)
        print(f"sensitivity of the golden role (7 rows, 14 inputs): {(time.perf_counter() - t) / 20 * 1000:.1f} ms")
        for workers in (1, os.cpu_count() or 1):
            t = time.perf_counter()
            rows, problems = build_portfolio(folder, workers=workers)
            s = time.perf_counter() - t
            print(
                f"table of {len(rows)} offline drafts, {workers} worker(s): {s:.1f} s ({s / len(rows) * 1000:.0f} ms a draft)"
            )
        t = time.perf_counter()
        html = render_html(rows, title="bench", problems=problems)
        print(f"portfolio page: {len(html) / 1024:.0f} KiB, rendered in {(time.perf_counter() - t) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
