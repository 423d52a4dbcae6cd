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
