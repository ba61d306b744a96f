"""Errors at the HTTP edge: one JSON shape for every error, engine errors mapped to codes.

Every error response is ``{"error": {"code", "message", "field", "details": [{line, field,
message}]}}``. Engine errors keep their meaning: a validation problem is 422 with one detail
per problem (the same per-row report as ``soliris import``), an unknown id 404, a duplicate id
409, input over a limit 413. Nothing a client sends should reach the last-resort 500 handler.

Errors repeat what the client sent only in short: a value or field name over
:data:`MAX_ECHO_CHARS` characters is cut (:func:`clip`), and text that is no valid Unicode (a
lone UTF-16 surrogate sent as a JSON escape) is written with its escape as visible text
(:func:`matcher.profile.printable`), so that writing an error can never fail. They never name
the folders of the server's files (:func:`without_folders`): the log has the whole message.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from matcher.errors import (
    MAX_ECHO_CHARS,
    ConfigError,
    ConflictError,
    InputFormatError,
    Issue,
    NotFoundError,
    SolirisError,
    TooLargeError,
    ValidationError,
    clip,
)
from matcher.profile import ID_PATTERN, ID_RULE, printable

log = logging.getLogger("soliris.service")

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "invalid", 429: "too_many_requests",
    500: "internal", 503: "unavailable",
}
MAX_DETAILS = 1000


def clip_value(message: str, value: object, limit: int = MAX_ECHO_CHARS) -> str:
    """``message`` with the long ``value`` it quotes cut to ``limit`` characters:
    ``unknown actor id 'aaaa…' (60000 characters)``."""
    if not isinstance(value, str) or len(value) <= limit or value not in message:
        return message
    short = value[:limit] + "…"
    quoted = f"'{value}'"
    if quoted in message:
        return message.replace(quoted, f"'{short}' ({len(value)} characters)")
    return message.replace(value, f"{short} ({len(value)} characters)")


def shown(value: object, limit: int = MAX_ECHO_CHARS) -> str:
    """A value as the client wrote it in JSON (``true``, ``"5"``, ``5.5``), cut when long;
    an array or object is only named."""
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return clip(text, limit)


class SafeJSONResponse(JSONResponse):
    """A JSON response that cannot fail on text that is no valid Unicode: a lone surrogate
    left in ``content`` is written as its JSON escape instead of raising."""

    def render(self, content: Any) -> bytes:
        """``content`` as compact UTF-8 JSON, a lone surrogate as its escape."""
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8", "backslashreplace")


class ApiError(StarletteHTTPException):
    """An error raised by the HTTP layer itself (auth, limits, an unreadable body), with a
    stable ``code`` and, when it is about one field, that field (and a detail row for it)."""

    def __init__(self, status_code: int, code: str, message: str, *, field: str | None = None,
                 headers: Mapping[str, str] | None = None,
                 details: Iterable[Mapping[str, Any]] = ()):
        super().__init__(status_code=status_code, detail=message, headers=dict(headers or {}))
        self.code = code
        self.message = message
        self.field = field
        self.details = list(details)


def field_error(status_code: int, code: str, field: str, problem: str) -> ApiError:
    """An :class:`ApiError` about one field, worded like a 422: "field 'text': is ..."."""
    return ApiError(status_code, code, f"field '{field}': {problem}", field=field,
                    details=[{"line": None, "field": field, "message": problem}])


def _optional_text(value: object) -> str | None:
    return None if value is None else printable(str(value))


def error_body(code: str, message: str, field: str | None = None,
               details: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The JSON of every error response (see the module docstring); at most
    :data:`MAX_DETAILS` detail rows, text that is no valid Unicode made printable."""
    rows = []
    for detail in details:
        if len(rows) == MAX_DETAILS:
            break
        rows.append({"line": detail.get("line"), "field": _optional_text(detail.get("field")),
                     "message": printable(str(detail.get("message", "")))})
    return {"error": {"code": code, "message": printable(message),
                      "field": _optional_text(field), "details": rows}}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   details: Iterable[Mapping[str, Any]] = (),
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An error response of status ``status`` with the body of :func:`error_body`."""
    return SafeJSONResponse(error_body(code, message, field, details), status_code=status,
                            headers=dict(headers or {}))


def _clipped(issue: Issue) -> Issue:
    """``issue`` with a long value it quotes, and a long field name, cut short."""
    return dataclasses.replace(
        issue, message=clip_value(issue.message, issue.value),
        field=None if issue.field is None else clip(issue.field))


def _issue_rows(issues: Sequence[Issue]) -> list[dict[str, Any]]:
    return [{"line": i.line, "field": i.field, "message": i.message} for i in issues]


def without_folders(message: str, paths: Iterable[Path]) -> str:
    """``message`` with each of ``paths`` that it names cut to its file name ("the registry
    database soliris.db is missing"): where the server keeps its files is no business of a
    caller, and its operators read the whole message in the log."""
    for path in paths:
        if str(path) != path.name:
            message = message.replace(str(path), path.name)
    return message


def engine_status(exc: SolirisError) -> int:
    """The HTTP status of an engine error (400 for one this edge does not know)."""
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
    """An engine error as its HTTP status, a validation error with one detail per issue."""
    assert isinstance(exc, SolirisError)
    status = engine_status(exc)
    if isinstance(exc, ValidationError):
        issues = [_clipped(i) for i in exc.issues or [Issue(str(exc))]]
        code = InputFormatError.code if isinstance(exc, InputFormatError) else exc.code
        message = str(ValidationError(issues)) if exc.issues else str(exc)
        return error_response(status, code, message, issues[0].field, _issue_rows(issues))
    if isinstance(exc, ConfigError):
        log.error("configuration error while serving %s: %s", request.url.path, exc)
        # The registry missing, locked, read-only or unreadable: for a client, the service is
        # unavailable until an operator acts, the code every 503 of this API carries. Said
        # without the registry's folder to callers, who are mostly anonymous (and keys cannot
        # be checked while the registry is unavailable).
        registry = request.app.state.matcher.store.path
        return error_response(status, _STATUS_CODES[status],
                              without_folders(str(exc), [registry]))
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
            out += ("." if out else "") + clip(str(part))
    return out or None


_INTEGER_ERRORS = ("int_type", "int_parsing", "int_from_float", "int_parsing_size")
_OBJECT_ERRORS = ("model_attributes_type", "dict_type", "model_type")


def _describe(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "invalid value"))
    kind = error.get("type")
    loc = tuple(error.get("loc", ()))
    if kind == "json_invalid":
        detail = (error.get("ctx") or {}).get("error")
        return f"the body is not valid JSON: {detail}" if detail else "the body is not valid JSON"
    if loc == ("body",) and kind == "missing":
        return ("the body is required: send a JSON object with 'Content-Type: "
                "application/json'")
    if kind == "missing":
        return "is required"
    if loc == ("body",) and kind in _OBJECT_ERRORS:
        return ("the body must be a JSON object, sent with 'Content-Type: application/json' "
                f"({message})")
    if kind in _OBJECT_ERRORS:
        return f"must be a JSON object with fields, got {shown(error.get('input'))}"
    if kind == "string_unicode":
        if loc == ("body",) or isinstance(error.get("input"), Mapping):
            return ("a field name holds an unpaired surrogate escape (\\ud800-\\udfff), "
                    "which is not valid Unicode text: rename the field")
        return ("contains an unpaired surrogate (\\ud800-\\udfff escape): send valid "
                "Unicode text")
    if kind in _INTEGER_ERRORS:
        value = error.get("input")
        hint = " (send the number without quotes)" if loc[:1] == ("body",) and isinstance(
            value, str) else ""
        return f"must be a whole number, got {shown(value)}{hint}"
    if kind == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") \
            == ID_PATTERN:
        return f"is not a valid id: use {ID_RULE}"
    if kind == "extra_forbidden":
        return "unknown field: this request has no such field (the API documentation at /docs " \
               "lists the fields)"
    if kind in _BOUND_WORDS:
        bound = next(iter((error.get("ctx") or {}).values()), None)
        return f"must be {_BOUND_WORDS[kind]} {bound}, got {shown(error.get('input'))}"
    if kind == "list_type":
        return f"must be a list (a JSON array), got {shown(error.get('input'))}"
    if kind == "literal_error":  # "Input should be 'fr', 'nl' or 'en'", and what was sent
        return f"{message}, got {shown(error.get('input'))}"
    return message


# Pydantic's bound checks ("Input should be greater than or equal to 1"), said with the value.
_BOUND_WORDS = {"greater_than_equal": "at least", "greater_than": "more than",
                "less_than_equal": "at most", "less_than": "less than"}


async def request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's request validation errors as one 422, a detail row per problem, each worded
    by :func:`_describe`."""
    assert isinstance(exc, RequestValidationError)
    rows = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        whole_body = error.get("type") == "json_invalid" or loc == ("body",)
        field = "body" if whole_body else _field_of(loc)
        rows.append({"line": None, "field": field, "message": _describe(error)})
    if not rows:
        rows = [{"line": None, "field": None, "message": "invalid request"}]
    first = rows[0]
    message = (f"field '{first['field']}': " if first["field"] else "") + first["message"]
    if len(rows) > 1:
        message += f" (and {len(rows) - 1} more problems)"
    return error_response(422, "invalid", message, first["field"], rows)


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """An :class:`ApiError` as it says, and Starlette's own HTTP errors (unknown address,
    wrong method...) in the same shape, with a message that names the address."""
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    if isinstance(exc, ApiError):
        return error_response(exc.status_code, exc.code, exc.message, exc.field, exc.details,
                              headers=headers)
    code = _STATUS_CODES.get(exc.status_code, f"http_{exc.status_code}")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such address: {clip(request.url.path)}"
    elif exc.status_code == 405:
        # Starlette names the methods of the first route whose path matches; several routes
        # may share the path (GET and POST /api/actors).
        allowed = allowed_methods(request) or (headers or {}).get("Allow", "").split(", ")
        headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        message = (f"{request.method} is not allowed on {clip(request.url.path)} (allowed: "
                   f"{headers['Allow']})")
    return error_response(exc.status_code, code, message, headers=headers)


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def allowed_methods(request: Request) -> list[str]:
    """Every method of the API's routes at the request's path, from its OpenAPI paths (a
    path written out, such as ``/api/actors/import``, wins over a template that also matches
    it); HEAD with GET, as :class:`service.app.HeadAsGetMiddleware` answers it."""
    path = request.url.path
    matching = [(template, operations) for template, operations
                in request.app.openapi().get("paths", {}).items()
                if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path)]
    literal = [entry for entry in matching if entry[0] == path]
    methods = {method.upper() for _, operations in (literal or matching)
               for method in operations if method in _HTTP_METHODS}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def unicode_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Text with a lone surrogate that reached the store: a 422, as the JSON API says it."""
    # JSON can escape lone UTF-16 surrogates ("\\ud800"), which are no storable text. The JSON
    # API refuses them while validating; an uploaded file reaches the store, which refuses them
    # inside its transaction (so nothing is written).
    log.warning("refused text with an unpaired surrogate on %s: %s", request.url.path, exc)
    return error_response(422, "invalid", "the input holds an unpaired UTF-16 surrogate escape "
                          "(\\ud800-\\udfff), which is not valid Unicode text; nothing was "
                          "changed")


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The last resort: a 500 whose details go to the log, never to the client."""
    log.exception("unexpected error while serving %s %s", request.method, request.url.path,
                  exc_info=exc)
    return error_response(500, "internal", "internal error; the server log has the details")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` in the one JSON shape of this module."""
    app.add_exception_handler(SolirisError, soliris_error_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(UnicodeEncodeError, unicode_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
