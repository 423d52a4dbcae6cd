"""The learned task model: E0 / E1 / E2 exposure (with probabilities) for any task statement.

Fitted with scikit-learn by ``scripts/build_task_model.py`` on the published human exposure labels
(GPTs-are-GPTs, MIT; O*NET task statements CC BY 4.0) and shipped as exported parameters, so drafting never
imports scikit-learn: ``model.TaskModel`` predicts with numpy alone, and a draft of a bundled O*NET occupation
does not even import numpy (``light``: the shipped model's estimates of the bundled tasks, precomputed). ``fit`` (scikit-learn) is imported only
by the build script, the evaluation tier and the tests.
"""

from __future__ import annotations

from .estimate import LABELS, Estimate, Neighbour, decide
from .text import document

__all__ = ["LABELS", "Estimate", "Neighbour", "decide", "document"]
