"""Reading (and writing) OEWS releases in the BLS time-series layout (``oe.data.0.Current``, ``oe.occupation``).

A data file is tab-separated with the header ``series_id, year, period, value, footnote_codes`` (BLS pads cells
with spaces). A series ID is ``OE`` + ``U`` + area type + area code (7) + industry code (6) + occupation code (6)
+ datatype (2); drafter keeps the national, cross-industry series (``OEUN0000000000000…``) of datatypes 01
(employment), 04 (annual mean), 08 (hourly median) and 13 (annual median). ``-`` is a value BLS did not publish;
footnote 5 on a wage marks a capped value. Every line is checked; a problem names the file, line and column.
An optional ``oe.occupation`` file (``occupation_code, occupation_name, display_level, …``) supplies titles;
without it, titles come from the bundled table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..files import atomic_write
from .figures import (
    DATATYPE_TO_MEASURE,
    MEASURES,
    LabourDataError,
    Release,
    ReleaseTable,
    SocFigures,
    Status,
    fmt_value,
    parse_footnotes,
    parse_value,
)

DATA_COLUMNS = ("series_id", "year", "period", "value", "footnote_codes")
OCCUPATION_COLUMNS = ("occupation_code", "occupation_name", "display_level")
NATIONAL = "OEUN" + "0" * 7 + "0" * 6  # national area, cross-industry
SERIES_RE = re.compile(r"OE[US][A-Z][0-9A-Z]{7}[0-9A-Z]{6}\d{6}\d{2}")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        f = Path(path).open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise LabourDataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise LabourDataError(f"{path}: a folder; expected a BLS time-series file such as oe.data.0.Current") from None
    with f:
        try:
            for n, raw in enumerate(f, start=1):
                line = raw.rstrip("\r\n")
                if line.strip():
                    yield n, line
        except UnicodeDecodeError as e:
            raise LabourDataError(f"{path}: expected UTF-8 text ({e.reason} at byte {e.start})") from None


def _soc(code6: str) -> str:
    return f"{code6[:2]}-{code6[2:]}"


def read_timeseries(paths: list[Path]) -> list[ReleaseTable]:
    """The releases in ``paths`` (data files and optionally ``oe.occupation``), oldest first."""
    values: dict[str, dict[str, dict]] = {}  # release id -> SOC code -> measure -> Figure
    seen: dict[tuple[str, str], int] = {}
    titles: dict[str, tuple[str, int | None]] = {}
    sources: dict[str, list[str]] = {}
    data_files = 0
    for path in paths:
        lines = _lines(path)
        first = next(lines, None)
        if first is None:
            raise LabourDataError(f"{path}: empty file; expected a BLS time-series file")
        header_line, header = first[0], [c.strip() for c in first[1].split("\t")]
        columns = {name: i for i, name in enumerate(header)}
        if all(c in columns for c in DATA_COLUMNS):
            data_files += 1
            for rid in _read_data(path, lines, columns, len(header), values, seen):
                sources.setdefault(rid, []).append(str(path))
        elif all(c in columns for c in OCCUPATION_COLUMNS):
            titles |= _read_occupations(path, lines, columns, len(header))
        else:
            raise LabourDataError(
                f"{path}:line {header_line}: expected a BLS OE time-series header ({', '.join(DATA_COLUMNS)}) "
                f"or oe.occupation ({', '.join(OCCUPATION_COLUMNS)}), got {', '.join(header)}"
            )
    if not data_files:
        raise LabourDataError("no data file among the inputs (expected e.g. oe.data.0.Current)")
    if not values:
        raise LabourDataError(
            f"{', '.join(map(str, paths))}: no national cross-industry series ({NATIONAL}…, datatypes "
            f"{', '.join(sorted(DATATYPE_TO_MEASURE))}); nothing to import"
        )
    from .tables import bundled_table

    known = bundled_table().rows
    out = []
    for rid in sorted(values):
        release = Release(rid, "BLS OEWS time series: " + ", ".join(sources[rid]))
        rows = {}
        for code, figures in sorted(values[rid].items()):
            title, level = titles.get(code) or (
                (known[code].title, known[code].display_level) if code in known else ("", None)
            )
            rows[code] = SocFigures(code, title, level, release, figures)
        out.append(ReleaseTable(release, rows))
    return out


def _read_data(path, lines, columns, width, values, seen) -> set[str]:
    found: set[str] = set()
    sid_col = columns["series_id"]
    for n, line in lines:
        cells = line.split("\t")
        if len(cells) != width:
            raise LabourDataError(
                f"{path}:line {n}:column {min(len(cells), width) + 1}: expected {width} tab-separated columns, "
                f"got {len(cells)}"
            )
        sid = cells[sid_col].strip()
        if not SERIES_RE.fullmatch(sid):
            raise LabourDataError(
                f"{path}:line {n}:column {sid_col + 1} (series_id): expected an OE series ID of 25 characters "
                f"(OE + U + area type + area 7 + industry 6 + occupation 6 + datatype 2), got {sid!r}"
            )
        if not sid.startswith(NATIONAL) or sid[-2:] not in DATATYPE_TO_MEASURE:
            continue  # most of a real file: other areas, industries and datatypes, checked above and skipped
        cells = [c.strip() for c in cells]
        where = f"{path}:line {n}"
        year, period = cells[columns["year"]], cells[columns["period"]]
        if not re.fullmatch(r"(19|20)\d\d", year):
            raise LabourDataError(f"{where}:column {columns['year'] + 1} (year): expected a year, got {year!r}")
        if not re.fullmatch(r"A01", period):
            raise LabourDataError(
                f"{where}:column {columns['period'] + 1} (period): expected A01 (annual), got {period!r}"
            )
        rid = year + period
        if (sid, rid) in seen:
            raise LabourDataError(
                f"{where}: series {sid} {year} {period} is given twice (first at line {seen[(sid, rid)]})"
            )
        seen[(sid, rid)] = n
        measure = DATATYPE_TO_MEASURE[sid[-2:]]
        col = columns["footnote_codes"] + 1
        notes = parse_footnotes(cells[col - 1], f"{where}:column {col} (footnote_codes)")
        col = columns["value"] + 1
        fig = parse_value(cells[col - 1], measure, notes, f"{where}:column {col} (value)")
        values.setdefault(rid, {}).setdefault(_soc(sid[17:23]), {})[measure] = fig
        found.add(rid)
    return found


def _read_occupations(path, lines, columns, width) -> dict[str, tuple[str, int | None]]:
    out = {}
    for n, line in lines:
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) < width:  # BLS leaves trailing cells empty at times; only the named columns matter
            cells = cells + [""] * (width - len(cells))
        code = cells[columns["occupation_code"]]
        if not re.fullmatch(r"\d{6}", code):
            col = columns["occupation_code"] + 1
            raise LabourDataError(f"{path}:line {n}:column {col} (occupation_code): expected 6 digits, got {code!r}")
        level = cells[columns["display_level"]]
        out[_soc(code)] = (cells[columns["occupation_name"]], int(level) if level.isdigit() else None)
    return out


def write_timeseries(table: ReleaseTable, path: Path, occupations: Path | None = None) -> int:
    """Write ``table`` in the BLS layout (and its titles as ``oe.occupation``); returns the data lines written.

    Used to test the importer on a real-size release and to hand a table to tools that read BLS files."""
    year, period = table.release.id[:4], table.release.id[4:]
    lines = ["series_id\tyear\tperiod\tvalue\tfootnote_codes"]
    for code, row in sorted(table.rows.items()):
        for measure, (datatype, _, _) in MEASURES.items():
            fig = row.get(measure)
            value = "-" if fig.value is None else fmt_value(fig.value, measure).lstrip("$").replace(",", "")
            notes = [f for f in fig.footnotes if f != "5" or fig.status is Status.CAPPED]
            sid = NATIONAL + code.replace("-", "") + datatype
            lines.append(f"{sid:<30}\t{year}\t{period}\t{value:>12}\t{';'.join(notes)}")
    atomic_write(path, "\n".join(lines) + "\n")
    if occupations is not None:
        occ = ["occupation_code\toccupation_name\tdisplay_level\tselectable\tsort_sequence"]
        for i, (code, row) in enumerate(sorted(table.rows.items()), start=1):
            level = "" if row.display_level is None else str(row.display_level)
            occ.append(f"{code.replace('-', '')}\t{row.title}\t{level}\tT\t{i}")
        atomic_write(occupations, "\n".join(occ) + "\n")
    return len(lines) - 1


def import_timeseries(paths: list[Path], store: Path | None = None) -> tuple[list[tuple[ReleaseTable, bool]], Path]:
    """Read ``paths`` completely, then add their releases to the store in one atomic write.

    Returns each release read with whether it replaced one already imported, and the store's path."""
    from ..paths import bls_store_path
    from .store import add_releases

    tables = read_timeseries(paths)
    path = store or bls_store_path()
    replaced = dict((r.id, was) for r, was in add_releases(path, tables))
    return [(t, replaced[t.release.id]) for t in tables], path
