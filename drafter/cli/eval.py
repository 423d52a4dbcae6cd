"""``drafter eval``: drafts judged against the golden roles (gated for CI), the human-label tier, run comparison."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import CalibrationOpt, EndpointOptions, JsonOpt, calibration_set, checked, console, endpoint_options, fail

if TYPE_CHECKING:
    from rich.console import Console

    from ..llm.endpoints import Endpoint

eval_app = typer.Typer(
    help="Judge drafts against the human-scored golden roles; gate CI on regressions.",
    invoke_without_command=True,
)
LABELLERS = ("offline", "gpt4-labels", "llm")


@eval_app.callback()
@endpoint_options(
    "offline",
    "endpoint",
    "base_url",
    "model",
    "api_key_env",
    "mode",
    "timeout",
    "max_tokens",
    "temperature",
    "context_window",
    "reprobe",
    "no_cache",
    "config",
)
def eval_run(
    ctx: typer.Context,
    drafts: Annotated[
        Path | None, typer.Option(help="Judge the drafts in this folder instead of drafting now.")
    ] = None,
    tier: Annotated[
        str, typer.Option(help="golden (human-scored roles) or onet-labels (published human task labels).")
    ] = "golden",
    backend: Annotated[
        str | None, typer.Option(help="onet-labels tier: offline, gpt4-labels, or an LLM via the flags below.")
    ] = None,
    sample: Annotated[
        int | None,
        typer.Option(help="onet-labels tier: evaluate N random occupations (default all).", callback=checked("sample")),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for --sample.")] = 0,
    samples: Annotated[
        int,
        typer.Option(
            help="Drafts per role (use with temperature > 0); mean and spread are reported.",
            callback=checked("samples"),
        ),
    ] = 1,
    all_files_as_samples: Annotated[
        bool,
        typer.Option(
            "--all-files-as-samples",
            help="With --drafts: judge every file of a role as a sample (default: its newest file only).",
        ),
    ] = False,
    llm: EndpointOptions = EndpointOptions(),
    baseline: Annotated[Path | None, typer.Option(help="A stored run to compare with (its JSON file).")] = None,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit 1 when the gate fails.")
    ] = False,
    gate: Annotated[Path | None, typer.Option(help="Gate thresholds (default evals/gate.toml).")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the run's JSON and HTML report.")] = Path(
        "eval-runs"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")] = False,
    calibration: CalibrationOpt = None,
) -> None:
    """Run an evaluation: drafts vs the golden roles (default), or per-task scores vs human labels."""
    if ctx.invoked_subcommand is not None:
        return
    # `--backend` names who labels the tasks in the onet-labels tier (the labeller); only an LLM needs an endpoint
    ep = llm.resolve() if backend in (None, "llm") else None
    err = console(stderr=True)
    if tier == "onet-labels":
        _label_tier(ep, backend, sample, seed, as_json, err)
        return
    if tier != "golden":
        fail(f"--tier: expected golden or onet-labels, got {tier!r}")
    if samples > 1 and (ep is None or ep.temperature == 0) and drafts is None:
        err.print("[yellow]--samples > 1 at temperature 0 (or offline) repeats identical drafts; spread will be 0.[/]")
    _golden(ep, drafts, samples, llm.use_cache, baseline, fail_on_regression, gate, output, as_json, err, calibration,
            all_files_as_samples)  # fmt: skip


def _golden(
    ep: Endpoint | None, drafts: Path | None, samples: int, use_cache: bool, baseline: Path | None,
    fail_on_regression: bool, gate: Path | None, output: Path, as_json: bool, err: Console,
    calibration: Path | None = None, all_files_as_samples: bool = False,
) -> None:  # fmt: skip
    import json

    from .. import api
    from ..drafting import drafter_for

    drafter = None
    if drafts is None:
        cal = None
        if ep is None:
            err.print("[yellow]No LLM configured: evaluating the offline default.[/]")
            cal = calibration_set(calibration, err)  # each role is left out of its own calibration
        else:
            err.print(f"Evaluating {ep.describe()}", soft_wrap=True)
        drafter = drafter_for(ep, use_cache=use_cache, calibration=cal)
    with drafter or nullcontext(), err.status("drafting and judging…"):
        outcome = api.evaluate(drafter, drafts=drafts, samples=samples, all_files_as_samples=all_files_as_samples,
                               gate=gate, baseline=baseline, output=output,
                               on_role=lambda key, status: err.print(f"  {key}: {status}", markup=False))  # fmt: skip
    run = outcome.run
    if as_json:
        summary = run.model_dump(mode="json", include={"run_id", "aggregates", "usage"})
        paths = {"json": str(outcome.json_path), "html": str(outcome.html_path)}
        print(json.dumps(summary | {"gate": outcome.gate} | paths, indent=2))
    else:
        from .display.eval import print_comparison, print_eval

        if outcome.baseline is not None:
            title = f"Against the baseline {baseline} (roles: changed metrics only)"
            print_comparison(console(), outcome.changes(), title)
        print_eval(console(), run, outcome.gate)
        err.print(f"wrote {outcome.json_path} and {outcome.html_path}", markup=False, soft_wrap=True)
    if not outcome.judged:
        fail(outcome.gate["violations"][-1], 1)
    if fail_on_regression and not outcome.passed:
        raise typer.Exit(1)


def _label_tier(
    ep: Endpoint | None, labeller: str | None, sample: int | None, seed: int, as_json: bool, err: Console
) -> None:
    import json

    from rich.progress import Progress

    from ..drafting import drafter_for
    from ..evaluation.labels_tier import run_label_tier

    name = labeller or ("llm" if ep is not None else "offline")
    if name not in LABELLERS:
        fail(f"--backend: expected offline, gpt4-labels or llm, got {name!r}")
    if name == "llm" and ep is None:
        fail("--backend llm needs an endpoint (--endpoint, --base-url/--model or OPENAI_API_KEY)")
    # the published GPT-4 labels need no drafter; the offline default must not see the labels it is graded on
    drafter = None if name == "gpt4-labels" else drafter_for(ep if name == "llm" else None, hold_out=True)
    with drafter or nullcontext(), Progress(console=err, transient=True) as progress:
        bar = progress.add_task(f"onet-labels tier ({name})", total=None)
        result = run_label_tier(drafter, sample=sample, seed=seed,
                                on_progress=lambda done, total: progress.update(bar, completed=done, total=total))  # fmt: skip
    if as_json:
        print(json.dumps(result, indent=2))
        return
    from .display.eval import print_label_tier

    print_label_tier(console(), result, name)


@eval_app.command("compare")
def eval_compare(
    a: Annotated[Path, typer.Argument(help="Earlier run (JSON).")],
    b: Annotated[Path, typer.Argument(help="Later run (JSON).")],
    as_json: JsonOpt = False,
) -> None:
    """Compare two stored eval runs metric by metric."""
    from ..evaluation.runs import compare_runs, load_run

    rows = compare_runs(load_run(a), load_run(b))
    if as_json:
        import json

        print(json.dumps(rows, indent=2))
        return
    from .display.eval import print_comparison

    print_comparison(console(), rows, f"{a.name} → {b.name}")


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
