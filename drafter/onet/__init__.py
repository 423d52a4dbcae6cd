"""O*NET occupations and task lists: bundled labelled data, official releases, priors, search, custom lists."""

from __future__ import annotations

from pathlib import Path

from .model import Occupation, Task, TaskRatings

__all__ = ["Occupation", "Task", "TaskRatings", "import_release", "resolve_occupation"]


def import_release(directory: Path, store: Path | None = None) -> tuple[int, int, Path]:
    """Parse a release folder and replace the local store with it; the old store survives any failure."""
    from ..paths import onet_store_path
    from .release import read_release
    from .store import write_store

    occupations = read_release(directory)
    path = store or onet_store_path()
    write_store(path, occupations, source=occupations[0].source if occupations else f"release {directory}")
    return len(occupations), sum(len(o.tasks) for o in occupations), path


def resolve_occupation(code_or_file: str, title: str | None = None) -> Occupation:
    """An O*NET code (29-2072 or 29-2072.00) or the path of a custom task list."""
    p = Path(code_or_file)
    if p.suffix.lower() in (".csv", ".yaml", ".yml", ".json"):
        from .custom import load_task_list

        return load_task_list(p, title)
    from .catalog import Catalog, UnknownOccupation

    try:
        return Catalog.load_one(code_or_file)
    except UnknownOccupation:
        if not p.is_file():
            raise
    # a file that exists, of a kind no task list has: say so, not "no such file" (a code wins over a file named so)
    raise UnknownOccupation(
        f"{code_or_file}: not a task list drafter reads (expected a .csv, .yaml, .yml or .json file; "
        f"docs/onet.md shows each) and not an O*NET-SOC code like 29-2072"
    )
