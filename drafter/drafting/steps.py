"""The LLM pipeline's steps in order, apart from the pipeline: views of the run log sort by them without
importing the pipeline (its prompts, validators and client take ~0.5 s to import)."""

from __future__ import annotations

STEPS = ("decompose", "score_rows", "role_sections", "commentary")


def step_order(step: str | None) -> int:
    """Where a logged step falls in the pipeline; an unknown step after the rest. The steps run in this order, one
    round each (a long task list's rows scored by several calls at once, which finish in any order; the role
    sections after the rows are scored; the commentary after the scorer): views sort by this, not by when a call
    was logged."""
    return STEPS.index(step) if step in STEPS else len(STEPS)
