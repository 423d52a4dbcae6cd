"""Codecs of the house format: a field's JSON value <-> the text of its cell or line.

Each codec raises ``ValueError`` with what was expected when a text cannot be read; the parser adds the file and
line. ``spec.SECTIONS`` says which field each codec reads and writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..assessment import AWAITING_INPUT, EVIDENCE_NAMES
from ..files import ascii_minus


@dataclass(frozen=True)
class Codec:
    show: Callable[[Any], str]
    read: Callable[[str], Any]  # a dict result is merged into the row's object (one cell, several fields)


def _read_score(text: str) -> int | None:
    if text.upper() == AWAITING_INPUT:
        return None
    if not re.fullmatch(r"[+-]?\d+", number := ascii_minus(text)):
        raise ValueError(f"expected an integer score or {AWAITING_INPUT!r}, got {text!r}")
    return int(number)


def _read_percent(text: str) -> int:
    if not (mt := re.fullmatch(r"(\d+)\s*%?", text)):
        raise ValueError(f"expected a whole percent like 30%, got {text!r}")
    return int(mt.group(1))


_SOC_IN_TITLE = re.compile(r"(.*?)\s*\((?:BLS\s+)?SOC\s+(\d{2}-\d{4}(?:\.\d{2})?)\)")


def _show_title(role: dict) -> str:
    return f"{role['job_title']} (BLS SOC {role['soc_code']})" if role.get("soc_code") else role["job_title"]


def _read_title(text: str) -> dict:
    if mt := _SOC_IN_TITLE.fullmatch(text):
        return {"job_title": mt.group(1), "soc_code": mt.group(2)}
    return {"job_title": text}


# Evidence text is followed by where it came from, so a reviewer of the Markdown knows what to verify.
SOURCE_NOTE = {
    "assessor": "[source: assessor]",
    "notes": "[source: assessor's notes]",
    "model": "[source: model recall, verify]",
}


def _show_evidence(item: dict) -> str:
    return item["evidence"] if item.get("source") is None else f"{item['evidence']} {SOURCE_NOTE[item['source']]}"


def _read_evidence(text: str) -> dict:
    for origin, marker in SOURCE_NOTE.items():
        if text.endswith(" " + marker) or text == marker:
            return {"evidence": text.removesuffix(marker).rstrip(), "source": origin}
    return {"evidence": text}


# A task row carries the O*NET task IDs it covers in an HTML comment after its name: hidden when the Markdown
# is displayed, kept when the row is renamed. A row without the comment leaves ``onet_task_ids`` unset, so
# the parser can tell "no IDs written" from "an empty list".
TASK_IDS = re.compile(r"\s*<!--\s*onet:(.*?)-->")


def _show_task(row: dict) -> str:
    ids = row.get("onet_task_ids") or []
    return row["task"] + (f" <!-- onet: {', '.join(map(str, ids))} -->" if ids else "")


def _read_task(text: str) -> dict:
    found = TASK_IDS.findall(text)
    name = TASK_IDS.sub("", text).strip()
    if not found:
        return {"task": name}
    if len(found) > 1:
        raise ValueError("expected one <!-- onet: … --> comment of O*NET task IDs, got several")
    ids = [part.strip() for part in found[0].split(",") if part.strip()]
    if not all(part.isdigit() for part in ids):
        raise ValueError(f"expected O*NET task IDs like <!-- onet: 22877, 22879 -->, got {found[0].strip()!r}")
    return {"task": name, "onet_task_ids": [int(part) for part in ids]}


def _show_override(o: dict) -> str:
    if o.get("zone") is None:
        return "None — formula score accepted." + (f" {o['note']}" if o.get("note") else "")
    return f"{o['zone'].upper()} — {o['note']}"


def _read_override(text: str) -> dict:
    if mt := re.fullmatch(r"None\s*—\s*formula score accepted\.?\s*(.*)", text, re.S):
        return {"zone": None, "note": mt.group(1)}
    if mt := re.fullmatch(r"(RED|YELLOW|GREEN)\s*—\s*(.*)", text, re.S | re.I):
        return {"zone": mt.group(1).capitalize(), "note": mt.group(2)}
    raise ValueError("expected 'None — formula score accepted. …' or 'RED|YELLOW|GREEN — reasons'")


def _show_reinstatement(r: dict) -> str:
    offsets = "offsets" if r["offsets_displacement"] else "does not offset"
    return f"{r['size'].capitalize()} — the new work {offsets} the work AI displaces."


_REINSTATEMENT = re.compile(
    r"(none|low|moderate|high)\s*—\s*the new work (offsets|does not offset) the work AI displaces\.?", re.I
)


def _read_reinstatement(text: str) -> dict:
    if not (mt := _REINSTATEMENT.fullmatch(text)):
        raise ValueError(
            "expected 'none|low|moderate|high — the new work offsets (or: does not offset) the work AI displaces.'"
        )
    return {"size": mt.group(1).lower(), "offsets_displacement": mt.group(2).lower() == "offsets"}


CLAIM_SOURCE = {"assessor": "assessor", "notes": "assessor's notes", "model": "model recall, verify"}


def _read_choice(names: dict[str, str], what: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        for key, shown in names.items():
            if text.casefold() in (shown.casefold(), key.casefold()):
                return key
        raise ValueError(f"expected {what} ({', '.join(names.values())}), got {text!r}")

    return read


def _read_aijri(text: str) -> float:
    if not re.fullmatch(r"\d{1,3}(\.\d)?", text):
        raise ValueError(f"expected an AIJRI score like 48.2, got {text!r}")
    return float(text)


def _read_task_id(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"expected an O*NET task ID (a number), got {text!r}")
    return int(text)


TEXT = Codec(lambda v: "" if v is None else str(v), lambda t: t)
SCORE = Codec(lambda v: AWAITING_INPUT if v is None else str(v), _read_score)
PERCENT = Codec(lambda v: f"{v}%", _read_percent)
LABEL = Codec(str, str.upper)  # the model names the allowed labels when one is wrong
TITLE = Codec(_show_title, _read_title)
EVIDENCE = Codec(_show_evidence, _read_evidence)
TASK = Codec(_show_task, _read_task)
OVERRIDE = Codec(_show_override, _read_override)
OPTIONAL_TEXT = Codec(lambda v: v or "", lambda t: t or None)
REINSTATEMENT = Codec(_show_reinstatement, _read_reinstatement)
DIMENSION = Codec(lambda v: EVIDENCE_NAMES[v], _read_choice(EVIDENCE_NAMES, "an evidence dimension"))
CLAIM_SOURCE_CODEC = Codec(lambda v: CLAIM_SOURCE[v], _read_choice(CLAIM_SOURCE, "a source"))
AIJRI = Codec(lambda v: f"{v:.1f}", _read_aijri)
ZONE = Codec(str, _read_choice({"Red": "Red", "Yellow": "Yellow", "Green": "Green"}, "a zone"))
TASK_ID = Codec(str, _read_task_id)
AWAITABLE_TEXT = Codec(lambda v: v or AWAITING_INPUT, lambda t: None if t in ("", AWAITING_INPUT) else t)
