"""Which offline figures are held out and which are design-set (docs/eval.md, "Design-set and held-out figures").

python benchmarks/offline_honesty.py

1. The "agrees / differs" a bundled draft prints beside each published label: how often the precomputed
   (out-of-fold) estimates agree with the humans, against the in-sample agreement of the shipped model, which
   was fitted on those same labels (what bundled drafts showed before the table was cross-fitted).
2. The golden role 29-2072 under three task scales: the shipped one (its leading-verb lists were written with
   29-2072's rows in view: a design-set figure), the same scale without any leading-verb rule (probability
   thresholds only), and v1 (E0 -> 2, E1/E2 -> 4).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drafter.drafting import offline  # noqa: E402
from drafter.drafting.task_scale import Scale, load_scale  # noqa: E402
from drafter.evaluation.metrics import compare_role  # noqa: E402
from drafter.files import assessment_from_json  # noqa: E402
from drafter.onet import resolve_occupation  # noqa: E402
from drafter.onet.catalog import Catalog, load_bundled  # noqa: E402
from drafter.taskmodel.estimate import LABELS, decide  # noqa: E402
from drafter.taskmodel.light import bundled_table  # noqa: E402

GOLDEN = ROOT / "evals" / "golden" / "29-2072.00.json"


def agreement() -> None:
    from drafter.taskmodel.model import shipped_model

    catalog = Catalog(*load_bundled())
    table, rows, human = bundled_table(), [], []
    out_of_fold = 0
    for occ in catalog.by_code.values():
        for t in occ.tasks:
            if t.human_label:
                p = table.probabilities(t.id, occ.code, occ.title, t.statement)
                out_of_fold += decide([p[lab] for lab in LABELS]) == t.human_label
                rows.append((t.statement, occ.title, occ.code, occ.code))
                human.append(t.human_label)
    in_sample = sum(e.label == h for e, h in zip(shipped_model().estimate_rows(rows), human, strict=True))
    n = len(human)
    print(f"agrees/differs over {n} labelled tasks: out of fold (shipped table) {out_of_fold / n:.1%}; "
          f"in-sample (shipped model, fitted on these labels) {in_sample / n:.1%}")  # fmt: skip


def golden_under(scale: Scale, name: str) -> None:
    golden = assessment_from_json(GOLDEN.read_text(encoding="utf-8"), str(GOLDEN))
    original = offline.load_scale
    offline.load_scale = lambda: scale  # type: ignore[assignment]
    try:
        draft = offline.draft_offline(resolve_occupation("29-2072"))
    finally:
        offline.load_scale = original
    m = compare_role(draft, golden, "29-2072.00")
    print(f"29-2072 {name}: task MAE {m.task_score_mae.value:.2f}, QWK {m.task_score_qwk.value:.2f}, "
          f"label agreement {m.label_agreement.value:.0%} (n={m.task_score_mae.n})")  # fmt: skip


def main() -> None:
    agreement()
    shipped = load_scale()

    def without_verbs(side):
        return side[0], tuple(r for r in side[1] if r.leading_verbs is None)

    golden_under(shipped, "shipped scale (design-set)")
    no_verbs = dataclasses.replace(shipped, not_exposed=without_verbs(shipped.not_exposed),
                                   exposed=without_verbs(shipped.exposed))  # fmt: skip
    golden_under(no_verbs, "scale without its leading-verb rules")
    golden_under(dataclasses.replace(shipped, not_exposed=(2, ()), exposed=(4, ())), "v1 (E0 -> 2, E1/E2 -> 4)")


if __name__ == "__main__":
    main()
