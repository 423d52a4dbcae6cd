"""Rows of two decompositions of one role, matched through the O*NET task IDs they cover.

Two drafts of a role (two samples, two models, a draft and the assessor's final) may split the work into
different rows, but every row records the O*NET tasks it covers. So a row of one decomposition corresponds
to the rows of the other that share its task IDs; rows without IDs (custom task lists, hand-written rows)
fall back to matching by name, case-insensitively. A row's time share is assumed to be spread evenly over
its tasks when only part of a row falls into another (``share``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..assessment import TaskRow


@dataclass(frozen=True)
class Overlap:
    other: int  # index of the row in the other decomposition
    shared: int  # O*NET task IDs both rows cover (0 when matched by name)
    share: float  # fraction of the other row's tasks that fall into this row (1.0 when matched by name)


def overlaps(rows: list[TaskRow], other: list[TaskRow]) -> list[list[Overlap]]:
    """For each row of ``rows``, the rows of ``other`` it corresponds to, most shared tasks first."""
    out: list[list[Overlap]] = []
    by_name = {r.task.casefold(): j for j, r in enumerate(other)}
    for r in rows:
        ids = set(r.onet_task_ids)
        found = []
        if ids:
            for j, o in enumerate(other):
                shared = len(ids & set(o.onet_task_ids))
                if shared:
                    found.append(Overlap(j, shared, shared / len(o.onet_task_ids)))
        named = by_name.get(r.task.casefold())
        if not found and named is not None:
            found.append(Overlap(named, 0, 1.0))
        found.sort(key=lambda ov: (-ov.shared, ov.other))
        out.append(found)
    return out


def best_match(rows: list[TaskRow], other: list[TaskRow]) -> list[int | None]:
    """The one row of ``other`` that covers most of each row's tasks (ties: the earlier row); None if none."""
    return [found[0].other if found else None for found in overlaps(rows, other)]


def decomposition_key(rows: list[TaskRow]) -> frozenset:
    """Identity of a decomposition: which tasks go together (row names and shares aside)."""
    return frozenset(frozenset(r.onet_task_ids) if r.onet_task_ids else r.task.casefold() for r in rows)


@dataclass(frozen=True)
class Component:
    """A connected group of rows: ``a`` rows of the first decomposition, ``b`` rows of the second."""

    a: tuple[int, ...]
    b: tuple[int, ...]

    @property
    def kind(self) -> str:
        if not self.a:
            return "removed"
        if not self.b:
            return "added"
        if len(self.a) == 1 and len(self.b) == 1:
            return "matched"
        if len(self.a) == 1:
            return "merged"  # several rows of the second became one row of the first
        if len(self.b) == 1:
            return "split"
        return "regrouped"


def components(first: list[TaskRow], second: list[TaskRow]) -> list[Component]:
    """Rows of the two decompositions grouped by shared task IDs (or equal names), in the first's row order;
    rows of the second that correspond to nothing come last."""
    links = overlaps(first, second)
    parent = list(range(len(first) + len(second)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, found in enumerate(links):
        for ov in found:
            parent[find(i)] = find(len(first) + ov.other)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for i in range(len(first)):
        groups.setdefault(find(i), ([], []))[0].append(i)
    for j in range(len(second)):
        groups.setdefault(find(len(first) + j), ([], []))[1].append(j)
    ordered = sorted(groups.values(), key=lambda g: min(g[0]) if g[0] else len(first) + min(g[1]))
    return [Component(tuple(a), tuple(b)) for a, b in ordered]
