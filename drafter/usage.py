"""Tokens an LLM consumed and what they cost: the one type wherever drafter counts or prices tokens.

A leaf module (it imports nothing of drafter), so the LLM layer, the assessment model, batches and eval
runs all use it without depending on one another. Records written to files as flat JSON (a draft's
``StepRecord``, an eval run's usage) extend ``Usage``, so their files keep their shape; records that live
only in memory or in SQL hold one.

``cached_tokens`` is the part of ``prompt_tokens`` the server says its prompt cache served
(``usage.prompt_tokens_details.cached_tokens`` in an OpenAI-style response); providers bill it at a lower
rate, which ``Prices.cached_input`` states. drafter's own response cache is another thing: an answer from
it is no request and no usage at all.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Prices(BaseModel):
    """USD per million tokens for one model (``[prices."MODEL"]`` in endpoints.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)  # numbers, not strings that look like them

    input: float = Field(default=0.0, ge=0, description="Per million prompt tokens.")
    output: float = Field(default=0.0, ge=0, description="Per million completion tokens.")
    cached_input: float | None = Field(
        default=None,
        ge=0,
        description="Per million prompt tokens served from the prompt cache; the input price if not set.",
    )


class Usage(BaseModel):
    """Tokens of one LLM call or of many (``a + b`` adds them), as the server reported them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt_tokens: int = Field(default=0, ge=0, description="Prompt tokens, the cached ones included.")
    cached_tokens: int = Field(
        default=0, ge=0, description="Of the prompt tokens, those the server's prompt cache served."
    )
    completion_tokens: int = Field(default=0, ge=0)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage.model_construct(  # sums of valid counts: nothing to validate (this runs on every response)
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )

    def cost(self, prices: Prices | None) -> float | None:
        """USD, to the millionth; None without prices (unknown, not free)."""
        if prices is None:
            return None
        cached_price = prices.input if prices.cached_input is None else prices.cached_input
        return round(
            (self.prompt_tokens - self.cached_tokens) / 1e6 * prices.input
            + self.cached_tokens / 1e6 * cached_price
            + self.completion_tokens / 1e6 * prices.output,
            6,
        )
