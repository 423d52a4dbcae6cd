"""The package keeps the shape docs/architecture.md describes, and the import contracts bite."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
needs_linter = pytest.mark.skipif(LINT is None, reason="import-linter is not installed (pip install -e '.[dev]')")

# What drafter.llm may import besides itself: the leaves it needs and the store. Anything else of drafter must be
# in the llm contract's forbidden_modules (pyproject.toml).
LLM_MAY_IMPORT = {"bounds", "errors", "paths", "redact", "store", "usage"}

# Import circles allowed to exist: none since issue 21 untangled the drafting wing and evaluation's report/runs
# pair. The test fails on a new circle, and on an entry here that no longer is one.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def _architecture_script():
    spec = importlib.util.spec_from_file_location("architecture", ROOT / "scripts" / "architecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


architecture = _architecture_script()


def _lint(root: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the tree at ``root`` (its pyproject.toml, its drafter/: the working directory wins)."""
    return subprocess.run([LINT, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120)


def _graph():
    grimp = pytest.importorskip("grimp")
    return grimp.build_graph("drafter", cache_dir=None)


def test_no_module_in_the_package_is_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "drafter").rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}  # fmt: skip
    assert long == {}


@needs_linter
def test_every_import_contract_in_pyproject_holds():
    r = _lint(ROOT)
    n = len(architecture.contracts())
    assert r.returncode == 0, r.stdout[-3000:]
    assert f"Contracts: {n} kept, 0 broken." in r.stdout, r.stdout[-3000:]  # every contract ran, none skipped


def test_the_llm_contract_forbids_every_top_level_module_llm_does_not_need():
    everything = architecture.top_level_modules()
    assert LLM_MAY_IMPORT <= everything
    may = architecture.llm_may_import()
    assert may == LLM_MAY_IMPORT, (
        f"pyproject.toml's llm-domain-free contract: add to forbidden_modules {sorted(may - LLM_MAY_IMPORT)}"
        f"{'' if LLM_MAY_IMPORT <= may else f', remove from it {sorted(LLM_MAY_IMPORT - may)}'}"
    )


def test_no_llm_module_imports_the_drafter_package_itself():
    """``from .. import x`` of a re-exported name imports the package root, which no forbidden list can name."""
    graph = _graph()
    assert {m for m in graph.find_modules_that_directly_import("drafter") if m.startswith("drafter.llm")} == set()


@needs_linter
@pytest.mark.parametrize(
    "module, line, broken",
    [
        ("llm/transport.py", "from ..assessment import Assessment", "drafter.llm is domain-free"),
        ("llm/transport.py", "from ..review.fields import flatten", "drafter.llm is domain-free"),
        ("llm/runlog.py", "from .transport import LoggingTransport", "drafter.llm: client -> transport"),
        ("cli/common.py", "from .draft import register", "drafter.cli: command modules"),
        ("house_format/spec.py", "from .parse import parse_house_format", "drafter.house_format: parse"),
        ("scoring.py", "from .drafting import base", "drafter is layered"),
        ("drafting/constraints.py", "from .drive import draft_with_llm", "drafting is ordered"),
        ("drafting/request.py", "from .choose import drafter_for", "drafting is ordered"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, broken):
    """The same contracts on a copy of the package with one bad import added (inside a function: it counts)."""
    shutil.copytree(ROOT / "drafter", tmp_path / "drafter", ignore=shutil.ignore_patterns("data", "__pycache__", "*.j2", "*.toml"))  # fmt: skip
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "drafter" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _bad():\n    {line}\n", encoding="utf-8")
    r = _lint(tmp_path)
    assert r.returncode == 1, r.stdout[-3000:]
    assert broken in r.stdout.split("Broken contracts")[-1], r.stdout[-3000:]


def test_the_layer_block_in_architecture_md_is_generated_from_pyproject():
    page = architecture.DOC.read_text(encoding="utf-8")
    assert architecture.page_with_block(page, architecture.layer_block()) == page, (
        "docs/architecture.md's layer block differs from pyproject.toml: run python scripts/architecture.py --write"
    )


def test_the_layer_block_shows_every_layer_and_package_contract():
    block = architecture.layer_block()
    for contract in architecture.contracts():
        if contract["type"] != "layers":
            continue
        for layer in contract["layers"]:
            for name in layer.replace(":", "|").split("|"):
                assert name.strip() in block, (contract["id"], name)
        if contract["containers"] != ["drafter"]:
            assert contract["containers"][0].removeprefix("drafter.") + "/" in block
    assert "only: " + " · ".join(sorted(LLM_MAY_IMPORT)) in block


def test_no_modules_import_one_another_in_a_circle_but_the_known_ones():
    circles = architecture.import_circles(_graph())
    assert circles - KNOWN_CIRCLES == set(), "new import circles"
    assert KNOWN_CIRCLES - circles == set(), "a known circle is gone: remove it from KNOWN_CIRCLES"


def test_a_new_import_circle_is_found():
    graph = _graph()
    graph.add_import(importer="drafter.scoring", imported="drafter.files")
    graph.add_import(importer="drafter.files", imported="drafter.scoring")
    assert frozenset({"drafter.files", "drafter.scoring"}) in architecture.import_circles(graph)


def test_a_longer_circle_is_one_set_of_modules():
    graph = _graph()
    # the store imports errors, its trouble module and its location; the location imports paths
    graph.add_import(importer="drafter.errors", imported="drafter.store")
    graph.add_import(importer="drafter.paths", imported="drafter.errors")
    found = [c for c in architecture.import_circles(graph) if "drafter.store" in c]
    store = {"drafter.store", "drafter.store.location", "drafter.store.trouble"}
    assert found == [frozenset({"drafter.errors", "drafter.paths"} | store)]


def test_each_test_fixture_is_defined_once():
    """A fixture several test modules need lives in conftest.py, once (the catalog was written five times)."""
    where: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in node.decorator_list):
                where.setdefault(node.name, []).append(path.name)
    assert {name: files for name, files in where.items() if len(files) > 1} == {}
    assert where["catalog"] == ["conftest.py"]
