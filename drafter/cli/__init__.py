"""The ``drafter`` command line: arguments in, one library call (mostly ``drafter.api``), rich or JSON out.

One module per command group, each with a ``register(app)`` that adds its commands; ``COMMAND_MODULES`` is
the list, in the order ``drafter --help`` shows them, and ``COMMANDS`` says which module registers each
top-level command. Adding a command is a new module and a line in each (docs/architecture.md; a test checks the
two agree).

Kept light to start (issue 14): heavy modules (openai, instructor, the O*NET data, even pydantic) load inside
the commands that need them, and ``build_app`` registers only the module of the command being run, because
typer analyses the signature of every registered command on every run. The top-level listing (``drafter`` or
``drafter --help``) is click's plain help; a command's own ``--help`` is typer's rich help, with its panels.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer

from ..errors import DrafterError
from .common import fail

COMMAND_MODULES = ("files", "draft", "logs", "endpoints", "eval", "batch", "onet", "labour", "review")
COMMANDS = {
    "score": "files", "render": "files", "import": "files", "validate": "files", "schema": "files",
    "draft": "draft", "logs": "logs", "endpoints": "endpoints", "eval": "eval", "batch": "batch", "onet": "onet",
    "notes": "labour", "bls": "labour", "diff": "review", "table": "review", "review": "review",
}  # fmt: skip
SUMMARY = "Draft, score and evaluate AI job-resistance (AIJRI / JobZone) assessments."


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        print(f"drafter {__version__}")
        raise typer.Exit()


def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Draft, score and evaluate AI job-resistance (AIJRI / JobZone) assessments."""


def build_app(argv: Sequence[str] | None = None) -> typer.Typer:
    """The application for ``argv`` (the arguments after the program name): with only the module of the command
    it names, or with every command when it names none (or one drafter does not have: click then lists them)."""
    first = _command_named(argv) if argv is not None else None
    modules = [COMMANDS[first]] if first in COMMANDS else list(COMMAND_MODULES)
    app = typer.Typer(
        help=SUMMARY,
        no_args_is_help=True,
        # the top-level listing in click's plain help: typer's rich help formatter costs ~0.15 s of imports
        rich_markup_mode="rich" if first in COMMANDS or argv is None else None,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    app.callback()(_options)
    for name in modules:
        importlib.import_module(f"{__name__}.{name}").register(app)
    return app


def _command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs: its first word, unless a top-level option such as ``--help`` comes first
    (``drafter --help draft`` lists every command, as click does)."""
    for a in argv:
        if not a.startswith("-"):
            return a
        if a in ("--help", "-h"):
            return None
    return None


def __getattr__(name: str) -> Any:
    """``drafter.cli.app``: the application with every command (typer's CliRunner, documentation tools)."""
    if name == "app":
        return build_app(None)
    raise AttributeError(name)


def main() -> None:
    """The console script: a ``DrafterError`` or an OS error ends in one line and its exit code, never a traceback.

    The HTTP and LLM libraries' own log lines are silenced (and redacted if turned on): drafter's one line says
    what failed."""
    from ..redact import quiet_third_party_logs

    quiet_third_party_logs()
    try:
        build_app(sys.argv[1:])()
    except DrafterError as e:
        _exit_with(str(e), e.exit_code)
    except sqlite3.DatabaseError as e:  # after it opened: busy, damaged or what SQLite said, about the store in use
        from ..store import store_error

        err = store_error(e)
        _exit_with(str(err), err.exit_code)
    except OSError as e:  # an unreadable input or unwritable output: one line, not a traceback
        where = e.filename or ""
        _exit_with(f"{where}: {e.strerror or e}" if where else str(e), 2)
    except KeyboardInterrupt:
        sys.exit(130)


def _exit_with(message: str, code: int) -> NoReturn:
    try:
        fail(message, code)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
