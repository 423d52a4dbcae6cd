"""What a draft would send, without sending it: every step's messages, for an assessor to read.

Steps 2-4 carry the answers of the steps before them, which only a model can give. The preview drives the
same pipeline generator as a real draft and answers each call with a stand-in that says it is one (one row
per O*NET task at its prior share, score 3, scores awaiting input), so the messages are exactly the ones a
draft builds: the same templates, order, rubric, calibration table, worked example and notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..assessment import (
    Barriers,
    BarrierScore,
    GrowthCorrelation,
    PrincipleScore,
    ProtectivePrinciples,
    ReinstatementSize,
    TaskLabel,
)
from ..methodology import Methodology
from ..onet.model import Occupation
from ..onet.priors import priors
from .calibrate import NO_CALIBRATION, Calibration
from .facts import RowFacts
from .outputs import (
    ActivityRow,
    Commentary,
    Decomposition,
    DraftEvidence,
    DraftEvidenceItem,
    DraftReinstatement,
    RoleSections,
    RoleText,
    RowScore,
    RowScores,
)
from .pipeline import LARGE_TASK_LIST, steps
from .request import DraftRequest, ModelRef, calls_of

STAND_IN = "[stand-in for the model's answer to an earlier step]"


@dataclass(frozen=True)
class PreviewStep:
    step: str
    response_model: str  # the structure the endpoint is asked for (its JSON schema travels with the request)
    messages: list[dict[str, str]]
    round: int = 1  # the pipeline's round the request is sent in (the requests of one round are sent at once)


PREVIEW = ModelRef(endpoint="preview", base_url="(not sent)", model="preview", instructor_mode="tools")


def _stand_in(call, occ: Occupation) -> Any:
    model = call.response_model
    if model is Decomposition:
        shares, _ = priors(occ.tasks)
        kept = [(t, share) for t, share in zip(occ.tasks, shares, strict=True) if share > 0]
        # one row per task; a large task list in rows of four tasks, about as many rows as a model makes, so the
        # preview shows as many scoring requests as a draft would send
        size = 1 if len(occ.tasks) <= LARGE_TASK_LIST else 4
        groups = [kept[i : i + size] for i in range(0, len(kept), size)]
        rows = [
            ActivityRow.model_construct(
                task=f"{g[0][0].statement[:60]} [{', '.join(str(t.id) for t, _ in g)}]",
                onet_task_ids=[t.id for t, _ in g],
                time_pct=sum(share for _, share in g),
            )
            for g in groups
        ]
        return Decomposition.model_construct(
            seniority_level=STAND_IN, seniority_note=STAND_IN, rows=rows, excluded_tasks=[]
        )
    if model is RowScores:
        assert isinstance(call.facts, RowFacts)
        names = call.facts.row_names
        return RowScores.model_construct(
            scores=[
                RowScore.model_construct(task=n, score=3, label=TaskLabel.AUGMENTATION, rationale=STAND_IN)
                for n in names
            ]
        )
    if model is RoleSections:
        principle = PrincipleScore(score=None, rationale=STAND_IN)
        barrier = BarrierScore(score=None, rationale=STAND_IN)
        item = DraftEvidenceItem.model_construct(score=None, evidence=STAND_IN, items=[])
        return RoleSections.model_construct(
            role=RoleText.model_construct(
                primary_function=STAND_IN, what_this_role_is_not=STAND_IN, typical_experience=STAND_IN
            ),
            protective_principles=ProtectivePrinciples(
                embodied_physicality=principle,
                deep_interpersonal_connection=principle,
                goal_setting_moral_judgment=principle,
            ),  # fmt: skip
            growth=GrowthCorrelation(score=None, rationale=STAND_IN),
            reinstatement=DraftReinstatement.model_construct(
                size=ReinstatementSize.NONE, offsets_displacement=False, text=STAND_IN
            ),
            evidence=DraftEvidence.model_construct(None, **dict.fromkeys(DraftEvidence.model_fields, item)),
            barriers=Barriers(**dict.fromkeys(Barriers.model_fields, barrier)),
        )
    return Commentary.model_construct(calibration_note=STAND_IN, where_to_look_next=[], sections=[])


def preview_prompts(
    occ: Occupation,
    *,
    job_title: str | None = None,
    notes: str | None = None,
    methodology: Methodology | None = None,
    calibration: Calibration = NO_CALIBRATION,
) -> list[PreviewStep]:
    """Every step's request messages, built by the drafting pipeline itself; nothing is sent anywhere."""
    from ..llm.client import StepResult
    from ..methodology import load_methodology
    from ..usage import Usage

    request = DraftRequest.resolve(
        occ, {"job_title": job_title, "notes": notes}, run_id="preview", calibration=calibration
    )
    gen = steps(request, methodology or load_methodology(), PREVIEW)
    out: list[PreviewStep] = []
    try:
        yielded = next(gen)
        while True:
            calls = calls_of(yielded)
            n = (out[-1].round + 1) if out else 1
            out += [PreviewStep(c.step, c.response_model.__name__, c.messages, n) for c in calls]
            answers = [(_stand_in(c, occ), StepResult(c.step, 0, 0, 0, Usage(), 0, 0.0)) for c in calls]
            yielded = gen.send(answers if isinstance(yielded, tuple) else answers[0])
    except StopIteration:
        return out


def preview_text(steps: list[PreviewStep]) -> str:
    """For people: the two messages every request starts with, once, then each step's own message."""
    first = steps[0].messages
    rounds: dict[int, list[str]] = {}
    for s in steps:
        rounds.setdefault(s.round, []).append(s.step)
    order = "; ".join(
        f"{n}. {names[0]}" + (f" ({len(names)} requests at once)" if len(names) > 1 else "")
        for n, names in rounds.items()
    )
    out = [
        "Every request sends three messages: the system prompt with the rubric (the same for every role), the role's",
        "context (the same for all its requests), then the step's own message.",
        f"Requests in the same round are sent at once, each round after the one before: {len(rounds)} rounds ({order}).",
        "The role sections are drafted after the rows are scored, with the scored rows in view; the commentary after",
        "the scorer. Later steps show stand-ins where a model's earlier answers would be. Nothing below was sent.",
        "",
        "=== message 1 of every request: system ===",
        first[0]["content"].rstrip(),
        "",
        "=== message 2 of every request: the role's context (user) ===",
        first[1]["content"].rstrip(),
    ]
    for n, s in enumerate(steps, start=1):
        out += ["", f"=== message 3 of request {n} of {len(steps)} ({s.step}; answer as {s.response_model}) ===",
                s.messages[-1]["content"].rstrip()]  # fmt: skip
    return "\n".join(out) + "\n"
