"""The public Python API (docs/api.md): its worked example runs as written, and `import drafter` stays cheap."""

from __future__ import annotations

import contextlib
import inspect
import io
import re
import subprocess
import sys

import pytest

import drafter

from .conftest import GOLDEN, ROOT, SEED


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_the_worked_example_in_docs_api_runs_as_written_and_prints_what_the_page_shows(monkeypatch):
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    example = _python_blocks(page.split("## Worked example", 1)[1])[0]
    shown = re.search(r"prints \(without pandas\):\n\n```\n(.*?)```", page, re.S).group(1)
    monkeypatch.setitem(sys.modules, "pandas", None)  # the standard-library branch, whatever is installed
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, "docs/api.md", "exec"), {"__name__": "docs_api_example"})
    assert out.getvalue() == shown


def test_import_drafter_loads_no_module_until_a_name_is_used():
    code = "import sys, drafter; print(sorted(m for m in sys.modules if m.startswith(('drafter.', 'pydantic'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_resolves_and_every_function_is_typed():
    assert drafter.__all__ == sorted(drafter._EXPORTS)
    for name in drafter.__all__:
        value = getattr(drafter, name)
        if inspect.isfunction(value):
            sig = inspect.signature(value)
            assert sig.return_annotation is not inspect.Signature.empty, name
            assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values()), name
    with pytest.raises(AttributeError):
        drafter.nosuch  # noqa: B018


def test_score_reads_a_path_and_reproduces_the_seed(seed_text):
    card = drafter.score(SEED)
    assert (card.score.shown, card.final_zone.value, card.raw.shown) == ("15.1", "Red", "1.7389")
    loaded = drafter.read(SEED)
    assert loaded.report is not None and loaded.report.ok and loaded.assessment == drafter.load(SEED)


def test_render_and_write_reuse_the_drafts_scorecard(tmp_path):
    d = drafter.draft("29-2072")
    assert drafter.render(d) == drafter.render(d.assessment)
    json_path, md_path = drafter.write(d, tmp_path)
    assert (json_path.name, md_path.name) == ("29-2072.00.json", "29-2072.00.md")
    assert drafter.load(json_path) == d.assessment
    with pytest.raises(drafter.DrafterError, match="expected md or json"):
        drafter.render(d, "html")  # type: ignore[arg-type]


def test_evaluate_judges_a_folder_of_drafts_and_stores_the_run(tmp_path):
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / GOLDEN.name).write_text(GOLDEN.read_text(encoding="utf-8"), encoding="utf-8")
    outcome = drafter.evaluate(drafts=drafts, output=tmp_path / "runs")
    assert outcome.passed and outcome.json_path.exists() and outcome.html_path.exists()
    role = next(r for r in outcome.run.roles if r.key == "29-2072.00")
    assert role.metrics["composite_error"] == 0
    assert outcome.changes() == []  # no baseline: nothing to compare with
