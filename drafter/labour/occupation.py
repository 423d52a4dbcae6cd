"""One occupation's facts, each dated and sourced: the official description, its Job Zone and what the zone means,
four Work Context scores, observed AI use per task, and the BLS figures (``facts.RoleFacts``).

One layer for every reader: ``drafter onet show`` (and its JSON), the notes file ``drafter notes`` writes, the
notes a draft's prompts get (so the verbatim-quote check of evidence marked "notes" applies to every fact), the
per-task observed use beside the prompt's task list, and the offline draft's AI Tool Maturity evidence.

A fact line carries only numbers its source holds (rounded for reading; an automation share is the sum of the
source's directive and feedback-loop shares, and says so). A task absent from the Anthropic Economic Index is "no
observed use reported": the release omits tasks below its privacy threshold, so absence is not zero use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..onet.official import (
    AEI_CITATION,
    AUGMENTATION,
    AUTOMATION,
    MODES,
    ONET_CITATION,
    job_zone_reference,
    occupation_entry,
)

if TYPE_CHECKING:
    from ..onet.model import Occupation
    from .facts import RoleFacts

CONTEXT_NAMES = (
    "degree of automation",
    "importance of being exact or accurate",
    "importance of repeating the same tasks",
    "structured versus unstructured work",
)
WORK_CONTEXT_CITATION = "O*NET Work Context rescaled 0-1, as published with GPTs are GPTs, Science 2024"
NOT_REPORTED = "no observed use reported"
HEADING = "## Occupation facts"


def _pct(value: float) -> str:
    """A share as a percent, to 2 significant figures (small shares stay visible: 0.0021%)."""
    return f"{float(f'{value:.2g}'):g}%"


def _short(statement: str, n: int = 60) -> str:
    return statement if len(statement) <= n else statement[:n].rstrip() + "…"


def _split(automation: float, augmentation: float, filtered: float) -> str:
    """The automation / augmentation split as the source gives it (shares of 1), both sides and the unclassified
    rest: never one mode named as if it were the majority."""
    return (
        f"{_pct(automation * 100)} automation (directive + feedback loop), "
        f"{_pct(augmentation * 100)} augmentation (iteration, validation, learning), "
        f"{_pct(filtered * 100)} too few to classify"
    )


@dataclass(frozen=True)
class ObservedUse:
    """One task's observed AI use: its share of all classified conversations and its interaction modes, or None
    where the Anthropic Economic Index reports no use of it (not the same as zero)."""

    task_id: int
    pct: float | None = None
    modes: tuple[float, ...] = ()  # the shares of MODES, as published; empty when the release gives no split

    @property
    def reported(self) -> bool:
        return self.pct is not None

    def share(self, names: tuple[str, ...]) -> float:
        return sum(v for m, v in zip(MODES, self.modes, strict=False) if m in names)

    def line(self) -> str:
        """'observed AI use: 0.12% of conversations; 70% automation (directive + feedback loop), … (AEI, Mar 2025)'."""
        if self.pct is None:
            return f"observed AI use: {NOT_REPORTED} ({AEI_CITATION})"
        text = f"observed AI use: {_pct(self.pct)} of conversations"
        if self.modes:
            text += "; " + _split(self.share(AUTOMATION), self.share(AUGMENTATION), self.share(("filtered",)))
        return f"{text} ({AEI_CITATION})"

    def to_json(self) -> dict:
        if self.pct is None:
            return {"task_id": self.task_id, "reported": False, "note": NOT_REPORTED}
        return {
            "task_id": self.task_id,
            "reported": True,
            "pct_of_conversations": self.pct,
            "modes": dict(zip(MODES, self.modes, strict=False)),
        }


@dataclass(frozen=True)
class OccupationFacts:
    code: str
    title: str
    description: str = ""
    job_zone: tuple[int, str] | None = None  # (zone, the date O*NET gives it)
    work_context: tuple[float, ...] = ()
    observed: tuple[ObservedUse, ...] = ()  # one per task, in the occupation's task order
    statements: tuple[str, ...] = ()
    labour: RoleFacts | None = None

    def use_of(self, task_id: int) -> ObservedUse:
        return next((u for u in self.observed if u.task_id == task_id), ObservedUse(task_id))

    def zone_lines(self) -> list[str]:
        if self.job_zone is None:
            return []
        zone, dated = self.job_zone
        ref = job_zone_reference().get(str(zone), {})
        return [
            f"- {ref.get('Name', f'Job Zone {zone}')} (zone {zone} of 5; {ONET_CITATION}; zone dated {dated})",
            f"  - Education: {ref.get('Education', '')} ({ONET_CITATION}, Job Zone Reference)",
            f"  - Experience: {ref.get('Experience', '')} ({ONET_CITATION}, Job Zone Reference)",
        ]

    def observed_summary(self) -> str:
        """'observed in AI use: 8 of 17 tasks; averaged over them, 32% automation (directive + feedback loop), 38%
        augmentation (…), 30% too few to classify (Anthropic Economic Index, Mar 2025); the others: …'.

        The split is the mean over the observed tasks of each task's published shares (each task counts once), and
        states both sides: the single largest mode is not a majority (29-2072: directive is its largest mode, yet
        the augmentation modes together outweigh it)."""
        seen = [u for u in self.observed if u.reported]
        if not seen:
            return (
                f"observed in AI use: none of {len(self.observed)} tasks ({AEI_CITATION}: {NOT_REPORTED}, not zero use)"
            )
        text = f"observed in AI use: {len(seen)} of {len(self.observed)} tasks"
        split = [u for u in seen if u.modes]
        if split:
            mean = [
                sum(u.share(names) for u in split) / len(split) for names in (AUTOMATION, AUGMENTATION, ("filtered",))
            ]
            over = "them" if len(split) == len(seen) else f"the {len(split)} with a split"
            text += f"; averaged over {over}, {_split(*mean)}"
        return f"{text} ({AEI_CITATION}); the others: {NOT_REPORTED}, not zero use"

    def lines(self) -> list[str]:
        """Every fact as a dated, sourced Markdown bullet: the citable notes."""
        out = []
        if self.description:
            out.append(f"- Official description: {self.description} ({ONET_CITATION}, Occupation Data)")
        out += self.zone_lines()
        for name, value in zip(CONTEXT_NAMES, self.work_context, strict=False):
            out.append(f"- Work context, {name}: {value:g} ({WORK_CONTEXT_CITATION})")
        if self.observed:
            out.append(f"- Tasks {self.observed_summary()}")
            for u, statement in zip(self.observed, self.statements, strict=True):
                if u.reported:
                    out.append(f"  - Task {u.task_id} ({_short(statement)}): {u.line()}")
        if self.labour is not None:
            out += self.labour.figure_lines()
        return out

    def document(self) -> str:
        """The facts as a notes block: a heading, then the lines."""
        return f"{HEADING}: {self.title} (O*NET {self.code})\n\n" + "\n".join(self.lines())

    def to_json(self) -> dict:
        return {
            "description": {"text": self.description, "source": f"{ONET_CITATION}, Occupation Data"}
            if self.description
            else None,
            "job_zone": {
                "zone": self.job_zone[0],
                "dated": self.job_zone[1],
                "meaning": job_zone_reference().get(str(self.job_zone[0]), {}),
                "source": ONET_CITATION,
            }
            if self.job_zone
            else None,
            "work_context": {
                "scores": dict(zip(CONTEXT_NAMES, self.work_context, strict=False)),
                "source": WORK_CONTEXT_CITATION,
            }
            if self.work_context
            else None,  # fmt: skip
            "observed_ai_use": {
                "source": AEI_CITATION,
                "summary": self.observed_summary() if self.observed else None,
                "tasks": [u.to_json() for u in self.observed],
            },
        }


def occupation_facts(occ: Occupation, labour: RoleFacts | None = None) -> OccupationFacts:
    """The facts of a bundled (or imported) occupation; a custom task list has none but what its caller gives."""
    entry = occupation_entry(occ.code)
    aei = entry.get("aei", {})
    observed = tuple(
        ObservedUse(t.id, aei[str(t.id)][0], tuple(aei[str(t.id)][1:])) if str(t.id) in aei else ObservedUse(t.id)
        for t in occ.tasks
    )
    zone = entry.get("job_zone")
    return OccupationFacts(
        code=occ.code,
        title=occ.title,
        description=entry.get("description", "") or occ.description,
        job_zone=(int(zone[0]), str(zone[1])) if zone else None,
        work_context=tuple(entry.get("work_context", ())),
        observed=observed if entry else (),
        statements=tuple(t.statement for t in occ.tasks) if entry else (),
        labour=labour,
    )


def prompt_facts(occ: Occupation) -> dict:
    """The prompt's observed-AI-use lines (prompts/_facts.j2), one per task the Anthropic Economic Index reports:
    beside the task list, so the model sees each row's observed use while it groups and scores the tasks."""
    facts = occupation_facts(occ) if occ.code != "custom" else None
    observed = [{"id": u.task_id, "line": u.line()} for u in (facts.observed if facts else ()) if u.reported]
    return {"observed": observed, "observed_source": AEI_CITATION}
