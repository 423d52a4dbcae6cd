"""What a draft of a bundled O*NET occupation needs from the task model, without numpy.

Importing numpy costs about as much as the rest of an offline draft, so the build script also writes
``task-model-v1-bundled.zip``: an out-of-fold estimate of every labelled bundled task (each occupation's
tasks estimated by the occupation-grouped cross-validation fold model that never saw them, with the occupation
also excluded from the neighbour vote, so the table's labels agree with the humans exactly as often as the
recorded cross-validation says) and the shipped model's
vocabulary and idf, for statement vectors in plain Python (the calibration set's role similarity). It is a zip
of raw little-endian arrays read with the standard library's ``array`` (parsing the same table as JSON took as
long as importing numpy). A task
whose occupation, title or statement differs from the bundled one (an imported release, a custom list) is not
in the table, and the drafter asks the numpy model. ``tests/test_task_model.py`` checks the table against the
live model.
"""

from __future__ import annotations

import io
import math
import sys
import zipfile
import zlib
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

from .estimate import LABELS
from .text import document

BUNDLED_FILE = "task-model-v1-bundled.zip"


def task_key(onet_code: str, title: str, statement: str) -> int:
    """What the table's estimate was computed from: a changed title or statement is a different task."""
    return zlib.crc32(f"{onet_code}\t{title}\t{statement}".encode())


@dataclass(frozen=True)
class BundledTable:
    model: str  # the model's name, as ``TaskModel.name`` of the shipped file
    vocab: dict[str, int]
    idf: array
    task_ids: array  # sorted
    keys: array
    probs: array  # three per task, in task_ids order

    def probabilities(self, task_id: int, onet_code: str, title: str, statement: str) -> dict[str, float] | None:
        i = bisect_left(self.task_ids, task_id)
        if (
            i == len(self.task_ids)
            or self.task_ids[i] != task_id
            or self.keys[i] != task_key(onet_code, title, statement)
        ):
            return None
        return dict(zip(LABELS, self.probs[3 * i : 3 * i + 3], strict=True))

    def statement_vector(self, statement: str) -> dict[int, float]:
        """As ``TaskModel.statement_vector``: L2-normalised sublinear TF-IDF of the statement's stems."""
        counts = Counter(t for t in document(statement) if t in self.vocab)
        vec = {self.vocab[t]: (1.0 + math.log(c)) * self.idf[self.vocab[t]] for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {j: v / norm for j, v in vec.items()} if norm > 0 else {}


_ENTRIES = {"idf": "d", "task_ids": "q", "keys": "Q", "probs": "d"}


def _array(code: str, data: bytes) -> array:
    a = array(code)
    a.frombytes(data)
    if sys.byteorder == "big":
        a.byteswap()
    return a


@cache
def bundled_table() -> BundledTable:
    return read_table((resources.files(__package__) / "data" / BUNDLED_FILE).read_bytes())


def read_table(data: bytes) -> BundledTable:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        arrays = {name: _array(code, z.read(name)) for name, code in _ENTRIES.items()}
        vocab = z.read("vocabulary").decode().split("\n")
        model = z.read("model").decode()
    return BundledTable(model=model, vocab={w: i for i, w in enumerate(vocab)}, **arrays)


def same_table(a: BundledTable, b: BundledTable, tolerance: float = 1e-12) -> bool:
    """Equal up to floating-point noise (another machine's BLAS may sum in another order)."""
    close = all(abs(x - y) <= tolerance for x, y in zip(a.probs, b.probs, strict=True))
    close = close and all(abs(x - y) <= tolerance * max(1.0, abs(x)) for x, y in zip(a.idf, b.idf, strict=True))
    same = (a.model, a.vocab, a.task_ids, a.keys) == (b.model, b.vocab, b.task_ids, b.keys)
    return same and len(a.probs) == len(b.probs) and close


def table_bytes(model, catalog, cross_fitted=None) -> bytes:
    """The table's file content over the catalog's labelled tasks (build script).

    ``cross_fitted``: (occupations held out, model fitted without their tasks) per fold (``fit.fold_models``).
    Each occupation's tasks are then estimated by the fold model that never saw them, so the "agrees / differs"
    a draft prints beside a published label is an out-of-fold figure, not the shipped model recalling its own
    training labels. ``model`` (the shipped model) still gives the vocabulary and idf.
    """
    folds = list(cross_fitted or [])
    rows = []
    for occ in catalog.by_code.values():
        tasks = [t for t in occ.tasks if t.human_label]
        if not tasks:
            continue
        who = next((m for held_out, m in folds if occ.code in held_out), None) if folds else model
        if who is None:
            raise ValueError(f"{occ.code}: no fold holds this occupation out")
        found = who.estimate([t.statement for t in tasks], occ.title, occ.code, exclude_code=occ.code)
        for t, e in zip(tasks, found, strict=True):
            rows.append((t.id, task_key(occ.code, occ.title, t.statement), [e.probabilities[lab] for lab in LABELS]))
    rows.sort(key=lambda r: r[0])
    entries = {
        "model": (model.name + (f", out of fold ({len(folds)} occupation-grouped folds)" if folds else "")).encode(),
        "vocabulary": "\n".join(sorted(model.vocab, key=model.vocab.get)).encode(),
        "idf": _raw("d", [float(x) for x in model.idf]),
        "task_ids": _raw("q", [r[0] for r in rows]),
        "keys": _raw("Q", [r[1] for r in rows]),
        "probs": _raw("d", [float(p) for r in rows for p in r[2]]),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in sorted(entries):
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), entries[name], zipfile.ZIP_DEFLATED, 9)
    return buf.getvalue()


def _raw(code: str, values: list) -> bytes:
    a = array(code, values)
    if sys.byteorder == "big":
        a.byteswap()
    return a.tobytes()
