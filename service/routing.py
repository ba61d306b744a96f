"""Reading JSON request bodies with errors that say what is wrong.

FastAPI reads a JSON body with ``json.loads`` and answers anything but a syntax error (a body
that is not UTF-8, a number too long to convert, arrays nested thousands deep) with a bare
"There was an error parsing the body". The routers use :class:`JsonBodyRoute` instead, whose
requests parse their body with :func:`parse_json_body`: every such body is a 422 on the field
``body`` saying what is wrong and where (line and column, byte offset), like ``soliris import``
says it of a file.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from matcher.formats import JSONReadError, load_json, repeated_keys
from matcher.profile import printable
from service.errors import ApiError, clip


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
        if not hasattr(self, "_json"):
            self._json = parse_json_body(await self.body())
        return self._json


class JsonBodyRoute(APIRoute):
    """The routers' route class: JSON bodies are read by :class:`JsonBodyRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            return await handler(JsonBodyRequest(request.scope, request.receive))

        return route_handler
