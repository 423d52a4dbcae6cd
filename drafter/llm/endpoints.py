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

from ..errors import DrafterError
from ..paths import data_home
from ..usage import Prices

# instructor mode per endpoint kind (docs/drafting.md, "Configuring an endpoint")
DEFAULT_MODE = {
    "openai": "tools",
    "azure": "tools",
    "vllm": "json_schema",
    "ollama": "json_schema",
    "llamacpp": "json_schema",
    "llama-cpp-python": "json",
    "other": "tools",
}
MODES = ("tools", "json_schema", "json")
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

    @property
    def instructor_mode(self) -> str:
        return self.mode or DEFAULT_MODE.get(self.kind, "tools")

    @property
    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env)

    def describe(self) -> str:
        return (
            f"{self.name} ({self.kind}, model {self.model}, {public_url(self.base_url)}, mode {self.instructor_mode})"
        )


def public_url(url: str | None) -> str:
    """The base URL as it may be shown and stored: without credentials in the userinfo or the query string."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url or "https://api.openai.com/v1")
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


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
    if ep.timeout <= 0 or ep.max_tokens <= 0 or ep.http_retries < 0 or ep.validation_retries < 0:
        raise DrafterError(f"{where}: timeout and max_tokens must be positive, retries non-negative")
    for key in ("rpm", "tpm"):
        value = getattr(ep, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
            raise DrafterError(f"{where}.{key}: expected a positive number per minute, got {value!r}")


def resolve_endpoint(
    *,
    endpoint: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    api_key_env: str | None = None,
    mode: str | None = None,
    timeout: float | None = None,
    max_tokens: int | None = None,
    config: Path | None = None,
) -> Endpoint | None:
    """The endpoint to use, or None when no LLM is configured (the offline default then applies)."""
    named, prices = load_config(config)
    if endpoint is not None:
        if endpoint not in named:
            have = ", ".join(named) or f"none (no {config or config_path()})"
            raise DrafterError(f"--endpoint {endpoint!r}: no such endpoint; configured: {have}")
        ep = named[endpoint]
    else:
        env_url = os.environ.get("OPENAI_BASE_URL")
        key_env = api_key_env or "OPENAI_API_KEY"
        if not any((base_url, model, env_url, os.environ.get(key_env))):
            return None
        ep = Endpoint(base_url=env_url)
    overrides: dict[str, Any] = {
        k: v
        for k, v in dict(
            base_url=base_url, model=model, api_key_env=api_key_env, mode=mode, timeout=timeout, max_tokens=max_tokens
        ).items()  # fmt: skip
        if v is not None
    }
    ep = replace(ep, **overrides)
    if not ep.prices and ep.model in prices:
        ep = replace(ep, prices=prices[ep.model])
    _check(ep, "--mode" if mode else ep.name)
    return ep
