"""The portfolio of a folder of drafts: one row per role, as a rich table, CSV, JSON and a self-contained page.

A row carries what a team lead scans 900 roles for: the score and zone, the figures behind them, the
interval when the draft was sampled, how much is provisional, how much the assessor should check first, and
who drafted it. The page (``render_html``) has the zone distribution, a score histogram stacked by zone, the
drafts sorted by review priority, and a link to each draft's Markdown; it is one HTML file with inline CSS
and SVG that loads nothing when opened.
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from ..assessment import Zone
from ..documents import load_assessment
from ..errors import DrafterError
from ..methodology import load_methodology
from ..review.priority import review_first
from ..scoring import score
from ..sensitivity import awaiting_range


class PortfolioRow(BaseModel):
    code: str | None
    title: str
    file: str
    markdown: str | None  # the draft's house-format file, relative to the folder, when there is one
    task_resistance: float
    evidence_modifier: float
    barrier_modifier: float
    growth_modifier: float
    score: float
    zone: Zone  # the formula zone
    final_zone: Zone  # after an assessor override
    sub_label: str
    interval_low: float | None
    interval_median: float | None
    interval_high: float | None
    zone_shares: dict[Zone, float] | None
    samples: int
    provisional: int  # inputs awaiting assessor input or borrowed from similar roles (not yet the assessor's)
    review_first: int  # items on the review-first list
    review_priority: float  # the top item's priority (0: nothing to check first)
    top_item: str | None
    drafted_by: str
    # the composite over the scales of the inputs still awaiting assessor input (sensitivity.awaiting_range)
    awaiting_low: float | None = None
    awaiting_high: float | None = None
    awaiting_zones: str = ""  # the zones that range spans, e.g. "Red, Yellow" ("": nothing awaits)

    @property
    def interval(self) -> str:
        if self.interval_low is None:
            return ""
        return f"{self.interval_low:.1f}–{self.interval_high:.1f}"

    @property
    def until_set(self) -> str:
        """e.g. '7.7–42.8 Red, Yellow': where the composite may land once the awaiting inputs are set."""
        if self.awaiting_low is None:
            return ""
        return f"{self.awaiting_low:.1f}–{self.awaiting_high:.1f} {self.awaiting_zones}"


CSV_COLUMNS = (
    "code", "title", "task_resistance", "evidence_modifier", "barrier_modifier", "growth_modifier", "score", "zone",
    "final_zone", "sub_label", "interval_low", "interval_median", "interval_high", "samples", "provisional",
    "review_first", "review_priority", "top_item", "drafted_by", "file", "markdown", "awaiting_low", "awaiting_high",
    "awaiting_zones",
)  # fmt: skip


def portfolio_row(path: Path, folder: Path) -> PortfolioRow:
    a, _ = load_assessment(path)
    m = load_methodology()
    card = score(a, m)
    rf = review_first(a, m, card=card)
    unknown = awaiting_range(a, m, card)
    md = path.with_suffix(".md")
    u = a.uncertainty
    top = rf.items[0] if rf.items else None
    return PortfolioRow(
        code=a.provenance.onet_code or a.role.soc_code, title=a.role.job_title, file=os.path.relpath(path, folder),
        markdown=os.path.relpath(md, folder) if md.is_file() else None,
        task_resistance=card.task_resistance.value, evidence_modifier=card.evidence_modifier.value,
        barrier_modifier=card.barrier_modifier.value, growth_modifier=card.growth_modifier.value,
        score=card.score.value, zone=card.zone, final_zone=card.final_zone, sub_label=card.sub_label,
        interval_low=u.composite.low if u else None, interval_median=u.composite.median if u else None,
        interval_high=u.composite.high if u else None, zone_shares=u.composite.zone_shares if u else None,
        samples=len(u.samples) if u else 1, provisional=len(card.pending) + len(card.priors), review_first=rf.count,
        review_priority=top.priority if top else 0.0, top_item=f"{top.name}: {top.reasons[0]}" if top else None,
        drafted_by=a.provenance.drafted_by, awaiting_low=float(unknown.low) if unknown else None,
        awaiting_high=float(unknown.high) if unknown else None,
        awaiting_zones=", ".join(z.value for z in unknown.zones) if unknown else "",
    )  # fmt: skip


def _draft_files(folder: Path) -> list[Path]:
    """Each role once: its ``.json`` when there is one (lossless), else its house-format ``.md``."""
    if not folder.is_dir():
        raise DrafterError(f"{folder}: not a folder")

    def drafts(pattern: str) -> dict[str, Path]:
        return {p.stem: p for p in sorted(folder.glob(pattern)) if not p.name.startswith(".")}

    files = drafts("*.md") | drafts("*.json")
    return [files[s] for s in sorted(files)]


def _row_or_problem(args: tuple[Path, Path]) -> PortfolioRow | str:
    path, folder = args
    try:
        return portfolio_row(path, folder)
    except DrafterError as e:
        return str(e).splitlines()[0]


def build_portfolio(
    folder: Path, *, workers: int | None = None, on_progress: Callable[[int, int], None] = lambda d, t: None
) -> tuple[list[PortfolioRow], list[str]]:
    """Rows for every draft in ``folder``, in file order, and one line per file that is not an assessment.

    The review-first list re-scores each input of each draft (the sensitivity analysis), about 50 ms a role;
    ``workers`` > 1 shares the folder among that many processes (default 1: on the 2-core machine measured,
    loaded by other jobs, two workers were slower than one — benchmarks/portfolio.py).
    """
    folder = Path(folder)
    files = _draft_files(folder)
    jobs = [(p, folder) for p in files]
    workers = workers or 1
    results: list[PortfolioRow | str] = []
    if workers <= 1:
        for i, job in enumerate(jobs, 1):
            results.append(_row_or_problem(job))
            on_progress(i, len(jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, r in enumerate(pool.map(_row_or_problem, jobs, chunksize=16), 1):
                results.append(r)
                on_progress(i, len(jobs))
    rows = [r for r in results if isinstance(r, PortfolioRow)]
    problems = [r for r in results if isinstance(r, str)]
    return rows, problems


def by_review_priority(rows: list[PortfolioRow]) -> list[PortfolioRow]:
    return sorted(rows, key=lambda r: (-r.review_priority, -r.review_first, r.code or r.title))


def zone_counts(rows: list[PortfolioRow]) -> dict[Zone, int]:
    counts = Counter(r.final_zone for r in rows)
    return {z: counts.get(z, 0) for z in Zone}


def to_csv(rows: list[PortfolioRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        d = r.model_dump(mode="json")
        w.writerow(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
    return out.getvalue()


def to_json(rows: list[PortfolioRow], problems: list[str], weighted: dict | None = None) -> dict:
    return {
        "drafts": len(rows),
        "zones": {z.value: n for z, n in zone_counts(rows).items()},
        "employment_weighted": weighted,
        "rows": [r.model_dump(mode="json") for r in rows],
        "problems": problems,
    }


class Weighted(BaseModel):
    """The drafts' zones weighted by BLS OEWS employment (drafter/labour/weighting.py)."""

    shares: dict[Zone, float]
    note: str  # the citation and the headline lines, for the page
    data: dict  # WeightedZones.to_json()


def employment_weighted(rows: list[PortfolioRow]) -> Weighted | None:
    """Workers per zone over the drafts with an O*NET code (one draft per code: the first in file order); None
    when no draft has employment figures. A SOC code's workers are split among all O*NET occupations sharing it."""
    from ..codes import normalise_onet_code
    from ..labour.tables import LabourTables
    from ..labour.weighting import employment_weighted_zones
    from ..onet.catalog import Catalog

    pairs: dict[str, str] = {}
    for r in rows:
        if r.code:
            pairs.setdefault(normalise_onet_code(r.code), r.final_zone.value)
    if not pairs:
        return None
    dist = employment_weighted_zones(pairs.items(), LabourTables.load(), list(Catalog.load().by_code))
    if not dist.workers:
        return None
    shares = {Zone(z): w.share or 0.0 for z, w in dist.zones.items()}
    return Weighted(shares=shares, note="; ".join(dist.headline("drafted")), data=dist.to_json())


def histogram(rows: list[PortfolioRow], width: int = 5) -> list[tuple[int, dict[Zone, int]]]:
    """Scores in bins of ``width`` points (0-5, 5-10, …, the last bin includes 100), counted by zone."""
    bins: list[tuple[int, dict[Zone, int]]] = [(lo, dict.fromkeys(Zone, 0)) for lo in range(0, 100, width)]
    for r in rows:
        k = min(int(r.score // width), len(bins) - 1)
        bins[k][1][r.zone] += 1
    return bins


def render_html(
    rows: list[PortfolioRow],
    *,
    title: str,
    problems: list[str] = (),  # type: ignore[assignment]
    weighted: Weighted | None = None,
) -> str:
    """The portfolio page. ``weighted``: the employment-weighted zone distribution (``employment_weighted``),
    shown beside the count of roles when given."""
    from importlib import resources

    import jinja2

    from .charts import histogram_svg, zone_bar_svg

    m = load_methodology()
    template = (resources.files(__package__) / "page.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    counts = zone_counts(rows)
    markup = jinja2.utils.markupsafe.Markup
    return env.from_string(template).render(
        title=title,
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        rows=by_review_priority(rows),
        counts=counts,
        total=len(rows),
        problems=list(problems),
        zone_chart=markup(zone_bar_svg({z.value: float(n) for z, n in counts.items()}, "roles", "zone-chart")),
        employment_chart=markup(
            zone_bar_svg({z.value: v for z, v in weighted.shares.items()}, "employment", "employment-chart", pct=True)
        )
        if weighted
        else None,
        employment_note=weighted.note if weighted else "",
        histogram_chart=markup(histogram_svg(histogram(rows), m)),
        bands=f"Green ≥ {m.green_min}, Yellow ≥ {m.yellow_min}, Red below",
    )


PORTFOLIO_DIR = "portfolio"  # where a batch leaves its portfolio: a subfolder, so the drafts folder holds only drafts


def write_portfolio(
    folder: Path, rows: list[PortfolioRow], problems: list[str], title: str, force: bool = False
) -> list[Path]:
    """``portfolio/index.html``, ``portfolio.csv`` and ``portfolio.json`` under a drafts folder (a subfolder: every
    ``.json`` and ``.md`` in the drafts folder itself is a draft, as ``drafter eval --drafts`` expects), written
    as one group like any file a user may open and edit (``files.write_owned_files``: an edited one is refused,
    ``files.OverwriteRefused``, unless ``force``, which keeps numbered backups)."""
    import json

    from ..files import write_owned_files

    where = Path(folder) / PORTFOLIO_DIR
    linked = [r.model_copy(update={"markdown": f"../{r.markdown}" if r.markdown else None}) for r in rows]
    weighted = employment_weighted(rows)
    data = to_json(rows, problems, weighted.data if weighted else None)
    files = [
        (where / "index.html", render_html(linked, title=title, problems=problems, weighted=weighted)),
        (where / "portfolio.csv", to_csv(rows)),
        (where / "portfolio.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n"),
    ]
    write_owned_files(files, force, "portfolio")
    return [p for p, _ in files]
