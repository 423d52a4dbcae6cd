"""Inline SVG charts for the portfolio page: drawn as text, so the page needs no script and fetches nothing."""

from __future__ import annotations

from html import escape

from ..assessment import Zone
from ..methodology import Methodology

COLOURS = {"Red": "#c62828", "Yellow": "#e0a100", "Green": "#1a7f37"}


def zone_bar_svg(values: dict[str, float], what: str, element_id: str, pct: bool = False, width: int = 720) -> str:
    """One horizontal bar split by zone, each part labelled with its count (or share) and percentage."""
    total = sum(values.values()) or 1.0
    h = 56
    parts = [f'<svg id="{element_id}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" '
             f'aria-label="zone distribution by {escape(what)}">']  # fmt: skip
    x = 0.0
    labels = []
    for zone, v in values.items():
        w = width * v / total
        if w <= 0:
            continue
        share = v / total
        label = f"{zone} {share:.0%}" if pct else f"{zone} {int(v)} ({share:.0%})"
        labels.append(label)
        parts.append(f'<rect class="zone-{zone}" x="{x:.1f}" y="4" width="{w:.1f}" height="30" fill="{COLOURS[zone]}">'
                     f"<title>{escape(label)}</title></rect>")  # fmt: skip
        if w > 60:
            parts.append(
                f'<text x="{x + w / 2:.1f}" y="24" text-anchor="middle" font-size="12" fill="#fff">{escape(label)}</text>'
            )
        x += w
    # every segment named below the bar, a sliver too narrow for its own label included; shares have no total
    legend = " · ".join(labels) + (f" — share of {what}" if pct else f" — {total:g} {what}")
    parts.append(f'<text x="0" y="52" font-size="11" fill="#5b6577">{escape(legend)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def histogram_svg(bins: list[tuple[int, dict[Zone, int]]], m: Methodology, width: int = 720, height: int = 220) -> str:
    """Bars per score bin, stacked by zone, with the zone cuts marked."""
    left, bottom, top = 34, 30, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max((sum(c.values()) for _lo, c in bins), default=0) or 1
    step = plot_w / len(bins)
    parts = [f'<svg id="score-histogram" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'role="img" aria-label="score histogram">']  # fmt: skip
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#5b6577"/>')
    for k in range(0, peak + 1, max(1, peak // 4)):
        y = top + plot_h - plot_h * k / peak
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#5b6577">{k}</text>')
    for i, (lo, counts) in enumerate(bins):
        y = top + plot_h
        for zone in Zone:
            n = counts[zone]
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            parts.append(f'<rect class="bar zone-{zone.value}" x="{left + i * step + 1:.1f}" y="{y:.1f}" width="{step - 2:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[zone.value]}"><title>{lo}–{lo + 5}: {n} {zone.value}</title></rect>')  # fmt: skip
        if lo % 10 == 0:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{height - 12}" text-anchor="middle" font-size="10" fill="#5b6577">{lo}</text>'
            )
    parts.append(
        f'<text x="{left + plot_w:.1f}" y="{height - 12}" text-anchor="middle" font-size="10" fill="#5b6577">100</text>'
    )
    for cut in (m.yellow_min, m.green_min):
        x = left + plot_w * float(cut) / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#1d2433" stroke-dasharray="4 3"/>'
        )
        parts.append(f'<text x="{x + 3:.1f}" y="{top + 10}" font-size="10" fill="#1d2433">{cut}</text>')
    parts.append(
        f'<text x="{left + plot_w}" y="{height - 1}" text-anchor="end" font-size="10" fill="#5b6577">JobZone score</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
