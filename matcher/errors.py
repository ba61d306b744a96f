"""Domain errors raised by the engine and translated to exit codes / HTTP codes at the edge."""

from __future__ import annotations

from dataclasses import dataclass


class SolirisError(Exception):
    """Base class of every error the engine reports to a user."""

    code = "error"


#: Longest value an error message repeats in full; longer ones are cut (see :func:`clip`).
MAX_ECHO_CHARS = 80


def clip(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """``text``, or its first ``limit`` characters, "…" and its length when it is longer: a
    message that repeats a 60 KB value should not be 60 KB."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


@dataclass(frozen=True)
class Issue:
    """One problem found in input: where it is, which field, what is wrong."""

    message: str
    field: str | None = None
    line: int | None = None
    value: object = None

    def describe(self) -> str:
        """The issue on one line: ``line 3: field 'kind': <message>``."""
        where = f"line {self.line}: " if self.line is not None else ""
        field = f"field '{self.field}': " if self.field else ""
        return f"{where}{field}{self.message}"

    def to_dict(self) -> dict[str, object]:
        """The issue as JSON-ready data, without its ``value`` (which may not be JSON)."""
        out: dict[str, object] = {"message": self.message}
        if self.line is not None:
            out["line"] = self.line
        if self.field is not None:
            out["field"] = self.field
        return out


class ValidationError(SolirisError):
    """Input that does not satisfy the profile format; carries every issue found."""

    code = "invalid"

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        first = self.issues[0].describe() if self.issues else "invalid input"
        more = f" (and {len(self.issues) - 1} more problems)" if len(self.issues) > 1 else ""
        super().__init__(first + more)


class InputFormatError(ValidationError):
    """A file that cannot be read at all (encoding, syntax, empty)."""

    code = "bad_format"


class NotFoundError(SolirisError):
    """An id that is not in the registry."""

    code = "not_found"

    def __init__(self, what: str, ident: str, *, label: str = "id"):
        self.what = what
        self.ident = ident
        super().__init__(f"unknown {what} {label} '{clip(ident)}'")


class EmptyRegistryError(SolirisError):
    """A registry with no actor where actors are needed. A report of it is refused: writing it
    would replace the previous report (and its "added since" baseline) with an empty one,
    which is never what a scheduled run wants."""

    def __init__(self, path: object):
        super().__init__(f"the registry {path} is empty: import profiles first "
                         "(soliris import FILE)")


class ConflictError(SolirisError):
    """An id that already exists where a new one was required."""

    code = "conflict"


class ConfigError(SolirisError):
    """A setting with an unusable value (model name, path, number)."""

    code = "config"


class TooLargeError(SolirisError):
    """Input over a documented size limit."""

    code = "too_large"
