"""Dependencies shared by the routers: the engine, the settings and coordinator access.

Reads and matching are public. Writes, import, export and reports need a coordinator key sent
as ``Authorization: Bearer <key>`` (keys are made with ``soliris keys create NAME``): no key is
401, a wrong or revoked key is 403. A valid key on a public route shows coordinator-only fields
(``contact_email``); a wrong one is refused there too, so that a client learns at once that its
key does not work instead of silently getting public answers.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from matcher.engine import Matcher
from matcher.keys import KeyInfo, lookup_key
from matcher.settings import Settings, usable_cores
from service.errors import ApiError

T = TypeVar("T")

log = logging.getLogger("soliris.service")


class Stopping(Exception):
    """Raised in a write's worker thread between two chunks of embedding once the service is
    being stopped outright: the write ends before it has written anything."""


# The stop signal of the write running in this worker thread (set in the context it runs in):
# one per write, so that nothing outlives the request that was cancelled.
_write_stop: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "soliris_write_stop", default=None)


def take_back_cancellation() -> None:
    """Undo the cancellation of the running task (uvicorn cancels what is still running when
    it is stopped outright), for code that answers or logs the stop itself instead of letting
    the cancellation end it with a traceback."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()


def default_workers(settings: Settings) -> int:
    """How many engine reads (matching, suggestions, listing) run at once.

    ``SOLIRIS_WORKERS`` (``settings.workers``) sets it; the default is one per
    ``SOLIRIS_THREADS`` cores (1 in the service by default): each query encoding already keeps
    that many cores busy, and more concurrent encodings only make the threads fight for the
    cores.
    """
    if settings.workers:
        return settings.workers
    return max(1, usable_cores() // max(1, settings.threads))


class Engine:
    """The app's one :class:`Matcher` and the bounded worker threads its CPU work runs in.

    Reads (matching, suggestions, listing) share ``workers`` threads; writes (create, replace,
    delete, import, with their embedding) take one more lane of their own, so that a long
    import never stalls the matching and two imports never embed at once. Requests beyond
    that wait on the event loop, which never runs engine code itself.
    """

    def __init__(self, matcher: Matcher, workers: int | None = None):
        self.matcher = matcher
        self.workers = workers or default_workers(matcher.settings)
        self._loop: object = None
        self._readers = self._writers = None

    def _limiters(self) -> tuple[anyio.CapacityLimiter, anyio.CapacityLimiter]:
        # Limiters belong to one event loop; a test client may start several in turn.
        loop = anyio.lowlevel.current_token()
        if self._loop != loop or self._readers is None or self._writers is None:
            self._readers = anyio.CapacityLimiter(self.workers)
            self._writers = anyio.CapacityLimiter(1)
            self._loop = loop
        return self._readers, self._writers

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a read of the engine in a worker thread."""
        readers, _ = self._limiters()
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=readers)

    async def write(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a write of the engine (one at a time) in its own worker thread.

        A request cancelled meanwhile (the service stopped outright) does not leave the
        client a 500 while the thread goes on writing: the write is told to stop (long ones
        pass :meth:`check_stopping` as their progress), and the answer waits for it, so that
        it says what happened: the write's result if it was written, 503 if it stopped
        before writing anything.
        """
        _, writers = self._limiters()
        async with writers:
            stop = threading.Event()
            context = contextvars.copy_context()
            context.run(_write_stop.set, stop)
            call = partial(context.run, partial(fn, *args, **kwargs))
            future = asyncio.get_running_loop().run_in_executor(None, call)
            try:
                return await asyncio.shield(future)
            except asyncio.CancelledError:
                # The service is being stopped outright (a second Ctrl-C, a graceful-shutdown
                # timeout): uvicorn cancels the requests still running.
                take_back_cancellation()  # answered below
                stop.set()
                log.warning("the service is stopping during a write: waiting for it to "
                            "finish or stop before anything is written")
            try:
                return await future
            except Stopping:
                raise ApiError(503, "unavailable", "the service is shutting down: this "
                               "write was stopped before it was written, nothing was changed; "
                               "send it again when the service is back") from None

    @staticmethod
    def check_stopping(done: int = 0, total: int = 0) -> None:
        """A progress callback for long writes run by :meth:`write`: raise :class:`Stopping`
        once their request is cancelled (they embed before they write: nothing is written)."""
        stop = _write_stop.get()
        if stop is not None and stop.is_set():
            raise Stopping


bearer = HTTPBearer(
    auto_error=False, scheme_name="CoordinatorKey",
    description="Coordinator key made with `soliris keys create NAME`, sent as "
                "`Authorization: Bearer <key>`.")


async def get_engine(request: Request) -> Engine:
    """The app's one engine (model loaded once per process) and its worker pool."""
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


async def get_matcher(engine: EngineDep) -> Matcher:
    return engine.matcher


MatcherDep = Annotated[Matcher, Depends(get_matcher)]


async def get_settings(matcher: MatcherDep) -> Settings:
    """The engine's settings: the service reads no other configuration."""
    return matcher.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def optional_coordinator(
    matcher: MatcherDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> KeyInfo | None:
    """The caller's key when one is sent (``None`` for anonymous callers); 403 if it is bad."""
    if credentials is None:
        return None
    info = await run_in_threadpool(lookup_key, matcher.store, credentials.credentials)
    if info is None:
        raise ApiError(403, "forbidden", "this key is not valid: check it, or ask for a new one "
                       "(`soliris keys create NAME`)")
    if not info.active:
        raise ApiError(403, "forbidden", f"the key '{info.name}' was revoked on "
                       f"{info.revoked_at}; ask for a new one")
    return info


OptionalCoordinatorDep = Annotated[KeyInfo | None, Depends(optional_coordinator)]


async def require_coordinator(info: OptionalCoordinatorDep) -> KeyInfo:
    """A valid coordinator key, or 401 when none is sent."""
    if info is None:
        raise ApiError(401, "unauthorized", "this operation needs a coordinator key: send "
                       "'Authorization: Bearer <key>' (keys are made with `soliris keys "
                       "create NAME`)", headers={"WWW-Authenticate": "Bearer"})
    return info


CoordinatorDep = Annotated[KeyInfo, Depends(require_coordinator)]


async def refuse_without_key(request: Request) -> None:
    """401 or 403 for a request without a valid coordinator key, decided from its headers
    alone: a coordinator route calls this before it reads the body, so that an anonymous
    caller cannot make the service receive, spool and parse an upload it will refuse anyway
    (:class:`service.routing.JsonBodyRoute`; its :data:`CoordinatorDep` checks again)."""
    engine = await get_engine(request)
    await require_coordinator(await optional_coordinator(engine.matcher, await bearer(request)))
