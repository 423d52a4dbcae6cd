"""What drafter knows about a role's labour market: the newest official figures and, where known, an earlier one.

An earlier figure comes from an older imported release, or from a scored assessment that cites one in the
house style (the seed's "Median $47,190 (BLS May 2022)"): with two dated figures of the same measure, the change
and its period are facts an assessor can cite. Nothing is extrapolated: one level is not a trend, and a capped
or unpublished figure is never used in arithmetic.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .figures import MEASURES, Status, fmt_figure, fmt_value
from .tables import LabourTables, RoleFigures

if TYPE_CHECKING:
    from ..assessment import Assessment

_MONEY = r"\$(\d[\d,]*(?:\.\d\d)?)"
_DATED = r"\s*\((?:BLS|U\.S\. Bureau of Labor Statistics)(?: OEWS)?,?\s+May\s+(\d{4})\b[^)]*\)"
CITED_WAGE = re.compile(
    r"\b(median|mean)\b(?:\s+(?:annual|hourly))?(?:\s+wages?)?(?:\s+of)?:?\s*" + _MONEY + _DATED, re.IGNORECASE
)
CITED_EMPLOYMENT = re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d+)\s+(?:employed|jobs)" + _DATED, re.IGNORECASE)


@dataclass(frozen=True)
class DatedFigure:
    """A published number with its date and where drafter read it."""

    measure: str
    value: Decimal
    year: int
    citation: str  # "BLS OEWS, May 2025" or "BLS May 2022, as cited by the scored assessment of …"
    cited_by: str = ""  # the O*NET or SOC code of the scored assessment that cites it ("" for an official release)

    @property
    def label(self) -> str:
        return f"May {self.year}"


def cited_figures(assessments: Iterable[tuple[str, Assessment]], tables: LabourTables) -> dict[str, list[DatedFigure]]:
    """Dated BLS figures quoted in scored assessments' evidence, keyed by SOC code.

    ``assessments`` are (where, assessment) pairs; an assessment without an O*NET or SOC code is skipped."""
    out: dict[str, list[DatedFigure]] = {}
    for where, a in assessments:
        code = a.provenance.onet_code or a.role.soc_code or ""
        soc = tables.soc_for(code).soc_code if code else None
        if soc is None:
            continue
        for dimension, item in a.evidence:
            cite = f"as cited in the scored assessment of {where}, {dimension.replace('_', ' ')}"
            for m in CITED_WAGE.finditer(item.evidence):
                kind, raw, year = m.group(1).lower(), m.group(2), int(m.group(3))
                value = Decimal(raw.replace(",", ""))
                hourly = "." in raw or value < 1000
                measure = {
                    "median": "hourly_median_wage" if hourly else "annual_median_wage",
                    "mean": "annual_mean_wage",
                }[kind]
                if kind == "mean" and hourly:
                    continue  # drafter keeps no hourly mean
                out.setdefault(soc, []).append(DatedFigure(measure, value, year, f"BLS May {year}, {cite}", code))
            for m in CITED_EMPLOYMENT.finditer(item.evidence):
                value = Decimal(m.group(1).replace(",", ""))
                out.setdefault(soc, []).append(
                    DatedFigure("employment", value, int(m.group(2)), f"BLS May {m.group(2)}, {cite}", code)
                )
    return out


@dataclass(frozen=True)
class RoleFacts:
    """One role's figures, ready to be written as notes or evidence."""

    role: RoleFigures
    earlier: dict[str, DatedFigure] = field(default_factory=dict)  # measure -> the most recent earlier figure

    @property
    def citation(self) -> str:
        return self.role.figures.release.citation if self.role.figures else ""

    def change(self, measure: str) -> str | None:
        """'+$3,950 (+8.4%) from $47,190 in May 2022 (…), May 2022 to May 2025 (3 years, nominal)' or None."""
        f, before = self.role.figures, self.earlier.get(measure)
        if f is None or before is None or f.get(measure).number is None:
            return None
        now = f.get(measure).number
        assert now is not None
        delta = now - before.value
        pct = (delta / before.value * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if before.value else None
        sign = "+" if delta >= 0 else "-"
        years = f.release.year - before.year
        nominal = ", nominal" if MEASURES[measure][2] != "count" else ""
        pct_text = f" ({'+' if pct is not None and pct >= 0 else ''}{pct}%)" if pct is not None else ""
        return (
            f"{sign}{fmt_value(abs(delta), measure)}{pct_text} from {fmt_value(before.value, measure)} in "
            f"{before.label} ({before.citation}): {before.label} to {f.release.label}, "
            f"{years} year{'s' if years != 1 else ''}{nominal}"
        )

    def figure_lines(self) -> list[str]:
        """The dated, cited figures as Markdown bullet lines (empty when BLS publishes none for the role)."""
        f = self.role.figures
        if f is None:
            return []
        label, soc = f.release.label, f"SOC {f.soc_code} {f.title}".strip()
        lines = [
            f"- Employment: {fmt_figure(f.get('employment'), 'employment')} ({f.release.citation}, {soc}; national, "
            "all industries, excluding the self-employed)",
            f"- Median annual wage: {fmt_figure(f.get('annual_median_wage'), 'annual_median_wage')} ({label})",
            f"- Mean annual wage: {fmt_figure(f.get('annual_mean_wage'), 'annual_mean_wage')} ({label})",
            f"- Median hourly wage: {fmt_figure(f.get('hourly_median_wage'), 'hourly_median_wage')} ({label})",
        ]
        for measure in ("annual_median_wage", "employment"):
            if change := self.change(measure):
                lines.append(f"- Change in {MEASURES[measure][1]}: {change}")
        if self.role.mapping.how == "mapped":
            lines.append(f"- Figures of a combined code: {self.role.mapping.reason}")
        elif not self.role.mapping.onet_code.endswith(".00"):
            lines.append(
                f"- O*NET {self.role.mapping.onet_code} is one of the O*NET occupations within SOC {f.soc_code}: "
                "the figures are for the whole SOC code"
            )
        lines.append(
            f"- Source: U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics, {label} "
            f"(public domain), {soc}"
        )
        return lines

    def wage_evidence(self) -> str | None:
        f = self.role.figures
        if f is None:
            return None
        median = fmt_figure(f.get("annual_median_wage"), "annual_median_wage")
        text = (
            f"Median annual wage {median} ({f.release.citation}, SOC {f.soc_code}); mean "
            f"{fmt_figure(f.get('annual_mean_wage'), 'annual_mean_wage')}; median hourly "
            f"{fmt_figure(f.get('hourly_median_wage'), 'hourly_median_wage')}."
        )
        if change := self.change("annual_median_wage"):
            return f"{text} Median {change}. Score awaiting assessor input: weigh the change against inflation."
        return f"{text} Score awaiting assessor input: one level is not a trend (no earlier figure known)."

    def posting_evidence(self) -> str | None:
        f = self.role.figures
        if f is None:
            return None
        text = (
            f"{fmt_figure(f.get('employment'), 'employment')} employed ({f.release.citation}, SOC {f.soc_code}; "
            "national, all industries, excluding the self-employed)."
        )
        if change := self.change("employment"):
            return f"{text} Employment {change}. Score awaiting assessor input: add postings and projections."
        return (
            f"{text} Score awaiting assessor input: one level is not a trend; add the BLS employment projection "
            "and posting data."
        )

    def to_json(self) -> dict:
        f = self.role.figures
        return {
            "mapping": self.role.mapping.to_json(),
            "figures": f.to_json() if f else None,
            "earlier": {
                m: {"value": str(d.value), "date": d.label, "citation": d.citation} for m, d in self.earlier.items()
            },
            "changes": {m: c for m in self.earlier if (c := self.change(m))},
        }


class LabourFacts:
    """The releases and the figures cited in scored assessments, loaded once for many roles."""

    def __init__(self, tables: LabourTables, cited: Mapping[str, list[DatedFigure]] | None = None):
        self.tables = tables
        self.cited = dict(cited or {})

    @classmethod
    def load(cls, store: Path | None = None, golden: Path | None = None) -> LabourFacts:
        """The bundled and imported releases, plus figures cited by the golden (human-scored) roles."""
        from ..calibration import load_golden_roles

        tables = LabourTables.load(store)
        roles = load_golden_roles(golden)
        return cls(tables, cited_figures(((f"{a.role.job_title} ({key})", a) for key, a in roles.items()), tables))

    def role(self, onet_code: str) -> RoleFacts:
        role = self.tables.lookup(onet_code)
        if role.figures is None:
            return RoleFacts(role)
        now_year = role.figures.release.year
        candidates: list[tuple[int, int, DatedFigure]] = []
        for older in role.history[:-1]:  # official releases before the newest
            for m in MEASURES:
                fig = older.get(m)
                if fig.status is Status.PUBLISHED and fig.value is not None and older.release.year < now_year:
                    candidates.append(
                        (older.release.year, 1, DatedFigure(m, fig.value, older.release.year, older.release.citation))
                    )
        for d in self.cited.get(role.figures.soc_code, []):
            if d.year < now_year and not same_occupation(d.cited_by, onet_code):
                candidates.append((d.year, 0, d))
        earlier: dict[str, DatedFigure] = {}
        for _, _, d in sorted(candidates, key=lambda c: (c[0], c[1])):
            earlier[d.measure] = d  # the latest earlier figure wins; an official release over a citation
        return RoleFacts(role, earlier)


def same_occupation(cited_by: str, onet_code: str) -> bool:
    """Whether a figure was read from the role's own scored text (issue 22: a figure a golden role cites is never
    attached to that same role, or its eval would be partly answered by its own text): compared on the six-digit
    code, so 29-2072 and 29-2072.00 are one occupation."""
    return bool(cited_by) and cited_by[:7] == onet_code[:7]


@cache
def _facts(store: str, stamp: tuple) -> LabourFacts:
    return LabourFacts.load(Path(store))


def shared_facts() -> LabourFacts:
    """One ``LabourFacts`` per process for drafting many roles, reloaded when ``drafter bls import`` changes the store."""
    from ..paths import bls_store_path

    path = bls_store_path()
    try:
        st = os.stat(path)
        stamp: tuple = (st.st_mtime_ns, st.st_size, st.st_ino)
    except FileNotFoundError:
        stamp = ()
    return _facts(str(path), stamp)


def official_evidence(onet_code: str, facts: LabourFacts | None = None) -> dict[str, str]:
    """Evidence texts stating a role's official figures, keyed by evidence dimension (empty when there are none).

    For the offline default: its Wage Trends and Job Posting Trends rows carry these as dated evidence while the
    scores stay awaiting assessor input (one level is not a trend)."""
    role = (facts or shared_facts()).role(onet_code)
    wage, posting = role.wage_evidence(), role.posting_evidence()
    return {k: v for k, v in (("wage_trends", wage), ("job_posting_trends", posting)) if v}
