"""Where every field of an assessment came from: a model (endpoint, model, prompt version), the consensus of
several samples, the offline default's prior, O*NET, the assessor's notes, the assessor, or nobody yet.

Most of it follows from what a draft already records — who drafted it (``provenance.drafted_by``), the
prompt version of each step (``provenance.steps``), each evidence item's ``source`` — so only the exceptions
are stored, in ``provenance.fields`` (a consensus draft records there which sample each text came from).
``field_sources`` combines the two into one source per field; an assessor's changes are added by
``drafter.review.diff.final_sources`` from the diff against the draft.
"""

from __future__ import annotations

from ..assessment import AWAITING_INPUT, Assessment, EvidenceSource, FieldSource, SourceKind
from .fields import flatten, step_of

OFFLINE_AWAITING_PREFIX = "Awaiting assessor input"


def _awaiting(value) -> bool:
    return value is None or (
        isinstance(value, str) and value.strip().startswith((OFFLINE_AWAITING_PREFIX, AWAITING_INPUT))
    )


def model_source(a: Assessment, step: str | None) -> FieldSource:
    """The source of a field written by ``step`` of an LLM draft."""
    inputs = a.provenance.inputs
    version = next((s.prompt_version for s in a.provenance.steps if s.step == step), None)
    return FieldSource(
        kind=SourceKind.MODEL,
        endpoint=inputs.get("endpoint"),
        model=inputs.get("model") or a.provenance.drafted_by.removeprefix("llm:"),
        prompt_version=version,
    )


def _default(a: Assessment, path: str, value) -> FieldSource:
    p = a.provenance
    who = p.drafted_by
    if who == "human":
        return FieldSource(kind=SourceKind.ASSESSOR, detail=p.inputs.get("document"))
    if path.endswith((".score", ".check")) and value is None:
        return FieldSource(kind=SourceKind.AWAITING)
    if path in ("role.job_title", "role.soc_code"):
        return FieldSource(kind=SourceKind.ONET, detail=p.inputs.get("onet_source"))
    if who.startswith("offline:"):
        borrowed = _borrowed_from(a, path)
        if borrowed:
            return FieldSource(kind=SourceKind.OFFLINE, prior=who, detail=f"borrowed from {', '.join(borrowed)}")
        if _awaiting(value):
            return FieldSource(kind=SourceKind.AWAITING)
        if path == "role.primary_function" or path.endswith((".task", ".onet_task_ids")):
            return FieldSource(kind=SourceKind.ONET, detail=p.inputs.get("onet_source"))
        if path.endswith(".time_pct"):
            return FieldSource(kind=SourceKind.OFFLINE, prior=who, detail=f"time share: {p.inputs.get('prior_rule')}")
        detail = None
        if path.startswith("tasks["):
            detail = "; ".join(x for x in (p.inputs.get("labels"), p.inputs.get("task_model")) if x) or None
        return FieldSource(kind=SourceKind.OFFLINE, prior=who, detail=detail)
    return model_source(a, step_of(path))


def _borrowed_from(a: Assessment, path: str) -> list[str]:
    """The scored roles an input was borrowed from (the offline default's priors), for its score and its text."""
    priors = a.provenance.priors
    if not priors:
        return []
    key = "growth" if path.startswith("growth.") else ".".join(path.split(".")[:2])
    return priors.get(key, [])


def _evidence_source(a: Assessment, path: str) -> FieldSource | None:
    """An evidence item's own ``source`` says whether its text and score came from the notes or the assessor."""
    if not path.startswith("evidence.") or path.endswith(".source"):
        return None
    item = getattr(a.evidence, path.split(".")[1])
    if item.source is EvidenceSource.NOTES:
        return FieldSource(kind=SourceKind.NOTES, detail=a.provenance.inputs.get("notes"))
    if item.source is EvidenceSource.ASSESSOR:
        return FieldSource(kind=SourceKind.ASSESSOR)
    return None


def field_sources(a: Assessment) -> dict[str, FieldSource]:
    """One source per field of ``flatten(a)``: recorded exceptions first, then the evidence item's own
    source, then what ``drafted_by`` and the step records imply."""
    out = {}
    for path, value in flatten(a).items():
        recorded = a.provenance.fields.get(path)
        if recorded is not None:
            out[path] = recorded
            continue
        out[path] = _evidence_source(a, path) or _default(a, path, value)
    return out


def count_by_kind(sources: dict[str, FieldSource]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in sources.values():
        counts[s.kind.value] = counts.get(s.kind.value, 0) + 1
    return dict(sorted(counts.items()))
