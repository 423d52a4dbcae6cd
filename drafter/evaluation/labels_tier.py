"""The human-label tier: drafted per-task scores against the published human exposure labels.

Mapping (documented, fixed): a task is *exposed* when its drafted score is 3 or more, matching E1/E2;
a score of 1-2 matches E0. GPT-4's published labels on the same tasks are reported beside the drafter as
the reference (65.6% exact on E0/E1/E2 and 82.1% exposed-or-not over all 19,265 tasks). The offline default
reads human labels, so it is evaluated leave-one-occupation-out: each occupation is drafted with its own
labels hidden (``drafter_for(None, hold_out=True)``; a drafter that would read them is refused).

Who labels the tasks (the *labeller*): a drafter, or no drafter at all, in which case the published GPT-4
labels stand in for a draft (which reproduces the paper's agreement figures).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable

from ..drafting.base import Drafter
from ..errors import DrafterError
from .metrics import project

EXPOSED_FROM_SCORE = 3


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    n = len(a)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return None if pe == 1 else (po - pe) / (1 - pe)


def _agreement(draft: list[str], human: list[str]) -> dict:
    n = len(draft)
    return {
        "n": n,
        "agreement": round(sum(x == y for x, y in zip(draft, human, strict=True)) / n, 4) if n else None,
        "kappa": None if (k := cohen_kappa(draft, human)) is None else round(k, 4),
    }


def _binary(labels: list[str]) -> list[str]:
    return ["exposed" if lab in ("E1", "E2") else "not exposed" for lab in labels]


PUBLISHED_GPT4 = "gpt4-labels"  # the labeller's name when no drafter is given


def labeller_name(drafter: Drafter | None) -> str:
    return PUBLISHED_GPT4 if drafter is None else drafter.kind


def run_label_tier(
    drafter: Drafter | None,
    *,
    sample: int | None = None,
    seed: int = 0,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict:
    """Per-task agreement of ``drafter`` (None: the published GPT-4 labels) with the human labels."""
    from ..onet.catalog import Catalog

    if drafter is not None and drafter.describe().get("hold_out") is False:
        raise DrafterError(
            "the onet-labels tier needs the offline default with each occupation's own labels hidden "
            "(drafter_for(None, hold_out=True)): otherwise it would be graded on the answers it read"
        )
    catalog = Catalog.load()
    codes = sorted(c for c, o in catalog.by_code.items() if any(t.human_label for t in o.tasks))
    if sample is not None and sample < len(codes):
        codes = sorted(random.Random(seed).sample(codes, sample))

    human: list[str] = []
    gpt4: list[str] = []
    drafted: list[str] = []  # E-labels (published GPT-4 labels) or "exposed"/"not exposed" (drafters)
    failed: list[str] = []
    for i, code in enumerate(codes):
        occ = catalog.get(code)
        if drafter is None:
            for t in occ.tasks:
                if t.human_label and t.gpt4_label:
                    human.append(t.human_label)
                    gpt4.append(t.gpt4_label)
                    drafted.append(t.gpt4_label)
        else:
            try:
                tasks = project(drafter.draft(occ).assessment)
            except Exception as e:  # a failed LLM draft is reported, not fatal to the tier
                failed.append(f"{code}: {e}")
                continue
            for t in occ.tasks:
                if t.human_label and t.gpt4_label and t.id in tasks:
                    human.append(t.human_label)
                    gpt4.append(t.gpt4_label)
                    drafted.append("exposed" if tasks[t.id].score >= EXPOSED_FROM_SCORE else "not exposed")
        on_progress(i + 1, len(codes))

    result = {
        "tier": "onet-labels",
        "backend": labeller_name(drafter),
        "occupations": len(codes),
        "sample": sample,
        "seed": seed,
        "mapping": f"score >= {EXPOSED_FROM_SCORE} <=> exposed (E1 or E2)",
        "gpt4_reference": {
            "exact": _agreement(gpt4, human),
            "exposed_or_not": _agreement(_binary(gpt4), _binary(human)),
        },
        "failed": failed,
    }
    if drafter is None:
        result["drafter"] = {
            "exact": _agreement(drafted, human),
            "exposed_or_not": _agreement(_binary(drafted), _binary(human)),
        }
    else:
        result["drafter"] = {"exact": None, "exposed_or_not": _agreement(drafted, _binary(human))}
    return result
