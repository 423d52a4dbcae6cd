"""The review page's latency over real HTTP (uvicorn on 127.0.0.1): the live re-score round trip of a 5-task and a
40-task role (p50/p95 over repeated POSTs of the whole form), and the portfolio page over N offline drafts, cold
(every row computed) and warm (rows kept per file version).

    python benchmarks/review_page.py [N]     # N offline drafts for the portfolio (default: all 923)
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2
import uvicorn

from drafter.drafting.choose import drafter_for
from drafter.files import assessment_json, atomic_write
from drafter.onet.catalog import Catalog
from drafter.web.app import Settings, create_app
from drafter.web.edit import editable_paths, value_at

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 60


def _role_with(n: int, golden):
    """The golden role with ``n`` task rows (its rows repeated under new names), time shares summing to 100."""
    rows = [golden.tasks[i % len(golden.tasks)] for i in range(n)]
    shares = [100 // n + (1 if i < 100 % n else 0) for i in range(n)]
    tasks = [r.model_copy(update={"task": f"{r.task} ({i + 1})", "time_pct": s, "onet_task_ids": []})
             for i, (r, s) in enumerate(zip(rows, shares, strict=True))]  # fmt: skip
    return golden.model_copy(update={"tasks": tasks, "unmapped_onet_tasks": {}})


def _serve(drafts: Path, finals: Path) -> tuple[str, uvicorn.Server]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    settings = Settings(drafts, finals, "bench")
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", access_log=False))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    server.csrf = settings.csrf  # type: ignore[attr-defined]
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def _rescore(url: str, csrf: str, stem: str, a) -> tuple[float, float]:
    form = {p: value_at(a, p) for p in editable_paths(a)} | {"_csrf": csrf}
    times = []
    with httpx2.Client(base_url=url) as c:
        for k in range(ROUNDS):
            form["tasks[0].score"] = str(1 + k % 5)
            form["tasks[0].label"] = {1: "NOT INVOLVED", 2: "AUGMENTATION", 3: "AUGMENTATION"}.get(
                1 + k % 5, "DISPLACEMENT"
            )
            t = time.perf_counter()
            r = c.post(f"/role/{stem}/rescore", data=form)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200 and 'id="composite"' in r.text, r.text[:300]
    times = times[5:]  # the first requests warm the methodology and template caches
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


def main() -> None:
    from drafter.documents import load_assessment

    n = int(sys.argv[1]) if len(sys.argv) > 1 else None
    golden = load_assessment(ROOT / "evals" / "golden" / "29-2072.00.json").assessment
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("DRAFTER_HOME", str(Path(tmp) / "home"))
        roles, finals = Path(tmp) / "roles", Path(tmp) / "finals"
        roles.mkdir()
        for size in (5, 40):
            atomic_write(roles / f"role-{size}.json", assessment_json(_role_with(size, golden)))
        url, server = _serve(roles, finals)
        for size in (5, 40):
            p50, p95 = _rescore(url, server.csrf, f"role-{size}", _role_with(size, golden))  # type: ignore[attr-defined]
            print(f"re-score round trip, {size}-task role: p50 {p50:.0f} ms, p95 {p95:.0f} ms ({ROUNDS - 5} requests)")
        server.should_exit = True

        catalog = Catalog.load()
        drafts = Path(tmp) / "drafts"
        drafts.mkdir()
        codes = list(catalog.by_code)[:n] if n else list(catalog.by_code)
        t = time.perf_counter()
        with drafter_for(None, catalog=catalog) as offline:
            for code in codes:
                atomic_write(drafts / f"{code}.json", assessment_json(offline.draft(catalog.get(code)).assessment))
        print(f"{len(codes)} offline drafts written in {time.perf_counter() - t:.0f} s")
        url, server = _serve(drafts, finals)
        with httpx2.Client(base_url=url, timeout=600) as c:
            for label in ("cold", "warm"):
                t = time.perf_counter()
                r = c.get("/")
                assert r.status_code == 200
                print(f"portfolio page of {len(codes)} drafts, {label}: {time.perf_counter() - t:.2f} s, "
                      f"{len(r.content) / 1024:.0f} KiB")  # fmt: skip
        server.should_exit = True


if __name__ == "__main__":
    main()
