from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_5eed3631006595d7.txt"
GOLDEN = ROOT / "evals" / "golden" / "29-2072.00.json"


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed assessment is not at {SEED}")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def golden():
    from drafter.files import assessment_from_json

    return assessment_from_json(GOLDEN.read_text(encoding="utf-8"), str(GOLDEN))


@pytest.fixture
def run_cli(tmp_path):
    """Run the real ``drafter`` CLI in a fresh process, with its data folder in a temporary directory."""

    def run(*args: str, env: dict | None = None, cwd: Path | None = None, input: str | None = None):
        base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
        full_env = {**base, "DRAFTER_HOME": str(tmp_path / "home"), "COLUMNS": "200", **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "drafter", *args],
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd or ROOT,
            input=input,
            timeout=120,
        )

    return run
