"""Employment-weighted views of drafted roles: how many workers they cover, and in which zone.

"40 roles drafted Red" says little until it is "2.3 million workers in roles drafted Red". Each role takes the
employment of its SOC code (BLS OEWS); where several O*NET occupations share one SOC code (15-1299.01 … .09, or
SOC 2010 codes BLS now publishes combined), the code's workers are split equally among them, so a full batch adds
up to the published totals and no worker is counted twice (exact fractions, rounded only when shown). Roles without a published employment figure (custom
task lists, codes BLS does not publish) are counted apart, never given a number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from .tables import LabourTables

ZONES = ("Red", "Yellow", "Green")


@dataclass(frozen=True)
class ZoneWeight:
    zone: str
    roles: int
    workers: Fraction
    share: float | None  # of the workers in roles with figures; None when no role has figures


@dataclass(frozen=True)
class WeightedZones:
    citation: str  # "BLS OEWS, May 2025" (every release used, newest last)
    zones: dict[str, ZoneWeight]
    workers: Fraction  # workers covered by the roles with figures
    roles: int  # roles given
    without_figures: list[tuple[str, str]]  # (code, why) for roles counted apart
    shared: int  # roles whose SOC code other O*NET occupations share (their workers were split)

    def headline(self, verb: str = "drafted") -> list[str]:
        """'2.31 million workers in roles drafted Red (40 roles, 52.1%)', one line per zone, then what is apart.

        ``verb`` says whose zones these are: "drafted", or "scored" for human assessments."""
        lines = [
            f"{self.roles - len(self.without_figures)} of {self.roles} roles have employment figures ({self.citation}): "
            f"{millions(self.workers)} million workers"
        ]
        for z in self.zones.values():
            pct = f", {z.share * 100:.1f}%" if z.share is not None else ""
            lines.append(f"{millions(z.workers)} million workers in roles {verb} {z.zone} ({_n(z.roles)}{pct})")
        if self.without_figures:
            lines.append(f"{_n(len(self.without_figures))} without employment figures, counted apart")
        if self.shared:
            verb = "shares" if self.shared == 1 else "share"
            lines.append(
                f"{_n(self.shared)} {verb} a SOC code with other O*NET occupations: the code's workers are split "
                "equally among them"
            )
        return lines

    def to_json(self) -> dict:
        return {
            "citation": self.citation,
            "roles": self.roles,
            "workers": round(self.workers),
            "zones": {
                z.zone: {"roles": z.roles, "workers": round(z.workers), "share": z.share} for z in self.zones.values()
            },
            "without_figures": [{"code": c, "why": why} for c, why in self.without_figures],
            "shared_soc_roles": self.shared,
        }


def millions(workers: Fraction) -> str:
    return f"{float(workers) / 1_000_000:.2f}"


def _n(roles: int) -> str:
    return f"{roles} role{'s' if roles != 1 else ''}"


def employment_weighted_zones(
    pairs: Iterable[tuple[str, str]], tables: LabourTables, universe: Iterable[str] | None = None
) -> WeightedZones:
    """The employment-weighted zone distribution of (O*NET code, zone) pairs; pure (no I/O).

    ``universe`` is every O*NET code the workers of a SOC code are split among (pass the catalog's codes when the
    pairs are a sample, so a drafted Compliance Manager takes its share of 11-9199, not all of it); by default,
    the codes in ``pairs``. Zones are "Red", "Yellow", "Green"; a code given twice is an error."""
    chosen: dict[str, str] = {}
    for code, zone in pairs:
        zone = str(getattr(zone, "value", zone))
        if zone not in ZONES:
            raise ValueError(f"{code}: expected a zone Red, Yellow or Green, got {zone!r}")
        if code in chosen:
            raise ValueError(f"{code}: given twice")
        chosen[code] = zone
    codes = list(universe) if universe is not None else list(chosen)
    sharing = Counter(soc for c in {*codes, *chosen} if (soc := tables.soc_for(c).soc_code))
    roles: Counter[str] = Counter()
    workers = {z: Fraction(0) for z in ZONES}
    apart: list[tuple[str, str]] = []
    shared = 0
    used: set[str] = set()
    for code, zone in chosen.items():
        mapping = tables.soc_for(code)
        figures = tables.figures(mapping.soc_code) if mapping.soc_code else None
        employment = figures.employment.number if figures else None
        if employment is None:
            why = (
                mapping.reason
                if mapping.soc_code is None
                else f"BLS publishes no employment for SOC {mapping.soc_code}"
            )
            apart.append((code, why))
            continue
        assert figures is not None and mapping.soc_code is not None
        used.add(figures.release.citation)
        n = sharing[mapping.soc_code]
        shared += n > 1
        roles[zone] += 1
        workers[zone] += Fraction(employment) / n
    total = sum(workers.values(), Fraction(0))
    zones = {z: ZoneWeight(z, roles[z], workers[z], float(workers[z] / total) if total else None) for z in ZONES}
    return WeightedZones(", ".join(sorted(used)) or "no figures", zones, total, len(chosen), apart, shared)
