"""drafter's Python API, for notebooks and other tools; the ``drafter`` command line is its first client.

Every function is re-exported by the package (``drafter.draft(...)``, ``drafter.score(...)``), loaded on
first use so that ``import drafter`` stays cheap. docs/api.md is the manual, with a worked example.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .assessment import Assessment
    from .calibration import CalibrationSet
    from .documents import Loaded
    from .drafting.base import Draft, Drafter, OnStep
    from .drafting.request import DraftRequest
    from .evaluation.gated import EvalOutcome
    from .llm.endpoints import Endpoint
    from .onet.model import Occupation
    from .review.report import Review
    from .scoring import ScoreCard

__all__ = ["draft", "endpoint", "evaluate", "load", "occupation", "read", "render", "review", "score", "write"]


def read(path: str | Path, methodology: str | Path = "aijri-v1") -> Loaded:
    """An assessment from a JSON draft or a house-format document, with the document's consistency report
    (its written figures against the scorer's under ``methodology``, and that scorecard: ``report.card``; None
    for JSON). Bad input raises ``DrafterError``."""
    from .documents import load_assessment
    from .methodology import load_methodology

    return load_assessment(Path(path), load_methodology(str(methodology)))


def load(path: str | Path) -> Assessment:
    """An assessment from a JSON draft or a house-format document (Markdown or the seed's plain text)."""
    return read(path).assessment


def score(assessment: Assessment | Draft | str | Path, methodology: str | Path = "aijri-v1") -> ScoreCard:
    """The deterministic scorecard (JobZone score, zone, sub-label and every figure with its arithmetic).

    ``methodology`` is a bundled id or a TOML file. A path is read first (``load``)."""
    from .assessment import Assessment
    from .drafting.base import Draft
    from .methodology import load_methodology
    from .scoring import score as compute

    if isinstance(assessment, Draft):
        assessment = assessment.assessment
    elif not isinstance(assessment, Assessment):
        assessment = load(assessment)
    return compute(assessment, load_methodology(str(methodology)))


def review(
    assessment: Assessment | Draft | str | Path, methodology: str | Path = "aijri-v1", card: ScoreCard | None = None
) -> Review:
    """What ``drafter review first`` shows, computed once: the scorecard, the samples' spread, the zone-flip
    sensitivity and the review-first list (``.as_json()``: the keys ``drafter score --json`` adds). ``card`` is
    the assessment's scorecard when the caller has it already. A path is read first (``load``).

    Called as ``drafter.api.review``: ``drafter.review`` is the review subpackage, so this one name is not
    re-exported by the package."""
    from .assessment import Assessment
    from .drafting.base import Draft
    from .methodology import load_methodology
    from .review.report import review as compute

    if isinstance(assessment, Draft):
        assessment = assessment.assessment
    elif not isinstance(assessment, Assessment):
        assessment = load(assessment)
    return compute(assessment, load_methodology(str(methodology)), card)


def render(assessment: Assessment | Draft, format: Literal["md", "json"] = "md") -> str:
    """The assessment in the house format (Markdown) or as the JSON a draft file holds."""
    from .drafting.base import Draft
    from .files import assessment_json
    from .house_format import render_markdown

    a, card = (assessment.assessment, assessment.scorecard) if isinstance(assessment, Draft) else (assessment, None)
    if format == "json":
        return assessment_json(a)
    if format != "md":
        from .errors import DrafterError

        raise DrafterError(f"format: expected md or json, got {format!r}")
    return render_markdown(a, card=card)


def occupation(code_or_file: str | Path, title: str | None = None) -> Occupation:
    """An O*NET occupation (29-2072 or 29-2072.00) or a custom task list (.csv, .yaml, .json)."""
    from .onet import resolve_occupation

    return resolve_occupation(str(code_or_file), title)


def endpoint(
    name: str | None = None,
    *,
    base_url: str | None = None,
    model: str | None = None,
    api_key_env: str | None = None,
    mode: str | None = None,
    timeout: float | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    config: str | Path | None = None,
    context_window: int | None = None,
) -> Endpoint | None:
    """The LLM endpoint these settings name, completed from endpoints.toml and the environment
    (OPENAI_BASE_URL, the API key variable); None when no LLM is configured (the offline default applies)."""
    from .llm.endpoints import resolve_endpoint

    return resolve_endpoint(
        endpoint=name, base_url=base_url, model=model, api_key_env=api_key_env, mode=mode, timeout=timeout,
        max_tokens=max_tokens, temperature=temperature, config=Path(config) if config else None,
        context_window=context_window,
    )  # fmt: skip


def draft(
    occupation: str | Path | Occupation,
    *,
    endpoint: Endpoint | list[Endpoint] | None = None,
    samples: int = 1,
    title: str | None = None,
    notes: str | Path | None = None,
    notes_source: str | None = None,
    use_cache: bool = True,
    on_step: OnStep | None = None,
    calibration: CalibrationSet | None = None,
    on_request: Callable[[DraftRequest], None] | None = None,
) -> Draft:
    """A scored first draft: by the LLM pipeline at ``endpoint`` (see ``drafter.endpoint``), else by the
    offline default. ``notes`` (text, or a file) reach the prompts; ``notes_source`` names them in the
    provenance (a file's path by default). ``on_step`` is told of each LLM step (a sampled draft's steps carry
    their sample's label: ``"a/0:decompose"``, ``"consensus:commentary"``); ``on_request`` is told the draft's
    resolved request (its notes, the calibration roles its prompts show) before the first step. ``calibration`` is
    the set of human-scored roles the offline default borrows role-level priors from, and whose nearest an LLM draft's
    prompts show (default: the shipped ones; never the role itself). Several endpoints (a panel) or ``samples`` >
    1 draft the role that many times per endpoint and return the consensus with its spread (docs/review.md). For
    many drafts with one client, use ``drafter.drafter_for(endpoint)`` as a context manager."""
    from .drafting.choose import drafter_for
    from .files import read_text
    from .onet import resolve_occupation
    from .onet.model import Occupation

    occ = occupation if isinstance(occupation, Occupation) else resolve_occupation(str(occupation), title)
    notes_text = notes if not isinstance(notes, Path) else read_text(notes)
    if isinstance(notes, Path):
        notes_source = notes_source or str(notes)
    with drafter_for(endpoint, samples=samples, use_cache=use_cache, calibration=calibration) as d:
        return d.draft(
            occ, job_title=title, notes=notes_text, notes_source=notes_source, on_step=on_step, on_request=on_request
        )


def write(
    draft: Draft,
    folder: str | Path = "drafts",
    force: bool = False,
    on_replaced: Callable[[str | None, list[Path]], None] | None = None,
    inputs: Sequence[str | Path] = (),
) -> tuple[Path, Path]:
    """Write a draft as ``CODE.json`` and ``CODE.md`` (house format) in ``folder``, as a pair: both are staged
    before either replaces the old pair, so a full disk (``files.WriteFailed``) replaces nothing, and another
    process writing the role is waited for (``files.WriterBusy`` after ``DRAFTER_LOCK_WAIT`` s). Files edited
    since drafter wrote them are refused (``files.OverwriteRefused``) unless ``force``, which keeps both as
    numbered backups (``CODE.md.~1~``, ``CODE.json.~1~``), as is an earlier draft by another drafter. ``on_replaced(drafted_by,
    backups)`` is told who made the draft replaced and what was kept of it. ``inputs`` are the files the draft
    was made from (a task list, notes): an output that is one of them is refused, ``force`` or not."""
    from .documents import write_draft
    from .drafting.base import draft_stem

    stem = draft_stem(draft.assessment)
    return write_draft(draft.assessment, draft.scorecard, Path(folder), stem, force=force, on_replaced=on_replaced,
                       inputs=tuple(Path(p) for p in inputs))  # fmt: skip


def evaluate(
    drafter: Drafter | None = None,
    *,
    drafts: str | Path | None = None,
    samples: int = 1,
    all_files_as_samples: bool = False,
    gate: str | Path | None = None,
    baseline: str | Path | None = None,
    output: str | Path = "eval-runs",
    on_role: Callable[[str, str], None] | None = None,
) -> EvalOutcome:
    """Judge drafts against the human-scored golden roles: made now by ``drafter`` (default: the offline
    default), or the files in ``drafts``. Returns the stored run, its gate verdict and report paths."""
    from .drafting.choose import drafter_for
    from .evaluation.gated import evaluate as run

    def path(p: str | Path | None) -> Path | None:
        return Path(p) if p is not None else None

    if drafts is None and drafter is None:
        drafter = drafter_for(None)
    return run(
        drafter, drafts=path(drafts), samples=samples, all_files_as_samples=all_files_as_samples, gate=path(gate),
        baseline=path(baseline), output=Path(output), on_role=on_role or (lambda key, status: None),
    )  # fmt: skip
