"""The FastAPI application: ``create_app()`` builds it around one :class:`Matcher`.

``soliris serve`` runs ``uvicorn.run("service.app:create_app", factory=True)``. One engine per
process: the model is loaded and the index built once, at start-up (before the first request is
accepted), and every request shares them. The engine's CPU work runs in a bounded thread pool
(:class:`service.deps.Engine`), so the event loop stays free for other clients.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from matcher import __version__
from matcher.engine import Matcher
from matcher.settings import Settings
from service.deps import Engine, take_back_cancellation
from service.errors import ApiError, error_response, install_error_handlers
from service.routers import api_router

STATIC_DIR = Path(__file__).parent / "static"
# JSON bodies: a profile is at most ~32,000 characters of text; 1 MiB leaves room for escapes.
MAX_JSON_BODY = 1 << 20
# Multipart envelope around an uploaded file (boundaries, part headers, the format field).
MULTIPART_OVERHEAD = 64 << 10
IMPORT_PATH = "/api/actors/import"
# The web page loads nothing from elsewhere; say so to the browser too.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
}
# Every answer: never read as another type than it says (a JSON error that repeats a path with
# markup in it is no page); an API answer, shown in a browser tab, runs and embeds nothing.
EVERY_ANSWER_HEADERS = {"X-Content-Type-Options": "nosniff"}
API_HEADERS = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}

log = logging.getLogger("uvicorn.error")

DESCRIPTION = """
Partner suggestions for the actors of international solidarity in Brussels (communes, advisory
councils, NGOs, associations, diaspora organisations, regional bodies, experts).

* **Reads and matching are public.** `POST /api/match` ranks the registered actors for an
  initiative written in French, Dutch or English; `GET /api/actors/{id}/suggestions` and
  `POST /api/suggestions` suggest partners for a registered actor or a draft profile.
* **Writes, import, export and reports need a coordinator key**, made with
  `soliris keys create NAME` and sent as `Authorization: Bearer <key>` (401 without a key,
  403 with a wrong or revoked one). `contact_email` appears only in answers to coordinators.
* **Errors** are JSON: `{"error": {"code", "message", "field", "details": [{line, field,
  message}]}}` with 404 for an unknown id, 409 for a duplicate id, 413 for input over a limit
  and 422 for an invalid field.
"""

TAGS = [
    {"name": "matching", "description": "Partner suggestions (public)."},
    {"name": "actors", "description": "The registry. Reads are public; changes need a key."},
    {"name": "reports", "description": "Files of the latest `soliris report` (coordinators)."},
    {"name": "service", "description": "Health of the service."},
]


class HttpMiddleware:
    """An ASGI middleware that acts on HTTP requests only: other scopes (the lifespan) pass
    through to the app, and :meth:`http` handles each request."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request."""
        raise NotImplementedError


class BodyLimitMiddleware(HttpMiddleware):
    """Refuse request bodies over a size limit with a JSON 413, before they are buffered.

    The limit is per path (the import upload is larger than a JSON body). A declared
    ``Content-Length`` over the limit is refused at once; a streamed body is counted as it
    arrives and the route's body parsing stops with 413 when it crosses the limit.
    """

    def __init__(self, app: ASGIApp, default_limit: int, limits: Mapping[str, int]):
        super().__init__(app)
        self.default_limit = default_limit
        self.limits = dict(limits)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.get(scope.get("path", ""), self.default_limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            response = error_response(413, "too_large", _too_large(limit),
                                      headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ApiError(413, "too_large", _too_large(limit))
            return message

        await self.app(scope, limited_receive, send)


class SecurityHeadersMiddleware(HttpMiddleware):
    """Add :data:`EVERY_ANSWER_HEADERS` to every response, and :data:`API_HEADERS` to those
    under ``/api/``, where a route has not set them itself (the web page and the HTML report
    have their own content-security policy)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = {**EVERY_ANSWER_HEADERS,
                  **(API_HEADERS if scope.get("path", "").startswith("/api/") else {})}
        added = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                 for name, value in wanted.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in added if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGetMiddleware(HttpMiddleware):
    """Answer ``HEAD`` like ``GET``, headers without the body (RFC 9110, 9.3.2): uptime
    monitors and ``curl -I`` probe with ``HEAD``, and FastAPI routes declare ``GET`` only."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class StoppedMiddleware(HttpMiddleware):
    """Answer a request cancelled because the service is being stopped outright (a second
    Ctrl-C, a graceful-shutdown timeout) with a JSON 503, instead of uvicorn's plain-text 500
    and a traceback in the log. Writes wait for their thread first (:meth:`Engine.write`)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except asyncio.CancelledError:
            take_back_cancellation()  # answered here: the loop is closing anyway
            log.warning("the service is stopping: %s %s was not finished", scope["method"],
                        scope.get("path", ""))
            if not started:
                response = error_response(503, "unavailable", "the service is shutting down; "
                                          "try again when it is back",
                                          headers={"Connection": "close"})
                await response(scope, receive, send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes"


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def limit_blas_threads(threads: int) -> None:
    """Hold every BLAS call of this process (ranking included, not only encoding) to
    ``SOLIRIS_THREADS`` threads: the service runs requests side by side, and surplus BLAS
    threads spin-waiting for a busy core cost more CPU than the tiny matrices save."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency of the engine
        return
    threadpool_limits(limits=threads, user_api="blas")


def warm_up(matcher: Matcher) -> None:
    """Load the model, build the index and run one query, so the first client does not wait."""
    limit_blas_threads(matcher.settings.threads)
    started = time.perf_counter()
    matcher.match("warm-up", top=1)
    log.info("Soliris Match %s ready: model %s, %d actors, registry %s (%.1f s)",
             __version__, matcher.model_name, len(matcher.index()), matcher.settings.db_path,
             time.perf_counter() - started)


def service_settings() -> Settings:
    """The environment's settings (:meth:`Settings.from_env`), with one service default: one
    BLAS thread per request unless ``SOLIRIS_THREADS`` says otherwise. The service runs
    requests side by side (one lane per core, see :class:`service.deps.Engine`); measured on a
    busy 2-core machine, two BLAS threads per query cost 3 to 8 times the CPU of one."""
    settings = Settings.from_env()
    if not os.environ.get("SOLIRIS_THREADS"):
        settings = settings.with_(threads=1)
    return settings


def create_app(settings: Settings | None = None, matcher: Matcher | None = None) -> FastAPI:
    """The service around ``matcher`` (default: a new engine on ``settings``, default:
    :func:`service_settings`). When both are given the engine's settings win."""
    if matcher is None:
        matcher = Matcher(settings or service_settings())
    engine = Engine(matcher)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await engine.run(warm_up, matcher)
        try:
            yield
        except asyncio.CancelledError:
            # Stopped outright (a second Ctrl-C): nothing of ours to close. Said in one line,
            # instead of the traceback of a cancelled lifespan that uvicorn would log.
            take_back_cancellation()
            log.warning("Soliris Match stopped outright; requests still running were "
                        "answered 503 and writes still embedding were not written")

    offline_docs = find_spec("fastapi_offline") is not None
    app = FastAPI(
        title="Soliris Match", version=__version__, description=DESCRIPTION,
        openapi_tags=TAGS, lifespan=lifespan,
        docs_url=None if offline_docs else "/docs",
        redoc_url=None if offline_docs else "/redoc",
    )
    app.state.engine = engine
    app.state.matcher = matcher
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, default_limit=MAX_JSON_BODY, limits={
        IMPORT_PATH: matcher.settings.max_upload_bytes + MULTIPART_OVERHEAD})
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(StoppedMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.include_router(api_router)
    _add_page(app)
    if offline_docs:
        _add_offline_docs(app)
    return app


def _add_page(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    index = STATIC_DIR / "index.html"

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)

    @app.get("/actors/{actor_id}", include_in_schema=False)
    def actor_page(actor_id: str) -> FileResponse:
        # The page itself fetches the actor, and shows "unknown actor" for a wrong id.
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


def _add_offline_docs(app: FastAPI) -> None:
    """Swagger UI and ReDoc from the files of the ``fastapi-offline`` package (no CDN)."""
    spec = find_spec("fastapi_offline")
    assert spec is not None and spec.origin is not None
    assets = Path(spec.origin).parent / "static"
    app.mount("/static-docs", StaticFiles(directory=assets), name="static-docs")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url, title="Soliris Match API", oauth2_redirect_url=redirect,
            swagger_js_url="/static-docs/swagger-ui-bundle.js",
            swagger_css_url="/static-docs/swagger-ui.css",
            swagger_favicon_url="/static-docs/favicon.png")

    @app.get(redirect, include_in_schema=False)
    def docs_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title="Soliris Match API",
                              redoc_js_url="/static-docs/redoc.standalone.js",
                              redoc_favicon_url="/static-docs/favicon.png",
                              with_google_fonts=False)
