"""Fault run: a batch against a misbehaving server, killed with SIGKILL halfway, then resumed.

    python benchmarks/fault_run.py [--roles 300] [--concurrency 16]

The fake server answers 10% of requests with 429 (Retry-After 0.1 s), 5% with 500, 5% with malformed JSON and
5% with schema-invalid output. The batch is killed with SIGKILL once about half its roles are done, then the
same command is run again. Checked: every role ends drafted exactly once or failed with a cause; every draft
file is complete and valid and names the batch; no partial file is left; nothing is drafted twice.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAULTS = {"429": 0.10, "500": 0.05, "malformed": 0.05, "invalid": 0.05}


def _done(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM batch_roles WHERE status = 'done'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def fault_run(
    n: int = 300,
    concurrency: int = 16,
    work: Path | None = None,
    seed: int = 1,
    http_retries: int = 3,
    validation_retries: int = 2,
    role_retries: int = 2,
    processes: int = 1,
) -> dict:
    from drafter.assessment import Assessment
    from drafter.batch import human_scored_codes
    from drafter.onet.catalog import Catalog
    from drafter.testing import FakeOpenAI, Script

    work = Path(work or tempfile.mkdtemp(prefix="drafter-fault-"))
    scored = human_scored_codes()
    codes = [c for c in sorted(Catalog.load().by_code) if c not in scored][:n]
    (work / "codes.txt").write_text("\n".join(codes) + "\n", encoding="utf-8")
    out = work / "drafts"
    home = work / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DRAFTER_"))}
    env |= {"DRAFTER_HOME": str(home), "FAULT_KEY": "sk-fault-run-not-a-key"}

    with FakeOpenAI(Script(faults=FAULTS, retry_after="0.1", seed=seed)) as server:
        (work / "endpoints.toml").write_text(
            f'[endpoints.faulty]\nbase_url = "{server.base_url}"\nmodel = "fault-model"\napi_key_env = "FAULT_KEY"\n'
            f"http_retries = {http_retries}\nvalidation_retries = {validation_retries}\ntimeout = 10\n",
            encoding="utf-8",
        )
        cmd = [sys.executable, "-m", "drafter", "batch", "--codes", str(work / "codes.txt"), "--endpoint", "faulty",
               "--config", str(work / "endpoints.toml"), "-o", str(out), "--concurrency", str(concurrency), "--role-retries", str(role_retries), "--processes", str(processes), "--json"]  # fmt: skip
        t0 = time.perf_counter()
        first = subprocess.Popen(cmd, env=env, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        db = home / "drafter.db"
        while first.poll() is None and _done(db) < n // 2:
            time.sleep(0.05)
        killed_at = _done(db)
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
        first.wait()
        first.stdout.close()
        first.stderr.close()
        second = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True, timeout=900)
        elapsed = time.perf_counter() - t0
        injected = {b: server.behaviours.count(b) for b in FAULTS}
        requests = server.count
    if second.returncode not in (0, 4):  # 4: the batch ended with failed roles (expected under faults)
        raise RuntimeError(f"resumed batch failed ({second.returncode}): {second.stderr[-2000:]}")
    summary = json.loads(second.stdout)

    con = sqlite3.connect(db)
    rows = con.execute("SELECT code, status, cause, error, drafted FROM batch_roles").fetchall()
    con.close()
    statuses = {code: status for code, status, *_ in rows}
    problems = []
    if sorted(statuses) != codes:
        problems.append("the batch does not hold exactly the requested roles")
    for code, status, cause, error, drafted in rows:
        path = out / f"{code}.json"
        if status == "done":
            if drafted != 1:
                problems.append(f"{code}: drafted {drafted} times")
            try:
                a = Assessment.model_validate_json(path.read_text(encoding="utf-8"))
                if a.provenance.inputs.get("batch_id") != summary["batch_id"]:
                    problems.append(f"{code}: draft names another batch")
            except Exception as e:  # noqa: BLE001
                problems.append(f"{code}: draft file unreadable: {e}")
            if not (out / f"{code}.md").exists():
                problems.append(f"{code}: Markdown draft missing")
        elif status == "failed":
            if not cause or not error:
                problems.append(f"{code}: failed without a reason")
            if path.exists():
                problems.append(f"{code}: failed but has a draft file")
        else:
            problems.append(f"{code}: ended {status}")
    leftovers = sorted(p.name for p in out.glob(".*.tmp"))
    if leftovers:
        problems.append(f"partial files left: {leftovers[:5]}")
    return {
        "roles": n,
        "done": summary["done"],
        "failed": summary["failed"],
        "failures_by_cause": summary["failures_by_cause"],
        "duplicates": summary["duplicates"],
        "done_when_killed": killed_at,
        "requests": requests,
        "injected": injected,
        "seconds": round(elapsed, 1),
        "problems": problems,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--roles", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    r = fault_run(args.roles, args.concurrency, processes=args.processes)
    print(
        f"roles {r['roles']}: {r['done']} done, {r['failed']} failed {r['failures_by_cause'] or ''}, duplicates {r['duplicates']}"
    )
    print(
        f"{args.processes} worker process(es); killed with SIGKILL at {r['done_when_killed']} done, then resumed; {r['requests']} requests to the server in {r['seconds']} s"
    )
    print("injected faults: " + ", ".join(f"{k} x{v}" for k, v in r["injected"].items()))
    print("problems: " + ("none" if not r["problems"] else "; ".join(r["problems"][:10])))
    sys.exit(1 if r["problems"] else 0)


if __name__ == "__main__":
    main()
