"""O*NET 29.3 (May 2025) facts bundled per occupation: task ratings, official description, Job Zone, four Work
Context scores, and observed AI use per task from the Anthropic Economic Index (March 2025 release).

Built by scripts/build_onet_facts.py from ../shared/data; provenance and licences in data/SOURCE.md. Read once per
process (about 2 MB decompressed): a draft of one role reads it once, a batch of many roles reads it once too.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import resources

from .model import TaskRatings

BUNDLED = "onet29_facts.json.gz"
RATINGS_SOURCE = "O*NET 29.3 task ratings (May 2025)"
ONET_CITATION = "O*NET 29.3, May 2025"
AEI_CITATION = "Anthropic Economic Index, Mar 2025"
MODES = ("directive", "feedback_loop", "task_iteration", "validation", "learning", "filtered")
AUTOMATION = ("directive", "feedback_loop")
AUGMENTATION = ("task_iteration", "validation", "learning")


@cache
def _document() -> dict:
    return json.loads(gzip.decompress((resources.files(__package__) / "data" / BUNDLED).read_bytes()))


def occupation_entry(code: str) -> dict:
    """The bundled facts of one O*NET-SOC code (empty when it has none)."""
    return _document()["occupations"].get(code, {})


def job_zone_reference() -> dict[str, dict[str, str]]:
    """Job Zone ("1".."5") -> its official name, experience, education and training text."""
    return _document()["job_zones"]


def task_ratings(code: str) -> dict[int, TaskRatings]:
    """Task ID -> its O*NET 29.3 ratings (importance, occurrences per workday, relevance) for one occupation."""
    return {
        int(tid): TaskRatings(importance=im, relevance=rt, per_day=per_day, source=RATINGS_SOURCE)
        for tid, (im, per_day, rt) in occupation_entry(code).get("ratings", {}).items()
    }
