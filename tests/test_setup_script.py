"""scripts/ensure_venv.sh, the set-up behind `make draft` and `make test`: install once, trust only a finished install.

The real pip is replaced by a stand-in `.venv/bin/python` so the script's own logic (stamp, skip, failure) is
exercised without a package index.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _project(tmp_path: Path, pip_exit: int) -> Path:
    proj = tmp_path / "proj"
    (proj / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "ensure_venv.sh", proj / "scripts" / "ensure_venv.sh")
    shutil.copy(ROOT / "pyproject.toml", proj / "pyproject.toml")
    fake = proj / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(f'#!/bin/sh\necho "pip $*" >> "$(dirname "$0")/../calls"\nexit {pip_exit}\n')
    fake.chmod(0o755)
    return proj


def _run(proj: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "scripts/ensure_venv.sh"], cwd=proj, capture_output=True, text=True, timeout=60)


def test_a_finished_install_is_stamped_and_the_next_run_skips_it(tmp_path):
    proj = _project(tmp_path, pip_exit=0)
    first = _run(proj)
    assert first.returncode == 0, first.stderr
    assert "installing drafter" in first.stdout
    assert (proj / ".venv" / ".drafter-install").is_file()
    calls = (proj / ".venv" / "calls").read_text()
    second = _run(proj)
    assert second.returncode == 0
    assert "up to date" in second.stdout and "skipping install" in second.stdout
    assert (proj / ".venv" / "calls").read_text() == calls  # pip was not run again


def test_a_changed_pyproject_installs_again(tmp_path):
    proj = _project(tmp_path, pip_exit=0)
    assert _run(proj).returncode == 0
    with (proj / "pyproject.toml").open("a") as f:
        f.write("\n# a new dependency\n")
    again = _run(proj)
    assert again.returncode == 0 and "installing drafter" in again.stdout


def test_a_failed_install_exits_non_zero_and_leaves_no_stamp(tmp_path):
    proj = _project(tmp_path, pip_exit=1)
    out = _run(proj)
    assert out.returncode != 0
    assert "install failed; nothing was marked installed" in out.stderr
    assert not (proj / ".venv" / ".drafter-install").exists()
    assert "installing drafter" in _run(proj).stdout  # the next run does not trust the half-made environment
