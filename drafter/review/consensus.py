"""The consensus of several drafts of one role (samples of one model, or a panel of models), with the spread.

How the consensus is formed (``METHOD``; docs/review.md repeats it for assessors):

1. **Decomposition.** The decomposition most samples used wins (ties: the one that came first in sample
   order); its rows, names and O*NET task IDs are taken from the first sample that used it. Two samples use
   the same decomposition when they group the same O*NET task IDs into rows (names and shares aside).
2. **Alignment.** Every other sample's rows are matched to the consensus rows through the O*NET task IDs:
   a consensus row takes the score and label of the sample's row that covers most of its tasks (ties: the
   earlier row). Rows without IDs match by name. A sample that covers none of a row's tasks has no value.
3. **Time shares.** The median share of each row over the samples with the consensus decomposition, then
   rescaled to sum to 100 by largest remainders (at least 1% per row).
4. **Scores.** Each task score and each role-level score is the median of the samples' values; with an even
   count, the lower of the two middle values (``statistics.median_low``), so the consensus is always a value
   some sample gave. A role-level input awaiting input in every sample stays awaiting input.
5. **Text.** A row's label is the commonest label among the samples that gave the consensus score; its
   rationale (and a role-level input's rationale or evidence, with its source) comes from the first sample
   that gave the consensus value, so the text always argues for the value shown. The role definition and
   reinstatement check come from the first sample with the consensus decomposition; the commentary is
   written afresh from the consensus figures by the drafting pipeline.

The spread is kept in ``Assessment.uncertainty``: every row's scores and labels per sample, every input's
values, and the composite interval (min, median, max of the samples' own composites and the share of samples
per zone). The consensus composite is the scorer's figure for the consensus assessment; it usually lies inside
the interval but need not equal its median.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from statistics import median, median_low

from ..assessment import (
    Assessment,
    CompositeInterval,
    FieldSource,
    InputSpread,
    Provenance,
    RowSpread,
    SampleRecord,
    SourceKind,
    StepRecord,
    Uncertainty,
    Zone,
)
from ..inputs import role_inputs
from ..methodology import Methodology, load_methodology
from ..scoring import ScoreCard, score
from .align import best_match, decomposition_key
from .provenance import field_sources

METHOD = (
    "consensus-v1: modal decomposition; rows aligned by O*NET task IDs; median_low of scores; median time shares "
    "rescaled to 100; text from the first sample giving the consensus value"
)


@dataclass(frozen=True)
class Sample:
    """One draft of the role and where it came from."""

    assessment: Assessment
    endpoint: str
    model: str
    sample: int = 0
    temperature: float = 0.0
    run_id: str | None = None
    prompt_versions: dict[str, str] = field(default_factory=dict)
    card: ScoreCard | None = None  # the scorecard computed when the sample was drafted; None: scored here

    @classmethod
    def of(cls, a: Assessment, sample: int = 0, temperature: float = 0.0, card: ScoreCard | None = None) -> Sample:
        """A sample described by its own provenance (an LLM draft records its endpoint, model and prompts);
        ``card`` is its scorecard when it was scored as it was drafted, so the consensus does not score it again."""
        inputs = a.provenance.inputs
        versions = {s.step: s.prompt_version for s in a.provenance.steps if s.prompt_version}
        return cls(
            a, inputs.get("endpoint", "?"), inputs.get("model") or a.provenance.drafted_by, sample, temperature,
            inputs.get("run_id"), versions, card,
        )  # fmt: skip

    @property
    def label(self) -> str:
        return f"{self.endpoint}/{self.sample}"


def rescale(shares: list[int]) -> list[int]:
    """Whole-percent shares proportional to ``shares`` summing to 100 (largest remainders, ties: earlier row),
    every row keeping at least 1%."""
    total = sum(shares)
    exact = [s * 100 / total for s in shares]
    out = [max(1, int(e)) for e in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    k = 0
    while sum(out) < 100:
        out[order[k % len(order)]] += 1
        k += 1
    while sum(out) > 100:  # only when rows were lifted to 1%: take from the largest
        j = max(range(len(out)), key=lambda i: (out[i], -i))
        out[j] -= 1
    return out


def _sample_source(s: Sample, step: str, samples: int) -> FieldSource:
    return FieldSource(
        kind=SourceKind.MODEL, endpoint=s.endpoint, model=s.model, prompt_version=s.prompt_versions.get(step),
        detail=f"sample {s.sample} of {samples}" if samples > 1 else None,
    )  # fmt: skip


def consensus(samples: list[Sample], m: Methodology | None = None) -> Assessment:
    """The consensus draft of several drafts of one role, with ``uncertainty`` filled in (see ``METHOD``)."""
    if not samples:
        raise ValueError("consensus needs at least one sample")
    m = m or load_methodology()
    keys, order, chosen = _decompositions(samples)  # 1. the decomposition most samples used
    ref_i = keys.index(chosen)
    ref = samples[ref_i].assessment
    fields: dict[str, FieldSource] = {}
    sources = _Sources(samples)
    rows, row_spreads = _rows(samples, keys, chosen, ref_i, fields)  # 2-5 for the rows
    data = ref.model_dump()
    data["tasks"] = [t.model_dump() for t in rows]
    input_spreads = _inputs(samples, ref_i, data, fields, sources)  # 4 + 5 for the role-level inputs
    for path, src_field in sources.of(ref_i).items():  # the rest (role text, reinstatement, ...) is the reference's
        fields.setdefault(path, _relabel(src_field, samples[ref_i], len(samples)))
    data["provenance"] = _provenance(samples, ref, fields).model_dump()
    data["uncertainty"] = None
    draft = Assessment.model_validate(data)
    cards = [s.card or score(s.assessment, m) for s in samples]
    draft.uncertainty = _uncertainty(samples, cards, keys, order, chosen, row_spreads, input_spreads)
    return draft


def _decompositions(samples: list[Sample]) -> tuple[list, list, object]:
    """Each sample's decomposition key, the distinct keys in order of first use, and the commonest (ties: first)."""
    keys = [decomposition_key(s.assessment.tasks) for s in samples]
    order = list(dict.fromkeys(keys))
    counts = Counter(keys)
    return keys, order, max(order, key=lambda k: (counts[k], -order.index(k)))


class _Sources:
    """Where each field of a sample came from, worked out once per sample that lends one."""

    def __init__(self, samples: list[Sample]):
        self.samples = samples
        self.known: dict[int, dict[str, FieldSource]] = {}

    def of(self, j: int) -> dict[str, FieldSource]:
        if j not in self.known:
            self.known[j] = field_sources(self.samples[j].assessment)
        return self.known[j]


def _consensus_source(given: int) -> FieldSource:
    return FieldSource(kind=SourceKind.CONSENSUS, samples=given, detail=METHOD.split(":")[0])


def _rows(samples: list[Sample], keys: list, chosen: object, ref_i: int, fields: dict[str, FieldSource]):
    """The reference's rows with every sample's aligned values (2), time shares from the samples with the consensus
    decomposition (3), the median score, the commonest label among the samples giving it and that sample's
    rationale (4 + 5); ``fields`` is told where each came from. Returns the rows and their spreads."""
    n, rows = len(samples), samples[ref_i].assessment.tasks
    matches = [best_match(rows, s.assessment.tasks) for s in samples]

    def row_values(i: int, attr: str) -> list:
        return [
            None if mt[i] is None else getattr(s.assessment.tasks[mt[i]], attr)  # type: ignore[index]
            for s, mt in zip(samples, matches, strict=True)
        ]

    same = [k == chosen for k in keys]
    time_pcts = [[v if same[j] else None for j, v in enumerate(row_values(i, "time_pct"))] for i in range(len(rows))]
    shares = rescale([median_low([v for v in tp if v is not None]) for tp in time_pcts])
    new_rows, row_spreads = [], []
    for i, r in enumerate(rows):
        scores, labels = row_values(i, "score"), row_values(i, "label")
        given = [v for v in scores if v is not None]
        value = median_low(given)
        agreeing = [j for j, v in enumerate(scores) if v == value]
        label = Counter(labels[j] for j in agreeing).most_common(1)[0][0]
        src = next(j for j in agreeing if labels[j] == label)
        rationale = samples[src].assessment.tasks[matches[src][i]].rationale  # type: ignore[index]
        new_rows.append(
            r.model_copy(update={"score": value, "label": label, "rationale": rationale, "time_pct": shares[i]})
        )
        row_spreads.append(RowSpread(task=r.task, scores=scores, labels=labels, time_pcts=time_pcts[i]))
        for f in ("score", "label", "time_pct"):
            fields[f"tasks[{i}].{f}"] = _consensus_source(len(given))
        fields[f"tasks[{i}].rationale"] = _sample_source(samples[src], "score_rows", n)
        for f in ("task", "onet_task_ids"):
            fields[f"tasks[{i}].{f}"] = _sample_source(samples[ref_i], "decompose", n)
    return new_rows, row_spreads


def _inputs(
    samples: list[Sample], ref_i: int, data: dict, fields: dict[str, FieldSource], sources: _Sources
) -> list[InputSpread]:
    """Each role-level input's median in ``data``, with the text arguing for it from the first sample giving that
    value; ``fields`` is told where each came from. Returns the inputs' spreads."""
    n, spreads = len(samples), []
    for inp in role_inputs(samples[ref_i].assessment):
        values = [next(x.value for x in role_inputs(s.assessment) if x.path == inp.path) for s in samples]
        spreads.append(InputSpread(path=inp.path, values=values))
        given = [v for v in values if v is not None]
        value = median_low(given) if given else None
        src = values.index(value) if given else ref_i
        source_item = _node(samples[src].assessment.model_dump(), inp.path)
        _node(data, inp.path).update(source_item)  # score and the text arguing for it (rationale / evidence / check)
        prefix = inp.path.removesuffix(".score")
        fields[inp.path] = _consensus_source(len(given))
        for key in source_item:
            if key != "score":
                fields[f"{prefix}.{key}"] = _relabel(sources.of(src)[f"{prefix}.{key}"], samples[src], n)
    return spreads


def _provenance(samples: list[Sample], ref: Assessment, fields: dict[str, FieldSource]) -> Provenance:
    """The consensus's provenance: who drafted the samples, every sample's steps (labelled), each field's source."""
    n = len(samples)
    created = max(
        (s.assessment.provenance.created_at for s in samples if s.assessment.provenance.created_at), default=None
    )
    models = list(dict.fromkeys(s.model for s in samples))
    ref_prov = ref.provenance
    return Provenance(
        drafted_by=f"consensus:{n} samples of " + "+".join(f"llm:{x}" for x in models),
        created_at=created,
        onet_code=ref_prov.onet_code,
        inputs=ref_prov.inputs
        | {"endpoints": ",".join(dict.fromkeys(s.endpoint for s in samples)), "samples": str(n), "consensus": METHOD},
        steps=[
            StepRecord(**(st.model_dump() | {"step": f"{s.label}:{st.step}"}))
            for s in samples
            for st in s.assessment.provenance.steps
        ],
        fields=fields,
    )


def _uncertainty(
    samples: list[Sample], cards: list[ScoreCard], keys: list, order: list, chosen: object,
    row_spreads: list[RowSpread], input_spreads: list[InputSpread],
) -> Uncertainty:  # fmt: skip
    """The spread: each sample's composite and decomposition, each row's and input's values, the interval."""
    composites = [c.score.value for c in cards]
    return Uncertainty(
        method=METHOD,
        samples=[
            SampleRecord(
                endpoint=s.endpoint,
                model=s.model,
                sample=s.sample,
                temperature=s.temperature,
                prompt_versions=s.prompt_versions,
                run_id=s.run_id,
                score=c.score.value,
                zone=c.zone,
                sub_label=c.sub_label,
                decomposition=order.index(k) if k != chosen else 0,
            )  # fmt: skip
            for s, c, k in zip(samples, cards, keys, strict=True)
        ],
        decompositions=len(order),
        rows=row_spreads,
        inputs=input_spreads,
        composite=CompositeInterval(
            low=min(composites),
            median=round(median(composites), 2),
            high=max(composites),
            zone_shares={z: round(sum(c.zone == z for c in cards) / len(samples), 4) for z in Zone},
        ),
    )


def _relabel(src: FieldSource, s: Sample, n: int) -> FieldSource:
    """A text taken from one sample: its own source, named as that sample."""
    if src.kind is SourceKind.MODEL:
        return src.model_copy(
            update={"endpoint": s.endpoint, "model": s.model, "detail": f"sample {s.sample} of {n}" if n > 1 else None}
        )
    return src


def _node(data: dict, path: str) -> dict:
    """The dict holding an input's score: ``evidence.wage_trends.score`` -> data["evidence"]["wage_trends"]."""
    node = data
    for part in path.split(".")[:-1]:
        node = node[part]
    return node
