"""Run the review application under uvicorn, bound to loopback unless a token guards it."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from ..errors import DrafterError
from .app import LOOPBACK_NAMES, Settings, create_app


def serve(drafts: Path, finals: Path, host: str, port: int, token: str | None, by: str) -> None:
    """Print the URL, then serve until Ctrl-C. Refused: a non-loopback host without ``token``."""
    import uvicorn

    if not 0 <= port <= 65535:
        raise DrafterError(f"--port: expected 0..65535 (0: any free port), got {port}")
    if host not in LOOPBACK_NAMES and not token:
        raise DrafterError(
            f"--host {host}: serving beyond this machine needs --token SECRET (every request carries it)"
        )
    app = create_app(Settings(Path(drafts), Path(finals), by, token, host=host))
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except (OSError, OverflowError) as e:
        raise DrafterError(
            f"--host {host} --port {port}: cannot listen there ({getattr(e, 'strerror', None) or e})"
        ) from None
    bound = sock.getsockname()[1]
    query = f"?token={token}" if token else ""
    shown_host = f"[{host}]" if ":" in host else host
    sys.stderr.write(
        f"drafter review: http://{shown_host}:{bound}/{query}  (drafts {drafts}, finals {finals}; Ctrl-C stops)\n"
    )
    sys.stderr.flush()
    config = uvicorn.Config(app, log_level="warning", access_log=False, limit_max_requests=None)
    uvicorn.Server(config).run(sockets=[sock])
