"""One redaction for every secret: API keys, a base URL's user:password and query values, in every text drafter
shows or stores, and in the log lines of the HTTP libraries under it.

Why one place: a secret reaches text by many routes (a prompt the user pasted it into, a server echoing the key in
a 401 body, a URL in a connection error, instructor's and openai's own log lines), and a redaction applied per
route misses the next route. So every secret drafter is given is remembered here (``remember``), and ``redact``
removes every remembered secret from any text; the run log, the LLM errors and the third-party log records all
go through it.

A base URL never travels with its credentials: ``split_url`` gives the URL without user:password or query (what
is sent as the base URL, shown and stored), the user:password as an ``Authorization: Basic`` header (what httpx
made of them before) and the query as parameters added to each request.

A leaf: the standard library only.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

REDACTED = "[REDACTED]"
MIN_SECRET = 8
"""Shorter values are not redacted (a 1-character password would blank every such character); they are still
kept out of every URL drafter shows or stores."""

SECRET_NAME = re.compile(r"key|token|secret|sig|pass|auth|cred|session", re.I)
"""Query parameters whose values are redacted wherever they appear (``api-key=…``, ``sig=…``); others
(``api-version=2024-06-01``) are only left out of the URL shown and stored."""

_secrets: set[str] = set()


def remember(*values: str | None) -> tuple[str, ...]:
    """Add secrets to the set every ``redact`` removes (for the rest of the process); returns those given."""
    given = tuple(v for v in values if v)
    _secrets.update(v for v in given if len(v) >= MIN_SECRET)
    return given


def redact(text: str | None, secrets: tuple[str, ...] | list[str] = ()) -> str | None:
    """``text`` with every remembered secret and every one of ``secrets`` replaced by ``[REDACTED]``."""
    if not text:
        return text
    # longest first: a secret that contains another is replaced whole
    for s in sorted(_secrets.union(s for s in secrets if s and len(s) >= MIN_SECRET), key=len, reverse=True):
        if s in text:
            text = text.replace(s, REDACTED)
    return text


@dataclass(frozen=True)
class SplitURL:
    """A base URL taken apart: what may be shown and sent as the URL, and the credentials it carried."""

    public: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


def url_problem(url: str) -> str | None:
    """What is wrong with a base URL (None if nothing): it must be http(s)://HOST[:PORT][/PATH]."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is no number or out of range
    except ValueError as e:
        return f"expected a URL like http://HOST:PORT/v1 ({e})"
    if parts.scheme not in ("http", "https"):
        return "expected a URL starting with http:// or https://"
    if not parts.hostname:
        return "expected a URL with a host name, like http://localhost:8000/v1"
    if port == 0:
        return "expected a port from 1 to 65535"
    return None


def split_url(url: str) -> SplitURL:
    """The URL without user:password and query string, and those as a header and parameters (``ValueError``
    for a URL ``url_problem`` refuses; the message never quotes the URL)."""
    if (problem := url_problem(url)) is not None:
        raise ValueError(problem)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if parts.port:
        host += f":{parts.port}"
    headers: dict[str, str] = {}
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    token = ""
    if user or password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    hidden = [v for k, v in query.items() if SECRET_NAME.search(k)]
    secrets = remember(password, parts.password, token, *hidden)
    return SplitURL(urlunsplit((parts.scheme, host, parts.path, "", "")), headers, query, secrets)


def public_url(url: str | None) -> str:
    """The base URL as it may be shown and stored: without credentials in the userinfo or the query string."""
    url = url or "https://api.openai.com/v1"
    try:
        return split_url(url).public
    except ValueError:
        return "(a malformed URL)"


# --- the log lines of the libraries under drafter ------------------------------------------------------------

THIRD_PARTY_LOGGERS = ("instructor", "openai", "httpx", "httpx2", "httpcore", "httpcore2")


class RedactingFilter(logging.Filter):
    """Formats a record's message (and its exception, if any) once and replaces every remembered secret in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call in a library: leave the record as it is
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


_filter = RedactingFilter()
_installed = False


def guard_third_party_logs() -> None:
    """Redact every record of the HTTP and LLM libraries, whatever logger or handler it goes to (once per process).

    A filter on the ``openai`` logger does not see records of ``openai._base_client`` (logging checks only the
    logger a record is made on), so the filter is applied where every record is made: the log record factory,
    for the records of those libraries' loggers and their children."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name.partition(".")[0] in THIRD_PARTY_LOGGERS:
            _filter.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def quiet_third_party_logs() -> None:
    """The command line's choice: drafter says what failed in one line of its own, so the libraries' warnings
    ("API call failed", "Max retries exceeded", pydantic's links) are not printed above it. ``OPENAI_LOG=debug``
    still turns openai's and httpx's logging on (openai sets their level when it loads), redacted."""
    guard_third_party_logs()
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
