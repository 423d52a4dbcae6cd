"""The rubric: what each level of every AIJRI scale means, read from the methodology TOML's ``[rubric]`` tables.

It lives with the methodology (not in the prompt templates) so that the levels an assessor agrees are versioned
with the rules that score them; ``prompts/_rubric.j2`` only lays the data out. ``version`` is a content hash
that drafts record, so a changed level shows as a changed prompt input.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

BASES = ("seed", "drafter")


@dataclass(frozen=True)
class Level:
    value: str
    meaning: str
    basis: str  # "seed": the seed's own reasoning, generalised; "drafter": provisional reading of an unused level


@dataclass(frozen=True)
class Dimension:
    """A named part of a scale with levels of its own (each evidence dimension, each barrier)."""

    name: str
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Item:
    """A named part of a scale that shares the scale's levels (each protective principle)."""

    name: str
    meaning: str


@dataclass(frozen=True)
class Scale:
    key: str
    name: str
    question: str
    range: str = ""
    levels: tuple[Level, ...] = ()
    items: tuple[Item, ...] = ()
    dimensions: tuple[Dimension, ...] = ()

    def level(self, value: str, dimension: str | None = None) -> Level | None:
        levels = next(d.levels for d in self.dimensions if d.name == dimension) if dimension else self.levels
        return next((lv for lv in levels if lv.value == value), None)


SCALES = ("task_score", "labels", "protective", "growth", "evidence", "barriers", "reinstatement")


@dataclass(frozen=True)
class Rubric:
    scales: tuple[Scale, ...]
    version: str
    derived_from: tuple[str, ...] = ()  # golden roles (O*NET codes) whose text the `seed` levels were written from

    def seed_levels(self) -> int:
        """How many levels are worded from the seed (``basis = "seed"``), the rest being drafter's."""
        levels = [lv for s in self.scales for lv in s.levels]
        levels += [lv for s in self.scales for d in s.dimensions for lv in d.levels]
        return sum(lv.basis == "seed" for lv in levels)

    def __getitem__(self, key: str) -> Scale:
        return next(s for s in self.scales if s.key == key)


class RubricError(ValueError):
    pass


def _levels(raw: list, where: str) -> tuple[Level, ...]:
    out = []
    for i, lv in enumerate(raw):
        if not isinstance(lv, dict) or not {"value", "meaning"} <= set(lv):
            raise RubricError(f"{where}.levels[{i}]: expected value and meaning")
        basis = lv.get("basis", "drafter")
        if basis not in BASES:
            raise RubricError(f"{where}.levels[{i}].basis: expected seed or drafter, got {basis!r}")
        out.append(Level(str(lv["value"]), str(lv["meaning"]), basis))
    return tuple(out)


def parse_rubric(data: dict) -> Rubric | None:
    """``None`` when the methodology has no rubric (a custom methodology file may leave it out)."""
    if not data:
        return None
    missing = [k for k in SCALES if k not in data]
    if missing:
        raise RubricError(f"rubric: missing scale(s) {', '.join(missing)}")
    scales = []
    for key in SCALES:
        raw, where = data[key], f"rubric.{key}"
        scales.append(
            Scale(
                key=key,
                name=raw.get("name", key),
                question=raw.get("question", ""),
                range=raw.get("range", ""),
                levels=_levels(raw.get("levels", []), where),
                items=tuple(Item(i["name"], i["meaning"]) for i in raw.get("items", [])),
                dimensions=tuple(
                    Dimension(d["name"], _levels(d.get("levels", []), f"{where}.dimensions[{n}]"))
                    for n, d in enumerate(raw.get("dimensions", []))
                ),
            )
        )
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
    derived = data.get("derived_from", [])
    if not isinstance(derived, list) or not all(isinstance(c, str) for c in derived):
        raise RubricError("rubric.derived_from: expected a list of O*NET codes")
    return Rubric(tuple(scales), f"rubric@{digest}", tuple(derived))
