"""The ``drafter`` command line: arguments in, one library call (mostly ``drafter.api``), rich or JSON out.

One module per command group, each with a ``register(app)`` that adds its commands; ``COMMAND_MODULES`` is
the list, in the order ``drafter --help`` shows them. Adding a command is a new module and one line here
(docs/architecture.md). Kept light to import: heavy modules (openai, instructor, the O*NET data, even
pydantic) load inside the commands that need them, so ``drafter --help`` starts fast.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import Annotated, NoReturn

import typer

from ..errors import DrafterError
from . import batch, draft, files, labour, logs, onet, review
from . import eval as eval_  # named after its command; the alias leaves the builtin alone
from .common import fail

app = typer.Typer(
    help="Draft, score and evaluate AI job-resistance (AIJRI / JobZone) assessments.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        print(f"drafter {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Draft, score and evaluate AI job-resistance (AIJRI / JobZone) assessments."""


COMMAND_MODULES = (files, draft, logs, eval_, batch, onet, labour, review)
for _module in COMMAND_MODULES:
    _module.register(app)


def main() -> None:
    """The console script: a ``DrafterError`` or an OS error ends in one line and its exit code, never a traceback."""
    try:
        app()
    except DrafterError as e:
        _exit_with(str(e), e.exit_code)
    except sqlite3.DatabaseError as e:  # damaged after it opened (store.Store names the file when it opens)
        from ..store import corrupt_store, runlog_path

        _exit_with(str(corrupt_store(runlog_path(), e)), 2)
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
