from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from drafter.errors import DrafterError
from drafter.onet import import_release
from drafter.onet.catalog import Catalog, UnknownOccupation, load_bundled
from drafter.onet.custom import load_task_list
from drafter.onet.model import Task, TaskRatings
from drafter.onet.priors import expected_occurrences, priors, whole_percents

FIXTURE = Path(__file__).parent / "fixtures" / "onet_release"


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    occupations, attribution = load_bundled()
    return Catalog(occupations, attribution)


def test_bundled_data_holds_all_923_occupations_and_19265_tasks_with_attribution(bundled):
    assert len(bundled) == 923
    assert sum(len(o.tasks) for o in bundled.by_code.values()) == 19265
    assert "CC BY 4.0" in bundled.attribution and "MIT" in bundled.attribution


def test_29_2072_has_17_untyped_tasks_with_labels_and_priors_summing_to_100(bundled):
    occ = bundled.get("29-2072")
    assert occ is bundled.get("29-2072.00")
    assert occ.title == "Medical Records Specialists" and len(occ.tasks) == 17
    assert {t.type for t in occ.tasks} == {""}
    t = occ.task(22881)
    assert (t.human_label, t.gpt4_label, t.gpt4_automation) == ("E0", "E2", "T3")
    shares, rule = priors(occ.tasks)
    assert (
        sum(shares) == 100 and sorted(set(shares)) == [5, 6] and rule.startswith("equal shares (no O*NET task ratings")
    )


def test_type_prior_weighs_core_twice_supplemental(bundled):
    occ = bundled.get("11-1011.00")
    shares, _ = priors(occ.tasks)
    core = [s for t, s in zip(occ.tasks, shares, strict=True) if t.type == "Core"]
    supp = [s for t, s in zip(occ.tasks, shares, strict=True) if t.type == "Supplemental"]
    assert sum(shares) == 100 and min(core) >= 2 * min(supp) - 1 and max(core) <= 2 * max(supp) + 1


def test_unknown_code_answers_with_the_closest_codes(bundled):
    with pytest.raises(UnknownOccupation) as e:
        bundled.get("29-2079")
    assert str(e.value).startswith("no O*NET occupation 29-2079.00; closest: 29-2072.00 Medical Records Specialists")


def test_a_title_where_a_code_belongs_suggests_matches(bundled):
    with pytest.raises(UnknownOccupation, match="did you mean 29-2072.00 Medical Records Specialists"):
        bundled.get("medical records")


@pytest.mark.parametrize(
    "query", ["medical coder", "Medical Records", "medical records coder", "medical record specialist"]
)
def test_search_finds_medical_records_specialists_first(bundled, query):
    assert bundled.search(query)[0].occupation.code == "29-2072.00"


def test_whole_percents_sum_to_100_and_break_ties_to_the_earlier_task():
    assert whole_percents([1, 1, 1]) == [34, 33, 33]
    assert whole_percents([0, 0]) == [50, 50]
    assert sum(whole_percents([0.1] * 37)) == 100


def test_frequency_categories_map_to_occurrences_per_year():
    assert expected_occurrences({5: 100.0}) == 250
    assert expected_occurrences({1: 50.0, 7: 50.0}) == (1 + 2000) / 2
    assert expected_occurrences({}) is None


def test_release_ratings_give_the_documented_prior_including_n_a_cells():
    tasks = [
        Task(1, "a", ratings=TaskRatings({3: 2.1, 4: 5.3, 5: 30.4, 6: 40.2, 7: 22.0}, 4.6, 100.0)),
        Task(2, "b", ratings=TaskRatings({1: 1, 2: 3, 3: 10, 4: 40, 5: 36, 6: 10, 7: 0}, 4.1, 95.0)),
        Task(3, "c", ratings=TaskRatings({1: 50, 2: 30, 3: 20}, None, 40.0)),  # IM n/a -> mean 4.35
    ]
    w1 = math.log10(1 + 823.516) * 4.6 * 1.0
    w2 = math.log10(1 + 209.13) * 4.1 * 0.95
    w3 = math.log10(1 + 6.5) * 4.35 * 0.40
    exact = [w * 100 / (w1 + w2 + w3) for w in (w1, w2, w3)]  # 55.93, 37.72, 6.35
    assert [round(x, 2) for x in exact] == [55.93, 37.72, 6.35]
    shares, rule = priors(tasks)
    assert shares == [56, 38, 6] and rule.startswith("Task Ratings")


def test_imported_release_takes_precedence_and_keeps_labels_by_task_id(tmp_path):
    store = tmp_path / "onet.sqlite"
    n_occ, n_tasks, _ = import_release(FIXTURE, store)
    assert (n_occ, n_tasks) == (2, 5)
    cat = Catalog.load(store)
    assert len(cat) == 923  # both release occupations replace bundled ones
    occ = cat.get("29-2072")
    assert [t.id for t in occ.tasks] == [22881, 22890, 22893] and occ.source.startswith("release")
    assert occ.task(22881).type == "Core" and occ.task(22881).human_label == "E0"
    assert priors(occ.tasks)[0] == [56, 38, 6]
    assert occ.alternate_titles == ("Medical Coder", "Health Information Clerk")
    replaced = cat.get("15-1299.08")  # 28 tasks bundled, 2 in the release
    assert [t.type for t in replaced.tasks] == ["", ""] and replaced.task(90001).human_label is None
    best = cat.search("medical coder")[0]
    assert best.occupation.code == "29-2072.00" and best.matched == "alternate title 'Medical Coder'"


def _break(src: Path, dst: Path, file: str, old: str, new: str) -> Path:
    shutil.copytree(src, dst)
    p = dst / file
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return dst


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "Task Statements.txt",
            "\t22890\t",
            "\t22890x\t",
            "Task Statements.txt:line 3:column 2 (Task ID): expected an integer, got '22890x'",
        ),
        (
            "Task Ratings.txt",
            "22881\tIM\tn/a\t4.60",
            "22881\tIM\tn/a\t7.60",
            "Task Ratings.txt:line 9:column 5 (Data Value): expected an importance between 1 and 5",
        ),
        (
            "Task Ratings.txt",
            "22881\tFT\t3\t",
            "22881\tFT\t9\t",
            "Task Ratings.txt:line 4:column 4 (Category): expected an FT frequency category 1-7",
        ),
        (
            "Occupation Data.txt",
            "29-2072.00\tMedical",
            "29-2072\tMedical",
            "Occupation Data.txt:line 2:column 1 (O*NET-SOC Code): expected a code like 29-2072.00",
        ),
        (
            "Task Statements.txt",
            "\tCore\t45\t",
            "\tCore\t",
            "Task Statements.txt:line 2:column 7: expected 7 tab-separated columns, got 6",
        ),
    ],
)
def test_broken_release_names_file_line_column_and_leaves_the_store_as_it_was(tmp_path, file, old, new, message):
    store = tmp_path / "home" / "onet.sqlite"
    import_release(FIXTURE, store)
    before = store.read_bytes()
    broken = _break(FIXTURE, tmp_path / "broken", file, old, new)
    with pytest.raises(DrafterError) as e:
        import_release(broken, store)
    assert message in str(e.value)
    assert store.read_bytes() == before
    assert sorted(p.name for p in store.parent.iterdir()) == ["onet.sqlite"]


def test_custom_task_lists_in_csv_yaml_and_json(tmp_path):
    (tmp_path / "t.csv").write_text(
        "id,text,type,weight\n1,Draft privacy notices,Core,3\n2,Train staff,,1\n", encoding="utf-8"
    )
    (tmp_path / "t.yaml").write_text(
        "title: Data Protection Officer\ntasks:\n  - {id: 1, text: Run DPIAs, type: core}\n  - {id: 2, text: Answer regulators}\n",
        encoding="utf-8",
    )
    (tmp_path / "t.json").write_text(json.dumps([{"id": 7, "text": "Audit processors"}]), encoding="utf-8")
    csv_occ = load_task_list(tmp_path / "t.csv", "DPO")
    assert priors(csv_occ.tasks) == ([75, 25], "explicit weights")
    yaml_occ = load_task_list(tmp_path / "t.yaml")
    assert yaml_occ.title == "Data Protection Officer" and yaml_occ.tasks[0].type == "Core"
    assert priors(yaml_occ.tasks)[0] == [67, 33]
    assert load_task_list(tmp_path / "t.json").tasks[0].id == 7


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "id,text\n1,One\nx,Two\n", "a.csv:line 3.id: expected a positive integer, got 'x'"),
        ("b.csv", "id,statement\n1,One\n", "b.csv:line 1: missing column(s) text"),
        ("c.yaml", "- {id: 1, text: One}\n- {id: 1, text: Two}\n", "c.yaml: tasks[1].id: task id 1 is used twice"),
        ("d.yaml", "- {id: 1, text: One, weight: -2}\n", "d.yaml: tasks[0].weight: expected a positive number, got -2"),
        ("e.yaml", "tasks: [ {id: 1, text: One\n", "e.yaml:line 2:col 1: invalid YAML"),
        ("f.json", '[{"id": 1, "text": "One", "kind": "x"}]', "f.json: tasks[0]: unknown field(s) kind"),
        (
            "g.json",
            '[{"id": 1, "text": "One", "weight": 2}, {"id": 2, "text": "Two"}]',
            "tasks[1].weight: give a weight for every task or for none",
        ),
        ("h.txt", "1,One", "h.txt: expected a .csv, .yaml, .yml or .json task list"),
    ],
)
def test_bad_custom_task_list_gets_a_clear_error(tmp_path, name, content, message):
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(DrafterError) as e:
        load_task_list(tmp_path / name)
    assert message in str(e.value)


def test_onet_show_cli_lists_the_17_tasks_offline(run_cli):
    r = run_cli("onet", "show", "29-2072", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["title"] == "Medical Records Specialists" and len(data["tasks"]) == 17
    assert sum(t["prior_pct"] for t in data["tasks"]) == 100


def test_onet_import_cli_then_show_uses_the_release(run_cli):
    assert run_cli("onet", "import", str(FIXTURE)).returncode == 0
    data = json.loads(run_cli("onet", "show", "29-2072.00", "--json").stdout)
    assert [t["id"] for t in data["tasks"]] == [22881, 22890, 22893]


def test_onet_search_cli_ranks_medical_records_specialists_first(run_cli):
    r = run_cli("onet", "search", "medical coder", "--json")
    assert json.loads(r.stdout)[0]["code"] == "29-2072.00"


def test_one_bundled_occupation_is_built_alone_and_equals_the_catalogs():
    from drafter.onet.catalog import bundled_one

    catalog = Catalog(load_bundled()[0])
    for code in ("29-2072.00", "47-2072.00", "25-2057.00", "11-1011.03"):
        assert bundled_one(code) == catalog.get(code)
    assert bundled_one("99-9999.00") is None
    assert Catalog.load_one("29-2072") == catalog.get("29-2072.00")
    with pytest.raises(UnknownOccupation, match="no O\\*NET occupation 99-9999.00; closest"):
        Catalog.load_one("99-9999")


def test_the_bundled_file_read_line_by_line_holds_what_the_whole_document_holds():
    import gzip
    import json

    from drafter.onet import catalog as cat

    whole = json.loads(gzip.decompress((cat.resources.files("drafter.onet") / "data" / cat.BUNDLED).read_bytes()))
    assert whole["format"] == 2 and len(whole["occupations"]) == 923
    occupations, attribution = load_bundled()
    assert attribution == whole["attribution"] and "CC BY 4.0" in attribution
    assert [o.code for o in occupations] == list(whole["occupations"])
    for o in occupations:
        raw = whole["occupations"][o.code]
        assert o.title == raw["title"] and [[t.id, t.statement] for t in o.tasks] == [r[:2] for r in raw["tasks"]]
        assert o.source == whole["release"]


def test_onet_search_refuses_an_empty_or_huge_query_as_bad_input_quickly(run_cli):
    import time

    for query, says in (("", "give words of a job title"), ("   ", "give words of a job title"),
                        ("clerk " * 20_000, "at most 200 characters"), ("zzqqxx", "no occupation matches")):  # fmt: skip
        t0 = time.perf_counter()
        r = run_cli("onet", "search", query)
        assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert time.perf_counter() - t0 < 10


def test_a_mistyped_file_name_is_not_matched_as_a_title(run_cli, tmp_path):
    for arg in ("../../etc/passwd", "tasks.yaml", "my-roles.csv"):
        r = run_cli("draft", arg, "--offline", "-o", str(tmp_path / "out"))
        # a missing file is "no such file"; one that exists (../../etc/passwd from some clones) is of an unread kind
        assert r.returncode == 2 and ("no such file" in r.stderr or "not a task list drafter reads" in r.stderr)
        assert "did you mean" not in r.stderr and "Etchers" not in r.stderr
