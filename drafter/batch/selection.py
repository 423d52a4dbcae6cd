"""Which roles a batch drafts: a codes file, a major group or all, less the roles humans already scored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..codes import normalise_onet_code
from ..errors import DrafterError


def human_scored_codes() -> set[str]:
    from ..evaluation.golden import load_golden_roles, load_reference_points

    codes = set(load_golden_roles())
    codes |= {p.onet_code for p in load_reference_points().points if p.onet_code}
    return codes


@dataclass(frozen=True)
class Selection:
    """The roles a batch drafts, and the ones it leaves out because humans already scored them."""

    codes: list[str]
    skipped_scored: list[str]


def select_roles(
    catalog, codes_file: Path | None, group: str | None, all_: bool, include_scored: bool = False
) -> Selection:
    """Name the roles one way (a codes file, a major group or all); roles with a human-scored golden role or
    reference point are skipped unless ``include_scored``: a draft of them would only repeat the assessors."""
    selected = select_codes(catalog, codes_file, group, all_)
    skipped = [] if include_scored else sorted(set(selected) & human_scored_codes())
    return Selection([c for c in selected if c not in skipped], skipped)


def select_codes(catalog, codes_file: Path | None, group: str | None, all_: bool) -> list[str]:
    """The roles a batch covers, in code order; a bad line of a codes file is named with its line number."""
    chosen = sum(x is not None and x is not False for x in (codes_file, group, all_ or None))
    if chosen != 1:
        raise DrafterError("name the roles one way: a file of SOC codes, --group NN, or --all")
    if all_:
        return sorted(catalog.by_code)
    if group is not None:
        if not (len(group) == 2 and group.isdigit()):
            raise DrafterError(f"--group: expected a two-digit O*NET major group such as 29, got {group!r}")
        codes = sorted(c for c in catalog.by_code if c.startswith(group + "-"))
        if not codes:
            raise DrafterError(f"--group {group}: no occupations in that major group")
        return codes
    from ..files import read_text
    from ..onet.catalog import UnknownOccupation

    assert codes_file is not None

    found: list[str] = []
    for n, raw in enumerate(read_text(codes_file).splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            code = normalise_onet_code(line.split()[0].rstrip(","))
            catalog.get(code)
        except (ValueError, UnknownOccupation) as e:
            raise DrafterError(f"{codes_file}:line {n}: {e}") from None
        if code not in found:
            found.append(code)
    if not found:
        raise DrafterError(f"{codes_file}: no SOC codes in the file")
    return sorted(found)
