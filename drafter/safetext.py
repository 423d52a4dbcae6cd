"""User and model text made safe to store and to print: the one place that knows what "hostile text" is.

A job title, an assessor's name (``--by``), a rationale a model wrote or a file name can carry what a terminal
obeys rather than shows: ANSI escape sequences (colours, cursor moves, ``ESC ] 0;…BEL`` window titles), other
C0/C1 control characters (NUL, BEL, backspace) and Unicode bidi overrides (U+202E turns the rest of a line
around). ``clean`` removes them before text is stored (the assessment models run it on every string they
validate; the audit trail on who accepted a final), so no file, database or later terminal sees them. ``shown``
is ``clean`` plus rich's markup escape, so ``Clerk [/ETL]`` or ``Nurse [i.e. RN]`` prints literally instead of
crashing rich or vanishing as a style tag: every piece of user or model text the CLI prints goes through it.

A leaf: the standard library only (rich's escape is imported when text is first shown, by the CLI).
"""

from __future__ import annotations

import re

KEPT_CONTROLS = "\n\t"
"""Line breaks and tabs are text (multi-line rationales, commentary); every other control character is not."""

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase (ESC [ … final byte)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window title, hyperlinks (ESC ] … BEL or ESC \)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape (ESC c resets the terminal)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the 8-bit CSI
)
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and newline), DEL, C1
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # bidi marks, embeddings, overrides and isolates
)


def clean(text: str) -> str:
    """``text`` without escape sequences, control characters (tab and newline kept) or bidi controls."""
    if text.isprintable():  # the common case, in C: nothing to remove (tab and newline are not "printable")
        return text
    return _CONTROLS.sub("", _ESCAPE_SEQUENCE.sub("", text))


def clean_value(value: object) -> object:
    """``clean`` applied to a string, or to the strings directly in a list, tuple or dict (keys too); anything
    else unchanged. One level only: a model validates its nested models' fields itself, and a deeply nested
    value from a hostile file must not recurse here."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list | tuple):
        return type(value)(clean(v) if isinstance(v, str) else v for v in value)
    if isinstance(value, dict):
        return {
            (clean(k) if isinstance(k, str) else k): (clean(v) if isinstance(v, str) else v) for k, v in value.items()
        }
    return value


def shown(text: object) -> str:
    """``text`` (any value, through ``str``) ready for rich markup: cleaned, and its ``[…]`` printed literally."""
    from rich.markup import escape

    return escape(clean(str(text)))
