"""The AIJRI methodology as data: constants and rules loaded from a versioned TOML file, no I/O elsewhere.

Numbers are kept as strings in the file and read as ``Decimal`` so that the scorer's arithmetic is exact
and reproduces the seed's printed figures digit for digit.
"""

from __future__ import annotations

import operator
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import DrafterError
from .rubric import Rubric, RubricError, parse_rubric

DEFAULT_METHODOLOGY = "aijri-v1"

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}


@dataclass(frozen=True)
class Criterion:
    metric: str
    op: str
    value: Decimal
    name: str = ""

    def holds(self, metrics: dict[str, Decimal]) -> bool:
        return _OPS[self.op](metrics[self.metric], self.value)


@dataclass(frozen=True)
class Rule:
    result: str
    criteria: tuple[Criterion, ...]
    zone: str | None = None


@dataclass(frozen=True)
class Methodology:
    id: str
    ceiling: Decimal
    score_min: int
    score_max: int
    high_score_threshold: int
    evidence_per_point: Decimal
    barrier_per_point: Decimal
    growth_per_point: Decimal
    offset: Decimal
    scale: Decimal
    score_floor: Decimal
    score_cap: Decimal
    places: dict[str, int]
    green_min: Decimal
    yellow_min: Decimal
    pending_value: int
    sub_labels: tuple[Rule, ...]
    quick_screen: tuple[Rule, ...]
    quick_screen_default: str
    labels_by_score: dict[int, tuple[str, ...]] = field(default_factory=dict)
    rubric: Rubric | None = None  # what each level of each scale means (the drafting prompts state it)


class MethodologyError(DrafterError):
    """A methodology that cannot be found or read: a user's bad input (exit 2), never a traceback."""


def _criteria(raw: list[dict], where: str) -> tuple[Criterion, ...]:
    out = []
    for i, c in enumerate(raw):
        if c.get("op") not in _OPS:
            raise MethodologyError(f"{where}.criteria[{i}].op: expected one of {', '.join(_OPS)}, got {c.get('op')!r}")
        out.append(Criterion(c["metric"], c["op"], Decimal(str(c["value"])), c.get("name", "")))
    return tuple(out)


def parse_methodology(data: dict) -> Methodology:
    try:
        tr, mod, comp, rnd, zones = (
            data[k] for k in ("task_resistance", "modifiers", "composite", "rounding", "zones")
        )
        subs = tuple(
            Rule(r["label"], _criteria(r["criteria"], f"sub_labels[{i}]"), r["zone"])
            for i, r in enumerate(data.get("sub_labels", []))
        )
        screens = tuple(
            Rule(r["result"], _criteria(r["criteria"], f"quick_screen[{i}]"))
            for i, r in enumerate(data.get("quick_screen", []))
        )
        labels = {int(k): tuple(v) for k, v in data.get("labels_by_score", {}).items() if k.isdigit()}
        return Methodology(
            id=data["id"],
            ceiling=Decimal(tr["ceiling"]),
            score_min=int(tr["score_min"]),
            score_max=int(tr["score_max"]),
            high_score_threshold=int(tr["high_score_threshold"]),
            evidence_per_point=Decimal(mod["evidence_per_point"]),
            barrier_per_point=Decimal(mod["barrier_per_point"]),
            growth_per_point=Decimal(mod["growth_per_point"]),
            offset=Decimal(comp["offset"]),
            scale=Decimal(comp["scale"]),
            score_floor=Decimal(comp.get("bounds", {}).get("min", "0")),
            score_cap=Decimal(comp.get("bounds", {}).get("max", "100")),
            places={k: int(v) for k, v in rnd.items()},
            green_min=Decimal(zones["green_min"]),
            yellow_min=Decimal(zones["yellow_min"]),
            pending_value=int(data.get("pending", {}).get("value", 0)),
            sub_labels=subs,
            quick_screen=screens,
            quick_screen_default=data.get("quick_screen_default", {}).get("result", "Full assessment needed"),
            labels_by_score=labels,
            rubric=parse_rubric(data.get("rubric", {})),
        )
    except KeyError as e:
        raise MethodologyError(f"methodology: missing key {e.args[0]!r}") from None
    except RubricError as e:
        raise MethodologyError(f"methodology: {e}") from None


def load_methodology(name_or_path: str = DEFAULT_METHODOLOGY) -> Methodology:
    """Load a bundled methodology by id (``aijri-v1``) or any TOML file by path: one object per name however it
    is asked for (``load_methodology()`` and ``load_methodology("aijri-v1")`` are the same object), so what is
    remembered per methodology (the zone-flip sensitivity of a draft) is found by every caller."""
    return _load(str(name_or_path))


@cache
def _load(name_or_path: str) -> Methodology:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is no part of the TOML
    else:
        res = resources.files(__package__) / f"{name_or_path}.toml"
        if not res.is_file():
            raise MethodologyError(f"unknown methodology {name_or_path!r}; bundled: {DEFAULT_METHODOLOGY}")
        text = res.read_text(encoding="utf-8")
    try:
        return parse_methodology(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        raise MethodologyError(f"{name_or_path}: {e}") from None
