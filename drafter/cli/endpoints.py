"""``drafter endpoints``: the configured endpoints, and the mode ``--mode auto`` remembered for each server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOpt, console


def endpoints(
    config: Annotated[Path | None, typer.Option(help="Endpoints file (default $DRAFTER_HOME/endpoints.toml).")] = None,
    forget: Annotated[
        bool, typer.Option("--forget", help="Forget every mode --mode auto remembered (the next run asks again).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the configured endpoints (kind, URL without credentials, model, mode, context window) and the modes
    --mode auto remembered per server and model."""
    from ..llm.endpoints import load_config, public_url
    from ..llm.memory import ModeMemory

    named, _ = load_config(config)
    memory = ModeMemory()
    try:
        if forget:
            n = memory.forget()
            console(stderr=True).print(f"forgot {n} remembered mode(s)", markup=False)
        remembered = memory.all()
    finally:
        memory.close()
    known = {(r.base_url, r.model): r.mode for r in remembered}
    rows = [
        {"name": ep.name, "kind": ep.kind, "base_url": public_url(ep.base_url), "model": ep.model,
         "mode": ep.instructor_mode, "remembered_mode": known.get((public_url(ep.base_url), ep.model)),
         "context_window": ep.context_window}
        for ep in named.values()
    ]  # fmt: skip
    if as_json:
        import json

        probes = [{"base_url": r.base_url, "model": r.model, "mode": r.mode, "probed": r.probed} for r in remembered]
        print(json.dumps({"endpoints": rows, "remembered": probes}, indent=2))
        return
    _print(rows, remembered)


def _print(rows: list[dict], remembered: list) -> None:
    from datetime import UTC, datetime

    from rich.table import Table

    out = console()
    table = Table("Name", "Kind", "Base URL", "Model", "Mode", "Context window", title="Endpoints (endpoints.toml)")
    for r in rows:
        mode = r["mode"] + (f" → {r['remembered_mode']}" if r["mode"] == "auto" and r["remembered_mode"] else "")
        window = f"{r['context_window']:,}" if r["context_window"] else "read from the server, or unknown"
        table.add_row(r["name"], r["kind"], r["base_url"], r["model"], mode, window)
    out.print(table if rows else "No endpoints configured (docs/drafting.md: Configuring an endpoint).")
    if remembered:
        probed = Table("Base URL", "Model", "Mode", "Probed (UTC)", title="Modes remembered by --mode auto")
        for p in remembered:
            when = datetime.fromtimestamp(p.probed, UTC).strftime("%Y-%m-%d %H:%M")
            probed.add_row(p.base_url, p.model, p.mode, when)
        out.print(probed)


def register(app: typer.Typer) -> None:
    app.command()(endpoints)
