from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# the human-scored seed, kept in the repository so that the suite runs in any clone (a test checks the copy
# against ../shared/seeds when that folder is there)
SEED = ROOT / "evals" / "golden" / "29-2072.00.seed.txt"
GOLDEN = ROOT / "evals" / "golden" / "29-2072.00.json"


@pytest.fixture(autouse=True)
def _private_drafter_home(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's own drafter folder (run log, O*NET store, endpoints)."""
    monkeypatch.setenv("DRAFTER_HOME", str(tmp_path_factory.mktemp("drafter-home")))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed assessment is not at {SEED}")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def golden():
    from drafter.files import assessment_from_json

    return assessment_from_json(GOLDEN.read_text(encoding="utf-8"), str(GOLDEN))


@pytest.fixture(scope="session")
def catalog():
    """The bundled O*NET catalog (923 occupations, their tasks and published labels), read once per session and
    never the user's imported store: a session fixture is made before any test's private DRAFTER_HOME is set."""
    from drafter.onet.catalog import Catalog, load_bundled

    return Catalog(*load_bundled())


@pytest.fixture(scope="module")
def calibration_set():
    """The shipped calibration set (the golden roles and the reference points), loaded once per module."""
    from drafter.calibration import CalibrationSet

    return CalibrationSet.load(None)


@pytest.fixture(scope="module")
def golden_data(golden):
    """The golden role as plain data without unmapped tasks: the base the property tests vary."""
    d = golden.model_dump()
    d["unmapped_onet_tasks"] = {}
    return d


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


SECRET = "sk-test-DO-NOT-LEAK-0123456789abcdef"


@pytest.fixture
def fake_llm():
    from .fake_openai import FakeOpenAI

    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_factory(tmp_path, monkeypatch, fake_llm):
    """Build drafter's real LLM client (openai + instructor) pointed at the fake server, logging to tmp."""
    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog

    monkeypatch.setenv("DRAFTER_TEST_KEY", SECRET)
    made = []

    def make(use_cache: bool = True, **overrides):
        settings = dict(name="fake", kind="openai", base_url=fake_llm.base_url, model="fake-model",
                        api_key_env="DRAFTER_TEST_KEY", timeout=5.0, http_retries=2, validation_retries=2)  # fmt: skip
        ep = Endpoint(**(settings | overrides))
        llm = LLM(ep, RunLog(tmp_path / "runlog.sqlite"), use_cache=use_cache)
        made.append(llm)
        return llm

    yield make
    for llm in made:
        llm.close()
        llm.log.close()
