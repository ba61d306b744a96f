"""Errors at the HTTP edge: one JSON shape for every error, engine errors mapped to codes.

Every error response is ``{"error": {"code", "message", "field", "details": [{line, field,
message}]}}``. Engine errors keep their meaning: a validation problem is 422 with one detail
per problem (the same per-row report as ``soliris import``), an unknown id 404, a duplicate id
409, input over a limit 413. Nothing a client sends should reach the last-resort 500 handler.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from matcher.errors import (
    ConfigError,
    ConflictError,
    InputFormatError,
    Issue,
    NotFoundError,
    SolirisError,
    TooLargeError,
    ValidationError,
)

log = logging.getLogger("soliris.service")

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
    500: "internal", 503: "unavailable",
}
MAX_DETAILS = 1000


class ApiError(StarletteHTTPException):
    """An error raised by the HTTP layer itself (auth, limits), with a stable ``code``."""

    def __init__(self, status_code: int, code: str, message: str, *, field: str | None = None,
                 headers: Mapping[str, str] | None = None):
        super().__init__(status_code=status_code, detail=message, headers=dict(headers or {}))
        self.code = code
        self.message = message
        self.field = field


def error_body(code: str, message: str, field: str | None = None,
               details: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    rows = []
    for detail in details:
        if len(rows) == MAX_DETAILS:
            break
        rows.append({"line": detail.get("line"), "field": detail.get("field"),
                     "message": str(detail.get("message", ""))})
    return {"error": {"code": code, "message": message, "field": field, "details": rows}}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   details: Iterable[Mapping[str, Any]] = (),
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, field, details), status_code=status,
                        headers=dict(headers or {}))


def _issue_rows(issues: Sequence[Issue]) -> list[dict[str, Any]]:
    return [{"line": i.line, "field": i.field, "message": i.message} for i in issues]


def engine_status(exc: SolirisError) -> int:
    if isinstance(exc, ValidationError):  # InputFormatError included
        return 422
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, TooLargeError):
        return 413
    if isinstance(exc, ConfigError):
        return 503
    return 400


async def soliris_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SolirisError)
    status = engine_status(exc)
    if isinstance(exc, ValidationError):
        issues = exc.issues or [Issue(str(exc))]
        code = InputFormatError.code if isinstance(exc, InputFormatError) else exc.code
        return error_response(status, code, str(exc), issues[0].field, _issue_rows(issues))
    if isinstance(exc, ConfigError):
        log.error("configuration error while serving %s: %s", request.url.path, exc)
    return error_response(status, exc.code, str(exc))


def _field_of(loc: Sequence[Any]) -> str | None:
    """``("body", "profile", "countries", 2)`` -> ``"profile.countries[2]"``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or None


def _describe(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "json_invalid":
        detail = (error.get("ctx") or {}).get("error")
        return f"the body is not valid JSON: {detail}" if detail else "the body is not valid JSON"
    if error.get("type") == "missing":
        return "is required"
    if tuple(error.get("loc", ())) == ("body",) and error.get("type") in (
            "model_attributes_type", "dict_type", "model_type"):
        return ("the body must be a JSON object, sent with 'Content-Type: application/json' "
                f"({message})")
    return message


async def request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    rows = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        field = "body" if error.get("type") == "json_invalid" else _field_of(loc)
        rows.append({"line": None, "field": field, "message": _describe(error)})
    if not rows:
        rows = [{"line": None, "field": None, "message": "invalid request"}]
    first = rows[0]
    message = (f"field '{first['field']}': " if first["field"] else "") + first["message"]
    if len(rows) > 1:
        message += f" (and {len(rows) - 1} more problems)"
    return error_response(422, "invalid", message, first["field"], rows)


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.message, exc.field,
                              headers=headers)
    code = _STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such address: {request.url.path}"
    return error_response(exc.status_code, code, message, headers=headers)


async def unicode_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # JSON can escape lone UTF-16 surrogates ("\\ud800"), which are no storable text. The JSON
    # API refuses them while validating; an uploaded file reaches the store, which refuses them
    # inside its transaction (so nothing is written).
    log.warning("refused text with an unpaired surrogate on %s: %s", request.url.path, exc)
    return error_response(422, "invalid", "the input holds an unpaired UTF-16 surrogate escape "
                          "(\\ud800-\\udfff), which is not valid Unicode text; nothing was "
                          "changed")


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error while serving %s %s", request.method, request.url.path,
                  exc_info=exc)
    return error_response(500, "internal", "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SolirisError, soliris_error_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(UnicodeEncodeError, unicode_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
