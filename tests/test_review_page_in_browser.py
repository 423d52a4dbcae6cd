"""The review page end to end in a real headless Chromium (Playwright driving Debian's chromium): an assessor
opens the portfolio and a role, changes a score and sees the composite, the zone and a flip hint change without a
reload, is stopped by an invalid time share, saves, accepts and sees the history, and the portfolio then shows the
final's figures; a second assessor saving the same final meanwhile gets the conflict view. Screenshots are kept (``DRAFTER_SCREENSHOT_DIR``, as the other
browser tests) and docs/review.md shows them (``DRAFTER_DOCS_SCREENSHOTS=docs/images`` rewrites those)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from .browser import REQUIRE_ENV, SCREENSHOT_ENV, find_browser
from .conftest import GOLDEN

playwright = pytest.importorskip(
    "playwright.sync_api", reason="playwright is a dev dependency (pip install -e '.[dev]')"
)

if find_browser() is None:
    if os.environ.get(REQUIRE_ENV):
        raise RuntimeError(f"{REQUIRE_ENV} is set but no Chromium is installed (.ci/run installs Debian's chromium)")
    pytestmark = pytest.mark.skip(reason="Chromium is not installed here (apt-get install -y chromium); CI installs it")

DOCS_ENV = "DRAFTER_DOCS_SCREENSHOTS"


@pytest.fixture
def server(tmp_path):
    """The review application under a real uvicorn on 127.0.0.1, over a drafts folder holding 29-2072."""
    import uvicorn

    from drafter.web.app import Settings, create_app

    drafts, finals = tmp_path / "drafts", tmp_path / "finals"
    drafts.mkdir()
    shutil.copy(GOLDEN, drafts / "29-2072.00.json")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    app = create_app(Settings(drafts, finals, "A. Assessor"))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", finals
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=find_browser(), args=["--no-sandbox", "--proxy-server=http://127.0.0.1:9"]
        )
        yield b
        b.close()


def _shot(page, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=False)
    for env in (SCREENSHOT_ENV, DOCS_ENV):
        if where := os.environ.get(env):
            Path(where).mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp_path / f"{name}.png", Path(where) / f"{name}.png")


def test_an_assessor_reviews_saves_and_accepts_a_draft_and_a_second_one_gets_the_conflict(server, browser, tmp_path):
    url, finals = server
    fetched: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("request", lambda r: fetched.append(r.url))

    page.goto(url + "/")
    assert "Medical Records Specialist" in page.inner_text("#portfolio")
    page.click("text=Medical Records Specialist")
    page.wait_for_selector("#role-form")
    assert page.inner_text("#composite") == "15.1" and page.inner_text("#zone") == "Red"
    loads = page.evaluate("performance.getEntriesByType('navigation').length")
    page.evaluate("window.__same_page = 1")  # gone if the page were reloaded

    page.fill("#f-tasks-0--score", "1")
    page.select_option("#f-tasks-0--label", "NOT INVOLVED")
    page.wait_for_function("document.querySelector('#composite').textContent === '25.0'")
    assert page.inner_text("#zone") == "Yellow"
    assert page.evaluate("window.__same_page") == 1  # no reload: the panel was swapped in
    assert "→" in page.inner_text("#flips") and "tasks[0].score" in page.inner_text("#changes")
    _shot(page, "review-role-rescored", tmp_path)

    page.fill("#f-tasks-1--time_pct", "55")
    page.wait_for_selector("#errors")
    assert "task time shares sum to" in page.inner_text("#errors")
    assert page.input_value("#f-tasks-1--time_pct") == "55"  # nothing typed is lost
    _shot(page, "review-role-invalid", tmp_path)
    original = page.evaluate("document.querySelector('#f-tasks-2--time_pct').value")
    page.fill(
        "#f-tasks-1--time_pct", str(int(page.evaluate("document.querySelector('#f-tasks-1--time_pct').defaultValue")))
    )
    page.wait_for_function("!document.querySelector('#errors')")
    assert original

    other = browser.new_context().new_page()  # a second assessor opens the same role before the first saves
    other.goto(url + "/role/29-2072.00")

    page.click("#save")
    page.wait_for_selector("#notice")
    assert "Saved the final pair" in page.inner_text("#notice")
    assert (finals / "29-2072.00.json").is_file() and (finals / "29-2072.00.md").is_file()
    page.click("#accept")
    page.wait_for_selector("#history")
    assert "A. Assessor" in page.inner_text("#history") and "Red → Yellow" in page.inner_text("#history")
    _shot(page, "review-accepted", tmp_path)
    page.goto(url + "/")  # the portfolio now shows the final's figures after the draft's score
    row = page.inner_text('#portfolio tr[data-stem="29-2072.00"]')
    assert "15.1 → 25.0" in row and "Yellow" in row and "accepted (1)" in row
    _shot(page, "review-portfolio", tmp_path)
    page.go_back()

    other.fill("#f-growth-rationale", "A second assessor's reasoning.")
    other.click("#save")
    other.wait_for_selector("#conflict")
    assert "the final changed on disk" in other.inner_text("#conflict")
    assert other.input_value("#f-growth-rationale") == "A second assessor's reasoning."
    _shot(other, "review-conflict", tmp_path)

    assert all(u.startswith(url) for u in fetched), [u for u in fetched if not u.startswith(url)]
    assert loads == 1
