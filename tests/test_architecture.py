"""The package keeps the shape docs/architecture.md describes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


def test_no_module_in_the_package_is_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "drafter").rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}  # fmt: skip
    assert long == {}


def test_the_layers_contract_holds():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    r = subprocess.run([lint, "--contract", "layers", "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:]
