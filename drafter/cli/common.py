"""What every command module shares: consoles, the one-line error exit, and the LLM endpoint options.

Light to import (typer and the standard library only): every command module imports it at start-up.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ..llm.endpoints import Endpoint


PIPE_WIDTH = 10_000
"""Output to a pipe or file is not wrapped (a script reads whole lines): rich's 80 columns apply to terminals
only, and $COLUMNS still wins when set."""


def console(stderr: bool = False) -> Console:
    """A rich console for stdout (or stderr) that never passes a control character through (``_safe_console``)
    nor turns a ``:name:`` in a title, a task or an assessor's name into an emoji (``emoji=False``: drafter's own
    messages use none, so text a user or a model wrote is printed as written)."""
    import os
    import sys

    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return _safe_console()(
        stderr=stderr, highlight=False, emoji=False, width=PIPE_WIDTH if piped else None, soft_wrap=piped
    )


@functools.cache
def _safe_console() -> type[Console]:
    """rich's Console, with every string it renders (printed text, table cells and titles, markup or not)
    cleaned of escape sequences and control characters first (drafter.safetext.clean): a title, an assessor's
    name or a model's error reaches the terminal as text, never as a command to it. Markup in user text is the
    display's to escape (safetext.shown); this is the net under every print."""
    from rich.console import Console

    from ..safetext import clean

    class SafeConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(clean(text), **kwargs)

    return SafeConsole


def fail(message: str, code: int = 2) -> NoReturn:
    """One red line per line of ``message`` on stderr, then exit ``code`` (2: bad input)."""
    from ..safetext import shown  # messages quote the user's text, which may look like markup ("[/]")

    err = console(stderr=True)
    for line in message.splitlines():
        err.print(f"[red]error:[/] {shown(line)}", soft_wrap=True)
    raise typer.Exit(code)


def checked(setting: str) -> Callable[..., Any]:
    """An option callback that refuses a value outside ``setting``'s range (drafter.bounds, shared with the
    endpoints file) or, for ``base_url``, a malformed URL: at parse time, one line, exit 2, before any work."""

    def check(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        if value is None or ctx.resilient_parsing:
            return value
        if setting == "base_url":
            from ..redact import url_problem

            problem = url_problem(value)
        else:
            from ..bounds import SETTINGS

            problem = SETTINGS[setting].problem(value)
        if problem is not None:
            fail(f"{param.opts[0]}: {problem}")
        return value

    return check


def write_outputs(
    files: list[tuple[Path, str]], force: bool, origin: str, inputs: list[Path] | tuple[Path, ...] = ()
) -> list[Path]:
    """Write a command's output files (its ``-o``/``--csv``/``--html``/``--requests-out``…) as one group through
    the protected writer (``files.write_owned_files``: an assessor's file or the command's own input is refused,
    ``--force`` keeps numbered backups, a full disk replaces nothing), then say what was kept and written."""
    from ..files import write_owned_files

    backups = write_owned_files(files, force, origin, inputs=inputs)
    err = console(stderr=True)
    for b in backups:
        err.print(f"kept the previous {str(b).rsplit('.~', 1)[0]} as {b}", markup=False, soft_wrap=True)
    for path, _ in files:
        err.print(f"wrote {path}", markup=False, soft_wrap=True)
    return backups


FileArg = Annotated[
    Path, typer.Argument(help="An assessment: JSON draft or house-format Markdown.", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
CalibrationOpt = Annotated[
    Path | None,
    typer.Option(
        help="A folder of your own scored assessments (house format or JSON, optionally a reference_points.json), "
        "beside the golden roles and reference points: the offline default borrows role-level priors from them, an "
        "LLM draft's prompts show the nearest as a calibration table and worked example (default "
        "$DRAFTER_CALIBRATION).",
    ),
]


def calibration_set(option: Path | None, err: Console):
    """The calibration set: the shipped golden roles and reference points, and the user's folder (if any)."""
    from ..calibration import CalibrationSet, calibration_dir

    cal = CalibrationSet.load(calibration_dir(option))
    for why in cal.skipped:
        err.print(f"calibration: skipped {why}", style="yellow", markup=False, soft_wrap=True)
    return cal


# --- the LLM endpoint options, written once ---------------------------------------------------------------

LLM_PANEL = "LLM endpoint"


@dataclass(frozen=True)
class EndpointOptions:
    """A command's LLM endpoint options as one value (see ``endpoint_options``)."""

    offline: bool = False
    endpoint: str | None = None
    base_url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    mode: str | None = None
    timeout: float | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    context_window: int | None = None
    reprobe: bool = False
    no_cache: bool = False
    config: Path | None = None

    @property
    def use_cache(self) -> bool:
        return not self.no_cache

    def resolve(self) -> Endpoint | None:
        """The endpoint these options name, or None for the offline default (``--offline``, or none configured)."""
        if self.offline:
            return None
        from ..api import endpoint

        ep = endpoint(
            self.endpoint, base_url=self.base_url, model=self.model, api_key_env=self.api_key_env, mode=self.mode,
            timeout=self.timeout, max_tokens=self.max_tokens, temperature=self.temperature, config=self.config,
            context_window=self.context_window,
        )  # fmt: skip
        if self.reprobe and ep is not None:  # what --mode auto remembered of it is asked again (llm/automode.py)
            from ..llm.memory import ModeMemory

            memory = ModeMemory()
            try:
                memory.forget(ep.base_url, ep.model)
            finally:
                memory.close()
        return ep


_TYPES: dict[str, Any] = {
    "offline": bool,
    "endpoint": str | None,
    "base_url": str | None,
    "model": str | None,
    "api_key_env": str | None,
    "mode": str | None,
    "timeout": float | None,
    "max_tokens": int | None,
    "temperature": float | None,
    "context_window": int | None,
    "reprobe": bool,
    "no_cache": bool,
    "config": Path | None,
}
_HELP = {
    "offline": ("--offline", "Use the offline default even if an LLM is configured."),
    "endpoint": (None, "A named endpoint from endpoints.toml."),
    "base_url": (None, "OpenAI-compatible base URL (default $OPENAI_BASE_URL)."),
    "model": (None, "Model name."),
    "api_key_env": (None, "Environment variable holding the API key (default OPENAI_API_KEY)."),
    "mode": (None, "instructor mode: tools, json_schema, json, or auto (asked of the server once, remembered)."),
    "timeout": (None, "Seconds for one request's whole answer (a deadline, however slowly it arrives)."),
    "max_tokens": (None, "Output token limit per call (at least 1)."),
    "temperature": (None, "Sampling temperature, 0 to 2 (0 = cached, repeatable)."),
    "context_window": (None, "Tokens of prompt + answer the server holds (default: read from a local server)."),
    "reprobe": ("--reprobe", "With --mode auto: forget the mode remembered for this endpoint and ask again."),
    "no_cache": ("--no-cache", "Always call the endpoint, even for a logged request."),
    "config": (None, "Endpoints file (default $DRAFTER_HOME/endpoints.toml)."),
}
_CHECKED = ("base_url", "timeout", "max_tokens", "temperature", "context_window")
ALL_ENDPOINT_OPTIONS = tuple(f.name for f in fields(EndpointOptions))

F = TypeVar("F", bound=Callable[..., Any])


def endpoint_options(*names: str) -> Callable[[F], F]:
    """Give a command the named LLM endpoint options (shown together under "LLM endpoint" in --help).

    The command declares one parameter ``llm: EndpointOptions = EndpointOptions()``; in its place typer sees
    the named options, and the command receives them back as that one value::

        @endpoint_options("offline", "endpoint", "base_url", "model", "api_key_env", "mode", "config")
        def draft(occupation: ..., llm: EndpointOptions = EndpointOptions()) -> None:
            ep = llm.resolve()
    """
    unknown = set(names) - set(ALL_ENDPOINT_OPTIONS)
    if unknown:
        raise ValueError(f"unknown endpoint option(s): {', '.join(sorted(unknown))}")
    chosen = [n for n in ALL_ENDPOINT_OPTIONS if n in names]  # always in the same order

    def decorate(command: F) -> F:
        signature = inspect.signature(command, eval_str=True)
        params: list[inspect.Parameter] = []
        for p in signature.parameters.values():
            if p.name != "llm":
                params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY))
                continue
            for n in chosen:
                flag, help_ = _HELP[n]
                check = checked(n) if n in _CHECKED else None
                option = typer.Option(*([flag] if flag else []), help=help_, rich_help_panel=LLM_PANEL, callback=check)
                default = getattr(EndpointOptions(), n)
                params.append(
                    inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[_TYPES[n], option])
                )  # fmt: skip
        if len(params) == len(signature.parameters):
            raise TypeError(f"{command.__name__}: no `llm: EndpointOptions` parameter to replace")

        @functools.wraps(command)
        def with_options(**kwargs: Any) -> Any:
            given = {n: kwargs.pop(n) for n in chosen}
            return command(**kwargs, llm=replace(EndpointOptions(), **given))

        new = signature.replace(parameters=params)
        with_options.__signature__ = new  # type: ignore[attr-defined]
        with_options.__annotations__ = {p.name: p.annotation for p in params} | {"return": new.return_annotation}
        return with_options  # type: ignore[return-value]

    return decorate
