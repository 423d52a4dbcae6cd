"""The HTML pages drafter writes (the portfolio, the eval report) rendered in a real headless Chromium."""

from __future__ import annotations

import os
import re

import pytest

from drafter.assessment import Zone
from drafter.files import assessment_json, atomic_write

from .browser import REQUIRE_ENV, find_browser, render

if find_browser() is None:
    if os.environ.get(REQUIRE_ENV):
        raise RuntimeError(f"{REQUIRE_ENV} is set but no Chromium is installed (.ci/run installs Debian's chromium)")
    pytestmark = pytest.mark.skip(reason="Chromium is not installed here (apt-get install -y chromium); CI installs it")

# anything a page could fetch when opened: src/href to another host, CSS url(), @import
FETCHES = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)|url\(\s*["']?\s*(?:https?:|//)|@import""", re.I)


def _pngs_size(path) -> int:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return len(data)


@pytest.fixture(scope="module")
def drafts_dir(tmp_path_factory, golden):
    from drafter.drafting.offline import draft_offline
    from drafter.house_format import render_markdown
    from drafter.inputs import with_value
    from drafter.onet import resolve_occupation
    from drafter.review.consensus import Sample, consensus

    d = tmp_path_factory.mktemp("portfolio")
    for code in ("29-2072", "43-4051", "29-1141"):
        a = draft_offline(resolve_occupation(code))
        atomic_write(d / f"{a.provenance.onet_code}.json", assessment_json(a))
        atomic_write(d / f"{a.provenance.onet_code}.md", render_markdown(a))
    llm = golden.model_copy(
        update={
            "provenance": golden.provenance.model_copy(
                update={"drafted_by": "llm:m", "inputs": {"endpoint": "e", "model": "m"}}
            )
        }
    )
    sampled = consensus([Sample.of(llm, 0), Sample.of(with_value(llm, "tasks[0].score", 1), 1), Sample.of(llm, 2)])
    atomic_write(d / "sampled.json", assessment_json(sampled))
    return d


def test_portfolio_page_renders_its_charts_and_table_and_fetches_nothing(drafts_dir, tmp_path):
    from drafter.portfolio.table import build_portfolio, render_html

    rows, problems = build_portfolio(drafts_dir, workers=1)
    page = drafts_dir / "portfolio.html"
    html = render_html(rows, title="Portfolio test", problems=problems)
    atomic_write(page, html)
    assert not FETCHES.search(html)
    out = render(page, tmp_path / "portfolio.png", tmp_path / "profile")
    dom = out.dom
    assert 'id="zone-chart"' in dom and 'id="score-histogram"' in dom and 'id="portfolio-table"' in dom
    assert dom.count('class="draft-row"') == 4
    assert len(re.findall(r'<rect class="bar zone-', dom)) >= 2  # histogram bars drawn
    assert '<a href="29-2072.00.md">' in dom  # links to each draft's Markdown
    assert "15.1–25.0" in dom  # the sampled draft's interval
    assert out.requests == [], f"the page tried to load: {out.requests}"
    assert _pngs_size(out.screenshot) > 20_000


def test_portfolio_page_shows_the_employment_weighted_zone_distribution(drafts_dir, tmp_path):
    from drafter.portfolio.table import build_portfolio, employment_weighted, render_html

    rows, _ = build_portfolio(drafts_dir, workers=1)
    weighted = employment_weighted(rows)
    page = tmp_path / "weighted.html"
    atomic_write(page, render_html(rows, title="t", weighted=weighted))
    out = render(page, tmp_path / "weighted.png", tmp_path / "profile")
    red = f"Red {weighted.shares[Zone.RED]:.0%}"
    assert 'id="employment-chart"' in out.dom and red in out.dom and "BLS OEWS" in out.dom and out.requests == []


def test_eval_report_renders_its_chart_and_tables_and_fetches_nothing(tmp_path):
    from drafter import api

    outcome = api.evaluate(output=tmp_path / "runs")  # the offline default against the golden roles
    html_path = outcome.html_path
    html = html_path.read_text(encoding="utf-8")
    assert not FETCHES.search(html)
    out = render(html_path, tmp_path / "eval.png", tmp_path / "profile")
    assert 'aria-label="composite scores"' in out.dom and out.dom.count("<table") >= 2
    assert "Medical Records Specialist" in out.dom
    assert out.requests == [], f"the page tried to load: {out.requests}"
    assert _pngs_size(out.screenshot) > 20_000


def test_the_browser_check_does_catch_a_page_that_fetches(tmp_path):
    page = tmp_path / "fetches.html"
    page.write_text('<!doctype html><html><body><img src="http://example.invalid/logo.png"><p>x</p></body></html>')
    out = render(page, tmp_path / "fetches.png", tmp_path / "profile")
    assert out.requests == ["http://example.invalid/logo.png"]
