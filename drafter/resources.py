"""Where the project's shipped folders are: inside an installed wheel, or at the top of a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


@cache
def shipped_dir(bundled: str, checkout: str) -> Path:
    """``bundled`` is the folder's name inside the wheel (drafter/_bundled/…), ``checkout`` its repo path."""
    inside = _PACKAGE / "_bundled" / bundled
    return inside if inside.is_dir() else _CHECKOUT / checkout


def golden_dir() -> Path:
    return shipped_dir("golden", "evals/golden")


def prompts_dir() -> Path:
    return shipped_dir("prompts", "prompts")
