"""Tokens per role, by step, for a fixed set of 20 occupations drafted against the fake OpenAI server.

    python benchmarks/tokens_per_role.py [--json OUT.json] [--compare BEFORE.json]

So a prompt change is judged by what it costs: each role is drafted once (drafter's response cache off) by the
real pipeline and client against drafter/testing/ with OpenAI-style prompt caching on (prefixes of 1,024
tokens and more, in steps of 128, cached across all requests of the run). The server counts a token as four
characters of message content (the response schema sent as a tool is not counted), so the figures compare
prompts with one another; they are not a provider's bill.

Printed: prompt / cached / completion tokens per role and step, means by size (7 small, 6 median, 7 large task
lists) and overall, and the shared-prefix shares (of characters, at four a token):
- of the messages shared by all requests: the longest prefix of the messages every request of the run has in
  common (system prompt and rubric when they come first);
- of the messages shared within a role: per role, the longest prefix its requests' messages have in common;
- per step, schema first: OpenAI puts the response schema (tools) before the messages, so what it can cache
  across roles is, per step, the longest prefix of schema + messages that step's requests share;
- cached: the prompt tokens the fake server's OpenAI-style cache served (billed at the cached rate).
``--json`` writes the figures; ``--compare`` prints them beside an earlier run's (before/after a change).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the 7 smallest, 6 at the median (20 tasks) and 7 largest task lists of the O*NET roles no human scored
ROLES = {
    "small": ["39-5093.00", "47-2072.00", "45-2041.00", "53-1041.00", "53-7031.00", "13-1032.00", "13-2053.00"],
    "median": ["11-2021.00", "11-2032.00", "11-3031.03", "13-1022.00", "13-1041.06", "13-1082.00"],
    "large": ["51-4193.00", "25-3011.00", "49-2092.00", "49-9012.00", "25-2057.00", "25-2058.00", "49-2022.00"],
}
STEP_ORDER = ("decompose", "score_rows", "role_sections", "commentary")


def common_prefix(texts: list[str]) -> int:
    return len(os.path.commonprefix(texts)) if texts else 0


def draft_all(calibrated: bool = True) -> tuple[list[dict], list[dict]]:
    """Draft every role (with the calibration table and worked example a real draft shows, unless
    ``calibrated`` is False); return per-role figures and the request bodies the server received."""
    from drafter.calibration import CalibrationSet
    from drafter.drafting.calibrate import NO_CALIBRATION, calibration_for
    from drafter.drafting.drive import draft_with_llm
    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.llm.runlog import RunLog
    from drafter.onet.catalog import Catalog
    from drafter.testing import FakeOpenAI, Script

    os.environ["DRAFTER_BENCH_KEY"] = "sk-bench-not-a-key"
    catalog = Catalog.load()
    cal_set = CalibrationSet.load() if calibrated else None
    roles = []
    with FakeOpenAI(Script(prompt_cache=True)) as server:
        log = RunLog(Path(tempfile.mkdtemp(prefix="drafter-bench-")) / "runlog.sqlite")
        llm = LLM(Endpoint(base_url=server.base_url, model="bench", api_key_env="DRAFTER_BENCH_KEY"), log,
                  use_cache=False)  # fmt: skip
        try:
            for size, codes in ROLES.items():
                for code in codes:
                    occ = catalog.get(code)
                    first = server.count
                    cal = calibration_for(occ, occ.title, cal_set) if cal_set else NO_CALIBRATION
                    draft = draft_with_llm(occ, llm, calibration=cal)
                    texts = [messages_text(b) for b in server.requests[first:]]
                    steps: dict[str, dict[str, int]] = {}
                    for s in draft.assessment.provenance.steps:
                        acc = steps.setdefault(s.step, {"prompt": 0, "cached": 0, "completion": 0, "requests": 0})
                        acc["prompt"] += s.prompt_tokens
                        acc["cached"] += s.cached_tokens
                        acc["completion"] += s.completion_tokens
                        acc["requests"] += s.requests
                    roles.append({"code": code, "size": size, "tasks": len(occ.tasks),
                                  "rows": len(draft.assessment.tasks), "steps": steps,
                                  "role_prefix_chars": common_prefix(texts), "request_count": len(texts),
                                  "prompt_chars": sum(len(t) for t in texts)})  # fmt: skip
        finally:
            llm.close()
            log.close()
        bodies = list(server.requests)
    return roles, bodies


def totals(role: dict) -> dict[str, int]:
    out = {"prompt": 0, "cached": 0, "completion": 0, "requests": 0}
    for s in role["steps"].values():
        for k in out:
            out[k] += s[k]
    return out


def messages_text(body: dict) -> str:
    return "".join(f"<{m.get('role')}>{m.get('content') or ''}" for m in body.get("messages", []))


def _step(body: dict) -> str:
    schema = body.get("tools") or [{}]
    return str(schema[0].get("function", {}).get("name") or (body.get("response_format") or {}).get("json_schema"))


def figures(roles: list[dict], bodies: list[dict]) -> dict:
    from drafter.testing import prompt_text

    prompt = sum(totals(r)["prompt"] for r in roles)
    messages = [messages_text(b) for b in bodies]
    full = [prompt_text(b) for b in bodies]
    by_step: dict[str, list[str]] = {}
    for b, text in zip(bodies, full, strict=True):
        by_step.setdefault(_step(b), []).append(text)
    per_step: dict[str, dict[str, float]] = {}
    steps = [s for s in STEP_ORDER if any(s in r["steps"] for r in roles)]
    steps += sorted({s for r in roles for s in r["steps"]} - set(steps))
    for size in [*ROLES, "all"]:
        group = [r for r in roles if size in ("all", r["size"])]
        per_step[size] = {
            f"{step}.{k}": statistics.mean(r["steps"].get(step, {}).get(k, 0) for r in group)
            for step in steps
            for k in ("prompt", "cached", "completion")
        } | {f"total.{k}": statistics.mean(totals(r)[k] for r in group) for k in ("prompt", "cached", "completion",
                                                                                   "requests")}  # fmt: skip
    chars, full_chars = sum(len(t) for t in messages), sum(len(t) for t in full)
    all_prefix = common_prefix(messages)
    return {
        "roles": roles,
        "steps": steps,
        "means": per_step,
        "requests": len(bodies),
        "prompt_tokens": prompt,
        "shared_by_all_chars": all_prefix,
        "shared_by_all_share": all_prefix * len(messages) / chars if chars else 0.0,
        "shared_within_role_share": sum(r["role_prefix_chars"] * r["request_count"] for r in roles) / chars
        if chars
        else 0.0,
        "shared_per_step_share": sum(common_prefix(t) * len(t) for t in by_step.values()) / full_chars
        if full_chars
        else 0.0,
        "cached_share": sum(totals(r)["cached"] for r in roles) / prompt if prompt else 0.0,
    }


def show(f: dict, before: dict | None) -> None:
    steps = f["steps"]
    head = f"{'role':11s} {'size':6s} {'tasks':>5s} {'rows':>4s} " + " ".join(f"{s[:13]:>20s}" for s in steps)
    print("tokens per role and step: prompt / cached / completion (fake server, 4 characters a token)")
    print(head + f" {'total':>22s}")
    for r in f["roles"]:
        cells = []
        for s in steps:
            x = r["steps"].get(s)
            cells.append(f"{x['prompt']:>6,}/{x['cached']:>6,}/{x['completion']:>5,}" if x else f"{'—':>20s}")
        t = totals(r)
        print(f"{r['code']:11s} {r['size']:6s} {r['tasks']:5d} {r['rows']:4d} " + " ".join(cells)
              + f" {t['prompt']:>7,}/{t['cached']:>7,}/{t['completion']:>6,}")  # fmt: skip
    print()
    print("mean tokens per role (prompt + completion), by size")
    for size, m in f["means"].items():
        line = " · ".join(f"{s} {m[s + '.prompt'] + m[s + '.completion']:,.0f}" for s in steps)
        total = m["total.prompt"] + m["total.completion"]
        was = ""
        if before and size in before["means"]:
            b = before["means"][size]
            old = b["total.prompt"] + b["total.completion"]
            was = f"  (before {old:,.0f}: {100 * (total - old) / old:+.1f}%; requests {b['total.requests']:.2f} -> {m['total.requests']:.2f})"  # fmt: skip
        print(f"  {size:6s} total {total:8,.0f} = {m['total.prompt']:,.0f} prompt ({m['total.cached']:,.0f} cached) + "
              f"{m['total.completion']:,.0f} completion; {line}{was}")  # fmt: skip
    print()
    print(f"{f['requests']} requests, {f['prompt_tokens']:,} prompt tokens")
    pairs = (
        ("of the messages shared by all requests", "shared_by_all_share"),
        ("of the messages shared within a role", "shared_within_role_share"),
        ("shared by all requests of a step, schema first (as OpenAI caches)", "shared_per_step_share"),
        ("served by the prompt cache", "cached_share"),
    )
    for label, key in pairs:
        was = f" (before {100 * before[key]:.1f}%)" if before and key in before else ""
        extra = f", a {f['shared_by_all_chars'] // 4:,}-token prefix" if key == "shared_by_all_share" else ""
        print(f"  prompt {label}: {100 * f[key]:.1f}%{extra}{was}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--compare", type=Path, help="figures of an earlier run, shown beside these")
    ap.add_argument(
        "--no-calibration", action="store_true", help="prompts without the calibration table (as before issue 11)"
    )
    args = ap.parse_args()
    before = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
    f = figures(*draft_all(calibrated=not args.no_calibration))
    show(f, before)
    if args.json:
        args.json.write_text(json.dumps(f, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
