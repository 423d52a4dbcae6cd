"""``drafter onet``: occupations and their tasks (bundled offline, or an imported official release)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOpt, checked, console, fail

onet_app = typer.Typer(
    help="O*NET occupations and task lists (bundled offline, or an imported release).", no_args_is_help=True
)


@onet_app.command("show")
def onet_show(
    occupation: Annotated[
        str, typer.Argument(help="O*NET-SOC code (29-2072 or 29-2072.00) or a custom task list file.")
    ],
    as_json: JsonOpt = False,
) -> None:
    """List an occupation's tasks with type, time-share prior, the published exposure labels and observed AI use,
    then its facts: official description, Job Zone, work context, BLS figures (each dated and sourced)."""
    from .. import api
    from ..labour.occupation import occupation_facts
    from ..onet.priors import priors

    occ = api.occupation(occupation)
    shares, rule = priors(occ.tasks)
    facts = occupation_facts(occ)
    if as_json:
        import json

        rows = [
            {"id": t.id, "statement": t.statement, "type": t.type, "prior_pct": p, "human": t.human_label,
             "gpt4": t.gpt4_label, "gpt4_automation": t.gpt4_automation,
             "observed_ai_use": facts.use_of(t.id).to_json() if facts.observed else None}
            for t, p in zip(occ.tasks, shares, strict=True)
        ]  # fmt: skip
        from .labour import release_facts

        doc: dict = {"code": occ.code, "title": occ.title, "source": occ.source, "prior_rule": rule, "tasks": rows}
        doc |= {"facts": facts.to_json(), "labour": release_facts(occ.code).to_json()}  # BLS figures
        print(json.dumps(doc, indent=2))
        return
    from ..labour.views import figures_line
    from .display.onet import print_occupation
    from .labour import release_facts

    print_occupation(console(), occ, shares, rule, figures_line(release_facts(occ.code)), facts)


@onet_app.command("search")
def onet_search(
    query: Annotated[str, typer.Argument(help="Words of a job title, e.g. 'medical coder'.")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many matches.", callback=checked("limit"))] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Find occupations by title, alternate title or task wording (ranked, fuzzy)."""
    from ..onet.catalog import Catalog

    if not query.strip():
        fail("onet search: give words of a job title, e.g. drafter onet search 'medical coder'")
    matches = Catalog.load().search(query, limit)
    if as_json:
        import json

        found = [
            {"code": m.occupation.code, "title": m.occupation.title, "score": m.score, "matched": m.matched}
            for m in matches
        ]
        print(json.dumps(found, indent=2))
        return
    if not matches:
        fail(f"no occupation matches {query!r}; try other words of the title")  # exit 2: 1 is the eval gate's
    from .display.onet import print_search

    print_search(console(), query, matches)


@onet_app.command("import")
def onet_import(
    directory: Annotated[Path, typer.Argument(help="An unzipped O*NET database text release (db_30_0_text).")],
) -> None:
    """Import an official O*NET text release into the local store (used before the bundled data)."""
    from ..onet import import_release

    n_occ, n_tasks, path = import_release(directory)
    console().print(f"imported {n_occ} occupations and {n_tasks} tasks from {directory} into {path}")


def register(app: typer.Typer) -> None:
    app.add_typer(onet_app, name="onet")
