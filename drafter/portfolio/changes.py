"""The summary of what assessors changed over many roles: which fields, by how much, how often the zone moved.

Drafts and finals are paired by file stem (``29-2072.00.json`` with ``29-2072.00.json`` or ``.md``). A draft
is read from its ``.json`` when there is one (it carries the spread and the provenance), else its ``.md``;
a final that exists as both ``.json`` and ``.md`` is read from the one modified last (that is the one the
assessor edited). Figures are over every instance of a field, unchanged ones included, so a mean |Δ| is
comparable between fields that occur once per role and fields that occur once per row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel

from ..assessment import FieldSource
from ..documents import load_assessment
from ..errors import DrafterError
from ..review.diff import Diff, diff
from ..review.fields import flatten, generic, step_of

SUFFIXES = (".json", ".md", ".txt")


class FieldStat(BaseModel):
    field: str
    step: str | None
    instances: int  # how many times the field occurs in the finals (plus rows the assessors removed)
    changed: int
    change_rate: float
    mean_abs_delta: float | None  # numeric fields, over every instance (unchanged = 0)


class StepStat(BaseModel):
    step: str
    changes: int
    roles_changed: int  # roles in which the assessor changed at least one field this step wrote
    prompt_versions: dict[str, int]  # the draft's prompt version -> changes to fields it wrote


class Summary(BaseModel):
    pairs: int
    roles: list[str]
    unpaired_drafts: list[str]
    unpaired_finals: list[str]
    unreadable: list[str]
    fields: list[FieldStat]  # most changed first
    steps: list[StepStat]  # most changed first: the prompt to improve next
    row_scores: dict[str, float | int | None]  # rows, changed, mean_abs_delta
    composite_mean_abs_delta: float | None
    zone_changed: int
    zone_change_rate: float | None
    zone_transitions: dict[str, int]


def _pick(folder: Path, stem: str, prefer_json: bool) -> Path | None:
    found = [folder / f"{stem}{s}" for s in SUFFIXES if (folder / f"{stem}{s}").is_file()]
    if not found:
        return None
    if prefer_json:
        return found[0]
    return max(found, key=lambda p: (p.stat().st_mtime_ns, p.suffix == ".json"))


def _stems(folder: Path) -> set[str]:
    if not folder.is_dir():
        raise DrafterError(f"{folder}: not a folder")
    return {p.stem for p in folder.iterdir() if p.suffix in SUFFIXES and not p.name.startswith(".")}


def pair_files(drafts_dir: Path, finals_dir: Path) -> tuple[list[tuple[str, Path, Path]], list[str], list[str]]:
    drafts, finals = _stems(drafts_dir), _stems(finals_dir)
    pairs = []
    for stem in sorted(drafts & finals):
        d, f = _pick(drafts_dir, stem, prefer_json=True), _pick(finals_dir, stem, prefer_json=False)
        assert d is not None and f is not None
        pairs.append((stem, d, f))
    return pairs, sorted(drafts - finals), sorted(finals - drafts)


def diff_folders(
    drafts_dir: Path, finals_dir: Path, other_role: bool = False
) -> tuple[list[tuple[str, Diff, Counter]], Summary]:
    """Diff every pair, then summarise. Files that are not assessments, and a final of another role than its
    draft's (same name, different O*NET-SOC code; counted with ``other_role``), are listed as unreadable, not
    fatal."""
    pairs, lone_drafts, lone_finals = pair_files(Path(drafts_dir), Path(finals_dir))
    diffs, unreadable = [], []
    for stem, d_path, f_path in pairs:
        try:
            draft, _ = load_assessment(d_path)
            final, _ = load_assessment(f_path)
            d = diff(draft, final, draft_name=str(d_path), final_name=str(f_path), other_role=other_role)
        except DrafterError as e:
            unreadable.append(str(e).splitlines()[0])
            continue
        diffs.append((stem, d, _instances(final)))
    return diffs, summarise(diffs, lone_drafts, lone_finals, unreadable)


def _instances(final) -> Counter:
    return Counter(generic(p) for p in flatten(final))


def summarise(
    diffs: list[tuple[str, Diff, Counter]],
    unpaired_drafts: list[str] = (),  # type: ignore[assignment]
    unpaired_finals: list[str] = (),  # type: ignore[assignment]
    unreadable: list[str] = (),  # type: ignore[assignment]
) -> Summary:
    instances: Counter = Counter()
    changed: Counter = Counter()
    abs_delta: defaultdict[str, float] = defaultdict(float)
    numeric: set[str] = set()
    step_changes: Counter = Counter()
    step_roles: Counter = Counter()
    versions: defaultdict[str, Counter] = defaultdict(Counter)
    row_n = row_changed = 0
    row_abs = 0.0
    comp_abs: list[float] = []
    transitions: Counter = Counter()
    for _stem, d, inst in diffs:
        instances.update(inst)
        removed = Counter(c.field for c in d.changes if c.path.startswith("draft."))
        instances.update(removed)
        steps_here = set()
        for c in d.changes:
            changed[c.field] += 1
            if c.delta is not None:
                numeric.add(c.field)
                abs_delta[c.field] += abs(c.delta)
            step = c.step or step_of(c.field)
            if step:
                step_changes[step] += 1
                steps_here.add(step)
                versions[step][_version(c.source)] += 1
        step_roles.update(steps_here)
        for r in d.rows:
            if r.delta is not None:
                row_n += 1
                row_abs += abs(r.delta)
                row_changed += r.delta != 0
        comp_abs.append(abs(d.score_delta))
        if d.zone_changed:
            transitions[f"{d.zone_before.value} → {d.zone_after.value}"] += 1
    fields = [
        FieldStat(
            field=f,
            step=step_of(f),
            instances=max(instances[f], changed[f]),
            changed=changed[f],
            change_rate=round(changed[f] / max(instances[f], changed[f], 1), 4),
            mean_abs_delta=round(abs_delta[f] / max(instances[f], 1), 3) if f in numeric else None,
        )  # fmt: skip
        for f in sorted(set(instances) | set(changed))
    ]
    fields.sort(key=lambda s: (-s.changed, s.field))
    steps = [
        StepStat(step=s, changes=n, roles_changed=step_roles[s], prompt_versions=dict(versions[s].most_common()))
        for s, n in step_changes.most_common()
    ]
    n = len(diffs)
    zone_changed = sum(transitions.values())
    return Summary(
        pairs=n, roles=[stem for stem, _d, _i in diffs], unpaired_drafts=list(unpaired_drafts),
        unpaired_finals=list(unpaired_finals), unreadable=list(unreadable), fields=fields, steps=steps,
        row_scores={"rows": row_n, "changed": row_changed, "mean_abs_delta": round(row_abs / row_n, 3) if row_n else None},
        composite_mean_abs_delta=round(sum(comp_abs) / n, 2) if n else None, zone_changed=zone_changed,
        zone_change_rate=round(zone_changed / n, 4) if n else None, zone_transitions=dict(transitions.most_common()),
    )  # fmt: skip


def _version(source: FieldSource | None) -> str:
    """The prompt version that wrote the draft's value, else what did (offline prior, O*NET, awaiting input)."""
    if source is None:
        return "unknown"
    return source.prompt_version or source.prior or source.kind.value
