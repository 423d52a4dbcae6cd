"""O*NET occupations and task statements as plain data, whichever source they came from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaskRatings:
    """Task Ratings of one task: FT distribution (category 1..7 -> percent), importance IM, relevance RT.

    ``per_day`` is a frequency already collapsed to occurrences per workday (the bundled O*NET 29.3 ratings ship it
    so, not the FT distribution); ``source`` names the release the ratings came from, for the prior's label."""

    frequency: dict[int, float] = field(default_factory=dict)
    importance: float | None = None
    relevance: float | None = None
    per_day: float | None = None
    source: str = ""


@dataclass(frozen=True)
class Task:
    id: int
    statement: str
    type: str = ""  # "Core", "Supplemental" or "" (untyped)
    ratings: TaskRatings | None = None
    human_label: str | None = None  # E0 / E1 / E2 (GPTs-are-GPTs human annotators)
    gpt4_label: str | None = None  # E0 / E1 / E2 (GPT-4, main rubric)
    gpt4_alt_label: str | None = None
    gpt4_automation: str | None = None  # T0..T4
    weight: float | None = None  # an explicit weight from a custom task list


@dataclass(frozen=True)
class Occupation:
    code: str  # O*NET-SOC code, 29-2072.00; "custom" for custom task lists
    title: str
    tasks: tuple[Task, ...]
    description: str = ""
    alternate_titles: tuple[str, ...] = ()
    source: str = "bundled"  # "bundled", "release <version>" or a custom file's path

    def task(self, task_id: int) -> Task | None:
        return next((t for t in self.tasks if t.id == task_id), None)
