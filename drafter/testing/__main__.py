"""``python -m drafter.testing``: serve the fake OpenAI server until interrupted, printing its base URL first."""

from __future__ import annotations

import threading

from .answers import CONTENT_FAULTS
from .server import SERVER_BEHAVIOURS, FakeOpenAI, Script


def _serve(script: Script, port: int) -> None:
    with FakeOpenAI(script, port=port):
        threading.Event().wait()


def _fault(text: str) -> tuple[str, float]:
    """``429=0.1``: a behaviour and its probability per request."""
    behaviour, sep, p = text.partition("=")
    try:
        if not sep or not 0 <= float(p) <= 1:
            raise ValueError
    except ValueError:
        raise ValueError(f"--fault {text!r}: expected BEHAVIOUR=PROBABILITY, e.g. 429=0.1") from None
    if behaviour not in SERVER_BEHAVIOURS | CONTENT_FAULTS:
        known = ", ".join(sorted(SERVER_BEHAVIOURS | CONTENT_FAULTS))
        raise ValueError(f"--fault {text!r}: unknown behaviour {behaviour!r} (one of: {known})")
    return behaviour, float(p)


def main(argv: list[str] | None = None) -> None:
    """Serve from the command line (for benchmarks, and for pointing drafter or your own client at it):
    ``python -m drafter.testing [LATENCY] [PROCESSES] [--tpm N] [--rpm N] [--prompt-cache] [--fault 429=0.1 …]``.

    With several processes (sharing one port), the server's own interpreter lock adds less to the latency; a
    budget (``--tpm`` / ``--rpm``) is enforced by one process, so it needs PROCESSES = 1.
    """
    import argparse
    import multiprocessing
    import socket

    ap = argparse.ArgumentParser(prog="python -m drafter.testing")
    ap.add_argument("latency", nargs="?", type=float, default=0.0, help="seconds before each answer")
    ap.add_argument("processes", nargs="?", type=int, default=1)
    ap.add_argument("--tpm", type=float, help="enforce a tokens-per-minute budget")
    ap.add_argument("--rpm", type=float, help="enforce a requests-per-minute budget")
    ap.add_argument("--prompt-cache", action="store_true", help="report cached prompt tokens as OpenAI does")
    ap.add_argument("--fault", action="append", default=[], metavar="BEHAVIOUR=P",
                    help="answer a share P of requests with a fault (429, 500, malformed, invalid, …); repeatable")  # fmt: skip
    ap.add_argument("--seed", type=int, default=0, help="seed of the fault draws")
    args = ap.parse_args(argv)
    if (args.tpm or args.rpm) and args.processes != 1:
        ap.error("a budget is enforced by one server process: leave PROCESSES at 1")
    try:
        faults = dict(_fault(f) for f in args.fault)
    except ValueError as e:
        ap.error(str(e))
    script = Script(latency=args.latency, tpm=args.tpm, rpm=args.rpm, prompt_cache=args.prompt_cache,
                    faults=faults, seed=args.seed, retry_after="0.1" if faults else "1")  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    extra = [
        multiprocessing.Process(target=_serve, args=(script, port), daemon=True) for _ in range(args.processes - 1)
    ]
    for p in extra:
        p.start()
    with FakeOpenAI(script, port=port) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
