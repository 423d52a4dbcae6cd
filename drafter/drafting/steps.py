"""The LLM pipeline's steps in order, apart from the pipeline: views of the run log sort by them without
importing the pipeline (its prompts, validators and client take ~0.5 s to import)."""

from __future__ import annotations

STEPS = ("decompose", "score_rows", "role_sections", "commentary")


def step_order(step: str | None) -> int:
    """Where a logged step falls in the pipeline; an unknown step after the rest. The rows are scored while the
    role sections are drafted, so either may be logged first: views sort by this instead."""
    return STEPS.index(step) if step in STEPS else len(STEPS)
