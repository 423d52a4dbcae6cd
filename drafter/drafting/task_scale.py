"""The offline drafter's 1-5 task scale: exposure class + model probabilities + leading verb -> score and label.

The rules are data (``task_scale.toml``, which explains each threshold); this module only reads and applies
them. Pure: no I/O after the file is read once.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ..assessment import TaskLabel
from ..onet.catalog import stem, stems

SCALE_FILE = "task_scale.toml"
LABEL_FOR_SCORE = {
    1: TaskLabel.NOT_INVOLVED,
    2: TaskLabel.AUGMENTATION,
    3: TaskLabel.AUGMENTATION,
    4: TaskLabel.DISPLACEMENT,
    5: TaskLabel.DISPLACEMENT,
}
MEANING = {
    1: "physical or in-person work with no AI execution",
    2: "AI assists at most",
    3: "a human leads, AI does substantial parts",
    4: "an agent with tools does most of it, a human checks",
    5: "verifiable and fully agent-executable",
}


@dataclass(frozen=True)
class Rule:
    score: int
    min_p_e0: float | None = None
    min_p_exposed: float | None = None
    max_p_exposed: float | None = None
    leading_verbs: frozenset[str] | None = None

    def holds(self, p: dict[str, float], verb: str) -> bool:
        exposed = p["E1"] + p["E2"]
        return (
            (self.min_p_e0 is None or p["E0"] >= self.min_p_e0)
            and (self.min_p_exposed is None or exposed >= self.min_p_exposed)
            and (self.max_p_exposed is None or exposed < self.max_p_exposed)
            and (self.leading_verbs is None or verb in self.leading_verbs)
        )

    def why(self, p: dict[str, float], verb: str) -> str:
        parts = []
        if self.min_p_e0 is not None:
            parts.append(f"P(E0) {p['E0']:.2f} >= {self.min_p_e0}")
        if self.min_p_exposed is not None:
            parts.append(f"P(exposed) {p['E1'] + p['E2']:.2f} >= {self.min_p_exposed}")
        if self.max_p_exposed is not None:
            parts.append(f"P(exposed) {p['E1'] + p['E2']:.2f} < {self.max_p_exposed}")
        if self.leading_verbs is not None:
            parts.append(f"leading verb '{verb}'")
        return " and ".join(parts)


@dataclass(frozen=True)
class Scale:
    id: str
    not_exposed: tuple[int, tuple[Rule, ...]]
    exposed: tuple[int, tuple[Rule, ...]]

    def place(self, exposed: bool, p: dict[str, float], statement: str) -> tuple[int, TaskLabel, str]:
        """Score, label and the reason, for a task on the given side of 3."""
        words = stems(statement)
        verb = words[0] if words else ""
        shown = next(iter(re.findall(r"[A-Za-z0-9]+", statement)), "").lower()  # the word as written, not its stem
        default, rules = self.exposed if exposed else self.not_exposed
        for rule in rules:
            if rule.holds(p, verb):
                return rule.score, LABEL_FOR_SCORE[rule.score], f"{MEANING[rule.score]} ({rule.why(p, shown)})"
        return default, LABEL_FOR_SCORE[default], MEANING[default]


@cache
def load_scale() -> Scale:
    raw = tomllib.loads((resources.files(__package__) / SCALE_FILE).read_text(encoding="utf-8"))

    def side(name: str, allowed: set[int]) -> tuple[int, tuple[Rule, ...]]:
        rules = []
        for r in raw[name].get("rule", []):
            verbs = r.get("leading_verbs")
            rule = Rule(int(r["score"]), r.get("min_p_e0"), r.get("min_p_exposed"), r.get("max_p_exposed"),
                        None if verbs is None else frozenset(stem(v) for v in verbs))  # fmt: skip
            if rule.score not in allowed:
                raise ValueError(f"{SCALE_FILE}: {name}.rule score {rule.score} is not one of {sorted(allowed)}")
            rules.append(rule)
        return int(raw[name]["default"]), tuple(rules)

    return Scale(raw["id"], side("not_exposed", {1, 2}), side("exposed", {3, 4, 5}))
