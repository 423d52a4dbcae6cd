"""One view of all known occupations: an imported release (if any) over the bundled labelled set.

Published exposure labels are keyed by task ID, so they follow a task into an imported release wherever
the release still has it.
"""

from __future__ import annotations

import difflib
import gzip
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

from ..codes import normalise_onet_code
from ..errors import DrafterError
from ..lazy import LazyMapping
from ..paths import onet_store_path
from .model import Occupation, Task
from .store import read_store

BUNDLED = "onet27_labelled.json.gz"


def load_bundled() -> tuple[list[Occupation], str]:
    """The bundled labelled set (parsed once per process: occupations and tasks are immutable)."""
    occupations, attribution = _bundled()
    return list(occupations), attribution


@cache
def _bundled_bytes() -> bytes:
    """The bundled file, decompressed: one JSON document, one occupation per line (scripts/build_onet_data.py)."""
    return gzip.decompress((resources.files(__package__) / "data" / BUNDLED).read_bytes())


@cache
def _bundled_head() -> dict:
    """The bundled file's first line (release, attribution, columns), without any occupation."""
    data = _bundled_bytes()
    return json.loads(data[: data.index(b"\n")] + b"}}")


@cache
def _bundled_lines() -> dict[str, tuple[int, int]]:
    """Code -> where its line lies in the decompressed file (a scan for line breaks: a few ms)."""
    data, index = _bundled_bytes(), {}
    start = data.index(b"\n") + 1
    while (end := data.find(b"\n", start)) >= 0:
        index[data[start + 1 : data.index(b'"', start + 1)].decode()] = (start, end)
        start = end + 1
    return index


def _bundled_occupation(code: str) -> Occupation:
    start, end = _bundled_lines()[code]
    line = _bundled_bytes()[start:end].rstrip(b",")
    return _occupation(code, json.loads(b"{" + line + b"}")[code], _bundled_head()["release"])


def _occupation(code: str, occ: dict, release: str) -> Occupation:
    """A bundled occupation, its tasks carrying the bundled O*NET 29.3 ratings where published (``official``)."""
    from .official import occupation_entry, task_ratings

    ratings = task_ratings(code)
    tasks = tuple(
        Task(
            id=tid,
            statement=statement,
            type={"C": "Core", "S": "Supplemental"}.get(t, ""),
            human_label=h or None,
            gpt4_label=g or None,
            gpt4_alt_label=ga or None,
            gpt4_automation=auto or None,
            ratings=ratings.get(tid),
        )
        for tid, statement, t, h, g, ga, auto in occ["tasks"]
    )
    return Occupation(
        code, occ["title"], tasks, description=occupation_entry(code).get("description", ""), source=release
    )


@cache
def _bundled() -> tuple[tuple[Occupation, ...], str]:
    return tuple(_bundled_by_code().values()), _bundled_head()["attribution"]


def bundled_one(code: str) -> Occupation | None:
    """One bundled occupation (``code`` normalised), without building or parsing the other 922: what `onet show`
    and a single draft need (issue 14: start-up). Equal to the one ``load_bundled`` gives."""
    return _bundled_by_code().get(code)


class UnknownOccupation(DrafterError):
    pass


_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ists", "ist", "ians", "ian", "ies", "es", "s", "e", "al")
_WORD = re.compile(r"[a-z0-9]+")


def stem(word: str) -> str:
    for suf in _SUFFIXES:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            return word[: -len(suf)]
    return word


def stems(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1]


@dataclass(frozen=True)
class Match:
    occupation: Occupation
    score: float
    matched: str  # what matched best: the title, an alternate title, or task statements


@cache
def _bundled_by_code() -> LazyMapping[str, Occupation]:
    """Code -> bundled occupation, each built on first lookup (and kept): a single draft or `onet show` builds
    the occupations it looks at, not all 923 (issue 14: start-up). Iterating builds them all, in file order."""
    return LazyMapping(_bundled_lines(), _bundled_occupation)


class Catalog:
    def __init__(self, occupations: list[Occupation], attribution: str = ""):
        self.by_code: Mapping[str, Occupation] = {o.code: o for o in occupations}
        self.attribution = attribution

    @classmethod
    def load(cls, store: Path | None = None) -> Catalog:
        imported = read_store(store or onet_store_path())
        if not imported:  # the bundled set, built lazily (the same objects in every catalog of the process)
            catalog = cls([], _bundled_head()["attribution"])
            catalog.by_code = _bundled_by_code()
            return catalog
        bundled, attribution = load_bundled()
        labels = {t.id: t for o in bundled for t in o.tasks}
        merged = {o.code: o for o in bundled}
        for o in imported:
            tasks = tuple(_with_labels(t, labels.get(t.id)) for t in o.tasks)
            merged[o.code] = replace(o, tasks=tasks)
        return cls(sorted(merged.values(), key=lambda o: o.code), attribution)

    @classmethod
    def load_one(cls, code: str, store: Path | None = None) -> Occupation:
        """One occupation, reading only its rows from an imported store (the bundled data is read for labels)."""
        try:
            key = normalise_onet_code(code)
        except ValueError:
            return cls.load(store).get(code)  # a title where a code belongs: the full catalog suggests matches
        imported = read_store(store or onet_store_path(), key)
        if not imported:
            found = bundled_one(key)
            return found if found is not None else cls.load(store).get(key)  # unknown: the catalog's message
        bundled, attribution = load_bundled()
        labels = {t.id: t for o in bundled for t in o.tasks}
        return replace(imported[0], tasks=tuple(_with_labels(t, labels.get(t.id)) for t in imported[0].tasks))

    def __len__(self) -> int:
        return len(self.by_code)

    def get(self, code: str) -> Occupation:
        try:
            key = normalise_onet_code(code)
        except ValueError as e:
            if looks_like_a_path(code):  # a mistyped file name: its words matched as a title mislead ("etc")
                raise UnknownOccupation(f"{code}: no such file, and not an O*NET-SOC code like 29-2072") from None
            matches = self.search(code, limit=5)
            hint = (
                "; did you mean " + ", ".join(f"{m.occupation.code} {m.occupation.title}" for m in matches)
                if matches
                else ""
            )
            raise UnknownOccupation(f"{e}{hint}") from None
        if key in self.by_code:
            return self.by_code[key]
        near = self.closest_codes(key)
        raise UnknownOccupation(
            f"no O*NET occupation {key}; closest: " + ", ".join(f"{o.code} {o.title}" for o in near)
        )

    def closest_codes(self, code: str, limit: int = 5) -> list[Occupation]:
        def distance(o: Occupation) -> tuple[int, int]:
            common = len(_common_prefix(o.code, code))
            return (-common, abs(_code_number(o.code) - _code_number(code)))

        return sorted(self.by_code.values(), key=distance)[:limit]

    @cached_property
    def _index(self) -> list[tuple[Occupation, set[str], list[set[str]], set[str]]]:
        return [
            (
                o,
                set(stems(o.title)),
                [set(stems(a)) for a in o.alternate_titles],
                {s for t in o.tasks for s in stems(t.statement)},
            )
            for o in self.by_code.values()
        ]

    @cached_property
    def _title_vocabulary(self) -> list[str]:
        return sorted({w for _, title, alts, _ in self._index for w in title.union(*alts)})

    def search(self, query: str, limit: int = 10) -> list[Match]:
        """Rank occupations by title, alternate titles, then task statements (fuzzy on word stems). A query
        longer than ``MAX_QUERY`` characters is refused: no title is that long, and the fuzzy match of every
        word against the vocabulary would take tens of seconds."""
        if len(query) > MAX_QUERY:
            raise UnknownOccupation(
                f"a search is at most {MAX_QUERY} characters (words of a job title), got {len(query):,}"
            )
        q = stems(query)
        if not q:
            return []
        q_text = query.lower().strip()
        # each query stem's near neighbours in the title vocabulary, computed once per query
        near = {s: _close(s, self._title_vocabulary) for s in q}
        results = []
        for o, title, alts, task_words in self._index:
            title_hit = _overlap(q, title, near)
            alt_hit, alt_name = max(
                ((_overlap(q, a, near), name) for a, name in zip(alts, o.alternate_titles, strict=True)),
                default=(0.0, ""),
            )
            task_hit = sum(1 for s in q if s in task_words) / len(q)
            if not (title_hit or alt_hit or task_hit):
                continue
            phrase = difflib.SequenceMatcher(None, q_text, o.title.lower()).ratio()
            score = max(title_hit, 0.95 * alt_hit) + 0.35 * task_hit + 0.25 * phrase
            if q_text in o.title.lower():
                score += 0.5
            if score > 0.3:
                if title_hit > 0 and title_hit >= 0.95 * alt_hit:
                    matched = "title"
                else:
                    matched = f"alternate title {alt_name!r}" if alt_hit > 0 else "task statements"
                results.append(Match(o, round(score, 3), matched))
        results.sort(key=lambda m: (-m.score, m.occupation.code))
        return results[:limit]


MAX_QUERY = 200
"""The longest search query (characters): the longest O*NET title or alternate title is about 150."""
PATH_SUFFIXES = (".csv", ".yaml", ".yml", ".json", ".md", ".txt")


def looks_like_a_path(text: str) -> bool:
    """Whether ``text``, given where a code or title belongs, is a file name (a folder separator or a suffix)."""
    return "/" in text or "\\" in text or text.lower().endswith(PATH_SUFFIXES)


def _close(s: str, vocabulary: list[str]) -> dict[str, float]:
    out = {}
    for w in difflib.get_close_matches(s, vocabulary, n=20, cutoff=0.8):
        out[w] = difflib.SequenceMatcher(None, s, w).ratio()
    return out


def _overlap(query: list[str], words: set[str], near: dict[str, dict[str, float]]) -> float:
    if not words:
        return 0.0
    total = 0.0
    for s in query:
        if s in words:
            total += 1
        else:
            total += max((r for w, r in near[s].items() if w in words), default=0.0)
    return total / len(query)


def _with_labels(task: Task, labelled: Task | None) -> Task:
    if labelled is None:
        return task
    return replace(
        task,
        human_label=labelled.human_label,
        gpt4_label=labelled.gpt4_label,
        gpt4_alt_label=labelled.gpt4_alt_label,
        gpt4_automation=labelled.gpt4_automation,
    )


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _code_number(code: str) -> int:
    return int(re.sub(r"\D", "", code).ljust(8, "0")[:8])
