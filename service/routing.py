"""Reading JSON request bodies and query strings with errors that say what is wrong.

FastAPI reads a JSON body with ``json.loads`` and answers anything but a syntax error (a body
that is not UTF-8, a number too long to convert, arrays nested thousands deep) with a bare
"There was an error parsing the body". The routers use :class:`JsonBodyRoute` instead, whose
requests parse their body with :func:`parse_json_body`: every such body is a 422 on the field
``body`` saying what is wrong and where (line and column, byte offset), like ``soliris import``
says it of a file. Their query strings are checked too: a parameter the route does not take
("kind" where it takes "kinds") or a single-valued one given twice is a 422, as an unknown key
of a JSON body is, instead of being ignored. A coordinator route checks the caller's key before
anything else, its body included (a 401 or 403 never waits for an upload to arrive).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from matcher.formats import JSONReadError, load_json, repeated_keys
from matcher.profile import printable
from service.deps import refuse_without_key, require_coordinator
from service.errors import ApiError, clip, field_error


def body_error(message: str) -> ApiError:
    """A 422 about the body as a whole (it cannot be read as JSON)."""
    return ApiError(422, "invalid", message, field="body",
                    details=[{"line": None, "field": "body", "message": message}])


def parse_json_body(data: bytes) -> Any:
    """The JSON value of a request body, or a 422 :class:`ApiError` saying what is wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise body_error(f"the body is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start}): send JSON text encoded as UTF-8") from None
    try:
        # The same reader as file imports: one set of rules for what JSON is accepted.
        value = load_json(text)
    except JSONReadError as exc:
        raise body_error(f"the body is not valid JSON: {exc.reason} (line {exc.line}, column "
                         f"{exc.column})") from None
    repeated = repeated_keys(value)
    if repeated:
        names = ", ".join(f"'{clip(printable(key))}'" for key in repeated)
        raise body_error(f"the body gives the key {names} more than once (which value is "
                         "meant?); send each key once")
    return value


class JsonBodyRequest(Request):
    """A request whose JSON body is read by :func:`parse_json_body`."""

    async def json(self) -> Any:
        """The body's JSON value (read once), or a 422 saying why it is not JSON."""
        if not hasattr(self, "_json"):
            self._json = parse_json_body(await self.body())
        return self._json


def query_parameters(dependant: Dependant) -> dict[str, bool]:
    """The query parameters a route takes (its dependencies' included), each with whether it
    may be repeated (a list)."""
    params = {field.alias: _is_list(field.field_info.annotation)
              for field in dependant.query_params}
    for sub in dependant.dependencies:
        params.update(query_parameters(sub))
    return params


def depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    """Whether ``call`` is among the route's dependencies, at any depth."""
    return any(sub.call is call or depends_on(sub, call) for sub in dependant.dependencies)


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return origin in (list, tuple, set, frozenset)


def check_query(request: Request, taken: dict[str, bool]) -> None:
    """A 422 for the first query parameter that the route does not take, or that it takes
    once but is given several times."""
    for name in request.query_params:
        shown = clip(printable(name))
        if name not in taken:
            close = difflib.get_close_matches(name.lower(), list(taken), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            allowed = ", ".join(taken) or "none"
            raise field_error(422, "invalid", shown, f"is not a query parameter of this route "
                                                     f"({hint}allowed: {allowed})")
        if not taken[name] and len(request.query_params.getlist(name)) > 1:
            raise field_error(422, "invalid", shown, "is given more than once; give it once")


class JsonBodyRoute(APIRoute):
    """The routers' route class: a coordinator route checks the key first (FastAPI reads the
    body before it solves the dependencies), JSON bodies are read by :class:`JsonBodyRequest`,
    and query strings are checked by :func:`check_query`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, the caller's key (on a coordinator route) and the query string
        checked first, and its request a :class:`JsonBodyRequest`."""
        handler = super().get_route_handler()
        taken = query_parameters(self.dependant)
        coordinators_only = depends_on(self.dependant, require_coordinator)

        async def route_handler(request: Request) -> Response:
            if coordinators_only:
                await refuse_without_key(request)
            check_query(request, taken)
            return await handler(JsonBodyRequest(request.scope, request.receive))

        return route_handler
