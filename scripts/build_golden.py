"""Rebuild evals/golden/29-2072.00.json from the human-scored seed and the row -> O*NET task mapping.

The assessment is imported from the seed unchanged; only the task-ID mapping (documented in
evals/golden/README.md) and the provenance are added here. Run from the repository root:

    python scripts/build_golden.py ../shared/seeds/000_5eed3631006595d7.txt
"""

from __future__ import annotations

import sys
from pathlib import Path

from drafter.files import assessment_json, atomic_write, read_text
from drafter.house_format import parse_house_format

ROW_TO_TASKS = {
    "Medical coding (ICD-10/CPT assignment)": [22877, 22879, 22881, 22883],
    "EHR data abstraction & entry": [22878, 22880, 22885, 22891],
    "Chart review & documentation auditing": [22890],
    "Release of information (ROI) processing": [22887, 22889],
    "Compliance monitoring & HIPAA adherence": [22886],
    "Reporting & data analysis": [22882, 22884],
    "Physician/clinical staff queries & CDI support": [22888],
}
UNMAPPED = {
    22892: "Scheduling appointments is Medical Secretary work; the seed excludes it from this role "
    "('NOT a Medical Secretary … scheduling, phone, admin').",
    22893: "Transcription is Medical Transcriptionist work (31-9094); no row of the seed covers it.",
}


def main(seed: str) -> None:
    imported = parse_house_format(read_text(Path(seed)), source=Path(seed).name)
    if not imported.report.ok:
        sys.exit(f"{seed}: the seed's written figures disagree with the scorer; refusing to build the golden role")
    a = imported.assessment
    rows = {r.task for r in a.tasks}
    if rows != set(ROW_TO_TASKS):
        sys.exit(f"seed rows changed: {sorted(rows ^ set(ROW_TO_TASKS))}")
    data = a.model_dump()
    for row in data["tasks"]:
        row["onet_task_ids"] = ROW_TO_TASKS[row["task"]]
    data["unmapped_onet_tasks"] = UNMAPPED
    data["provenance"] = {
        "drafted_by": "human",
        "onet_code": "29-2072.00",
        "inputs": {"document": Path(seed).name, "onet_release": "27.x (GPTs-are-GPTs labelled task set)"},
        "notes": "Human-scored seed assessment; row -> O*NET task mapping by drafter (evals/golden/README.md).",
    }
    golden = type(a).model_validate(data)
    out = Path("evals/golden/29-2072.00.json")
    atomic_write(out, assessment_json(golden))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/seeds/000_5eed3631006595d7.txt")
