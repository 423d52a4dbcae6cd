"""The bounds a grammar-constrained server can enforce, put into the JSON Schema it sees (issue 23).

llama.cpp (a forced tool becomes a grammar), vLLM's guided decoding and OpenAI's strict structured outputs
constrain what a model can emit to the request's JSON Schema, but only to what the schema says: an integer
``minimum``/``maximum`` is not enforced by llama.cpp's grammar (it emitted an evidence score of 10289673456789),
and a schema built from the class alone cannot name the task IDs one role has. So the schema a step sends
carries, besides pydantic's own:

- every small bounded integer (a score of 1–5, an evidence level of −2..2, a principle's 0–3) as an ``enum`` of
  its allowed values;
- the step's facts (drafting/facts.py): decompose's task IDs as an ``enum`` (a row's IDs also ``uniqueItems``),
  score_rows' row names as an ``enum`` and its list of scores as long as the rows (``minItems`` = ``maxItems``):
  against llama-cpp-python a 135M model answered ``{"scores": []}`` within the grammar of the bare schema.

Unique row names across a list of objects is not expressible in JSON Schema (``uniqueItems`` compares whole
items), so that rule stays with the validators, which keep checking everything the schema says too: the schema
only stops a constrained server from producing what they would refuse.

It also sizes a step's ``max_tokens`` from its expected output (``output_allowance``), so a runaway answer stops
near the length an honest one needs instead of at 4,096 tokens.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel

from .facts import DecomposeFacts, RowFacts, StepFacts

M = TypeVar("M", bound=BaseModel)

SMALL_RANGE = 20
"""An integer field with at most this many allowed values is sent as an enum of them (time_pct's 1–100 is not)."""

# max_tokens per step: a fixed allowance plus one per row (tokens; a row's JSON, a sentence or two of rationale)
BASE_TOKENS = 512
TOKENS_PER_TASK_ID = 80  # decompose: an activity row per few task IDs, each ID also listed
TOKENS_PER_ROW = 160  # score_rows: a score, a label and a rationale per row
FIXED_TOKENS = {"RoleSections": 3072, "Commentary": 1536}


def shaped(model: type[BaseModel], facts: StepFacts | None) -> tuple[type[BaseModel], int | None]:
    """What a step's call sends for ``model`` under ``facts``: the constrained response model and its max_tokens
    allowance. Every path that builds a step's request (the drivers, the Batch API capture) uses this, so the
    same step makes the same request, and a collected Batch API answer is found as the live call's cached one."""
    return constrained(model, facts), output_allowance(model, facts)


def output_allowance(model: type[BaseModel], facts: StepFacts | None) -> int | None:
    """The ``max_tokens`` a step's answer gets: rows × a per-row allowance plus a base (documented in
    docs/local-models.md); None when the step has no such figure (the endpoint's max_tokens then applies)."""
    if isinstance(facts, DecomposeFacts):
        return BASE_TOKENS + TOKENS_PER_TASK_ID * len(facts.known_ids)
    if isinstance(facts, RowFacts):
        return BASE_TOKENS + TOKENS_PER_ROW * len(facts.row_names)
    return FIXED_TOKENS.get(model.__name__)


def output_floor(allowance: int | None) -> int | None:
    """The least ``max_tokens`` a step is sent with when the context window is short (llm/window.py): half its
    allowance. The allowances hold about twice what an honest answer of their rows needs (a runaway stops near
    it), so half still holds one; below it, sending the request would only buy a cut-off answer."""
    return None if allowance is None else max(256, allowance // 2)


def facts_constraints(facts: StepFacts | None) -> dict[str, dict[str, Any]]:
    """``{"Model.field": schema to merge}`` from a step's facts (for a list field: merged into its items;
    ``"Model.field[]"``: into the list itself)."""
    if isinstance(facts, DecomposeFacts):
        ids = sorted(set(facts.known_ids))
        return {"ActivityRow.onet_task_ids": {"enum": ids}, "ExcludedTask.onet_task_id": {"enum": ids}}
    if isinstance(facts, RowFacts):
        names = list(dict.fromkeys(facts.row_names))
        return {
            "RowScore.task": {"enum": names},
            "RowScores.scores[]": {"minItems": len(names), "maxItems": len(names)},
        }
    return {}


def constrained(model: type[M], facts: StepFacts | None) -> type[M]:
    """``model`` whose JSON Schema carries the facts' enums: a subclass of the same name (the tool the server
    sees is named after it), same validators; ``model`` itself when the facts add nothing."""
    extra = facts_constraints(facts)
    if not extra:
        return model
    return _subclass(model, json.dumps(extra, sort_keys=True))


@lru_cache(maxsize=256)
def _subclass(model: type[M], extra_json: str) -> type[M]:
    sub = type(model.__name__, (model,), {"__module__": model.__module__, "__doc__": model.__doc__})
    sub.__qualname__ = model.__qualname__
    sub.schema_constraints = json.loads(extra_json)  # type: ignore[attr-defined]
    return sub


def tighten(schema: dict[str, Any], extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``schema`` (pydantic's, with ``$defs``) with small integer ranges as enums and ``extra`` merged in."""
    models = {name: d for name, d in schema.get("$defs", {}).items()} | {schema.get("title", ""): schema}
    for name, d in models.items():
        for field, prop in (d.get("properties") or {}).items():
            _enum_of_range(prop)
            _enum_of_range(prop.get("items") or {})
            prop.update(extra.get(f"{name}.{field}[]") or {})
            if (patch := extra.get(f"{name}.{field}")) is not None:
                if prop.get("type") == "array":
                    prop["items"] = {**(prop.get("items") or {}), **patch}
                    prop["uniqueItems"] = True
                else:
                    prop.update(patch)
    return schema


def _enum_of_range(prop: dict[str, Any]) -> None:
    lo, hi = prop.get("minimum"), prop.get("maximum")
    if prop.get("type") == "integer" and isinstance(lo, int) and isinstance(hi, int) and hi - lo < SMALL_RANGE:
        prop["enum"] = list(range(lo, hi + 1))
