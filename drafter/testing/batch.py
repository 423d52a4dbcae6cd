"""A Batch API engine for tests: what OpenAI does with an uploaded batch file, played against the fake server.

drafter writes its requests as JSONL (``drafter batch --batch-api``, one line per request with a ``custom_id``);
``run_batch_file`` sends each line to the server and writes the output file as the Batch API returns it, so that
collecting a batch can be tested without the network. Roles in ``fail_codes`` get an engine error instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from .server import FakeOpenAI


def run_batch_file(
    server: FakeOpenAI, requests_path: Path, results_path: Path, fail_codes: tuple[str, ...] = ()
) -> int:
    """Play a batch engine: send each JSONL request to the server, write OpenAI Batch API output lines."""
    import urllib.request

    out = []
    for n, raw in enumerate(requests_path.read_text(encoding="utf-8").splitlines(), start=1):
        line = json.loads(raw)
        code = line["custom_id"].split(":")[1]
        if code in fail_codes:
            out.append({"id": f"batch_req_{n}", "custom_id": line["custom_id"], "response": None,
                        "error": {"code": "server_error", "message": "engine failure"}})  # fmt: skip
            continue
        req = urllib.request.Request(
            server.base_url.removesuffix("/v1") + line["url"], data=json.dumps(line["body"]).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )  # fmt: skip
        with urllib.request.urlopen(req) as resp:
            body = json.loads(resp.read())
        out.append({"id": f"batch_req_{n}", "custom_id": line["custom_id"],
                    "response": {"status_code": 200, "request_id": f"req_{n}", "body": body}, "error": None})  # fmt: skip
    results_path.write_text("".join(json.dumps(o) + "\n" for o in out), encoding="utf-8")
    return len(out)
