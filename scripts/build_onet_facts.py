"""Rebuild drafter/onet/data/onet29_facts.json.gz: per bundled occupation its O*NET 29.3 task ratings, official
description, Job Zone, four Work Context scores, and the Anthropic Economic Index's observed AI use per task.

    python scripts/build_onet_facts.py ../shared/data

Only what drafter shows is kept (a few columns, keyed by O*NET-SOC code and Task ID), so the wheel stays small.
The output is deterministic (sorted keys, fixed gzip mtime): a rebuild from the same input is byte-identical.
Provenance and licences: drafter/onet/data/SOURCE.md.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "drafter" / "onet" / "data" / "onet29_facts.json.gz"
AEI = "anthropic-economic-index/release_2025_03_27"
CONTEXTS = (
    "degree_of_automation_context",
    "importance_of_being_exact_or_accurate_context",
    "importance_of_repeating_same_tasks_context",
    "structured_versus_unstructured_work_context",
)
MODES = ("directive", "feedback_loop", "task_iteration", "validation", "learning", "filtered")


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def _num(text: str, digits: int = 4) -> float:
    """A published figure kept to ``digits`` significant digits (what drafter shows is rounded further)."""
    return float(f"{float(text):.{digits}g}")


def bundled_tasks(src: Path) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for row in _rows(src / "gpts-are-gpts" / "full_labelset.tsv", "\t"):
        out.setdefault(row["O*NET-SOC Code"], {})[int(float(row["Task ID"]))] = row["Task"]
    return out


def build(src: Path) -> dict:
    tasks = bundled_tasks(src)
    titles = {r["O*NET-SOC Code"]: r["Title"] for r in _rows(src / "gpts-are-gpts" / "full_labelset.tsv", "\t")}
    occ: dict[str, dict] = {code: {} for code in tasks}
    onet = src / "onet-29.3"
    for r in _rows(onet / "task_ratings_derived.csv"):
        code, tid = r["O*NET-SOC Code"], int(r["Task ID"])
        if tid in tasks.get(code, {}):  # [importance 1-5, occurrences per workday, relevance %]
            ratings = occ[code].setdefault("ratings", {})
            ratings[str(tid)] = [_num(r["importance"]), _num(r["freq_mean"]), _num(r["relevance"])]
    for r in _rows(onet / "Occupation Data.txt", "\t"):
        if r["O*NET-SOC Code"] in occ:
            occ[r["O*NET-SOC Code"]]["description"] = r["Description"]
    for r in _rows(onet / "Job Zones.txt", "\t"):
        if r["O*NET-SOC Code"] in occ:
            occ[r["O*NET-SOC Code"]]["job_zone"] = [int(r["Job Zone"]), r["Date"]]
    by_title = {t: c for c, t in titles.items()}
    for r in _rows(src / "gpts-are-gpts" / "occupations_onet_work_contexts.csv"):
        if (code := by_title.get(r["occupation"])) is not None:
            occ[code]["work_context"] = [float(r[c]) for c in CONTEXTS]
    pct = {r["task_name"]: r["pct"] for r in _rows(src / AEI / "task_pct_v2.csv")}
    modes = {r["task_name"]: r for r in _rows(src / AEI / "automation_vs_augmentation_by_task.csv")}
    for code, statements in tasks.items():
        for tid, statement in statements.items():
            key = statement.lower()
            if key in pct:  # [share of conversations %, then the six interaction-mode shares, or none]
                split = [_num(modes[key][m]) for m in MODES] if key in modes else []
                occ[code].setdefault("aei", {})[str(tid)] = [_num(pct[key]), *split]
    zones = {
        r["Job Zone"]: {k: r[k] for k in ("Name", "Experience", "Education", "Job Training")}
        for r in _rows(onet / "Job Zone Reference.txt", "\t")
    }
    return {"format": 1, "job_zones": zones, "occupations": {c: v for c, v in sorted(occ.items()) if v}}


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python scripts/build_onet_facts.py ../shared/data")
    doc = build(Path(argv[0]))
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    OUT.write_bytes(buf.getvalue())
    occs = doc["occupations"].values()
    print(
        f"{OUT}: {len(buf.getvalue()):,} bytes; ratings for {sum(len(o.get('ratings', {})) for o in occs):,} tasks, "
        f"observed AI use for {sum(len(o.get('aei', {})) for o in occs):,} tasks of "
        f"{sum(1 for o in occs if o.get('aei'))} occupations"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
