"""Official labour-market figures: the bundled BLS table, code mapping, import, facts, notes and weighting."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from drafter.errors import DrafterError
from drafter.labour.facts import LabourFacts, cited_figures, official_evidence
from drafter.labour.figures import (
    MEASURES,
    Figure,
    LabourDataError,
    Release,
    ReleaseTable,
    SocFigures,
    Status,
    fmt_figure,
    read_national_table,
)
from drafter.labour.notes import notes_document, notes_for_draft, write_notes_file
from drafter.labour.store import read_store
from drafter.labour.tables import LabourTables, bundled_table, code_map
from drafter.labour.timeseries import import_timeseries, read_timeseries, write_timeseries
from drafter.labour.weighting import employment_weighted_zones

SHARED_TABLE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "bls-oews-2025" / "national.csv"


def _tables(*extra: ReleaseTable) -> LabourTables:
    return LabourTables([bundled_table(), *extra])


def test_every_bundled_onet_code_has_a_soc_row_or_a_mapping_line_with_its_reason(catalog):
    tables = _tables()
    assert len(catalog.by_code) == 923
    how = {}
    for code in catalog.by_code:
        m = tables.soc_for(code)
        how[code] = m.how
        if m.how == "direct":
            assert m.soc_code == code[:7] and m.soc_code in bundled_table().rows
        else:
            assert code[:7] in code_map(), code  # every other code is listed in the mapping file …
            target, reason = code_map()[code[:7]]
            assert reason and m.reason == reason  # … with its reason
            assert m.soc_code == target and (target is None or target in bundled_table().rows)
    six = {c[:7] for c in catalog.by_code}
    assert len(six) == 798 and len({c[:7] for c in catalog.by_code if how[c] == "direct"}) == 771
    assert len(code_map()) == 27
    # no stale line: each mapped code is one the table lacks, and one drafter knows
    assert all(old not in bundled_table().rows and old in six for old in code_map())


def test_mapped_codes_take_the_combined_codes_figures():
    tables = _tables()
    assert tables.soc_for("29-2011.01").soc_code == "29-2010"
    assert tables.soc_for("21-1014.00").soc_code == "21-1018"
    assert tables.soc_for("11-1031").soc_code is None and "no national estimate" in tables.soc_for("11-1031").reason
    assert tables.soc_for("custom").soc_code is None


def test_the_bundled_table_is_the_shared_official_table_unchanged():
    if not SHARED_TABLE.exists():
        pytest.skip("the shared BLS table is not here")
    shipped = Path(__file__).resolve().parent.parent / "drafter" / "labour" / "data" / "oews_national_2025.csv"
    assert shipped.read_bytes() == SHARED_TABLE.read_bytes()
    t = bundled_table()
    assert len(t.rows) == 1104
    mrs = t.rows["29-2072"]
    assert mrs.employment == Figure(Decimal("194720"), Status.PUBLISHED)
    assert mrs.annual_median_wage.number == Decimal("51140") and str(mrs.get("hourly_median_wage").value) == "24.59"


def test_unpublished_values_stay_unpublished():
    teachers = bundled_table().rows["25-1011"]  # postsecondary teachers are paid annually: no hourly wage (footnote 4)
    hourly = teachers.get("hourly_median_wage")
    assert hourly.status is Status.NOT_PUBLISHED and hourly.value is None and hourly.number is None
    assert (
        fmt_figure(hourly, "hourly_median_wage") == "not published by BLS (paid annually: BLS publishes no hourly wage)"
    )
    actors = bundled_table().rows["27-2011"]  # hourly only: no annual wages
    assert actors.annual_median_wage.number is None and actors.get("hourly_median_wage").number == Decimal("29.05")
    unpublished = sum(r.get(m).status is Status.NOT_PUBLISHED for r in bundled_table().rows.values() for m in MEASURES)
    assert unpublished == 78 + 2 * 7  # every '-' of the table: 78 rows lack an hourly median, 7 the annual wages


def test_a_capped_wage_is_kept_as_a_cap_not_a_wage():
    text = (
        "soc_code,title,display_level,employment,annual_mean_wage,hourly_median_wage,annual_median_wage,footnotes\n"
        "29-1215,Family Medicine Physicians,3,109240,239200,115.00,239200,5\n"
        "11-1011,Chief Executives,3,204350,198000,115.00,239200,5\n"
    )
    t = read_national_table(text, Release("2023A01"), "t.csv")
    fm = t.rows["29-1215"]
    for m in ("annual_mean_wage", "hourly_median_wage", "annual_median_wage"):
        assert fm.get(m).status is Status.CAPPED and fm.get(m).number is None
    assert fm.employment.number == Decimal("109240")  # footnote 5 never caps a count
    assert fmt_figure(fm.annual_median_wage, "annual_median_wage") == "$239,200 or more (BLS cap)"
    ceo = t.rows["11-1011"]
    assert ceo.get("annual_mean_wage").number == Decimal("198000")  # below the cap: a published mean
    assert ceo.annual_median_wage.status is Status.CAPPED


@pytest.mark.parametrize(
    "row, message",
    [
        ("29-2072,X,3,12a,1,2,3,", "t.csv:line 2: employment: expected a number or '-' (not published), got '12a'"),
        ("29-207,X,3,1,1,2,3,", "t.csv:line 2: soc_code: expected a SOC code like 29-2072, got '29-207'"),
        ("29-2072,X,3,1.5,1,2,3,", "t.csv:line 2: employment: expected a whole number of workers, got '1.5'"),
    ],
)
def test_a_malformed_table_row_is_named_by_line_and_column(row, message):
    header = (
        "soc_code,title,display_level,employment,annual_mean_wage,hourly_median_wage,annual_median_wage,footnotes\n"
    )
    with pytest.raises(LabourDataError) as e:
        read_national_table(header + row + "\n", Release("2025A01"), "t.csv")
    assert str(e.value) == message


def _small_release(release_id: str = "2026A01") -> ReleaseTable:
    release = Release(release_id)

    def row(code, title, emp, mean, hourly, median, notes=()):
        figs = {
            "employment": Figure(Decimal(emp), Status.PUBLISHED, notes),
            "annual_mean_wage": Figure(Decimal(mean), Status.PUBLISHED, notes),
            "hourly_median_wage": Figure(None, Status.NOT_PUBLISHED, notes)
            if hourly is None
            else Figure(Decimal(hourly), Status.PUBLISHED, notes),
            "annual_median_wage": Figure(Decimal(median), Status.CAPPED if "5" in notes else Status.PUBLISHED, notes),
        }
        return SocFigures(code, title, 3, release, figs)

    rows = [
        row("29-2072", "Medical Records Specialists", "201000", "58800", "25.51", "53060"),
        row("25-1011", "Business Teachers, Postsecondary", "80000", "116000", None, "101000", ("4",)),
        row("29-1215", "Family Medicine Physicians", "110000", "260000", "115.00", "239200", ("5",)),
    ]
    return ReleaseTable(release, {r.soc_code: r for r in rows})


def test_importer_round_trips_a_release_written_in_the_time_series_layout(tmp_path):
    small = _small_release()
    data, occupations = tmp_path / "oe.data.0.Current", tmp_path / "oe.occupation"
    assert write_timeseries(small, data, occupations) == 12
    assert "OEUN000000000000029207201     \t2026\tA01\t      201000\t" in data.read_text().splitlines()
    store = tmp_path / "home" / "bls.sqlite"
    imported, path = import_timeseries([data, occupations], store)
    assert path == store and [(t.release.id, replaced) for t, replaced in imported] == [("2026A01", False)]
    (back,) = read_store(store)
    assert back.release.id == "2026A01" and back.release.label == "May 2026"
    for code, row in small.rows.items():
        got = back.rows[code]
        assert got.title == row.title and got.display_level == 3
        for m in MEASURES:
            assert (got.get(m).value, got.get(m).status) == (row.get(m).value, row.get(m).status), (code, m)
    assert back.rows["25-1011"].get("hourly_median_wage").number is None  # '-' survives as not published
    assert back.rows["29-1215"].annual_median_wage.status is Status.CAPPED  # footnote 5 survives as a cap


def test_the_whole_bundled_release_round_trips_through_the_time_series_layout(tmp_path):
    data = tmp_path / "oe.data.0.Current"
    write_timeseries(bundled_table(), data)  # no oe.occupation: titles come from the bundled table
    (t,) = read_timeseries([data])
    assert t.release.id == "2025A01" and len(t.rows) == 1104
    for code, row in bundled_table().rows.items():
        assert t.rows[code].title == row.title
        for m in MEASURES:
            assert (t.rows[code].get(m).value, t.rows[code].get(m).status) == (row.get(m).value, row.get(m).status)


GOOD = "OEUN000000000000029207201"
OTHER = "OEUN000000000000029207213"


@pytest.mark.parametrize(
    "line, message",
    [
        (f"{OTHER}\t2026\tA01\t12x\t", "line 3:column 4 (value): expected a number or '-' (not published), got '12x'"),
        ("OEUN00000000000002920701\t2026\tA01\t1\t", "line 3:column 1 (series_id): expected an OE series ID"),
        (f"{OTHER}\t2026\tM05\t1\t", "line 3:column 3 (period): expected A01 (annual), got 'M05'"),
        (f"{OTHER}\t2026\tA01\t1", "line 3:column 5: expected 5 tab-separated columns, got 4"),
        (
            f"{GOOD}\t2026\tA01\t1\t",
            "line 3: series OEUN000000000000029207201 2026 A01 is given twice (first at line 2)",
        ),
        (f"{OTHER}\t2026\tA01\t1\tx;yyy", "line 3:column 5 (footnote_codes): expected footnote codes"),
    ],
)
def test_importer_refuses_a_malformed_file_naming_file_line_and_column(tmp_path, line, message):
    store = tmp_path / "bls.sqlite"
    write_timeseries(_small_release("2024A01"), tmp_path / "earlier")
    import_timeseries([tmp_path / "earlier"], store)
    before = store.read_bytes()
    bad = tmp_path / "oe.data.0.Current"
    bad.write_text(f"series_id\tyear\tperiod\tvalue\tfootnote_codes\n{GOOD}\t2026\tA01\t194720\t\n{line}\n")
    with pytest.raises(LabourDataError) as e:
        import_timeseries([bad], store)
    assert str(e.value).startswith(f"{bad}:{message}")
    assert store.read_bytes() == before  # the store is exactly as it was
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bls.")]  # no temporary file left


def test_importer_refuses_a_file_that_is_not_a_bls_time_series(tmp_path):
    f = tmp_path / "national.csv"
    f.write_text("soc_code,title\n29-2072,x\n")
    with pytest.raises(LabourDataError, match=r"national.csv:line 1: expected a BLS OE time-series header"):
        read_timeseries([f])
    g = tmp_path / "oe.data.1.Other"
    g.write_text("series_id\tyear\tperiod\tvalue\tfootnote_codes\nOEUS010000000000029207201\t2026\tA01\t5\t\n")
    with pytest.raises(LabourDataError, match="no national cross-industry series"):
        read_timeseries([g])


def test_an_imported_newer_release_becomes_the_figure_and_the_bundled_one_the_earlier(tmp_path):
    newer = _small_release("2026A01")
    facts = LabourFacts(_tables(newer))
    role = facts.role("29-2072.00")
    assert role.role.figures is not None and role.role.figures.release.label == "May 2026"
    assert role.change("annual_median_wage") == (
        "+$1,920 (+3.8%) from $51,140 in May 2025 (BLS OEWS, May 2025): May 2025 to May 2026, 1 year, nominal"
    )
    assert role.change("employment").startswith("+6,280 (+3.2%) from 194,720 in May 2025")
    # a code the newer release lacks keeps its newest figures
    assert facts.role("15-1252").role.figures.release.id == "2025A01"


def test_figures_cited_by_a_scored_assessment_are_earlier_figures(golden):
    tables = _tables()
    cited = cited_figures([("the seed", golden)], tables)
    (median,) = cited["29-2072"]
    assert (median.measure, median.value, median.year) == ("annual_median_wage", Decimal("47190"), 2022)
    assert median.cited_by == "29-2072.00"  # the seed's own figure is never attached to the seed's role (issue 22)
    assert "47,190" not in official_evidence("29-2072.00", LabourFacts(tables, cited))["wage_trends"]
    cited = {soc: [replace(d, cited_by="43-6013.00") for d in ds] for soc, ds in cited.items()}  # as if another
    evidence = official_evidence("29-2072.00", LabourFacts(tables, cited))  # role's assessment had cited it
    wage = evidence["wage_trends"]
    assert "$51,140 (BLS OEWS, May 2025, SOC 29-2072)" in wage and "$24.59" in wage
    assert "+$3,950 (+8.4%) from $47,190 in May 2022" in wage and "May 2022 to May 2025, 3 years, nominal" in wage
    assert "Score awaiting assessor input" in wage
    posting = evidence["job_posting_trends"]
    assert posting.startswith("194,720 employed (BLS OEWS, May 2025") and "one level is not a trend" in posting
    assert official_evidence("11-1031.00", LabourFacts(tables)) == {}
    assert "|" not in wage + posting  # evidence lives in a Markdown table cell


def test_the_notes_file_for_29_2072_states_the_dated_figures_and_the_empty_headings(golden, tmp_path):
    tables = _tables()
    facts = LabourFacts(tables, cited_figures([("Medical Records Specialist (29-2072.00)", golden)], tables))
    text = notes_document(facts.role("29-2072"), "Medical Records Specialists")
    assert "- Employment: 194,720 (BLS OEWS, May 2025, SOC 29-2072 Medical Records Specialists" in text
    assert "- Median annual wage: $51,140 (May 2025)" in text
    assert "- Mean annual wage: $56,790 (May 2025)" in text
    assert text.rstrip().endswith("## Projections\n\n## Named tools\n\n## Company actions\n\n## Expert bodies")
    path = tmp_path / "notes" / "29-2072.md"
    write_notes_file(path, text)
    path.write_text("my own evidence\n")
    with pytest.raises(DrafterError, match="already exists"):
        write_notes_file(path, text)
    assert path.read_text() == "my own evidence\n"
    write_notes_file(path, text, force=True)
    assert path.read_text() == text


def test_a_draft_given_no_notes_gets_the_official_figures_and_given_notes_keeps_them():
    text, source = notes_for_draft("29-2072.00", None, None)
    assert text is not None and "194,720" in text and "$51,140" in text and "May 2025" in text
    assert source == (
        "official figures and occupation facts only (BLS OEWS, May 2025, SOC 29-2072; occupation facts: O*NET 29.3, "
        "Anthropic Economic Index); no notes file given"
    )
    given, given_source = notes_for_draft("29-2072.00", "my notes", "n.md")  # kept, the facts appended (issue 22)
    assert given is not None and given.startswith("my notes\n\n## Occupation facts")
    assert given_source == "n.md"
    assert notes_for_draft("custom", None, None) == (None, None)


def test_employment_weighting_splits_a_shared_soc_code_and_counts_roles_without_figures_apart(catalog):
    tables = _tables()
    pairs = [("29-2072.00", "Red"), ("15-1299.08", "Green"), ("15-1299.09", "Yellow"), ("11-1031.00", "Green"),
             ("custom", "Red")]  # fmt: skip
    w = employment_weighted_zones(pairs, tables, catalog.by_code)
    n_1299 = sum(1 for c in catalog.by_code if c.startswith("15-1299"))
    share = Fraction(435370, n_1299)
    assert w.zones["Red"].workers == 194720 and w.zones["Red"].roles == 1
    assert w.zones["Green"].workers == share and w.zones["Yellow"].workers == share
    assert w.workers == 194720 + 2 * share
    assert [c for c, _ in w.without_figures] == ["11-1031.00", "custom"] and w.shared == 2
    assert (
        w.headline()[1] == f"0.19 million workers in roles drafted Red (1 role, {194720 / float(w.workers) * 100:.1f}%)"
    )
    # given no universe, a SOC code's workers are split among the roles given
    alone = employment_weighted_zones([("15-1299.08", "Green")], tables)
    assert alone.workers == 435370
    with pytest.raises(ValueError, match="given twice"):
        employment_weighted_zones([("29-2072.00", "Red"), ("29-2072.00", "Red")], tables)


def test_all_923_occupations_add_up_to_the_published_employment_of_their_soc_codes(catalog):
    tables = _tables()
    w = employment_weighted_zones(((c, "Red") for c in catalog.by_code), tables)
    socs = {m.soc_code for c in catalog.by_code if (m := tables.soc_for(c)).soc_code}
    assert w.workers == sum(bundled_table().rows[s].employment.number for s in socs)
    assert sorted(c for c, _ in w.without_figures) == ["11-1031.00", "45-3031.00"]


def test_eval_reports_the_workers_its_roles_cover_by_zone(run_cli, tmp_path, golden):
    import json

    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "29-2072.00.json").write_text(golden.model_dump_json(), encoding="utf-8")
    r = run_cli("eval", "--drafts", str(drafts), "--output", str(tmp_path / "runs"))
    assert r.returncode == 0, r.stderr
    assert "0.19 million workers in roles drafted Red (1 role, 100.0%)" in r.stdout
    run_json = next((tmp_path / "runs").glob("*.json"))
    labour = json.loads(run_json.read_text(encoding="utf-8"))["labour"]
    assert labour["drafted"]["zones"]["Red"] == {"roles": 1, "workers": 194720, "share": 1.0}
    assert labour["human"]["headline"][1] == "0.19 million workers in roles scored Red (1 role, 100.0%)"
    html = run_json.with_suffix(".html").read_text(encoding="utf-8")
    assert "Workers covered, by zone (employment-weighted)" in html and "194,720 (100%)" in html


def test_cited_figures_are_read_in_the_house_styles_and_dated(golden):
    a = golden.model_copy(deep=True)
    a.evidence.company_actions.evidence = "Mean wage $52,000 (BLS May 2021). 186,400 employed (BLS OEWS, May 2023)."
    a.evidence.expert_consensus.evidence = "Median hourly wage of $22.10 (BLS May 2020); median $60,000 in 2019."
    cited = {(d.measure, d.value, d.year) for d in cited_figures([("x", a)], _tables())["29-2072"]}
    assert cited == {
        ("annual_median_wage", Decimal("47190"), 2022),
        ("annual_mean_wage", Decimal("52000"), 2021),
        ("employment", Decimal("186400"), 2023),
        ("hourly_median_wage", Decimal("22.10"), 2020),
    }  # an undated figure ("in 2019", no BLS release) is not a citation
    other = {
        soc: [replace(d, cited_by="43-6013.00") for d in ds] for soc, ds in cited_figures([("x", a)], _tables()).items()
    }
    role = LabourFacts(_tables(), other).role("29-2072")  # figures cited by another role's assessment
    assert role.change("employment").startswith("+8,320 (+4.5%) from 186,400 in May 2023")


def test_the_bundled_table_read_lazily_equals_the_eager_read_row_for_row():
    from drafter.labour.figures import read_national_table
    from drafter.labour.tables import BUNDLED_RELEASE, BUNDLED_TABLE, _data, bundled_table

    eager = read_national_table(_data(BUNDLED_TABLE), BUNDLED_RELEASE, "x")
    lazy = bundled_table()
    assert isinstance(eager.rows, dict) and not isinstance(lazy.rows, dict)
    assert len(lazy.rows) == len(eager.rows) > 800 and "29-2072" in lazy.rows and "99-9999" not in lazy.rows
    assert {code: lazy.rows[code] for code in lazy.rows} == eager.rows


def test_a_bad_figure_in_a_lazily_read_table_is_located_when_its_row_is_looked_up():
    from drafter.labour.figures import LabourDataError, read_national_table
    from drafter.labour.tables import BUNDLED_RELEASE, BUNDLED_TABLE, _data

    lines = _data(BUNDLED_TABLE).splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("29-2072,"))
    lines[k] = lines[k].replace("194720", "19x4720", 1)
    assert "19x4720" in lines[k]
    table = read_national_table("\n".join(lines) + "\n", BUNDLED_RELEASE, "t.csv", lazy=True)
    assert table.rows["11-1011"].soc_code == "11-1011"  # other rows still read
    with pytest.raises(LabourDataError, match=rf"^t.csv:line {k + 1}: employment: expected a number"):
        table.rows["29-2072"]
    with pytest.raises(LabourDataError, match=rf"^t.csv:line {k + 1}: employment"):
        read_national_table("\n".join(lines) + "\n", BUNDLED_RELEASE, "t.csv")  # eager: at once
