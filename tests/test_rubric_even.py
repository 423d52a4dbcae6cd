"""An even-handed rubric (issue 22 item 4): every level written the same way, in general terms, no golden role's
own text in any prompt, the 4-versus-5 push matched by a 3-versus-4 one, and the roles any prompt text was
derived from stated."""

from __future__ import annotations

import json
import re
from pathlib import Path

from drafter.assessment import COMMENTARY_HEADINGS
from drafter.drafting import prompts
from drafter.drafting.pipeline import system_variables
from drafter.evaluation.golden import load_golden_roles
from drafter.methodology import load_methodology
from drafter.resources import prompts_dir


def _levels():
    r = load_methodology().rubric
    out = [(s.key, None, lv) for s in r.scales for lv in s.levels]
    return out + [(s.key, d.name, lv) for s in r.scales for d in s.dimensions for lv in d.levels]


def _runs(text: str, n: int = 6) -> set[str]:
    w = re.findall(r"[a-z0-9%+-]+", text.lower())
    return {" ".join(w[i : i + n]) for i in range(len(w) - n + 1)}


def _strings(x) -> list[str]:
    if isinstance(x, str):
        return [x]
    if isinstance(x, dict):
        return [s for v in x.values() for s in _strings(v)]
    if isinstance(x, list):
        return [s for v in x for s in _strings(v)]
    return []


def test_no_six_word_run_of_a_golden_roles_text_is_in_any_prompt():
    system = prompts.render("system.j2", **system_variables(load_methodology()))
    templates = " ".join(p.read_text(encoding="utf-8") for p in sorted(prompts_dir().glob("*.j2")))
    shown = _runs(system) | _runs(templates)
    house_format = set().union(*(_runs(h) for h in COMMENTARY_HEADINGS))  # the house's headings, not its facts
    for code, a in load_golden_roles().items():
        texts = _strings(json.loads(a.model_dump_json()))
        leaked = (set().union(*(_runs(t) for t in texts)) & shown) - house_format
        assert not leaked, (code, sorted(leaked))


def test_every_level_is_written_the_same_way_whatever_its_basis():
    levels = _levels()
    name = re.compile(r"^[A-Z][\w ,/-]*: \S")  # a short name, then the condition
    for scale, dim, lv in levels:
        if scale == "labels" or scale == "reinstatement" and lv.value in ("low", "moderate", "high"):
            continue  # the labels are defined by who performs the work; reinstatement sizes by volume
        assert name.match(lv.meaning), (scale, dim, lv.value, lv.meaning)
    groups: dict[tuple, list] = {}
    for scale, dim, lv in levels:
        groups.setdefault((scale, dim), []).append(lv)
    for key, group in groups.items():  # no level of a scale much more (or less) spelt out than its neighbours
        sizes = [len(lv.meaning) for lv in group]
        assert max(sizes) <= 2.5 * min(sizes), (key, sizes)
        mean = sum(sizes) / len(sizes)
        assert all(len(lv.meaning) <= 1.6 * mean for lv in group if lv.basis == "seed"), (key, sizes)
    for _, _, lv in levels:  # no role's own field, figure or tool as a level's meaning
        assert not re.search(r"health|medical|clinical|coding|BLS projects|CAC|EHR|HIPAA", lv.meaning), lv.meaning


def test_no_level_restates_a_golden_roles_own_reasons_for_choosing_it():
    """A level defines the level, in general terms; it does not carry the reasons a golden role gave for its own
    score on that dimension (the seed's "not yet 80%+ autonomous for complex cases", "not necessarily sustained
    demand for human coders", "fewer humans per unit of work"): no four-word run of the role's text for the same
    scale or dimension is in the level's meaning."""
    from drafter.assessment import BARRIER_NAMES, EVIDENCE_NAMES

    definitional = {("barriers", "Liability/Accountability", "1"): {"sits with the organisation"}}  # where liability
    # sits is what the level is (organisational, not personal); the seed applies that definition, it adds no reason
    for a in load_golden_roles().values():
        own = {
            ("growth", None): _strings(a.growth.model_dump()),
            ("task_score", None): [t.rationale for t in a.tasks],
            **{("evidence", name): _strings(getattr(a.evidence, k).model_dump()) for k, name in EVIDENCE_NAMES.items()},
            **{("barriers", name): _strings(getattr(a.barriers, k).model_dump()) for k, name in BARRIER_NAMES.items()},
        }
        for scale, dim, lv in _levels():
            reasons = set().union(set(), *(_runs(t, 4) for t in own.get((scale, dim), [])))
            shared = _runs(lv.meaning, 4) & reasons - definitional.get((scale, dim, lv.value), set())
            assert not shared, (scale, dim, lv.value, sorted(shared))


def test_the_push_between_4_and_5_is_matched_between_3_and_4():
    r = load_methodology().rubric
    four, three = r["task_score"].level("4").meaning, r["task_score"].level("3").meaning
    assert "Choose 4, not 5," in four and "choose 4, not 3," in four and "Choose 3, not 4," in three
    system = prompts.render("system.j2", **system_variables(load_methodology()))
    assert "3 against 4 as carefully as 4 against 5" in system


def test_each_rows_rationale_argues_its_level_against_both_neighbours_at_every_boundary():
    text = " ".join((prompts_dir() / "score_rows.j2").read_text(encoding="utf-8").split())
    pushes = re.findall(r"for a (\d), why not (\d)(?: and why not (\d))?", text)
    asked = {(int(lv), int(n)) for lv, *ns in pushes for n in ns if n}
    boundaries = {(lv, n) for lv in range(1, 6) for n in (lv - 1, lv + 1) if 1 <= n <= 5}
    assert asked == boundaries  # 3 against 4 asked as 4 against 5 is, both ways


def test_the_decompose_example_is_not_a_golden_roles_own_exclusion():
    text = (prompts_dir() / "decompose.j2").read_text(encoding="utf-8")
    for a in load_golden_roles().values():
        for reason in a.unmapped_onet_tasks.values():
            assert not (_runs(reason, 3) & _runs(text, 3) - {"is", "work"}), reason
    assert "appointment" not in text.lower()


def test_the_rubric_names_the_golden_roles_it_was_derived_from():
    r = load_methodology().rubric
    assert (
        r.derived_from == ("29-2072.00",) and r.seed_levels() == 18
    )  # 21 until issue 22's audit rewrote three seed-reason levels
    assert Path(prompts_dir() / "README.md").read_text(encoding="utf-8").count("29-2072") >= 1


def test_eval_states_which_golden_roles_the_prompt_text_was_derived_from(run_cli, tmp_path):
    r = run_cli("eval", "--output", str(tmp_path / "out"), "--json")
    run = json.loads(Path(json.loads(r.stdout)["json"]).read_text(encoding="utf-8"))
    derived = run["config"]["derived_from"]
    assert list(derived) == ["29-2072.00"]
    assert (
        derived["29-2072.00"][0]
        == "rubric wording: 18 of 61 levels (basis = seed, methodology aijri-v1) in every prompt"
    )
    assert derived["29-2072.00"][1].startswith("reference points: 5 figures quoted in its text, never shown")
    html = next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
    assert "Prompt text derived from golden roles" in html and "29-2072.00: rubric wording: 18 of 61" in html
    text = run_cli("eval", "--output", str(tmp_path / "out2"))
    assert "Prompt text derived from 29-2072.00" in " ".join(text.stdout.split())


def _examples(text: str) -> list[str]:
    """Every quoted example a prompt or a response model's schema gives the model ('e.g. "…"')."""
    return re.findall(r"e\.g\.,? [\"']([^\"']+)[\"']", " ".join(text.split()))


def test_no_example_shown_to_the_model_is_a_golden_roles_own_decision():
    from drafter.drafting.outputs import Commentary, Decomposition, RoleSections, RowScores

    templates = " ".join(p.read_text(encoding="utf-8") for p in sorted(prompts_dir().glob("*.j2")))
    schemas = " ".join(json.dumps(m.model_json_schema()) for m in (Decomposition, RowScores, RoleSections, Commentary))
    examples = _examples(templates) + _examples(schemas.replace('\\"', '"'))
    assert "Entry-Level (0-2 years)" in examples and len(examples) >= 4
    for code, a in load_golden_roles().items():
        decisions = [a.role.seniority_level, a.role.typical_experience, *(r.task for r in a.tasks)]
        decisions += list(a.unmapped_onet_tasks.values())
        for example in examples:  # neither its level, its row names nor its exclusions, nor a part of them
            assert not any(_runs(example, 3) & _runs(d, 3) for d in decisions), (code, example)
            assert not any(example.casefold() in d.casefold() for d in decisions), (code, example)
