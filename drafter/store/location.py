"""Where drafter's database is: a leaf of the store package, so that the store's error messages (trouble.py)
can name the file without importing the store itself."""

from __future__ import annotations

from pathlib import Path

from ..paths import data_home

STORE_NAME = "drafter.db"
LEGACY_NAME = "runlog.sqlite"  # what drafter called it while the run log was its only capability


def store_path() -> Path:
    """drafter's database: ``$DRAFTER_HOME/drafter.db``. A database an older drafter made under its old name
    (``runlog.sqlite``) is used where it is while no ``drafter.db`` exists: its cache, batch progress and
    audit trail stay in use, and the file is never renamed under a process that may have it open."""
    home = data_home()
    current, legacy = home / STORE_NAME, home / LEGACY_NAME
    return legacy if legacy.exists() and not current.exists() else current
