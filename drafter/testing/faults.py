"""The faults a hostile server plays with the connection itself rather than with the answer's content (issue 20):
each a function of the request handler and the server, dispatched by ``server.py`` from ``SERVER_FAULTS``."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlsplit


def drip(handler, server) -> None:
    """ "drip": headers at once, then the answer one byte every ``drip_seconds`` (each read is quick, the whole
    answer never comes), until the client hangs up."""
    payload = json.dumps({"id": "chatcmpl-drip", "object": "chat.completion", "choices": []}).encode() * 20
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    try:
        for k in range(len(payload)):
            handler.wfile.write(payload[k : k + 1])
            handler.wfile.flush()
            time.sleep(server.script.drip_seconds)
    except (ConnectionError, OSError):
        handler.close_connection = True


def echo_credentials_401(handler, server) -> None:
    """ "echo_401": HTTP 401 whose body quotes the credentials the request carried (its Authorization header, a
    Basic header's user:password decoded, the query string), as careless proxies and servers do."""
    auth = handler.headers.get("Authorization", "")
    said = [auth, auth.removeprefix("Bearer ")]
    if auth.startswith("Basic "):
        said.append(base64.b64decode(auth.removeprefix("Basic ")).decode("utf-8", "replace"))
    said.append(urlsplit(handler.path).query)
    message = f"Incorrect API key provided: {' / '.join(said)}. You can find your API key at https://example.invalid."
    handler._send(401, json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode())


SERVER_FAULTS = {"drip": drip, "echo_401": echo_credentials_401}
