"""Rebuild drafter/onet/data/onet27_labelled.json.gz from the GPTs-are-GPTs labelled O*NET task set.

    python scripts/build_onet_data.py ../shared/data/gpts-are-gpts

The output is deterministic (sorted keys, fixed gzip mtime), so a rebuild from the same input is byte-identical.
It is one JSON document with one occupation per line (format 2), so that drafter can read a single occupation
without parsing the other 922 (``drafter.onet.catalog.bundled_one``; issue 14: start-up).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "drafter" / "onet" / "data" / "onet27_labelled.json.gz"
ATTRIBUTION = (
    "Task statements: O*NET 27.x database, (c) National Center for O*NET Development, U.S. Department of Labor, "
    "CC BY 4.0 (https://www.onetcenter.org/). Exposure and automation labels: Eloundou, Manning, Mishkin & Rock, "
    "'GPTs are GPTs: Labor market impact potential of LLMs' (Science, 2024), data from openai/GPTs-are-GPTs "
    "(commit 0471612f), MIT licence."
)
TYPES = {"Core": "C", "Supplemental": "S", "": ""}


def build(src: Path) -> dict:
    occupations: dict[str, dict] = {}
    with (src / "full_labelset.tsv").open(encoding="utf-8", newline="") as f:
        for line_no, row in enumerate(csv.DictReader(f, delimiter="\t"), start=2):
            code = row["O*NET-SOC Code"]
            occ = occupations.setdefault(code, {"title": row["Title"], "tasks": []})
            if occ["title"] != row["Title"]:
                sys.exit(f"{src / 'full_labelset.tsv'}:{line_no}: two titles for {code}")
            occ["tasks"].append(
                [
                    int(float(row["Task ID"])),
                    row["Task"],
                    TYPES[row["Task Type"]],
                    row["human_exposure_agg"],
                    row["gpt4_exposure"],
                    row["gpt4_exposure_alt_rubric"],
                    row["gpt4_automation"],
                ]
            )
    for occ in occupations.values():
        occ["tasks"].sort(key=lambda t: t[0])
    return {
        "format": 2,
        "release": "O*NET 27.x (GPTs-are-GPTs labelled set)",
        "attribution": ATTRIBUTION,
        "task_columns": ["id", "statement", "type", "human", "gpt4", "gpt4_alt", "gpt4_automation"],
        "occupations": dict(sorted(occupations.items())),
    }


def dumps(data: dict) -> str:
    """Compact JSON with a line break before each occupation: the first line is the header and
    ``"occupations":{``, each further line ``"CODE":{...}`` (a comma after all but the last), then ``}}``."""

    def compact(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = compact({k: v for k, v in data.items() if k != "occupations"})[:-1] + ',"occupations":{'
    lines = [f"{compact(code)}:{compact(occ)}" for code, occ in data["occupations"].items()]
    return head + "\n" + ",\n".join(lines) + "\n}}"


def main() -> None:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/gpts-are-gpts")
    data = build(src)
    raw = dumps(data).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(buf.getvalue())
    n_tasks = sum(len(o["tasks"]) for o in data["occupations"].values())
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB): {len(data['occupations'])} occupations, {n_tasks} tasks")


if __name__ == "__main__":
    main()
