"""The documentation stays true to the code it describes."""

from __future__ import annotations

import importlib
import pkgutil
import re

import drafter
from drafter.llm.runlog import RunLog, schema_sql
from drafter.store import Migrations

from .conftest import ROOT


def test_documented_run_log_schema_is_what_the_migrations_create(tmp_path):
    for module in pkgutil.walk_packages(drafter.__path__, "drafter."):  # every capability declares its tables
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    log = RunLog(tmp_path / "runlog.sqlite")
    for migrations in Migrations.declared.values():
        log.store.migrate(migrations)
    log.close()
    documented = re.search(r"```sql\n(.*?)```", (ROOT / "docs" / "logs.md").read_text(encoding="utf-8"), re.S).group(1)
    assert documented == schema_sql(tmp_path / "runlog.sqlite")


def test_every_docs_page_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"docs/{page.name}" in readme, page.name


def test_every_endpoints_toml_example_in_the_docs_loads(tmp_path):
    """The endpoint examples are meant to be copied: each one must load as written (budgets and prices included)."""
    from drafter.llm.endpoints import load_config

    seen = 0
    for page in ("drafting.md", "batch.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        for block in re.findall(r"^( *)```toml\n(.*?)^\1```", text, re.S | re.M):
            indent, body = block
            toml = "\n".join(line.removeprefix(indent) for line in body.splitlines()) + "\n"
            if "[endpoints." not in toml:
                continue
            path = tmp_path / f"{page}-{seen}.toml"
            path.write_text(toml, encoding="utf-8")
            named, _ = load_config(path)
            assert named, path
            seen += 1
    assert seen >= 3  # drafting.md's endpoints and budgets, batch.md's budgets


def test_the_documented_show_prompts_excerpt_is_what_the_command_prints(run_cli, tmp_path):
    """docs/drafting.md quotes `drafter draft 47-2061 --show-prompts` (the no-close-role branch and the "(not yet
    scored)" candidates with their offline estimates): every quoted line is a line the command prints, in order."""
    text = (ROOT / "docs" / "drafting.md").read_text(encoding="utf-8")
    block = re.search(r"```\n\$ drafter draft 47-2061 --show-prompts \| sed[^\n]*\n(.*?)```", text, re.S)
    assert block is not None
    quoted = [line for line in block.group(1).splitlines() if line and line != "..."]
    out = run_cli("draft", "47-2061", "--show-prompts", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    printed = out.stdout.splitlines()
    at = 0
    for line in quoted:
        assert line in printed[at:], line
        at = printed.index(line, at) + 1
