"""No fact from a golden role's text reaches that same role's prompt (issue 22 item 6, "Must show").

Every role `drafter eval` judges is drafted against the fake server: the golden role 29-2072 (Medical Records
Specialist, the seed) and each reference point with an O*NET code (figures the seed states for other roles). What
drafter itself puts in front of the model (the system prompt, the role's context and the tool schemas'
descriptions of every request, and the whole first request, sent before any answer exists) must hold none of that
role's own text: for the golden role no six-word run of anything it says, not its cited May 2022 wage nor its +7%
projection (both were once a schema's examples); for a reference point, not the figures the seed gives it nor a
six-word run of the seed's sentences about it. Its evidence notes, calibration table, worked example and "where to
look next" candidates all arrive in those messages, so one check covers every path.
"""

from __future__ import annotations

import json
import re

import pytest

from drafter.assessment import COMMENTARY_HEADINGS
from drafter.calibration import normalised_title
from drafter.drafting.drive import draft_with_llm
from drafter.drafting.neighbours import draft_calibration
from drafter.evaluation.golden import load_golden_roles, load_reference_points

SEED = "29-2072.00"


def _runs(text: str, n: int = 6) -> set[str]:
    w = re.findall(r"[a-z0-9%+$.,-]+", text.lower())
    w = [x.strip(".,") for x in w if x.strip(".,")]
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def _strings(x) -> list[str]:
    if isinstance(x, str):
        return [x]
    if isinstance(x, dict):
        return [s for v in x.values() for s in _strings(v)]
    if isinstance(x, list):
        return [s for v in x for s in _strings(v)]
    return []


def _descriptions(x) -> list[str]:
    """The descriptions of a request's tool schemas: drafter's words (a schema's enum of row names is the model's
    earlier answer, which the fake server takes from the seed)."""
    if isinstance(x, dict):
        own = [x["description"]] if isinstance(x.get("description"), str) else []
        return own + [s for k, v in x.items() if k != "description" for s in _descriptions(v)]
    if isinstance(x, list):
        return [s for v in x for s in _descriptions(v)]
    return []


def _sentences_naming(texts: list[str], title: str) -> list[str]:
    """The golden text's sentences (or parenthesised clauses) about a role it names: what the seed says of it."""
    stem = normalised_title(title).split()[:2]  # "medical secretaries" names "Medical Secretary" too
    out = []
    for t in texts:
        for s in re.split(r"(?<=[.;])\s+|\bNOT\b", t):
            if all(w[:5] in normalised_title(s) for w in stem):
                out.append(s)
    return out


def _roles() -> list[tuple[str, str, list[str], list[str]]]:
    """(code, title, own figures as regexes, own texts) of every role eval drafts."""
    golden = load_golden_roles()
    seed_texts = _strings(json.loads(golden[SEED].model_dump_json()))
    out = [(SEED, golden[SEED].role.job_title, [r"\$?47,190", r"May 2022", r"\+7%"], seed_texts)]
    points = load_reference_points()
    texts_of = [t for code in points.derived_from for t in _strings(json.loads(golden[code].model_dump_json()))]
    for p in points.points:
        if p.onet_code is None:
            continue  # eval cannot draft a role without an O*NET code
        figures = [rf"(?<![\d.$]){re.escape(f'{p.score:.1f}')}(?![\d%])"]
        if p.task_resistance is not None:
            figures.append(rf"(?<![\d.$]){re.escape(f'{p.task_resistance:.2f}')}(?!\d)")
        out.append((p.onet_code, p.title, figures, _sentences_naming(texts_of, p.title)))
    return out


ROLES = _roles()


def test_every_role_eval_drafts_is_checked_here():
    judged = {c for c, *_ in ROLES}
    assert judged == {SEED, "43-6013.00", "29-2052.00", "11-9199.02", "31-1131.00"}
    assert all(texts for *_, texts in ROLES)  # the seed says something of each reference point


@pytest.mark.parametrize(("code", "title", "figures", "texts"), ROLES, ids=[r[0] for r in ROLES])
def test_no_text_or_figure_of_a_golden_role_reaches_its_own_requests(
    llm_factory, fake_llm, catalog, calibration_set, code, title, figures, texts
):
    occ = catalog.get(code)
    cal = draft_calibration(occ, occ.title, calibration_set, catalog)
    draft_with_llm(occ, llm_factory(), calibration=cal)
    shown = [b["messages"][0]["content"] + "\n" + b["messages"][1]["content"] for b in fake_llm.requests]
    shown += [" ".join(_descriptions(b.get("tools"))) for b in fake_llm.requests]  # what the schemas tell it
    shown.append(json.dumps(fake_llm.requests[0], ensure_ascii=False))  # step 1 precedes any answer of the model's
    assert len(fake_llm.requests) >= 4 and all("<notes>" in b["messages"][1]["content"] for b in fake_llm.requests)
    assert all(b.get("tools") for b in fake_llm.requests)  # the facts and a schema reached every request
    house_format = set().union(*(_runs(h) for h in COMMENTARY_HEADINGS))
    own = set().union(*(_runs(t) for t in texts)) - house_format
    for text in shown:
        assert not (own & _runs(text)), (code, sorted(own & _runs(text))[:5])
        for figure in figures:
            hits = [text[max(0, m.start() - 60) : m.end() + 20] for m in re.finditer(figure, text)]
            assert not hits, (code, figure, hits)
