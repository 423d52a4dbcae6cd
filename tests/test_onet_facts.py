"""O*NET 29.3 task ratings as the time-share prior, and the occupation facts layer (issue 22 items 1 and 2)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace

from drafter.onet.catalog import Catalog
from drafter.onet.model import Task, TaskRatings
from drafter.onet.priors import priors, task_weights, total_variation

from .conftest import ROOT


def test_bundled_tasks_carry_onet_29_3_ratings_and_the_prior_uses_them():
    occ = Catalog.load().get("43-6013")
    rated = [t for t in occ.tasks if t.ratings is not None]
    assert len(rated) == 15 and len(occ.tasks) == 16
    assert all(t.ratings.per_day is not None and t.ratings.source.startswith("O*NET 29.3") for t in rated)
    shares, rule = priors(occ.tasks)
    assert rule.startswith(
        "O*NET 29.3 task ratings (May 2025): log10(1 + occurrences/yr, derived from O*NET's frequency categories)"
    )
    assert "1 unrated task at the mean rated weight" in rule
    type_only, _ = priors(tuple(replace(t, ratings=None) for t in occ.tasks))
    assert shares != type_only and sum(shares) == 100


def test_prior_rule_is_log_occurrences_times_importance_times_relevance():
    tasks = (
        Task(1, "a", ratings=TaskRatings(importance=4.0, relevance=100.0, per_day=8.0, source="S")),
        Task(2, "b", ratings=TaskRatings(importance=3.0, relevance=50.0, per_day=1 / 260, source="S")),
        Task(3, "c"),  # unrated: the mean of each component over the rated tasks
    )
    w1, w2 = math.log10(1 + 8 * 260) * 4 * 1.0, math.log10(2) * 3 * 0.5
    w3 = math.log10(1 + (8 * 260 + 1) / 2) * 3.5 * 0.75
    exact = [w * 100 / (w1 + w2 + w3) for w in (w1, w2, w3)]
    shares, rule = priors(tasks)
    assert shares == [round(x) for x in exact] and rule.startswith("S: ") and "1 unrated task" in rule


def test_an_occupation_without_ratings_falls_back_to_equal_shares_and_says_so():
    occ = Catalog.load().get("29-2072")  # O*NET 29.3 publishes no task ratings for it
    assert all(t.ratings is None for t in occ.tasks)
    shares, rule = priors(occ.tasks)
    assert set(shares) == {5, 6} and rule.startswith("equal shares (no O*NET task ratings")


def test_documented_tv_distance_to_the_seed_time_shares_is_what_the_prior_gives():
    golden = json.loads((ROOT / "evals" / "golden" / "29-2072.00.json").read_text(encoding="utf-8"))
    rows = [(r["time_pct"], r["onet_task_ids"]) for r in golden["tasks"]]
    occ = Catalog.load().get("29-2072")
    before = total_variation({t.id: 1.0 for t in occ.tasks}, rows)
    weights, _ = task_weights(occ.tasks)  # today's prior rule, exact
    after = total_variation({t.id: w for t, w in zip(occ.tasks, weights, strict=True)}, rows)
    shares, _ = priors(occ.tasks)
    shown = total_variation({t.id: float(s) for t, s in zip(occ.tasks, shares, strict=True)}, rows)
    doc = (ROOT / "docs" / "offline.md").read_text(encoding="utf-8")
    found = re.search(r"before \(equal shares\) (\d\.\d{3});\s+after (\d\.\d{3})", doc)
    assert found and (float(found.group(1)), float(found.group(2))) == (round(before, 3), round(after, 3))
    assert f"({shown:.3f} as the whole\npercents shown)" in doc


def test_total_variation_counts_tasks_no_row_covers_as_a_zero_row():
    assert total_variation({1: 1, 2: 1}, [(100, [1, 2])]) == 0
    assert total_variation({1: 1, 2: 1}, [(100, [1])]) == 0.5
    assert total_variation({1: 3, 2: 1}, [(50, [1]), (50, [2])]) == 0.25


def test_the_derived_frequency_is_flagged_as_derived_wherever_the_rule_is_shown(run_cli, catalog):
    """O*NET publishes frequency as 7 categories; the per-workday figure the prior uses is a third party's collapse
    of them (drafter/onet/data/SOURCE.md), so the rule never shows "occurrences/yr" as if O*NET published it."""
    from drafter.drafting.preview import preview_prompts

    flag = "occurrences/yr, derived from O*NET's frequency categories"
    shown = " ".join(run_cli("onet", "show", "43-6013").stdout.split())
    assert flag in shown and "occurrences/yr)" not in shown
    context = preview_prompts(catalog.get("43-6013"))[0].messages[1]["content"]
    assert flag in " ".join(context.split())
