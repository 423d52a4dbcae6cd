"""All known OEWS releases (the bundled May 2025 table plus any imported ones) and O*NET -> SOC code mapping.

An O*NET-SOC code (29-2072.00, 15-1299.08) takes the figures of its six-digit SOC code (29-2072, 15-1299). The
labelled O*NET set still uses some codes BLS no longer publishes (SOC 2010 codes merged in SOC 2018, or detailed
codes BLS publishes only combined); ``data/soc_code_map.csv`` maps each to the code whose figures it takes, one
line per code with the reason, or to nothing when BLS publishes no estimate at all. A figure of a combined code is
the combined code's: the mapping says so wherever the figure is shown.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..codes import normalise_onet_code
from .figures import LabourDataError, Release, ReleaseTable, SocFigures, read_national_table

BUNDLED_TABLE = "oews_national_2025.csv"
BUNDLED_RELEASE = Release(
    "2025A01",
    "U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics, May 2025 "
    "(national, cross-industry; bundled with drafter)",
)
CODE_MAP = "soc_code_map.csv"
ATTRIBUTION = (
    "Employment and wages: U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics "
    "(public domain)."
)


def _data(name: str) -> str:
    return (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")


@cache
def bundled_table() -> ReleaseTable:
    return read_national_table(_data(BUNDLED_TABLE), BUNDLED_RELEASE, f"drafter/labour/data/{BUNDLED_TABLE}", lazy=True)


@cache
def code_map() -> dict[str, tuple[str | None, str]]:
    """Six-digit O*NET-SOC code -> (SOC code whose figures it takes, or None; the reason)."""
    return parse_code_map(_data(CODE_MAP), f"drafter/labour/data/{CODE_MAP}")


def parse_code_map(text: str, source: str) -> dict[str, tuple[str | None, str]]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != ["onet_soc", "soc_code", "reason"]:
        raise LabourDataError(f"{source}:line 1: expected the header onet_soc,soc_code,reason")
    out: dict[str, tuple[str | None, str]] = {}
    for row in reader:
        where = f"{source}:line {reader.line_num}"
        old, new, reason = (
            (row["onet_soc"] or "").strip(),
            (row["soc_code"] or "").strip(),
            (row["reason"] or "").strip(),
        )
        if not re.fullmatch(r"\d{2}-\d{4}", old):
            raise LabourDataError(f"{where}: onet_soc: expected a six-digit code like 29-2011, got {old!r}")
        if new and not re.fullmatch(r"\d{2}-\d{4}", new):
            raise LabourDataError(f"{where}: soc_code: expected a SOC code like 29-2010 or empty, got {new!r}")
        if not reason:
            raise LabourDataError(f"{where}: reason: every mapping states its reason")
        if old in out:
            raise LabourDataError(f"{where}: onet_soc: {old} is mapped twice")
        out[old] = (new or None, reason)
    return out


@dataclass(frozen=True)
class SocMapping:
    """Which SOC code's figures an O*NET occupation takes, and why."""

    onet_code: str
    soc_code: str | None
    how: str  # "direct" (its six-digit code), "mapped" (soc_code_map.csv), "none" (no figures)
    reason: str

    def to_json(self) -> dict:
        return {"onet_code": self.onet_code, "soc_code": self.soc_code, "how": self.how, "reason": self.reason}


@dataclass(frozen=True)
class RoleFigures:
    """An occupation's mapping and the newest figures of its SOC code (None when there are none)."""

    mapping: SocMapping
    figures: SocFigures | None
    history: tuple[SocFigures, ...] = ()  # every release holding the code, oldest first


class LabourTables:
    """Releases oldest first; an imported release with the bundled release's id replaces it."""

    def __init__(self, tables: Iterable[ReleaseTable]):
        by_id = {t.release.id: t for t in tables}
        self.tables = [by_id[k] for k in sorted(by_id)]

    @classmethod
    def load(cls, store: Path | None = None) -> LabourTables:
        from ..paths import bls_store_path
        from .store import read_store

        return cls([bundled_table(), *read_store(store or bls_store_path())])

    @property
    def releases(self) -> list[Release]:
        return [t.release for t in self.tables]

    def history(self, soc_code: str) -> list[SocFigures]:
        return [t.rows[soc_code] for t in self.tables if soc_code in t.rows]

    def figures(self, soc_code: str) -> SocFigures | None:
        found = self.history(soc_code)
        return found[-1] if found else None

    def soc_for(self, onet_code: str) -> SocMapping:
        try:
            code = normalise_onet_code(onet_code)
        except ValueError:
            return SocMapping(onet_code, None, "none", "not an O*NET-SOC code (a custom task list has no BLS figures)")
        six = code[:7]
        if any(six in t.rows for t in self.tables):
            return SocMapping(code, six, "direct", f"O*NET-SOC {code} takes the figures of its SOC code {six}")
        if six in code_map():
            target, reason = code_map()[six]
            if target is None:
                return SocMapping(code, None, "none", reason)
            return SocMapping(code, target, "mapped", reason)
        return SocMapping(code, None, "none", f"no BLS row for SOC {six} and no line for it in {CODE_MAP}")

    def lookup(self, onet_code: str) -> RoleFigures:
        mapping = self.soc_for(onet_code)
        if mapping.soc_code is None:
            return RoleFigures(mapping, None)
        history = tuple(self.history(mapping.soc_code))
        return RoleFigures(mapping, history[-1] if history else None, history)
