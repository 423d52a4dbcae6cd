"""What ``drafter eval`` does, as one library call: run, judge by the gate against a baseline, store.

The gate file and the baseline are read before any drafting, so a bad path fails at once, not after an
hour of LLM calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..drafting.base import Drafter
from .gate import Violation, evaluate_gate, load_gate
from .report import save_run
from .runner import run_eval
from .runs import EvalRun, compare_runs, load_run


@dataclass(frozen=True)
class EvalOutcome:
    """A stored, gated eval run. ``gate`` is the record kept with the run (baseline name, violations)."""

    run: EvalRun
    gate: dict
    violations: list[Violation]
    baseline: EvalRun | None
    json_path: Path
    html_path: Path
    judged: int = 0  # roles with at least one judged draft

    @property
    def passed(self) -> bool:
        """A gate never passes on nothing: a run that judged no role fails, whatever its violations."""
        return not self.violations and self.judged > 0

    def changes(self) -> list[dict]:
        """Against the baseline: every mean, and each role's metrics that changed (none without a baseline)."""
        if self.baseline is None:
            return []
        return [r for r in compare_runs(self.baseline, self.run) if r["scope"] == "mean" or r["verdict"]]


def evaluate(
    drafter: Drafter | None = None,
    *,
    drafts: Path | None = None,
    samples: int = 1,
    all_files_as_samples: bool = False,
    gate: Path | None = None,
    baseline: Path | None = None,
    output: Path = Path("eval-runs"),
    on_role: Callable[[str, str], None] = lambda key, status: None,
) -> EvalOutcome:
    """Judge drafts made now by ``drafter`` (or found in ``drafts``) against the golden roles; the gate
    (default evals/gate.toml) compares with ``baseline`` (a stored run), else with perfect agreement; the run's
    JSON and HTML report are written to ``output``."""
    checks = load_gate(gate)
    base = load_run(baseline) if baseline else None
    run = run_eval(
        drafter=drafter, drafts_dir=drafts, samples=samples, all_files_as_samples=all_files_as_samples, on_role=on_role
    )
    violations = evaluate_gate(run, base, checks)
    judged = sum(1 for r in run.roles if r.samples and not r.error)
    described = [v.describe() for v in violations]
    if not judged:
        why = (run.failed or run.skipped or ["no golden roles"])[0]
        described.append(f"no role was judged, so nothing was gated (first: {why})")
    record = {"baseline": str(baseline) if baseline else "perfect agreement", "violations": described}
    json_path, html_path = save_run(run, output, record)
    return EvalOutcome(run, record, violations, base, json_path, html_path, judged)
