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

MODEL_FILE = "task-model-v1.npz"
FIGURES_FILE = "task-model-v1.json"


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
        k, power, lr_weight = arrays["hyper"]
        self.k, self.power, self.lr_weight = int(k), float(power), float(lr_weight)
        self.arrays = arrays

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
        """Cosine similarity of statement vectors (task tokens only) with every labelled task, (n, tasks): the
        index's columns for all the statements' tokens gathered at once and summed with one bincount."""
        n, n_rows = len(vectors), len(self.row_label)
        pairs = [(i, j, w) for i, v in enumerate(vectors) for j, w in v.items()]
        if not pairs:
            return np.zeros((n, n_rows))
        q = np.array([p[0] for p in pairs], dtype=np.int64)
        cols = np.array([p[1] for p in pairs], dtype=np.int64)
        weights = np.array([p[2] for p in pairs], dtype=np.float64)
        starts = self.col_ptr[cols]
        lens = self.col_ptr[cols + 1] - starts
        idx = np.arange(int(lens.sum())) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
        flat = np.repeat(q, lens) * n_rows + self.row_idx[idx]
        vals = self.values[idx] * np.repeat(weights, lens)
        return np.bincount(flat, weights=vals, minlength=n * n_rows).reshape(n, n_rows)

    def _occ_index(self, code: str | None) -> int | None:
        try:
            return self.occ_codes.index(code) if code else None
        except ValueError:
            return None

    # --- prediction -----------------------------------------------------------------------------

    def estimate(
        self, statements: Sequence[str], title: str = "", code: str | None = None, exclude_code: str | None = None
    ) -> list[Estimate]:
        """One estimate per statement of a role (its title and O*NET code give context).

        ``exclude_code``: an occupation whose labelled tasks the neighbour vote must not see (the role itself).
        """
        docs = [document(s, title, code) for s in statements]
        lr = self._lr_proba([self._vector(d, task_only=False) for d in docs])
        excluded = self._occ_index(exclude_code)
        matrix = self.similarities([self._vector(d, task_only=True) for d in docs])
        if excluded is not None:
            matrix[:, self.row_occ == excluded] = 0.0
        out = []
        for i, sims in enumerate(matrix):
            top = _top(sims, self.k)
            if len(top):
                votes = np.zeros(len(LABELS))
                np.add.at(votes, self.row_label[top], sims[top] ** self.power)
                p = self.lr_weight * lr[i] + (1 - self.lr_weight) * votes / votes.sum()
            else:  # nothing in common with any labelled task: the regression alone
                p = lr[i]
            near = tuple(
                Neighbour(int(self.row_task_id[j]), self.occ_codes[self.row_occ[j]], LABELS[self.row_label[j]],
                          round(float(sims[j]), 4))
                for j in top[:3]
            )  # fmt: skip
            out.append(Estimate(decide(p), {lab: float(p[n]) for n, lab in enumerate(LABELS)}, near))
        return out

    def predict_proba(self, statements: Sequence[str], title: str = "", code: str | None = None) -> np.ndarray:
        return np.array([[e.probabilities[lab] for lab in LABELS] for e in self.estimate(statements, title, code)])

    def lr_proba(self, statements: Sequence[str], title: str = "", code: str | None = None) -> np.ndarray:
        """The logistic-regression part alone (what the test compares with scikit-learn's predict_proba)."""
        return self._lr_proba([self._vector(document(s, title, code), task_only=False) for s in statements])


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
