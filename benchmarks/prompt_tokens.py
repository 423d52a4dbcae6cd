"""Prompt size per drafting step, measured from the request bodies drafter actually sends.

Drafts a few roles against the fake OpenAI server (drafter/testing/, no network) with the cache off (through
``drafter_for``, so calibrated on the shipped calibration set where the version has one), and
for every request counts the characters of its messages and of its response schema (the tool / JSON schema
the endpoint also reads as prompt). Tokens are approximated as characters / 4 (OpenAI's rule of thumb for
English; tiktoken needs to download its vocabulary, which this machine cannot). Also prints how many
characters every request shares as an identical prefix (what an endpoint's prompt cache can reuse).

    python benchmarks/prompt_tokens.py [CODE ...]        # default: 29-2072 43-6013 15-1252 29-1141

Run it from another checkout (PYTHONPATH=that/checkout) to measure that version's prompts.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from statistics import mean

ROOT = Path(os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

STEP_OF = {"Decomposition": "decompose", "RowScores": "score_rows", "RoleSections": "role_sections",
           "Commentary": "commentary"}  # fmt: skip


def _chars(body: dict) -> tuple[int, int]:
    messages = sum(len(str(m.get("content") or "")) for m in body["messages"])
    schema = body.get("tools") or body.get("response_format") or {}
    return messages, len(json.dumps(schema))


def _prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def main() -> None:
    os.environ["DRAFTER_HOME"] = tempfile.mkdtemp()
    from drafter.drafting.drive import draft_with_llm
    from drafter.llm.client import LLM
    from drafter.llm.endpoints import Endpoint
    from drafter.onet.catalog import Catalog
    from drafter.testing import FakeOpenAI, step_name

    codes = sys.argv[1:] or ["29-2072", "43-6013", "15-1252", "29-1141"]
    catalog = Catalog.load()
    per_step: dict[str, list[tuple[int, int]]] = defaultdict(list)
    texts: list[str] = []
    with FakeOpenAI() as server:
        ep = Endpoint(name="bench", kind="openai", base_url=server.base_url, model="fake", api_key_env="NONE")
        try:  # the drafter seam (calibrated on the shipped calibration set where this version has one)
            from drafter.drafting import drafter_for
        except ImportError:  # versions before the seam
            llm = LLM(ep, use_cache=False)
            for code in codes:
                draft_with_llm(catalog.get(code), llm)
            llm.close()
        else:
            with drafter_for(ep, use_cache=False) as drafter:
                for code in codes:
                    drafter.draft(catalog.get(code))
        for body in server.requests:
            per_step[STEP_OF.get(step_name(body), "other")].append(_chars(body))
            texts.append("\n".join(str(m.get("content") or "") for m in body["messages"]))
    print(f"{len(codes)} roles ({', '.join(codes)}), {len(texts)} requests; tokens ~ characters / 4")
    print(f"{'step':14s} {'messages':>10s} {'schema':>8s} {'total':>8s}  (mean tokens per request)")
    grand = 0.0
    for step in ("decompose", "score_rows", "role_sections", "commentary"):
        rows = per_step.get(step, [])
        msg, sch = mean(r[0] for r in rows) / 4, mean(r[1] for r in rows) / 4
        grand += msg + sch
        print(f"{step:14s} {msg:10.0f} {sch:8.0f} {msg + sch:8.0f}")
    print(f"{'per role':14s} {'':10s} {'':8s} {grand:8.0f}")
    shared = min(_prefix(texts[0], t) for t in texts[1:])
    print(f"identical prefix of every request: {shared:,} characters (~{shared / 4:.0f} tokens)")
    per_role = [min(_prefix(texts[i], t) for t in texts[i + 1 : i + 4]) for i in range(0, len(texts), 4)]
    print(f"identical prefix of one role's four requests: mean {mean(per_role):,.0f} characters "
          f"(~{mean(per_role) / 4:.0f} tokens)")  # fmt: skip


if __name__ == "__main__":
    main()
