"""Assessment -> house-format Markdown, by walking the format's declaration (``spec.SECTIONS``).

Every figure the house format prints is produced by ``derived()`` from the scorecard, never from the
assessment's own claims; the importer compares a document's written figures against the same function,
which is what makes its consistency report exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ..assessment import Assessment
from ..methodology import Methodology, load_methodology
from ..scoring import ScoreCard, score
from .spec import (
    METADATA_TAG,
    SECTIONS,
    Cell,
    Commentary,
    Derived,
    EachRow,
    Field,
    Generated,
    Line,
    Paragraph,
    Table,
    escape,
    get,
)


def _review_notes(a: Assessment, card: ScoreCard, m: Methodology) -> list[str]:
    from ..review.markdown import review_section

    return review_section(a, card, m)


# the functions writing each Generated part: (assessment, scorecard, methodology) -> lines
GENERATED = {"review_notes": _review_notes}

_NUMBER_WORDS = {0: "none", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _plain(d: Decimal) -> str:
    return str(d.normalize()) if d == d.to_integral() else str(d)


def _pending_suffix(n: int) -> str:
    return f" (provisional: {n} awaiting input)" if n else ""


def derived(a: Assessment, card: ScoreCard, m: Methodology) -> dict[str, str]:
    """Every printed figure or generated line, keyed by where it stands in the house format."""
    pend = card.pending
    n_prot = sum(p.startswith("protective_principles.") for p in pend)
    n_ev = sum(p.startswith("evidence.") for p in pend)
    n_bar = sum(p.startswith("barriers.") for p in pend)
    out: dict[str, str] = {}
    out["protective_total"] = f"{card.protective_total}/9{_pending_suffix(n_prot)}"
    out["quick_screen"] = (
        f"Quick screen result: Protective {card.protective_total}/9 AND Correlation "
        f"{card.growth_correlation} → {card.quick_screen}."
    )
    for i, r in enumerate(a.tasks):
        out[f"weighted[{i}]"] = str((Decimal(r.time_pct) * r.score / 100).quantize(Decimal("0.01")))
    out["time_total"] = f"{sum(r.time_pct for r in a.tasks)}%"
    out["weighted_total"] = card.weighted_total.shown
    out["task_resistance_line"] = (
        f"Task Resistance Score: {m.ceiling} - {card.weighted_total.shown} = {card.task_resistance.shown}/5.0"
    )
    out["split_line"] = (
        f"Displacement/Augmentation split: {card.displacement_pct}% displacement, "
        f"{card.augmentation_pct}% augmentation, {card.not_involved_pct}% not involved."
    )
    out["evidence_total"] = f"{card.evidence_total}{_pending_suffix(n_ev)}"
    out["barrier_total"] = f"{card.barrier_total}/10{_pending_suffix(n_bar)}"
    out["tr_input"] = f"{card.task_resistance.shown}/5.0"
    for key in ("evidence_modifier", "barrier_modifier", "growth_modifier"):
        fig = getattr(card, key)
        out[key] = f"{fig.formula} = {fig.shown}"
    out["raw_line"] = f"Raw: {card.raw.formula} = {card.raw.shown}"
    provisional = [", ".join(pend) + " awaiting input"] if pend else []
    if card.priors:
        provisional.append(f"{len(card.priors)} input(s) borrowed from similar scored roles")
    out["score_line"] = f"JobZone Score: {card.score.formula} = {card.score.shown}/100" + (
        " (provisional: " + "; ".join(provisional) + ")" if provisional else ""
    )
    # the seed prints whole-number bands as "Yellow 25-47"
    yellow_top = int(m.green_min) - 1 if m.green_min == m.green_min.to_integral() else _plain(m.green_min)
    out["zone_line"] = (
        f"Zone: {card.zone.value.upper()} (Green ≥{_plain(m.green_min)}, Yellow {_plain(m.yellow_min)}-{yellow_top}, "
        f"Red <{_plain(m.yellow_min)})"
    )
    out["pct_high"] = f"{card.pct_time_high}%"
    out["growth_metric"] = str(card.growth_correlation)
    by_name = {c.name: c.shown for c in card.sub_label_criteria}
    out["crit_task_resistance"] = by_name.get("Task Resistance", card.task_resistance.shown)
    out["crit_evidence"] = by_name.get("Evidence", str(card.evidence_total))
    out["crit_barriers"] = by_name.get("Barriers", str(card.barrier_total))
    out["sub_label"] = sub_label_sentence(card)
    return out


def sub_label_sentence(card: ScoreCard) -> str:
    crit = card.sub_label_criteria
    if not crit:
        return card.sub_label
    met = [c for c in crit if c.met]
    unmet = [c for c in crit if not c.met]
    rule_name = card.sub_label.split(" — ", 1)[1] if " — " in card.sub_label else "Imminent"

    def phrase(c, lower: bool) -> str:
        name = c.name.lower() if lower else c.name
        return f"{name} {c.shown.split('(', 1)[1].rstrip(')')}"

    n = _NUMBER_WORDS.get(len(met), str(len(met)))
    total = _NUMBER_WORDS.get(len(crit), str(len(crit)))
    if not unmet:
        return f"{card.sub_label} — all {total} {rule_name} criteria met ({', '.join(phrase(c, True) for c in met)})."
    text = f"{card.sub_label} — only {n} of {total} {rule_name} criteria met"
    text += f" ({', '.join(phrase(c, True) for c in met)})." if met else "."
    verb = "prevents" if len(unmet) == 1 else "prevent"
    text += f" {' and '.join(phrase(c, False) for c in unmet)} {verb} {rule_name} classification."
    return text


def metadata(a: Assessment) -> dict:
    """What the house format has no visible place for, carried in an HTML comment for a lossless round trip."""
    return {
        "schema_version": a.schema_version,
        "provenance": a.provenance.model_dump(mode="json", exclude_defaults=True),
        # a sampled draft's spread (docs/review.md), so the Markdown round trip keeps it
        **({"uncertainty": a.uncertainty.model_dump(mode="json")} if a.uncertainty is not None else {}),
    }  # the excluded (unmapped) O*NET tasks have their own table now; older documents carried them here


def _row(cells: Iterable[str]) -> str:
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def _cell(c: Cell, obj: Any, figures: dict[str, str], i: int | None = None) -> str:
    if isinstance(c, Field):
        return escape(c.codec.show(get(obj, c.path)))
    if isinstance(c, Derived):
        return escape(figures[c.key.format(i=i)])
    return c


def items(r: EachRow, data: dict) -> list:
    """The objects an ``EachRow`` writes one row for (a mapping's entries as ``{"key", "value"}``)."""
    found = get(data, r.path)
    return [{"key": k, "value": v} for k, v in found.items()] if r.keyed else list(found)


def _table(t: Table, data: dict, figures: dict[str, str], m: Methodology) -> list[str]:
    if t.optional and not any(items(r, data) for r in t.rows if isinstance(r, EachRow)):
        return []
    lines = [_row(t.header), "|" + "---|" * len(t.header)]
    for r in t.rows:
        if isinstance(r, EachRow):
            lines += [_row(_cell(c, item, figures, i) for c in r.cells) for i, item in enumerate(items(r, data))]
        else:
            lines.append(_row([r.label.format(m=m), *(_cell(c, get(data, r.base), figures) for c in r.cells)]))
    return lines


def _line(part: Line, data: dict, figures: dict[str, str]) -> str | None:
    if isinstance(part.value, Derived):
        return figures[part.value.key]
    if part.value is None:
        return part.text
    value = get(data, part.value.path)
    if value is None or value == "":
        return None
    return f"{part.prefix} {escape(part.value.codec.show(value), in_table=False)}"


def render_markdown(
    a: Assessment, m: Methodology | None = None, *, headings: bool = True, card: ScoreCard | None = None
) -> str:
    """The house format. ``headings=False`` prints section titles as plain lines, as the seed does; ``card`` is
    the assessment's scorecard under ``m`` when the caller has it (a draft carries one), so it is not computed twice."""
    m = m or load_methodology()
    card = card or score(a, m)
    figures = derived(a, card, m)
    data = a.model_dump(mode="json")
    out: list[str] = []

    def block(*lines: str) -> None:
        out.extend(lines)
        out.append("")

    for section in SECTIONS:
        if section.optional and not headings:  # the seed's own layout has drafter's generated sections nowhere
            continue
        block(("## " if headings else "") + section.heading)
        for part in section.parts:
            if isinstance(part, Table):
                if table := _table(part, data, figures, m):
                    block(*table)
            elif isinstance(part, Line):
                if (text := _line(part, data, figures)) is not None:
                    block(text)
            elif isinstance(part, Paragraph):
                block(part.value.codec.show(get(data, part.value.path)))
            elif isinstance(part, Commentary):
                for sec in get(data, part.path):
                    block(("### " if headings else "") + sec["heading"])
                    for line in sec["body"].splitlines():
                        if line.strip():
                            block(line)
            elif isinstance(part, Generated):
                out.extend(GENERATED[part.key](a, card, m))

    meta = json.dumps(metadata(a), ensure_ascii=False, sort_keys=True).replace(">", "\\u003e")
    block(f"<!-- {METADATA_TAG} {meta} -->")
    text = "\n".join(out).rstrip("\n") + "\n"
    if not headings:
        # the seed's own layout: no blank lines, no metadata
        text = "\n".join(line for line in text.splitlines() if line and not line.startswith("<!--")) + "\n"
    return text
