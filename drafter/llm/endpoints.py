"""Named LLM endpoints: any OpenAI-compatible server, with the instructor mode that suits its kind.

Resolution order for each setting: command-line flag, then the named endpoint in the config file
(``$DRAFTER_HOME/endpoints.toml`` or ``--config``), then the environment (OPENAI_BASE_URL, the API key
variable), then the defaults below. The API key itself is never stored: only the *name* of the environment
variable that holds it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..bounds import SETTINGS
from ..errors import DrafterError
from ..paths import data_home
from ..redact import public_url, remember, url_problem

__all__ = ["Endpoint", "load_config", "price_lookup", "public_url", "resolve_endpoint"]
from ..usage import Prices

# instructor mode per endpoint kind (docs/drafting.md, "Configuring an endpoint")
DEFAULT_MODE = {
    "openai": "tools",
    "azure": "tools",
    "vllm": "json_schema",
    "ollama": "json_schema",
    "llamacpp": "tools",  # the server turns the forced tool's schema into a grammar (docs/local-models.md)
    "llama-cpp-python": "tools",  # it refuses response_format json_schema; json is an unconstrained grammar
    "other": "tools",
}
MODES = ("tools", "json_schema", "json", "auto")  # auto: probed once and remembered (llm/probe.py)
LOCAL_KINDS = frozenset({"llamacpp", "llama-cpp-python", "ollama"})
"""Servers that usually answer one request at a time (one slot): requests sent together wait in their queue and
spend their timeout there, so their ``concurrency`` defaults to 1 (docs/local-models.md)."""
LOCAL_TIMEOUT = 600.0
"""The per-request deadline (seconds) of a local kind unless one is configured: on a CPU server generation, not the
prompt, sets the time. Measured on 2 cores (llama-cpp-python, SmolLM2-135M, `make test-local`): role_sections'
5,501 prompt tokens and a 48-token answer took 30.6 s; 29-2072's decompose generated 1,180 tokens in 95 s (~15
tokens/s with the prompt), so its full allowance (1,872 tokens) needs ~2 minutes and the hosted default of 120 s
cut it off. A one-slot server keeps working on an abandoned request, so a timed-out call is not re-sent: a longer
deadline wastes less than a short one."""
DEFAULT_MODEL = "gpt-4.1-mini"


@dataclass(frozen=True)
class Endpoint:
    name: str = "default"
    kind: str = "openai"
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    api_key_env: str = "OPENAI_API_KEY"
    mode: str | None = None
    timeout: float = 120.0
    max_tokens: int = 4096
    temperature: float = 0.0
    http_retries: int = 4
    validation_retries: int = 2
    prices: Prices | None = None  # None: unknown, so costs are reported as n/a
    rpm: float | None = None  # the provider's requests-per-minute budget for this key (None: none known)
    tpm: float | None = None  # its tokens-per-minute budget (prompt + completion tokens)
    concurrency: int | None = None  # requests the server answers at once (None: by kind, see max_in_flight)
    context_window: int | None = None  # tokens of prompt + answer the server holds (None: read from it, or unknown)

    @property
    def alternate_roles(self) -> bool:
        """Whether requests merge consecutive messages of one role: the chat templates of models served locally
        (Gemma, Mistral) require strict alternation; OpenAI and Azure accept system, user, user as drafter sends it."""
        return self.kind not in ("openai", "azure")

    @property
    def max_in_flight(self) -> int | None:
        """Requests to send at once: the configured ``concurrency``, else 1 for a local kind (a one-slot server
        queues the rest), else None (no limit of the server's own known; a batch's --concurrency applies)."""
        if self.concurrency is not None:
            return self.concurrency
        return 1 if self.kind in LOCAL_KINDS else None

    @property
    def instructor_mode(self) -> str:
        return self.mode or DEFAULT_MODE.get(self.kind, "tools")

    @property
    def api_key(self) -> str | None:
        """The key, read from the environment when used (and remembered for redaction: drafter.redact)."""
        key = os.environ.get(self.api_key_env)
        remember(key)
        return key

    @property
    def secrets(self) -> tuple[str, ...]:
        """Everything about this endpoint no text may show: the key and the base URL's credentials."""
        from ..redact import split_url

        url = split_url(self.base_url).secrets if self.base_url and url_problem(self.base_url) is None else ()
        return tuple(s for s in (self.api_key, *url) if s)

    def describe(self) -> str:
        return (
            f"{self.name} ({self.kind}, model {self.model}, {public_url(self.base_url)}, mode {self.instructor_mode})"
        )


def config_path() -> Path:
    return data_home() / "endpoints.toml"


def _prices(table: object, where: str) -> Prices:
    try:
        if not isinstance(table, dict):
            raise TypeError
        return Prices.model_validate(table)
    except (TypeError, ValidationError):
        raise DrafterError(
            f"{where}: expected input = N, output = N and optionally cached_input = N (USD per million tokens)"
        ) from None


def load_config(path: Path | None = None) -> tuple[dict[str, Endpoint], dict[str, Prices]]:
    """Named endpoints and the price table (``[prices."MODEL"] input = …, output = …`` in USD per million
    tokens, and ``cached_input = …`` for prompt tokens the server's prompt cache serves)."""
    if path and not Path(path).exists():  # named on the command line: a typo must not go unnoticed
        raise DrafterError(f"{path}: no such endpoints file (--config)")
    path = Path(path) if path else config_path()
    if not path.exists():
        return {}, {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as e:
        raise DrafterError(f"{path}: invalid TOML: {e}") from None
    out = {}
    known = set(Endpoint.__dataclass_fields__) - {"name"}
    for name, section in data.get("endpoints", {}).items():
        if "api_key" in section:
            raise DrafterError(
                f"{path}: endpoints.{name}: put the key in an environment variable and name it in api_key_env"
            )
        unknown = set(section) - known
        if unknown:
            expected = ", ".join(sorted(known))
            raise DrafterError(
                f"{path}: endpoints.{name}: unknown setting(s) {', '.join(sorted(unknown))}; expected {expected}"
            )
        if "prices" in section:
            section = section | {"prices": _prices(section["prices"], f"{path}: endpoints.{name}.prices")}
        if section.get("kind") in LOCAL_KINDS and "timeout" not in section:
            section = section | {"timeout": LOCAL_TIMEOUT}
        ep = Endpoint(name=name, **section)
        _check(ep, f"{path}: endpoints.{name}")
        out[name] = ep
    prices = {model: _prices(table, f"{path}: prices.{model}") for model, table in data.get("prices", {}).items()}
    return out, prices


def price_lookup(path: Path | None = None):
    """``prices(endpoint, model)`` as drafting prices a call: the named endpoint's own prices, else the price
    table's row for the model, else None (unknown). For pricing the run log after the fact."""
    named, table = load_config(path)

    def prices(endpoint: str | None, model: str | None) -> Prices | None:
        ep = named.get(endpoint or "")
        if ep is not None and ep.prices is not None:
            return ep.prices
        return table.get(model or "")

    return prices


def _check(ep: Endpoint, where: str) -> None:
    if ep.kind not in DEFAULT_MODE:
        raise DrafterError(f"{where}.kind: expected one of {', '.join(DEFAULT_MODE)}, got {ep.kind!r}")
    if ep.mode is not None and ep.mode not in MODES:
        raise DrafterError(f"{where}.mode: expected one of {', '.join(MODES)}, got {ep.mode!r}")
    for key in (
        "timeout",
        "max_tokens",
        "temperature",
        "http_retries",
        "validation_retries",
        "rpm",
        "tpm",
        "concurrency",
        "context_window",
    ):
        value = getattr(ep, key)
        if value is not None and (problem := SETTINGS[key].problem(value)) is not None:
            raise DrafterError(f"{where}.{key}: {problem}")
    if ep.base_url is not None and (problem := url_problem(ep.base_url)) is not None:
        raise DrafterError(f"{where}.base_url: {problem}")
    remember(*ep.secrets)  # redacted from every text from now on


def resolve_endpoint(
    *,
    endpoint: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    api_key_env: str | None = None,
    mode: str | None = None,
    timeout: float | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    config: Path | None = None,
    context_window: int | None = None,
) -> Endpoint | None:
    """The endpoint to use, or None when no LLM is configured (the offline default then applies)."""
    named, prices = load_config(config)
    env_url = os.environ.get("OPENAI_BASE_URL") if endpoint is None else None
    if endpoint is not None:
        if endpoint not in named:
            have = ", ".join(named) or f"none (no {config or config_path()})"
            raise DrafterError(f"--endpoint {endpoint!r}: no such endpoint; configured: {have}")
        ep = named[endpoint]
    else:
        key_env = api_key_env or "OPENAI_API_KEY"
        if not any((base_url, model, env_url, os.environ.get(key_env))):
            return None
        ep = Endpoint(base_url=env_url)
    overrides: dict[str, Any] = {
        k: v
        for k, v in dict(
            base_url=base_url,
            model=model,
            api_key_env=api_key_env,
            mode=mode,
            timeout=timeout,
            max_tokens=max_tokens,
            temperature=temperature,
            context_window=context_window,
        ).items()  # fmt: skip
        if v is not None
    }
    for key, value in overrides.items():  # a flag's (or an API argument's) value is named as the flag
        problem = url_problem(value) if key == "base_url" else SETTINGS[key].problem(value) if key in SETTINGS else None
        if problem is not None:
            raise DrafterError(f"--{key.replace('_', '-')}: {problem}")
    if base_url is None and env_url and (problem := url_problem(env_url)) is not None:
        raise DrafterError(f"OPENAI_BASE_URL: {problem}")
    ep = replace(ep, **overrides)
    if not ep.prices and ep.model in prices:
        ep = replace(ep, prices=prices[ep.model])
    if mode is not None and mode not in MODES:
        raise DrafterError(f"--mode: expected one of {', '.join(MODES)}, got {mode!r}")
    _check(ep, ep.name)
    return ep
