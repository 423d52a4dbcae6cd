"""The context window: what a request costs in tokens, and what to send so that it fits (pure, no I/O).

A server holds a request's prompt and its answer in one context window. Past it, llama.cpp and vLLM answer
HTTP 400 and Ollama silently cuts the prompt's start (the system prompt and rubric go first). So before each
request, the first and every re-ask (whose conversation grows by each failed answer and its error), drafter
checks that the estimated prompt, the response schema and ``max_tokens`` fit the window, and when they do not:

1. lowers ``max_tokens``, down to the step's floor (the least an honest answer of its rows needs);
2. sends a shorter prompt, the caller's shorter versions in the order it gives them (drafting/trim.py: the
   calibration rows beyond the closest, then the worked example, then long descriptions and facts, then the
   rubric's long level texts as one-line summaries); a re-ask first drops its earlier failed answers, keeping
   the last one and its error;
3. else refuses, naming the step, the estimate and the window (``ContextOverflow``).

The estimate is characters over ``CHARS_PER_TOKEN``, not the server's tokenizer: one rule for every server,
no extra round trip per request (llama.cpp's ``/tokenize`` exists, vLLM's and OpenAI's do not), and an
over-estimate for the tokenizers drafter has met. Once the server has answered a request of the client, the
ratio it showed (characters per reported prompt token) is used instead, less ``MARGIN`` (``learn_ratio``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

CHARS_PER_TOKEN = 3.5
"""Characters per token before the server has told its own count. English prose is ~4 characters a token for
OpenAI's tokenizers and ~5 for SmolLM2's on drafter's prompts (issue 23: an 11,408-character system prompt was
~2,100 tokens); tables, IDs and JSON split finer. 3.5 over-estimates all of these: a prompt trimmed that did
not need to be costs a little calibration, one sent past the window costs the step."""
MARGIN = 0.9
"""The learned ratio is used at 90%: prompts of one draft differ in how densely they tokenize."""
MESSAGE_TOKENS = 8
"""Tokens a chat template adds per message (role markers, separators): generous for the templates seen."""
DEFAULT_FLOOR = 1024
"""The least ``max_tokens`` worth sending when a step names no floor of its own."""

Messages = list[dict[str, Any]]
Shorter = Callable[[], Iterable[tuple[str, Messages]]]
"""The caller's shorter prompts, most complete first, each with what it leaves out (cumulative)."""


class ContextOverflow(Exception):
    """A request that cannot fit the window even at its floor and with its shortest prompt."""

    def __init__(self, estimate: int, window: int, floor: int):
        prompt = estimate - floor
        super().__init__(f"estimated ~{prompt:,} prompt tokens with the schema, plus at least {floor:,} to answer")
        self.estimate, self.window, self.floor = estimate, window, floor


@dataclass(frozen=True)
class Budget:
    """One call's window, as the transport checks each of its requests against it."""

    window: int
    floor: int
    ratio: float = CHARS_PER_TOKEN

    def at(self, ratio: float) -> Budget:
        return Budget(self.window, self.floor, ratio)


class TokenRatio:
    """Characters per token for one client's estimates: ``CHARS_PER_TOKEN`` until the server has reported the
    prompt tokens of a request, then what the last such report showed (``learn_ratio``). A float assignment:
    safe to share between the threads of a round."""

    def __init__(self, value: float = CHARS_PER_TOKEN):
        self.value = value

    def learn(self, request_chars: int, reported_prompt_tokens: int | None) -> None:
        learnt = learn_ratio(request_chars, reported_prompt_tokens)
        if learnt is not None:
            self.value = learnt


@dataclass(frozen=True)
class Plan:
    """What to send: the messages, ``max_tokens``, and what was left out to make them fit (empty: nothing)."""

    messages: Messages
    max_tokens: int
    left_out: tuple[str, ...] = ()


def text_chars(messages: Iterable[dict[str, Any]]) -> int:
    """Characters of what a model reads of ``messages``: each one's text and tool calls."""
    n = 0
    for m in messages:
        content = m.get("content")
        n += len(content) if isinstance(content, str) else len(json.dumps(content)) if content else 0
        if m.get("tool_calls"):
            n += len(json.dumps(m["tool_calls"]))
    return n


def prompt_tokens(messages: list[dict[str, Any]], schema_chars: int, ratio: float = CHARS_PER_TOKEN) -> int:
    """Estimated prompt tokens of ``messages`` and a response schema of ``schema_chars`` characters."""
    return round((text_chars(messages) + schema_chars) / ratio) + MESSAGE_TOKENS * len(messages)


def schema_chars(body: dict[str, Any]) -> int:
    """Characters of the response schema a request carries (its tools, or its response_format)."""
    schema = body.get("tools") or body.get("response_format")
    return len(json.dumps(schema)) if schema else 0


def plan(messages: Messages, schema: int, max_tokens: int, budget: Budget, shorter: Shorter | None = None) -> Plan:
    """The first request of a call: ``messages`` as they are when they fit with ``max_tokens``, else with
    ``max_tokens`` lowered to what is left (not below the floor), else the first shorter prompt that fits at the
    floor or above; ``ContextOverflow`` when none does."""
    floor = min(budget.floor, max_tokens)
    estimate = 0
    for left_out, candidate in _candidates(messages, shorter):
        prompt = prompt_tokens(candidate, schema, budget.ratio)
        room = budget.window - prompt
        estimate = prompt + floor
        if room >= floor:
            return Plan(candidate, min(max_tokens, room), left_out)
    raise ContextOverflow(estimate, budget.window, floor)


def _candidates(messages: Messages, shorter: Shorter | None) -> Iterator[tuple[tuple[str, ...], Messages]]:
    yield (), messages
    if shorter is None:
        return
    said: list[str] = []
    for what, shortened in shorter():
        said.append(what)
        yield tuple(said), shortened


def refit(body: dict[str, Any], budget: Budget, prompt_len: int) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A request as the transport is about to send it (a re-ask, whose conversation has grown past the first
    ``prompt_len`` messages): unchanged when it fits; else without its earlier failed answers (the last one and
    what was wrong with it kept), then with ``max_tokens`` lowered down to the floor; ``ContextOverflow`` when
    it still does not fit. Returns the body to send and what was changed."""
    messages = list(body.get("messages") or [])
    schema = schema_chars(body)
    given = body.get("max_tokens")
    limit: int = given if isinstance(given, int) else budget.floor
    changed: list[str] = []
    groups = _reask_groups(messages[prompt_len:])
    while prompt_tokens(messages, schema, budget.ratio) + limit > budget.window and len(groups) > 1:
        groups.pop(0)
        messages = messages[:prompt_len] + [m for g in groups for m in g]
        if "earlier failed answers" not in changed:
            changed.append("earlier failed answers")
    prompt = prompt_tokens(messages, schema, budget.ratio)
    floor = min(budget.floor, limit)
    if prompt + limit > budget.window:
        if prompt + floor > budget.window:
            raise ContextOverflow(prompt + floor, budget.window, floor)
        limit = budget.window - prompt
        changed.append(f"max_tokens lowered to {limit:,}")
    if not changed:
        return body, ()
    return body | {"messages": messages, "max_tokens": limit}, tuple(changed)


def _reask_groups(extra: Messages) -> list[Messages]:
    """A re-ask's additions as groups that go together: an assistant answer and the messages after it (the
    tool results or the user's "that was invalid"), so that dropping a group leaves a valid conversation."""
    groups: list[Messages] = []
    for m in extra:
        if m.get("role") == "assistant" or not groups:
            groups.append([m])
        else:
            groups[-1].append(m)
    return groups


def learn_ratio(request_chars: int, reported_prompt_tokens: int | None) -> float | None:
    """Characters per token as a server's own count shows them, less the margin (None: nothing to learn)."""
    if not reported_prompt_tokens or reported_prompt_tokens <= 0 or request_chars <= 0:
        return None
    return max(1.0, request_chars / reported_prompt_tokens * MARGIN)


def output_floor(max_tokens: int | None) -> int:
    """The floor of a step that names none: ``DEFAULT_FLOOR``, or its whole ``max_tokens`` if smaller."""
    return DEFAULT_FLOOR if max_tokens is None else min(DEFAULT_FLOOR, max_tokens)
