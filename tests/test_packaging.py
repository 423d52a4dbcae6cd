"""Every package drafter imports is declared in pyproject.toml, not merely present because another needs it."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from .conftest import ROOT


def _imported(folder: str) -> set[str]:
    names = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("drafter", "tests")}


def _declared(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def _distributions(modules: set[str]) -> dict[str, set[str]]:
    found = packages_distributions()
    return {m: {d.lower().replace("_", "-") for d in found.get(m, [m])} for m in modules}


def test_every_third_party_import_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _declared(project["dependencies"])
    dev = runtime | _declared(project["optional-dependencies"]["dev"])
    for modules, allowed, where in ((_imported("drafter"), runtime, "dependencies"),
                                    (_imported("tests") | _imported("scripts") | _imported("benchmarks"), dev, "dev")):  # fmt: skip
        missing = {m: d for m, d in _distributions(modules).items() if not d & allowed}
        assert not missing, f"imported but not declared in {where}: {missing}"


# third-party data the package ships -> the licence text or notice that must travel with it, in the same folder
LICENCES = {
    "drafter/onet/data/onet27_labelled.json.gz": ("GPTs-are-GPTs-LICENSE.txt", "Copyright (c) 2024 OpenAI"),
    # the work-context scores (GPTs are GPTs, MIT) and observed AI use (Anthropic Economic Index) live in this file
    "drafter/onet/data/onet29_facts.json.gz": ("Anthropic-Economic-Index-NOTICE.txt", "Data released under CC-BY"),
    "drafter/web/static/htmx-2.0.4.min.js": ("htmx-LICENSE.txt", "Zero-Clause BSD"),
}


def _wheel_drops(relative: str) -> list[str]:
    """The reasons hatchling would leave a file of the source tree out of the wheel, read from the same settings
    it reads: the wheel target's packages and excludes, and .gitignore (hatchling honours it)."""
    import fnmatch

    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"]
    target = wheel["targets"]["wheel"]
    reasons = []
    if not any(relative.startswith(p.rstrip("/") + "/") for p in target.get("packages", [])):
        reasons.append("not under a packaged folder")
    for pattern in [*wheel.get("exclude", []), *target.get("exclude", [])]:
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative.rsplit("/", 1)[-1], pattern):
            reasons.append(f"excluded by {pattern!r}")
    if only := target.get("only-include"):
        if not any(relative.startswith(p.rstrip("/")) for p in only):
            reasons.append("not in only-include")
    for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines():
        pattern = line.strip().rstrip("/")
        if (
            pattern
            and not pattern.startswith("#")
            and any(fnmatch.fnmatch(part, pattern.lstrip("/")) for part in relative.split("/"))
        ):
            reasons.append(f".gitignore {line!r}")
    return reasons


def test_the_licence_texts_of_bundled_third_party_data_ship_beside_it_in_the_package():
    from importlib import resources

    for data, (licence, words) in LICENCES.items():
        package, folder = data.rsplit("/", 1)[0].split("/", 2)[1], data.rsplit("/", 1)[0].split("/", 2)[2]
        shipped = resources.files(f"drafter.{package}").joinpath(folder)
        assert shipped.joinpath(data.rsplit("/", 1)[1]).is_file(), data
        text = shipped.joinpath(licence).read_text(encoding="utf-8")
        assert words in text, (licence, words)
        relative = f"{data.rsplit('/', 1)[0]}/{licence}"
        assert not _wheel_drops(relative), (relative, _wheel_drops(relative))
    mit = (ROOT / "drafter/onet/data/GPTs-are-GPTs-LICENSE.txt").read_text(encoding="utf-8")
    notice = (ROOT / "drafter/onet/data/Anthropic-Economic-Index-NOTICE.txt").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "permission notice shall be included" in mit
    assert '"license: mit"' in notice and "permission notice shall be included" in notice  # both readings met
