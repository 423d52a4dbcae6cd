"""One error type users see, and one way to turn pydantic's errors into one clear line per problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic is not needed to raise or catch a DrafterError: `drafter --help` stays light
    from pydantic import ValidationError


class DrafterError(Exception):
    """An error whose message is fit to show a user as is (file, line or field path, what was expected)."""

    exit_code = 2


def loc_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _expected(err: Any) -> str:
    ctx = err.get("ctx") or {}
    kind = err["type"]
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        return err["msg"].replace("Input should be", "expected")
    if kind == "enum":
        return f"expected one of {ctx.get('expected', '')}"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not in the schema)"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"][0].lower() + err["msg"][1:]


def format_validation_error(
    e: ValidationError, source: str = "", line_for: Callable[[tuple], int | None] | None = None
) -> str:
    """One line per problem: ``source[:line]: field.path: what was expected (got …)``."""
    lines = []
    for err in e.errors():
        loc = tuple(err["loc"])
        where = source
        if line_for and (no := line_for(loc)) is not None:
            where = f"{source}:line {no}" if source else f"line {no}"
        got = ""
        if err["type"] not in ("missing", "value_error") and not isinstance(err.get("input"), dict | list):
            got = f" (got {err['input']!r})"
        prefix = f"{where}: " if where else ""
        lines.append(f"{prefix}{loc_path(loc)}: {_expected(err)}{got}")
    return "\n".join(lines)
