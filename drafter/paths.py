"""Where drafter keeps its own files: ``$DRAFTER_HOME``, else the platform's user data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_home() -> Path:
    if env := os.environ.get("DRAFTER_HOME"):
        return Path(env).expanduser()
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "drafter"
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "drafter"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "drafter"


def onet_store_path() -> Path:
    return data_home() / "onet.sqlite"


def bls_store_path() -> Path:
    """Imported BLS OEWS releases (``drafter bls import``); the bundled May 2025 table needs no store."""
    return data_home() / "bls.sqlite"
