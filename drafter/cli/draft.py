"""``drafter draft``: one occupation, by the LLM pipeline if an endpoint is configured, else the offline default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    LLM_PANEL,
    CalibrationOpt,
    EndpointOptions,
    calibration_set,
    checked,
    console,
    endpoint_options,
    fail,
)

if TYPE_CHECKING:
    from rich.console import Console

    from ..drafting.calibrate import Calibration
    from ..drafting.request import OnStep
    from ..usage import Prices

OFFLINE_CHOSEN = "--offline: drafting with the offline default (docs/offline.md)."
OFFLINE_NOTICE = (
    "No LLM configured: drafting with the offline default (one row per O*NET task, scored from the published "
    "human exposure labels and a learned task model; protective principles, growth, evidence and barriers "
    "borrowed from the most similar human-scored role, or awaiting input when none is close). For an LLM draft "
    "pass --base-url/--model, set OPENAI_API_KEY, or name a configured --endpoint "
    "(docs/drafting.md: Configuring an endpoint)."
)


@endpoint_options(
    "offline", "base_url", "model", "api_key_env", "mode", "timeout", "max_tokens", "temperature", "context_window",
    "reprobe", "no_cache", "config",
)  # fmt: skip
def draft(
    occupation: Annotated[
        str, typer.Argument(help="O*NET-SOC code (29-2072) or a custom task list (.csv/.yaml/.json).")
    ],
    title: Annotated[str | None, typer.Option(help="Job title for the draft (default: the O*NET title).")] = None,
    notes: Annotated[
        Path | None, typer.Option(help="Evidence notes for the prompts (projections, wages, tools).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the draft's .json and .md.")] = Path("drafts"),
    endpoint: Annotated[
        list[str] | None,
        typer.Option(
            help="A named endpoint from endpoints.toml; repeat it for a panel of models.", rich_help_panel=LLM_PANEL
        ),
    ] = None,
    samples: Annotated[
        int,
        typer.Option(
            help="Drafts per endpoint (with --temperature > 0); the draft is their consensus.",
            callback=checked("samples"),
        ),
    ] = 1,
    force: Annotated[
        bool, typer.Option("--force", help="Replace drafts edited since drafter wrote them (keeps numbered backups).")
    ] = False,
    llm: EndpointOptions = EndpointOptions(),
    calibration: CalibrationOpt = None,
    show_prompts: Annotated[
        bool,
        typer.Option(
            "--show-prompts",
            help="Print every step's prompt as an LLM draft would send it (rubric, calibration table, worked "
            "example, notes); send nothing, write nothing. Steps 2-4 show stand-ins for the model's earlier answers.",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --show-prompts: every request's messages as JSON.")
    ] = False,
) -> None:
    """Draft an assessment of an occupation: with an LLM if one is configured, else with the offline default."""
    from dataclasses import replace

    from .. import api
    from ..files import read_text
    from .display.scorecard import print_scorecard
    from .files import print_review_of

    if as_json and not show_prompts:
        fail("--json goes with --show-prompts; a draft is written as JSON and Markdown to --out")
    occ = api.occupation(occupation, title)
    notes_text = read_text(notes) if notes else None
    err = console(stderr=True)
    if show_prompts:
        print_prompts(occ, title, notes_text, calibration_set(calibration, err), as_json)
        return
    inputs = own_inputs(occupation, notes, occ, title, out)  # refused as outputs before anything is spent
    names = list(dict.fromkeys(endpoint or [None]))  # type: ignore[list-item]
    eps = [e for name in names if (e := replace(llm, endpoint=name).resolve()) is not None]
    announce(err, occ, eps, samples, notes, llm.offline)
    cal = calibration_set(calibration, err)
    on_request = (
        (lambda request: err.print(calibration_notice(request.calibration), markup=False, soft_wrap=True))
        if eps
        else None
    )
    with step_progress(err, _prices(eps)) if eps else nullcontext(None) as on_step:
        d = api.draft(
            occ, endpoint=eps or None, samples=samples, title=title, notes=notes_text,
            notes_source=str(notes) if notes else None, use_cache=llm.use_cache, on_step=on_step,
            on_request=on_request, calibration=cal,
        )  # fmt: skip
    replaced: list[tuple[str | None, list[Path]]] = []
    json_path, md_path = api.write(
        d, out, force=force, on_replaced=lambda by, kept: replaced.append((by, kept)), inputs=inputs
    )
    print_scorecard(console(), d.assessment, d.scorecard, None)
    print_review_of(d.assessment, d.scorecard)
    print_written(err, json_path, md_path, replaced)
    if unmapped := d.assessment.unmapped_onet_tasks:
        why = next(iter(unmapped.values()))
        err.print(
            f"warning: {len(unmapped)} of {len(occ.tasks)} tasks have no row in the draft (first reason: "
            f"{why}); they are listed with their reasons under unmapped_onet_tasks in {json_path}",
            style="yellow", markup=False, soft_wrap=True,
        )  # fmt: skip


def own_inputs(occupation: str, notes: Path | None, occ, title: str | None, out: Path) -> list[Path]:
    """The files a draft is made from (a task list, notes): neither may be the draft pair it writes, even with
    --force (``drafter draft clerk.json -o .`` would replace the task list with its own draft)."""
    from ..documents import draft_paths
    from ..drafting.base import planned_stem
    from ..files import refuse_inputs

    inputs = [p for p in (Path(occupation), notes) if p is not None and p.is_file()]
    refuse_inputs(list(draft_paths(out, planned_stem(occ, title))), inputs)
    return inputs


def announce(err: Console, occ, eps: list, samples: int, notes: Path | None, offline: bool) -> None:
    """What is about to draft the role, and what it will not use: the offline default (no LLM configured, or
    --offline) ignores notes and samples; an LLM draft names its endpoints and where its notes come from."""
    if not eps:
        err.print(f"[yellow]{OFFLINE_CHOSEN if offline else OFFLINE_NOTICE}[/]", soft_wrap=True)
        if notes is not None:
            err.print(f"The offline default does not read notes: {notes} is not used in this draft.", style="yellow",
                      markup=False, soft_wrap=True)  # fmt: skip
        if samples > 1:
            err.print("[yellow]--samples: the offline default is deterministic; one draft written.[/]")
        return
    if samples == 1 and len(eps) == 1:
        err.print(f"Drafting {occ.code} {occ.title} with {eps[0].describe()}", markup=False, soft_wrap=True)
    else:
        if samples > 1 and all(e.temperature == 0 for e in eps):
            err.print("[yellow]--samples > 1 at temperature 0: samples will rarely differ; pass --temperature 0.7.[/]")
        who = ", ".join(e.describe() for e in eps)
        err.print(
            f"Drafting {occ.code} {occ.title}: {samples} sample(s) from each of {who}", markup=False, soft_wrap=True
        )
    if notes is None:
        from .labour import notes_notice

        err.print(notes_notice(occ.code), soft_wrap=True)


def _prices(eps: list) -> Prices | None:
    """The prices a draft's cost is reckoned at: the endpoints' when they all charge the same, else unknown."""
    return eps[0].prices if len({repr(e.prices) for e in eps}) == 1 else None


def print_written(err: Console, json_path: Path, md_path: Path, replaced: list[tuple[str | None, list[Path]]]) -> None:
    """Which files the draft was written to, whose draft they replaced, and what was kept of it."""
    before, kept = replaced[0] if replaced else (None, [])
    what = f" (replacing the draft by {before})" if before else ""
    err.print(f"wrote {json_path} and {md_path}{what}", markup=False, soft_wrap=True)
    if kept:
        err.print(f"the previous files are kept as {' and '.join(map(str, kept))}", markup=False, soft_wrap=True)


def calibration_notice(shown: Calibration) -> str:
    """Which scored roles the prompts show (the draft's provenance records them too): the draft's own ranking,
    told by its request, not a second one."""
    if not shown.table:
        return "Calibration: no human-scored role to show the model"
    roles = ", ".join(f"{c['title']} ({c['score']}, {c['zone']})" for c in shown.table)
    example = f"; worked example: {shown.example['title']}" if shown.example else "; no worked example"
    return f"Calibration: {roles}{example}"


def print_prompts(occ, title, notes_text, cal, as_json: bool) -> None:
    """What an LLM draft of ``occ`` would send, step by step, on stdout; nothing is sent or written."""
    import json
    import sys

    from ..drafting.neighbours import draft_calibration
    from ..drafting.preview import preview_prompts, preview_text

    steps = preview_prompts(
        occ, job_title=title, notes=notes_text, calibration=draft_calibration(occ, title or occ.title, cal)
    )
    if as_json:
        out = [{"step": s.step, "response_model": s.response_model, "messages": s.messages} for s in steps]
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(preview_text(steps))


@contextmanager
def step_progress(err: Console, prices: Prices | None = None) -> Iterator[OnStep]:
    """A progress bar over the pipeline's steps, one line per finished step (tokens: prompt, of which the server's
    prompt cache served, and completion), and the draft's total with its cost when the endpoint has prices."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ..drafting.steps import STEPS
    from ..usage import Usage

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} calls"),
                        TimeElapsedColumn(), console=err, transient=True)  # fmt: skip
    total = Usage()
    started = 0
    parts: dict[str, int] = {}
    with progress:
        bar = progress.add_task("decompose", total=len(STEPS))

        def on_step(step, result) -> None:
            nonlocal total, started
            if result is None:
                started += 1  # a large task list is scored by several calls: the bar grows to the calls made
                progress.update(bar, description=f"{step}…", total=max(len(STEPS), started))
                return
            progress.advance(bar)
            total += result.usage
            parts[step] = parts.get(step, 0) + 1  # a large task list's rows are scored in parts
            step = step if parts[step] == 1 else f"{step} (part {parts[step]})"
            note = f", {result.cache_hits} from cache" if result.cache_hits else ""
            if result.usage_missing:
                note += f", usage not reported for {result.usage_missing} answer(s)"
            progress.console.print(
                f"[green]✓[/] {step}: {result.attempts} attempt(s){note}, {_tokens(result.usage)}, "
                f"{result.latency_ms / 1000:.1f} s"
            )

        yield on_step
    cost = total.cost(prices)
    err.print(f"LLM total: {_tokens(total)}" + ("" if cost is None else f", ${cost:.4f}"))


def _tokens(u) -> str:
    return f"{u.prompt_tokens:,} prompt ({u.cached_tokens:,} cached) + {u.completion_tokens:,} completion tokens"


def register(app: typer.Typer) -> None:
    app.command()(draft)
