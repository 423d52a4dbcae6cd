"""Rebuild the shipped task model (drafter/taskmodel/data/task-model-v1.npz) and its training figures (.json).

    python scripts/build_task_model.py            # fit on all labelled tasks, cross-validate, write the three files

The bundled table (task-model-v1-bundled.zip) holds out-of-fold estimates: each labelled task is estimated by
the occupation-grouped fold model that never saw its occupation (the same folds as the cross-validation).
    python scripts/build_task_model.py --check    # refit and compare with the shipped file; exit 1 if they differ

Training data: the bundled labelled O*NET set (drafter/onet/data, never an imported release), i.e. the
GPTs-are-GPTs human exposure labels (Eloundou et al., Science 2024; MIT) on O*NET 27.x task statements
(National Center for O*NET Development, CC BY 4.0). The fit is deterministic (saga with a fixed seed, catalog
order, entries written with fixed timestamps), so a rebuild from the same data gives the same parameters.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drafter.onet.catalog import Catalog, load_bundled  # noqa: E402
from drafter.taskmodel.fit import (  # noqa: E402
    FOLDS,
    HYPER,
    cross_validate,
    data_digest,
    fit_arrays,
    fold_models,
    labelled_tasks,
    save_arrays,
)  # noqa: E402
from drafter.taskmodel.light import BUNDLED_FILE, read_table, same_table, table_bytes  # noqa: E402
from drafter.taskmodel.model import FIGURES_FILE, MODEL_FILE, TaskModel  # noqa: E402

DATA = ROOT / "drafter" / "taskmodel" / "data"
LICENCE = (
    "Fitted on O*NET 27.x task statements (c) National Center for O*NET Development, U.S. Department of Labor, "
    "CC BY 4.0, and the human exposure labels of Eloundou, Manning, Mishkin & Rock, 'GPTs are GPTs' "
    "(Science, 2024), data from openai/GPTs-are-GPTs under the MIT licence. The exported parameters include "
    "the labelled tasks' O*NET task IDs, occupation codes and labels."
)


def build(check: bool = False) -> int:
    import numpy as np
    import sklearn

    occupations, _ = load_bundled()
    tasks = labelled_tasks(Catalog(occupations))
    t0 = time.perf_counter()
    arrays = fit_arrays(tasks)
    fit_seconds = round(time.perf_counter() - t0, 1)
    model_path, figures_path = DATA / MODEL_FILE, DATA / FIGURES_FILE
    if check:
        with np.load(model_path, allow_pickle=False) as shipped:
            bad = [k for k in arrays if k not in shipped.files or not _same(arrays[k], shipped[k])]
        print(f"{model_path}: " + (f"differs in {', '.join(bad)}" if bad else "matches a fresh fit"))
        folds = list(fold_models(tasks))
        fresh = read_table(table_bytes(TaskModel.from_file(model_path), Catalog(occupations), folds))
        table_ok = same_table(read_table((DATA / BUNDLED_FILE).read_bytes()), fresh)
        print(
            f"{DATA / BUNDLED_FILE}: "
            + ("matches the out-of-fold estimates of a fresh cross-fit" if table_ok else "differs: rebuild")
        )
        return 1 if bad or not table_ok else 0
    print(f"fitted on {len(tasks)} labelled tasks in {fit_seconds} s; cross-validating…", file=sys.stderr)
    cv = cross_validate(tasks, on_fold=lambda done, total: print(f"  fold {done}/{total}", file=sys.stderr))
    data = save_arrays(arrays)
    model_path.write_bytes(data)
    print("precomputing the out-of-fold estimates of the bundled tasks…", file=sys.stderr)
    table = table_bytes(TaskModel.from_file(model_path), Catalog(occupations), list(fold_models(tasks)))
    (DATA / BUNDLED_FILE).write_bytes(table)
    figures = {
        "model": MODEL_FILE,
        "description": "Logistic regression (TF-IDF of statement stems + title stems + major SOC group) averaged "
        "with a similarity-weighted vote of the nearest labelled tasks; label = E0 if P(E0) >= P(E1)+P(E2), "
        "else the likelier of E1/E2.",
        "training_data": {
            "tasks": len(tasks),
            "occupations": len({t.onet_code for t in tasks}),
            "digest": data_digest(tasks),
        },  # fmt: skip
        "hyperparameters": HYPER | {"folds": FOLDS},
        "vocabulary": int(len(arrays["vocab"])),
        "fit_seconds": fit_seconds,
        "cross_validation": cv,
        "reference_gpt4": {"exact": 0.656, "exposed_or_not": 0.821},
        "built_with": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },  # fmt: skip
        "licence": LICENCE,
    }
    figures_path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    a, u = cv["all"], cv["unique_statements"]
    print(
        f"wrote {model_path} ({len(data) / 1e6:.2f} MB), {DATA / BUNDLED_FILE} ({len(table) / 1e6:.2f} MB) "
        f"and {figures_path}\n"
        f"occupation-grouped {cv['folds']}-fold CV: exact {a['exact']['agreement']:.1%}, exposed-or-not "
        f"{a['exposed_or_not']['agreement']:.1%} (all {a['exact']['n']} tasks); exact {u['exact']['agreement']:.1%}, "
        f"exposed-or-not {u['exposed_or_not']['agreement']:.1%} (unique statements, {u['exact']['n']})"
    )
    return 0


def _same(a, b) -> bool:
    import numpy as np

    if a.dtype.kind in "US" or b.dtype.kind in "US" or a.dtype.kind in "iu":
        return a.shape == b.shape and bool(np.array_equal(a, b))
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare a fresh fit with the shipped file")
    sys.exit(build(parser.parse_args().check))
