"""Custom task lists (CSV, YAML or JSON) for roles O*NET lacks or for seniority variants.

Each task has an ``id`` (a positive integer, unique in the file), ``text``, and optionally ``type``
(Core / Supplemental) and ``weight`` (a positive number; if given for one task it must be given for all).
YAML and JSON may be a list of tasks or a mapping with ``title`` and ``tasks``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..errors import DrafterError
from ..files import ascii_minus, loads_json, read_text, too_deep
from .model import Occupation, Task

N = TypeVar("N", int, float)


class TaskListError(DrafterError):
    pass


def _task(where: str, item: object, seen: set[int]) -> Task:
    if not isinstance(item, dict):
        raise TaskListError(f"{where}: expected a task with id and text, got {type(item).__name__}")
    unknown = set(item) - {"id", "text", "type", "weight"}
    if unknown:
        raise TaskListError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; expected id, text, type, weight")
    raw_id = item.get("id")
    tid = _number(raw_id, int)
    if tid is None or tid <= 0:
        raise TaskListError(f"{where}.id: expected a positive integer, got {raw_id if tid is None else tid!r}")
    if tid in seen:
        raise TaskListError(f"{where}.id: task id {tid} is used twice")
    seen.add(tid)
    text = str(item.get("text") or "").strip()
    if not text:
        raise TaskListError(f"{where}.text: expected the task statement, got nothing")
    ttype = str(item.get("type") or "").strip().capitalize()
    if ttype not in ("Core", "Supplemental", ""):
        raise TaskListError(f"{where}.type: expected Core, Supplemental or empty, got {item.get('type')!r}")
    raw_weight = item.get("weight")
    weight = None if raw_weight in (None, "") else _number(raw_weight, float)
    if raw_weight not in (None, "") and not (weight is not None and weight > 0):
        shown = raw_weight if weight is None else weight
        raise TaskListError(f"{where}.weight: expected a positive number, got {shown!r}")
    return Task(id=tid, statement=text, type=ttype, weight=weight)


def _number(raw: object, kind: Callable[[str], N]) -> N | None:
    """A number as written (a typographic minus counts as '-'), or None if it is not one."""
    try:
        return kind(ascii_minus(str(raw)).strip())
    except ValueError:
        return None


def load_task_list(path: Path, title: str | None = None) -> Occupation:
    path = Path(path)
    text = read_text(path)
    suffix = path.suffix.lower()
    seen: set[int] = set()
    tasks: list[Task] = []
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames:  # "ID, Text" as a spreadsheet may write it
            reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
        missing = {"id", "text"} - set(reader.fieldnames or [])
        if missing:
            raise TaskListError(
                f"{path}:line 1: missing column(s) {', '.join(sorted(missing))}; expected id,text[,type,weight]"
            )
        for row in reader:
            if None in row:  # more values than columns: most often a comma in an unquoted task statement
                raise TaskListError(
                    f"{path}:line {reader.line_num}: {len(reader.fieldnames or []) + len(row[None])} values for "
                    f"{len(reader.fieldnames or [])} columns; put a task statement that contains commas in double quotes"
                )
            tasks.append(_task(f"{path}:line {reader.line_num}", row, seen))
    elif suffix in (".yaml", ".yml", ".json"):
        data = _load_structured(path, text, suffix)
        if isinstance(data, dict):
            title = title or data.get("title")
            data = data.get("tasks")
        if not isinstance(data, list):
            raise TaskListError(
                f"{path}: expected a list of tasks or a mapping with 'tasks', got {type(data).__name__}"
            )
        for i, item in enumerate(data):
            tasks.append(_task(f"{path}: tasks[{i}]", item, seen))
    else:
        raise TaskListError(f"{path}: expected a .csv, .yaml, .yml or .json task list")
    if not tasks:
        raise TaskListError(f"{path}: the task list is empty")
    weighted = [t.weight is not None for t in tasks]
    if any(weighted) and not all(weighted):
        i = weighted.index(False)
        raise TaskListError(f"{path}: tasks[{i}].weight: give a weight for every task or for none")
    return Occupation("custom", title or path.stem, tuple(tasks), source=str(path))


def _load_structured(path: Path, text: str, suffix: str):
    if suffix == ".json":
        return loads_json(text, str(path), TaskListError)
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":line {mark.line + 1}:col {mark.column + 1}" if mark else ""
        raise TaskListError(f"{path}{where}: invalid YAML: {getattr(e, 'problem', e)}") from None
    except RecursionError:  # YAML's composer recurses once per level, as json's parser does
        raise TaskListError(too_deep(str(path), "YAML")) from None
