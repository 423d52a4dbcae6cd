"""Render a local HTML page in a real headless Chromium, driven over the DevTools protocol (``--remote-debugging-pipe``):
the DOM after rendering, a PNG screenshot, and every request the *page* made (``Network.requestWillBeSent`` of
the page's own session, so the browser's own background traffic does not count). Chromium is also pointed at a
proxy on 127.0.0.1 that answers nothing, so no request of either kind could reach the network anyway.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
REQUIRE_ENV = "DRAFTER_REQUIRE_BROWSER"  # set by .ci/run: a missing browser fails instead of skipping
SCREENSHOT_ENV = "DRAFTER_SCREENSHOT_DIR"  # where screenshots are kept (CI keeps them)
WIDTH, HEIGHT = 1300, 1800


def find_browser() -> str | None:
    for name in CANDIDATES:
        if path := shutil.which(name):
            return path
    return None


class _Pipe:
    """The DevTools protocol over fds 3 (commands in) and 4 (answers out), messages separated by NUL bytes."""

    def __init__(self, browser: str, profile: Path, dead_port: int):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def wire():  # in the child, before exec: the pipe ends become fds 3 and 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--remote-debugging-pipe", f"--user-data-dir={profile}",
            f"--proxy-server=http://127.0.0.1:{dead_port}", "--proxy-bypass-list=<-loopback>",
            f"--window-size={WIDTH},{HEIGHT}", "about:blank",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            [browser, *flags], preexec_fn=wire, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.next_id = 0
        self.buffer = b""
        self.events: list[dict] = []

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError(
                    f"Chromium exited: {self.proc.stderr.read().decode()[-2000:] if self.proc.stderr else ''}"
                )
            self.buffer += chunk
        msg, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method and e.get("sessionId") == session for e in self.events):
            return
        while True:
            m = self._read(deadline)
            self.events.append(m)
            if m.get("method") == method and m.get("sessionId") == session:
                return

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


@dataclass
class Rendered:
    dom: str
    screenshot: Path
    requests: list[str]  # URLs the page requested, besides itself


def _dead_port() -> socket.socket:
    """A listening socket that never answers: the proxy every request of the browser is sent to."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s


def render(page: Path, screenshot: Path, profile: Path) -> Rendered:
    browser = find_browser()
    assert browser, "no Chromium found"
    url = page.resolve().as_uri()
    dead = _dead_port()
    pipe = _Pipe(browser, profile, dead.getsockname()[1])
    try:
        target = pipe.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for method in ("Network.enable", "Page.enable", "Runtime.enable"):
            pipe.call(method, session=session)
        pipe.call("Emulation.setDeviceMetricsOverride",
                  {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False}, session)  # fmt: skip
        pipe.call("Page.navigate", {"url": url}, session)
        pipe.wait_for("Page.loadEventFired", session)
        time.sleep(0.3)  # anything the page would fetch late (fonts, lazy images) has been asked for by now
        dom = pipe.call("Runtime.evaluate", {"expression": "document.documentElement.outerHTML", "returnByValue": True},
                        session)["result"]["value"]  # fmt: skip
        png = base64.b64decode(pipe.call("Page.captureScreenshot", {"format": "png"}, session)["data"])
    finally:
        pipe.close()
        dead.close()
    screenshot.write_bytes(png)
    if keep := os.environ.get(SCREENSHOT_ENV):
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(keep) / screenshot.name)
    requests = [
        e["params"]["request"]["url"]
        for e in pipe.events
        if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == session
    ]
    return Rendered(dom, screenshot, [u for u in requests if u != url and not u.startswith(("data:", "about:"))])
