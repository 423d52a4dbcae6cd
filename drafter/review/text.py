"""Plain-text lines about a draft's spread, shared by the terminal views and the Markdown section."""

from __future__ import annotations

from ..assessment import Assessment


def uncertainty_lines(a: Assessment) -> list[str]:
    """The spread of a sampled draft in two or three lines (the scorecard prints them under its table)."""
    u = a.uncertainty
    if u is None:
        return []
    c = u.composite
    shares = ", ".join(f"{share:.0%} {z.value}" for z, share in c.zone_shares.items() if share)
    models = ", ".join(dict.fromkeys(f"{s.endpoint} ({s.model})" for s in u.samples))
    lines = [
        f"Interval over {len(u.samples)} samples ({models}): {c.low:.1f} – {c.median:.1f} – {c.high:.1f} "
        f"(min – median – max); zones: {shares}",
    ]
    spread_rows = [(r.task, [v for v in r.scores if v is not None]) for r in u.rows]
    spread_rows = [(t, v) for t, v in spread_rows if v and max(v) != min(v)]
    if spread_rows:
        lines.append(
            "Rows the samples disagree on: " + "; ".join(f"{t[:40]} {min(v)}–{max(v)}" for t, v in spread_rows)
        )
    spread_inputs = [(i.path, [v for v in i.values if v is not None]) for i in u.inputs]
    spread_inputs = [(p, v) for p, v in spread_inputs if v and max(v) != min(v)]
    if spread_inputs:
        lines.append(
            "Inputs the samples disagree on: "
            + "; ".join(f"{p.removesuffix('.score')} {min(v)}..{max(v)}" for p, v in spread_inputs)
        )
    if u.decompositions > 1:
        lines.append(f"{u.decompositions} different decompositions; rows aligned by O*NET task IDs")
    return lines
