"""``drafter review serve``: the review page as an ASGI application (Starlette, served by uvicorn).

Routes (docs/review.md, "The review page"):
- ``GET /``: the portfolio of the drafts and finals folders: each role's figures (its final's where one is
  saved, after the draft's score), its accepted state, and the entries not read with why.
- ``GET /role/STEM``: the role as an editable form beside its scorecard; ``POST /role/STEM`` re-scores the form
  and renders the whole page (the page works as plain HTML forms with scripts off).
- ``POST /role/STEM/rescore``: the results panel only (htmx swaps it in as the assessor types).
- ``POST /role/STEM/save``: the final pair into the finals folder; a conflict view when it changed on disk, or
  when what is there cannot be used (not an assessment, a symlink out of the folder): never written over.
- ``POST /role/STEM/accept``: the audit-trail entry ``review accept`` records, then the role's history.
- ``GET /static/…``: the vendored htmx and the style sheet; nothing is fetched from the network.

Every POST carries the page's CSRF token; with ``token`` set (required off 127.0.0.1) every request carries it
too (``?token=`` once, then a cookie). Request bodies over ``max_body`` bytes are refused before they are read.
A request whose ``Host`` header names a host other than the one bound (127.0.0.1, localhost, [::1], ``host``) is
refused with 400, so a web page that points its own name at 127.0.0.1 (DNS rebinding) cannot use the server.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import DrafterError
from .edit import apply_form, editable_paths, value_at
from .view import observed_use, results
from .workspace import Conflict, UnknownRole, Workspace

MAX_BODY = 1_000_000  # bytes: a 40-task role's form is ~40 KB
TOKEN_COOKIE = "drafter_token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
ANY_ADDRESS = ("0.0.0.0", "::")  # a bind on every interface: the Host is not checked (the token guards it)


@dataclass
class Settings:
    drafts: Path
    finals: Path
    by: str
    token: str | None = None
    max_body: int = MAX_BODY
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    host: str = "127.0.0.1"  # the address bound: with the loopback names, what the Host header may name

    def allowed_hosts(self) -> list[str]:
        if self.host in ANY_ADDRESS:
            return ["*"]
        return list(dict.fromkeys([*LOOPBACK_NAMES, self.host.strip("[]").lower()]))


def _package_dir(name: str) -> Path:
    return Path(str(resources.files("drafter.web") / name))


class Guard:
    """Token and body-size checks before any route runs (ASGI middleware: a refused body is never read)."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        if self.settings.token is not None and not _token_ok(request, self.settings.token):
            return await PlainTextResponse("a token is required: open the URL drafter printed", 403)(
                scope, receive, send
            )
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.settings.max_body):
            return await PlainTextResponse("request body too large", 413)(scope, receive, send)
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.settings.max_body:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, _with_token_cookie(send, request, self.settings.token))
        except _TooLarge:
            await PlainTextResponse("request body too large", 413)(scope, receive, send)


class _TooLarge(Exception):
    pass


class HostCheck(TrustedHostMiddleware):
    """Starlette's ``TrustedHostMiddleware``, with the Host header's port taken off an IPv6 address too
    (``[::1]:8765`` is ``::1``; Starlette's own split at the first colon would refuse it)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = _host_name(Request(scope).headers.get("host", ""))
        if host in self.allowed_hosts:
            return await self.app(scope, receive, send)
        message = f"Invalid host header: this server answers only to {', '.join(self.allowed_hosts)}"
        await PlainTextResponse(message, 400)(scope, receive, send)


def _host_name(header: str) -> str:
    """The host of a Host header, without its port: 127.0.0.1:8765 -> 127.0.0.1, [::1]:8765 -> ::1."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    return header.partition(":")[0]


def _token_ok(request: Request, token: str) -> bool:
    given = request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
    return hmac.compare_digest(given.encode(), token.encode())


def _with_token_cookie(send: Send, request: Request, token: str | None) -> Send:
    """Remember a token given in the URL as a cookie, so links and forms need not carry it."""
    if token is None or request.query_params.get("token") is None:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode()
            message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
        await send(message)

    return wrapped


def create_app(settings: Settings) -> Starlette:
    """The review application over ``settings.drafts`` and ``settings.finals``."""
    ws = Workspace(settings.drafts, settings.finals)
    env = Environment(loader=FileSystemLoader(_package_dir("templates")), autoescape=select_autoescape(default=True))
    env.globals |= {"value_at": value_at, "csrf": settings.csrf}
    env.filters["fid"] = field_id

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status)

    async def form_of(request: Request) -> dict[str, str]:
        form = await request.form()
        given = str(form.get("_csrf", ""))
        if not hmac.compare_digest(given.encode(), settings.csrf.encode()):
            raise _Refused(403, "missing or wrong CSRF token: reload the page")
        return {k: str(v) for k, v in form.items()}

    async def portfolio(request: Request) -> Response:
        from .portfolio import portfolio_rows

        rows, problems = portfolio_rows(ws)
        return page("portfolio.html.j2", rows=rows, problems=problems, ws=ws)

    def role_page(stem: str, form: dict[str, str] | None = None, status: int = 200, **extra) -> HTMLResponse:
        loaded = ws.load(stem)
        if loaded.final_problem:
            extra.setdefault(
                "final_problem",
                f"The saved final is not used: {loaded.final_problem}. "
                "This page shows the draft; saving is refused until that file is fixed or moved.",
            )
        base = loaded.final or loaded.draft
        edit = apply_form(base, form) if form is not None else apply_form(base, {})
        shown = edit.assessment or base
        from ..review.provenance import field_sources

        context = dict(
            stem=stem, a=shown, draft=loaded.draft, edit=edit, res=results(loaded.draft, edit),
            paths=set(editable_paths(base)), sources=field_sources(shown), has_final=loaded.final is not None,
            base_hash=(form or {}).get("_base", loaded.final_hash), history=ws.history(loaded.draft), by=settings.by,
            observed=observed_use(shown),
        )  # fmt: skip
        return page("role.html.j2", status, **(context | extra))

    async def role(request: Request) -> Response:
        stem = request.path_params["stem"]
        if request.method == "GET":
            return role_page(stem, request_saved="saved" in request.query_params)
        return role_page(stem, await form_of(request))

    async def rescore(request: Request) -> Response:
        stem = request.path_params["stem"]
        loaded = ws.load(stem)
        base = loaded.final or loaded.draft
        edit = apply_form(base, await form_of(request))
        return page("_results.html.j2", res=results(loaded.draft, edit), stem=stem, oob=editable_paths(base))

    async def save(request: Request) -> Response:
        stem = request.path_params["stem"]
        form = await form_of(request)
        loaded = ws.load(stem)
        edit = apply_form(loaded.final or loaded.draft, form)
        res = results(loaded.draft, edit)
        if not res.ok:
            return role_page(
                stem, form, 422, notice="not saved: fix the fields marked below (nothing you typed is lost)"
            )
        base_hash = form.get("_overwrite") or form.get(
            "_base", ""
        )  # "save mine anyway": the version seen in the conflict
        try:
            written = ws.save(stem, edit.assessment, base_hash, keep_old="_overwrite" in form)  # type: ignore[arg-type]
        except DrafterError as e:  # the protected writer's refusal (a folder in the way, a full disk, a busy writer)
            return role_page(stem, form, 409, notice=f"not saved (nothing you typed is lost): {e}")
        if isinstance(written, Conflict):
            return role_page(stem, form, 409, conflict=written, conflict_changes=_changes(written, edit.assessment))
        return RedirectResponse(f"/role/{stem}?saved=1", 303)

    async def accept(request: Request) -> Response:
        stem = request.path_params["stem"]
        form = await form_of(request)
        who = form.get("by") or settings.by
        try:
            acc, _ = ws.accept(stem, who)
        except DrafterError as e:
            return role_page(stem, None, 409, notice=f"not accepted: {e}")
        return RedirectResponse(f"/role/{stem}?accepted={acc.id}", 303)

    async def refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, _Refused):
            return PlainTextResponse(exc.message, exc.status)
        return PlainTextResponse(str(exc), 404)

    routes = [
        Route("/", portfolio),
        Route("/role/{stem}", role, methods=["GET", "POST"]),
        Route("/role/{stem}/rescore", rescore, methods=["POST"]),
        Route("/role/{stem}/save", save, methods=["POST"]),
        Route("/role/{stem}/accept", accept, methods=["POST"]),
        Mount("/static", StaticFiles(directory=_package_dir("static")), name="static"),
    ]
    handlers = {_Refused: refused, UnknownRole: refused}
    middleware = [
        Middleware(HostCheck, allowed_hosts=settings.allowed_hosts()),  # first: a foreign Host gets nothing
        Middleware(Guard, settings=settings),
    ]
    return Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)


def field_id(path: str) -> str:
    """An HTML id for a field path: tasks[2].score -> tasks-2--score (ids are also CSS selectors)."""
    return path.replace("[", "-").replace("]", "-").replace(".", "-")


def _changes(conflict: Conflict, mine) -> list:
    """What differs between the final on disk now and the assessor's version."""
    from ..review.diff import diff

    if conflict.current is None:
        return []
    return diff(conflict.current, mine, draft_name="on disk", final_name="yours", other_role=True).changes


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message
