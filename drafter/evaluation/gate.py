"""The regression gate: which metrics may get how much worse than a baseline run (or than perfect)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import DrafterError
from ..files import too_deep
from ..resources import shipped_dir
from .runs import EvalRun

PERFECT = {"lower": 0.0, "higher": 1.0}


@dataclass(frozen=True)
class Check:
    metric: str
    scope: str
    better: str
    worse_by: float


@dataclass(frozen=True)
class Violation:
    metric: str
    scope: str
    role: str | None
    value: float
    baseline: float
    allowed: float

    def describe(self) -> str:
        where = f"{self.role}: " if self.role else "mean over roles: "
        return (
            f"{where}{self.metric} {self.value:g} vs baseline {self.baseline:g} "
            f"(may be at most {self.allowed:g} {'higher' if self.baseline <= self.value else 'lower'})"
        )


def _gate_file() -> Path:
    """evals/gate.toml in a checkout; drafter/_bundled/gate.toml in an installed wheel."""
    return shipped_dir("gate", "evals") / "gate.toml"


def load_gate(path: Path | None = None) -> list[Check]:
    path = Path(path) if path else _gate_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise DrafterError(f"{path}: no gate file") from None
    except tomllib.TOMLDecodeError as e:
        raise DrafterError(f"{path}: invalid TOML: {e}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays, as json does
        raise DrafterError(too_deep(str(path), "TOML")) from None
    checks = []
    for i, c in enumerate(data.get("check", [])):
        where = f"{path}: check[{i}]"
        if c.get("scope") not in ("mean", "golden", "role"):
            raise DrafterError(f"{where}.scope: expected mean, golden or role, got {c.get('scope')!r}")
        if c.get("better") not in PERFECT:
            raise DrafterError(f"{where}.better: expected lower or higher, got {c.get('better')!r}")
        if not isinstance(c.get("worse_by"), int | float) or c["worse_by"] < 0:
            raise DrafterError(f"{where}.worse_by: expected a non-negative number, got {c.get('worse_by')!r}")
        checks.append(Check(c["metric"], c["scope"], c["better"], float(c["worse_by"])))
    return checks


def _worse(check: Check, value: float, baseline: float) -> bool:
    delta = value - baseline if check.better == "lower" else baseline - value
    return delta > check.worse_by + 1e-9


def _mean(run: EvalRun, metric: str) -> float | None:
    found = run.aggregates.get(metric)
    return found.mean if found else None


def evaluate_gate(run: EvalRun, baseline: EvalRun | None, checks: list[Check]) -> list[Violation]:
    """Where ``run`` is worse than ``baseline`` (a stored run, or perfect agreement) by more than allowed."""
    violations = []
    base_roles = {r.key: r for r in baseline.roles} if baseline else {}
    for c in checks:
        if c.scope == "mean":
            value = _mean(run, c.metric)
            base = _mean(baseline, c.metric) if baseline else PERFECT[c.better]
            if value is not None and base is not None and _worse(c, value, base):
                violations.append(Violation(c.metric, c.scope, None, value, base, c.worse_by))
            continue
        for role in run.roles:
            if c.scope == "golden" and role.kind != "golden":
                continue
            value = role.metrics.get(c.metric)
            if baseline:
                other = base_roles.get(role.key)
                base = other.metrics.get(c.metric) if other else None
            else:
                base = PERFECT[c.better]
            if value is not None and base is not None and _worse(c, value, base):
                violations.append(Violation(c.metric, c.scope, role.key, value, base, c.worse_by))
    return violations
