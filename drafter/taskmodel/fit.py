"""Fitting the task model with scikit-learn, and exporting what ``model.TaskModel`` needs to predict.

Imported only by ``scripts/build_task_model.py``, the human-label evaluation tier and the tests: never on the
drafting path (scikit-learn takes about a second to import).

Hyper-parameters (``HYPER``) were chosen by occupation-grouped 5-fold cross-validation on the labelled set
itself over a small grid (C in 0.5/1/2/4/8, k in 10-40, power in 1-6, weight in 0.4-0.7, with and without
title / major-group tokens and word bigrams); the grid was small and the differences between its best cells
are a few tenths of a point, so the figures recorded beside the model are close to, not free of, that choice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import normalize

from .model import LABELS, TaskModel, decide
from .text import document, is_context_token

HYPER: dict[str, float] = {"C": 1.0, "min_df": 2, "k": 30, "power": 4.0, "lr_weight": 0.6}
FOLDS = 5


@dataclass(frozen=True)
class LabelledTask:
    task_id: int
    statement: str
    title: str
    onet_code: str
    label: str


def labelled_tasks(catalog) -> list[LabelledTask]:
    """Every task of the catalog with a published human label, in catalog order (deterministic)."""
    return [
        LabelledTask(t.id, t.statement, o.title, o.code, t.human_label)
        for o in catalog.by_code.values()
        for t in o.tasks
        if t.human_label in LABELS
    ]


def data_digest(tasks: Sequence[LabelledTask]) -> str:
    h = hashlib.sha256()
    for t in tasks:
        h.update(f"{t.task_id}\t{t.onet_code}\t{t.title}\t{t.statement}\t{t.label}\n".encode())
    return h.hexdigest()[:16]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def fit_sklearn(tasks: Sequence[LabelledTask], hyper: dict | None = None):
    """The fitted scikit-learn objects: (vectorizer, classifier, TF-IDF matrix, labels)."""
    h = HYPER | (hyper or {})
    docs = [document(t.statement, t.title, t.onet_code) for t in tasks]
    y = np.array([LABELS.index(t.label) for t in tasks])
    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=int(h["min_df"]), sublinear_tf=True, dtype=np.float64)
    x = vectorizer.fit_transform(docs)
    clf = LogisticRegression(C=h["C"], solver="saga", max_iter=1000, tol=1e-4, random_state=0).fit(x, y)
    return vectorizer, clf, x, y


def neighbour_index(x, task_cols: np.ndarray):
    """Statement tokens only, each row re-normalised (cosine similarity = dot product), columns in the full
    vocabulary's numbering so the predictor needs one vocabulary."""
    from scipy import sparse

    kept = np.flatnonzero(task_cols)
    sub = normalize(x[:, kept]).tocsr()
    return sparse.csr_matrix((sub.data, kept[sub.indices], sub.indptr), shape=x.shape)


def fit_arrays(tasks: Sequence[LabelledTask], hyper: dict | None = None) -> dict[str, np.ndarray]:
    """Fit on ``tasks`` and return the exported parameters (the content of the shipped .npz)."""
    h = HYPER | (hyper or {})
    vectorizer, clf, x, y = fit_sklearn(tasks, h)
    vocab = vectorizer.get_feature_names_out()
    task_cols = np.array([not is_context_token(str(w)) for w in vocab])
    index = neighbour_index(x, task_cols).tocsc()
    index.eliminate_zeros()
    index.sort_indices()
    occ_codes = sorted({t.onet_code for t in tasks})
    occ_of = {c: i for i, c in enumerate(occ_codes)}
    return {
        "vocab": np.array([str(w) for w in vocab]),
        "idf": vectorizer.idf_.astype(np.float64),
        "coef": clf.coef_.astype(np.float64),
        "intercept": clf.intercept_.astype(np.float64),
        "knn_col_ptr": index.indptr.astype(np.int32),
        "knn_row_idx": index.indices.astype(np.uint16 if len(tasks) < 2**16 else np.int32),
        "knn_values": index.data.astype(np.float32),
        "knn_label": y.astype(np.int8),
        "knn_task_id": np.array([t.task_id for t in tasks], dtype=np.int32),
        "knn_occ": np.array([occ_of[t.onet_code] for t in tasks], dtype=np.int16),
        "occ_codes": np.array(occ_codes),
        "hyper": np.array([h["k"], h["power"], h["lr_weight"]], dtype=np.float64),
    }


def grouped_folds(tasks: Sequence[LabelledTask], folds: int = FOLDS) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Occupation-grouped folds: no occupation has tasks on both sides."""
    groups = np.array([t.onet_code for t in tasks])
    yield from GroupKFold(n_splits=folds).split(np.zeros(len(tasks)), groups=groups)


def fold_models(
    tasks: Sequence[LabelledTask], folds: int = FOLDS, hyper: dict | None = None
) -> Iterator[tuple[set[str], TaskModel]]:
    """For each fold: the occupations held out, and a model fitted without any of their tasks."""
    for i, (train, test) in enumerate(grouped_folds(tasks, folds)):
        held_out = {tasks[j].onet_code for j in test}
        yield held_out, TaskModel(fit_arrays([tasks[j] for j in train], hyper), name=f"fold {i + 1}/{folds}")


def unique_statements(tasks: Sequence[LabelledTask]) -> np.ndarray:
    """True for tasks whose statement appears (verbatim, case and spacing aside) in one occupation only."""
    occupations: dict[str, set[str]] = {}
    for t in tasks:
        occupations.setdefault(_key(t.statement), set()).add(t.onet_code)
    return np.array([len(occupations[_key(t.statement)]) == 1 for t in tasks])


def _key(statement: str) -> str:
    return " ".join(statement.lower().split())


def cross_validate(
    tasks: Sequence[LabelledTask],
    folds: int = FOLDS,
    hyper: dict | None = None,
    on_fold: Callable[[int, int], None] = lambda done, total: None,
) -> dict:
    """Out-of-fold figures: exact and exposed-or-not agreement and Cohen's kappa, all tasks and unique ones."""
    t0 = time.perf_counter()
    predicted = [""] * len(tasks)
    for n, (held_out, model) in enumerate(fold_models(tasks, folds, hyper)):
        rows = [i for i, t in enumerate(tasks) if t.onet_code in held_out]
        found = model.estimate_rows([(tasks[i].statement, tasks[i].title, tasks[i].onet_code, tasks[i].onet_code)
                                     for i in rows])  # fmt: skip
        for i, e in zip(rows, found, strict=True):
            predicted[i] = e.label
        on_fold(n + 1, folds)
    human = [t.label for t in tasks]
    unique = unique_statements(tasks)
    return {
        "folds": folds,
        "grouping": "occupation (no occupation's tasks in both training and test)",
        "all": agreement_figures(predicted, human),
        "unique_statements": agreement_figures(
            [p for p, u in zip(predicted, unique, strict=True) if u],
            [h for h, u in zip(human, unique, strict=True) if u],
        ),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def agreement_figures(predicted: Sequence[str], human: Sequence[str]) -> dict:
    from sklearn.metrics import cohen_kappa_score

    def exposed(labels):
        return ["exposed" if x in ("E1", "E2") else "not exposed" for x in labels]

    def one(a, b):
        n = len(a)
        return {
            "n": n,
            "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / n, 4) if n else None,
            "kappa": round(float(cohen_kappa_score(a, b)), 4) if n else None,
        }

    return {"exact": one(list(predicted), list(human)), "exposed_or_not": one(exposed(predicted), exposed(human))}


__all__ = [
    "FOLDS",
    "HYPER",
    "LabelledTask",
    "agreement_figures",
    "cross_validate",
    "data_digest",
    "decide",
    "fit_arrays",
    "fold_models",
    "grouped_folds",
    "labelled_tasks",
    "fit_sklearn",
    "neighbour_index",
    "save_arrays",
    "unique_statements",
]


def save_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """The .npz bytes, deterministic (sorted entries, fixed timestamps): a rebuild from the same fit is identical."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            entry = io.BytesIO()
            np.lib.format.write_array(entry, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            z.writestr(info, entry.getvalue(), compresslevel=9)
    return buf.getvalue()
