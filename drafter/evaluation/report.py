"""A self-contained HTML report of an eval run (inline CSS and SVG; nothing fetched when opened)."""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path

from ..files import write_owned_files
from ..methodology import load_methodology
from ..store import open_store
from .runs import EvalGate, EvalRun, record_run

WIDTH, ROW_H, LEFT, RIGHT = 900, 34, 250, 30


def _fmt(v) -> str:
    return f"{v:.2f}" if isinstance(v, int | float) else "—"


def _pct(v) -> str:
    return f"{v * 100:.0f}%" if isinstance(v, int | float) else "—"


def composite_chart(run: EvalRun) -> str:
    """One line per role on a 0-100 axis shaded by zone: the human score (circle) and the draft (diamond)."""
    m = load_methodology()
    roles = [r for r in run.roles if r.samples]
    height = 40 + ROW_H * len(roles)
    plot = WIDTH - LEFT - RIGHT

    def x(v: float) -> float:
        return LEFT + plot * max(0.0, min(100.0, v)) / 100

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" role="img" aria-label="composite scores">'
    ]
    bands = [(0, float(m.yellow_min), "#fde0e0", "Red"), (float(m.yellow_min), float(m.green_min), "#fff3cd", "Yellow"),
             (float(m.green_min), 100, "#dff3e4", "Green")]  # fmt: skip
    for lo, hi, colour, name in bands:
        parts.append(
            f'<rect x="{x(lo):.1f}" y="20" width="{x(hi) - x(lo):.1f}" height="{height - 30}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{(x(lo) + x(hi)) / 2:.1f}" y="14" text-anchor="middle" font-size="12" fill="#5b6577">{name}</text>'
        )
    for tick in range(0, 101, 10):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{height - 2}" text-anchor="middle" font-size="10" fill="#5b6577">{tick}</text>'
        )
    for i, r in enumerate(roles):
        y = 20 + ROW_H * i + ROW_H / 2
        human = r.samples[0].golden_score
        draft = sum(s.draft_score for s in r.samples) / len(r.samples)
        label = escape(f"{r.title} ({r.kind})")
        parts.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{label}</text>')
        parts.append(
            f'<line x1="{x(human):.1f}" y1="{y:.1f}" x2="{x(draft):.1f}" y2="{y:.1f}" stroke="#5b6577" stroke-width="2"/>'
        )
        parts.append(
            f'<circle cx="{x(human):.1f}" cy="{y:.1f}" r="6" fill="#1d2433"><title>human {human:.1f}</title></circle>'
        )
        dx, dy = x(draft), y
        parts.append(
            f'<polygon points="{dx:.1f},{dy - 7:.1f} {dx + 7:.1f},{dy:.1f} {dx:.1f},{dy + 7:.1f} {dx - 7:.1f},{dy:.1f}" '
            f'fill="#3b6fd8"><title>draft {draft:.1f}</title></polygon>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def render_report(run: EvalRun, gate: dict | None = None) -> str:
    import jinja2

    confusion = [[0] * 5 for _ in range(5)]
    for r in run.roles:
        for s in r.samples:
            for i, row in enumerate(s.confusion):
                for j, c in enumerate(row):
                    confusion[i][j] += c
    template = (resources.files(__package__) / "report.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined)
    return env.from_string(template).render(
        run=run,
        gate=gate,
        chart=jinja2.utils.markupsafe.Markup(composite_chart(run)),
        confusion=confusion,
        cmax=max(max(row) for row in confusion) or 1,
        fmt=_fmt,
        pct=_pct,
    )


def save_run(run: EvalRun, output_dir: Path, gate: dict | None = None) -> tuple[Path, Path]:
    """The run's JSON and HTML report in ``output_dir`` (each atomically) and its row in the store. Here, beside
    the report, so that runs.py (the record) does not import the report that renders it."""
    output_dir = Path(output_dir)
    json_path = output_dir / f"{run.run_id}.json"
    html_path = output_dir / f"{run.run_id}.html"
    saved = run.model_copy(update={"gate": EvalGate.model_validate(gate) if gate else None})
    # the run and its report as one group (files.write_owned_files): both on disk, or neither, and never over a
    # file drafter did not write
    write_owned_files([(json_path, saved.to_json() + "\n"), (html_path, render_report(run, gate))], origin="eval")
    store = open_store()  # the process's store, shared with the run log the drafting used
    try:
        record_run(store, run, str(json_path.resolve()))
    finally:
        store.close()
    return json_path, html_path
