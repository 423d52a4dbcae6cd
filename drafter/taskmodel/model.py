"""The fitted task model as exported parameters, predicting with numpy alone (no scikit-learn at run time).

Two parts, averaged (weights in the file):

* a multinomial logistic regression on TF-IDF features of the statement's stems plus the role's title and
  major SOC group (``text.document``), exactly scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` then
  ``LogisticRegression.predict_proba``;
* a similarity-weighted vote of the ``k`` most similar labelled tasks (cosine over the statement stems' TF-IDF,
  weight = similarity ** ``power``), never counting the role's own tasks when the caller excludes its code.

Why numpy and not scikit-learn: importing scikit-learn takes about a second, longer than a whole offline draft
may. ``tests/test_task_model.py`` checks these predictions against scikit-learn's on a sample.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from .estimate import LABELS, Estimate, Neighbour, decide
from .text import document, is_context_token

__all__ = ["LABELS", "Estimate", "Neighbour", "TaskModel", "decide", "shipped_model"]

Request = tuple[str, str, str | None, str | None]  # statement, role title, O*NET code, code to exclude
MODEL_FILE = "task-model-v1.npz"
FIGURES_FILE = "task-model-v1.json"
DENSE_MIN_TASKS = 500  # a token in more labelled tasks than this is a dense column of the neighbour index


class TaskModel:
    def __init__(self, arrays: dict[str, np.ndarray], name: str = "task-model"):
        self.name = name
        self.vocab = {str(w): i for i, w in enumerate(arrays["vocab"])}
        self.idf = arrays["idf"].astype(np.float64)
        self.coef = arrays["coef"].astype(np.float64)
        self.intercept = arrays["intercept"].astype(np.float64)
        self.col_ptr = arrays["knn_col_ptr"].astype(np.int64)
        self.row_idx = arrays["knn_row_idx"]
        self.values = arrays["knn_values"].astype(np.float64)
        self.row_label = arrays["knn_label"].astype(np.int64)
        self.row_task_id = arrays["knn_task_id"]
        self.row_occ = arrays["knn_occ"]
        self.occ_codes = [str(c) for c in arrays["occ_codes"]]
        self._occ_number = {c: i for i, c in enumerate(self.occ_codes)}
        self._excluded: dict[str, np.ndarray] = {}
        k, power, lr_weight = arrays["hyper"]
        self.k, self.power, self.lr_weight = int(k), float(power), float(lr_weight)
        self.arrays = arrays
        # The few statement tokens in thousands of tasks ("and", "or", "record"...) cost most of a sparse gather:
        # they are kept as dense columns and multiplied with BLAS instead.
        lengths = np.diff(self.col_ptr)
        self.dense_cols = np.flatnonzero(lengths > DENSE_MIN_TASKS)
        self.dense_of = {int(c): k for k, c in enumerate(self.dense_cols)}
        self.dense = np.zeros((len(self.row_label), len(self.dense_cols)))
        for k, c in enumerate(self.dense_cols):
            span = slice(self.col_ptr[c], self.col_ptr[c + 1])
            self.dense[self.row_idx[span], k] = self.values[span]

    @classmethod
    def from_file(cls, path: Path) -> TaskModel:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        return cls(arrays, name=f"{path.stem}@{file_digest(path)}")

    # --- features -------------------------------------------------------------------------------

    def _vector(self, tokens: list[str], task_only: bool) -> dict[int, float]:
        """TfidfVectorizer(sublinear_tf=True, norm='l2') of one document, as {column: weight}."""
        counts = Counter(t for t in tokens if t in self.vocab and not (task_only and is_context_token(t)))
        vec = {self.vocab[t]: (1.0 + math.log(c)) * self.idf[self.vocab[t]] for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        return {j: v / norm for j, v in vec.items()} if norm > 0 else {}

    def statement_vector(self, statement: str) -> dict[int, float]:
        """The statement's L2-normalised TF-IDF over statement stems (what the neighbour vote compares)."""
        return self._vector(document(statement), task_only=True)

    def _lr_proba(self, vectors: list[dict[int, float]]) -> np.ndarray:
        z = np.tile(self.intercept, (len(vectors), 1))
        for i, vec in enumerate(vectors):
            if vec:
                cols = np.fromiter(vec.keys(), dtype=np.int64)
                z[i] += self.coef[:, cols] @ np.fromiter(vec.values(), dtype=np.float64)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def similarities(self, vectors: list[dict[int, float]]) -> np.ndarray:
        """Cosine similarity of statement vectors (task tokens only) with every labelled task, (n, tasks): frequent
        tokens by a dense product, the rest gathered from the index's columns at once and summed by one bincount."""
        n, n_rows = len(vectors), len(self.row_label)
        queries = np.zeros((n, len(self.dense_cols)))
        pairs = []
        for i, v in enumerate(vectors):
            for j, w in v.items():
                if j in self.dense_of:
                    queries[i, self.dense_of[j]] = w
                else:
                    pairs.append((i, j, w))
        sims = queries @ self.dense.T
        if pairs:
            q = np.array([p[0] for p in pairs], dtype=np.int64)
            cols = np.array([p[1] for p in pairs], dtype=np.int64)
            weights = np.array([p[2] for p in pairs], dtype=np.float64)
            starts = self.col_ptr[cols]
            lens = self.col_ptr[cols + 1] - starts
            idx = np.arange(int(lens.sum())) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
            flat = np.repeat(q, lens) * n_rows + self.row_idx[idx]
            vals = self.values[idx] * np.repeat(weights, lens)
            sims += np.bincount(flat, weights=vals, minlength=n * n_rows).reshape(n, n_rows)
        return sims

    def _rows_of(self, code: str | None) -> np.ndarray | None:
        """The neighbour index's rows of an occupation (to exclude), or None when it has none."""
        if not code or code not in self._occ_number:
            return None
        if code not in self._excluded:
            self._excluded[code] = np.flatnonzero(self.row_occ == self._occ_number[code])
        return self._excluded[code]

    # --- prediction -----------------------------------------------------------------------------

    def estimate(
        self, statements: Sequence[str], title: str = "", code: str | None = None, exclude_code: str | None = None
    ) -> list[Estimate]:
        """One estimate per statement of a role (its title and O*NET code give context).

        ``exclude_code``: an occupation whose labelled tasks the neighbour vote must not see (the role itself).
        """
        return self.estimate_rows([(s, title, code, exclude_code) for s in statements])

    def estimate_rows(self, rows: Sequence[Request], block: int = 512) -> list[Estimate]:
        """Estimates of many (statement, title, code, exclude_code) requests, in blocks: one similarity product
        per block instead of one per role (the cross-validated evaluation asks for all 19,265 tasks)."""
        docs = [document(s, title, code) for s, title, code, _ in rows]
        lr = self._lr_proba([self._vector(d, task_only=False) for d in docs])
        out = []
        for start in range(0, len(rows), block):
            matrix = self.similarities([self._vector(d, task_only=True) for d in docs[start : start + block]])
            for offset, sims in enumerate(matrix):
                i = start + offset
                excluded = self._rows_of(rows[i][3])
                if excluded is not None:
                    sims[excluded] = 0.0
                out.append(self._combine(lr[i], sims))
        return out

    def _combine(self, lr: np.ndarray, sims: np.ndarray) -> Estimate:
        top = _top(sims, self.k)
        if len(top):
            votes = np.zeros(len(LABELS))
            np.add.at(votes, self.row_label[top], sims[top] ** self.power)
            p = self.lr_weight * lr + (1 - self.lr_weight) * votes / votes.sum()
        else:  # nothing in common with any labelled task: the regression alone
            p = lr
        near = tuple(
            Neighbour(int(self.row_task_id[j]), self.occ_codes[self.row_occ[j]], LABELS[self.row_label[j]],
                      round(float(sims[j]), 4))
            for j in top[:3]
        )  # fmt: skip
        return Estimate(decide(p), {lab: float(p[n]) for n, lab in enumerate(LABELS)}, near)

    def predict_proba(self, statements: Sequence[str], title: str = "", code: str | None = None) -> np.ndarray:
        return np.array([[e.probabilities[lab] for lab in LABELS] for e in self.estimate(statements, title, code)])

    def lr_proba(self, statements: Sequence[str], title: str = "", code: str | None = None) -> np.ndarray:
        """The logistic-regression part alone (what the test compares with scikit-learn's predict_proba)."""
        return self._lr_proba([self._vector(document(s, title, code), task_only=False) for s in statements])


class Prefetched:
    """A model whose estimates of known requests were made in one batch (``estimate_rows``), answering
    ``estimate`` like the model itself; a request it was not given goes to the model."""

    def __init__(self, model: TaskModel, rows: Sequence[Request]):
        self.model, self.name = model, model.name
        self.known = dict(zip(rows, model.estimate_rows(rows), strict=True))

    def estimate(
        self, statements: Sequence[str], title: str = "", code: str | None = None, exclude_code: str | None = None
    ) -> list[Estimate]:
        rows = [(s, title, code, exclude_code) for s in statements]
        missing = [r for r in rows if r not in self.known]
        if missing:
            self.known.update(zip(missing, self.model.estimate_rows(missing), strict=True))
        return [self.known[r] for r in rows]


def _top(sims: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest positive similarities, most similar first; ties go to the earlier row."""
    positive = np.flatnonzero(sims > 0)
    if len(positive) > k:
        cut = -np.partition(-sims[positive], k - 1)[k - 1]
        positive = positive[sims[positive] >= cut]
    order = np.lexsort((positive, -sims[positive]))
    return positive[order][:k]


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def shipped_model_path() -> Path:
    return Path(str(resources.files(__package__) / "data" / MODEL_FILE))


def shipped_figures() -> dict:
    return json.loads((resources.files(__package__) / "data" / FIGURES_FILE).read_text(encoding="utf-8"))


@cache
def shipped_model() -> TaskModel:
    """The model shipped with the package (loaded once per process)."""
    path = shipped_model_path()
    if not path.exists():
        from ..errors import DrafterError

        raise DrafterError(f"{path}: the task model is missing; rebuild it with python scripts/build_task_model.py")
    return TaskModel.from_file(path)
