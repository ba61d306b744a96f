"""Reading and writing profile files: JSON Lines, JSON arrays and CSV (lists joined by ``;``).

Reading is all-or-nothing: :func:`parse_profiles` returns every profile of a file or raises one
:class:`~matcher.errors.ValidationError` listing every problem with its line and field. Keys or
columns that are not profile fields are skipped and named (:func:`read_profiles`), unless they
look like a typo of one ("countires"), which is an error. A key or column given twice is an
error too: keeping either value would silently lose the other.

CSV is read as spreadsheets and :func:`dump_profiles` write it: cells separated by ``,``, ``;``
or tabs (whichever the header uses), quoted with ``"`` and a ``"`` inside a quoted cell doubled.
Header cells name fields whatever their case and surrounding spaces ("Description", " id").
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.errors import InputFormatError, Issue, ValidationError
from matcher.profile import (
    ALL_FIELDS,
    LIST_FIELDS,
    ActorProfile,
    printable,
    validate_record,
)

FORMATS = ("jsonl", "json", "csv")
CSV_DELIMITERS = (",", ";", "\t")
# The csv module refuses cells over 131,072 characters by default, before the length limits of
# validate_record could name the field; 2**31 - 1 is the most it takes on every platform.
_CSV_FIELD_LIMIT = 2**31 - 1
# Tokens that locate a problem in JSON that parsed up to it: strings are matched whole, so that
# brackets or digits inside a string do not count.
_JSON_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_JSON_BRACKETS = re.compile(_JSON_STRING + r"|[\[\]{}]")
_JSON_NUMBERS = re.compile(_JSON_STRING + r"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# Profiles nest two levels (an array of objects of lists); reported when the parser gives up.
_MAX_JSON_DEPTH = 100


def detect_format(name: str) -> str:
    """File format from a file name's extension; raises for anything else."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix == "ndjson":
        suffix = "jsonl"
    if suffix not in FORMATS:
        raise InputFormatError([Issue(
            f"cannot tell the format of '{name}': the extension must be one of "
            f".jsonl, .json, .csv (got '{suffix or 'none'}')")])
    return suffix


@dataclass(frozen=True)
class ParsedFile:
    """The profiles of a file, and the columns or keys it had that are not profile fields
    (skipped: a file exported by another tool may carry its own)."""

    profiles: list[ActorProfile]
    ignored_fields: tuple[str, ...] = ()


def parse_profiles(data: bytes, fmt: str) -> list[ActorProfile]:
    """Decode, parse and validate a whole file; duplicate ids within the file are errors."""
    return read_profiles(data, fmt).profiles


def read_profiles(data: bytes, fmt: str) -> ParsedFile:
    """:func:`parse_profiles`, also naming the fields it skipped."""
    if fmt not in FORMATS:
        raise InputFormatError([Issue(f"unknown format '{fmt}' (allowed: {', '.join(FORMATS)})")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFormatError([Issue(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 and try again", line=line)]) from exc
    if not text.strip():
        raise InputFormatError([Issue("the file is empty: no profile to import")])
    rows = {"jsonl": _jsonl_rows, "json": _json_rows, "csv": _csv_rows}[fmt](text)
    issues: list[Issue] = []
    profiles: list[ActorProfile] = []
    first_line: dict[str, int] = {}
    ignored: set[str] = set()
    for line, record in rows:
        for key in getattr(record, "duplicate_keys", ()):
            issues.append(Issue(f"duplicate key '{printable(key)}': the object gives it more "
                                "than once (which value is meant?); keep one",
                                field=printable(key), line=line))
        try:
            profile = validate_record(record, line=line, ignore_extra=True)
        except ValidationError as exc:
            issues.extend(exc.issues)
            continue
        # A valid record's unknown keys are the skipped ones (near misses are errors).
        ignored.update(str(key) for key in record if key not in ALL_FIELDS)
        if profile.id in first_line:
            issues.append(Issue(f"duplicate id '{profile.id}' (first seen on line "
                                f"{first_line[profile.id]})", field="id", line=line,
                                value=profile.id))
            continue
        first_line[profile.id] = line
        profiles.append(profile)
    if issues:
        raise ValidationError(issues)
    if not profiles:
        raise InputFormatError([Issue("the file holds no profile")])
    return ParsedFile(profiles, tuple(sorted(ignored)))


def _jsonl_rows(text: str) -> list[tuple[int, Any]]:
    rows, issues = [], []
    # Only line breaks end a record: str.splitlines() would also split at U+2028, U+0085...,
    # which JSON allows inside strings (and dump_profiles writes as they are).
    for number, raw in enumerate(re.split(r"\r\n?|\n", text), start=1):
        if not raw.strip():
            continue
        try:
            rows.append((number, _load_json(raw, line=number)))
        except InputFormatError as exc:
            issues.extend(exc.issues)
    if issues:
        raise InputFormatError(issues)
    return rows


def _json_rows(text: str) -> list[tuple[int, Any]]:
    data = _load_json(text)
    if isinstance(data, dict):
        start = len(text) - len(text.lstrip())  # one object: the line where it starts
        return [(text.count("\n", 0, start) + 1, data)]
    if not isinstance(data, list):
        raise InputFormatError([Issue("a .json file must hold an array of profile objects")])
    # Each profile is reported at the line where its object starts in the file.
    lines = _item_lines(text)
    if len(lines) != len(data):  # cannot happen for JSON that parsed; keep positions then
        lines = list(range(1, len(data) + 1))
    return list(zip(lines, data, strict=True))


_JSON_ITEM_TOKENS = re.compile(_JSON_STRING + r"|[\[\]{},]|\S")


def _item_lines(text: str) -> list[int]:
    """The line on which each item of the top-level JSON array of ``text`` starts."""
    lines: list[int] = []
    depth = 0
    expecting = False  # after "[" or a top-level ",": the next token starts an item
    for match in _JSON_ITEM_TOKENS.finditer(text):
        token = match.group()
        if expecting and token != "]":
            lines.append(text.count("\n", 0, match.start()) + 1)
            expecting = False
        if token in ("[", "{"):
            depth += 1
            if depth == 1:
                expecting = True
        elif token in ("]", "}"):
            depth -= 1
        elif token == "," and depth == 1:
            expecting = True
    return lines


class _JSONObject(dict[str, Any]):
    """A JSON object that gave keys more than once (the last value is kept, as by json)."""

    duplicate_keys: tuple[str, ...] = ()


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    twice: dict[str, None] = {}
    for key, _ in pairs:
        if key in seen:
            twice[key] = None
        seen.add(key)
    marked = _JSONObject(obj)
    marked.duplicate_keys = tuple(twice)
    return marked


def repeated_keys(value: Any) -> tuple[str, ...]:
    """Keys that an object anywhere in a value read by :func:`load_json` gives twice."""
    found: dict[str, None] = {}
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.update(dict.fromkeys(getattr(item, "duplicate_keys", ())))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return tuple(found)


class _TooManyDigits(Exception):
    def __init__(self, digits: str):
        super().__init__(digits)
        self.digits = digits


def _json_int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # over sys.get_int_max_str_digits(): report it where it is
        raise _TooManyDigits(digits) from None


class JSONReadError(ValueError):
    """JSON text that cannot be read, and where: ``line`` and ``column`` count from 1."""

    def __init__(self, reason: str, line: int, column: int):
        super().__init__(f"{reason} (line {line}, column {column})")
        self.reason = reason
        self.line = line
        self.column = column


class _NotJSON(Exception):
    """``NaN``, ``Infinity`` or ``-Infinity``: Python's json reads them, JSON does not."""


def _refuse_constant(name: str) -> Any:
    raise _NotJSON(name)


def load_json(text: str) -> Any:
    """``json.loads`` with every way it can fail as one :class:`JSONReadError` at its line and
    column: bad syntax, ``NaN`` or ``Infinity`` (not JSON), an integer too long to convert,
    arrays or objects nested too deep for the parser. Objects that give a key twice are
    marked (their ``duplicate_keys``), not refused: the caller says so with the rest."""
    try:
        return json.loads(text, parse_int=_json_int, parse_constant=_refuse_constant,
                          object_pairs_hook=_json_object)
    except json.JSONDecodeError as exc:
        message, offset = exc.msg, exc.pos
    except _NotJSON as exc:
        message = f"{exc.args[0]} is not a JSON value (write a number or null)"
        offset = text.find(exc.args[0])
    except _TooManyDigits as exc:
        count = len(exc.digits.lstrip("-"))
        message = (f"a number of {count} digits, over the limit of "
                   f"{sys.get_int_max_str_digits()}")
        offset = next((m.start() for m in _JSON_NUMBERS.finditer(text)
                       if m.group() == exc.digits), 0)
    except RecursionError:
        message = f"arrays or objects nested more than {_MAX_JSON_DEPTH} levels deep"
        offset = _too_deep(text)
    offset = max(offset, 0)
    raise JSONReadError(message, text.count("\n", 0, offset) + 1,
                        offset - text.rfind("\n", 0, offset)) from None


def _load_json(text: str, *, line: int = 1) -> Any:
    """:func:`load_json`, its failure as a malformed-JSON issue (``line``: the file's line where
    ``text`` starts)."""
    try:
        return load_json(text)
    except JSONReadError as exc:
        raise InputFormatError([Issue(f"malformed JSON: {exc.reason} (column {exc.column})",
                                      line=line + exc.line - 1)]) from None


def _too_deep(text: str) -> int:
    """Offset of the first bracket nested more than _MAX_JSON_DEPTH levels deep (0 if none)."""
    depth = 0
    for match in _JSON_BRACKETS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > _MAX_JSON_DEPTH:
                return match.start()
        elif token in ("]", "}"):
            depth -= 1
    return 0


def _csv_rows(text: str) -> list[tuple[int, Any]]:
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    delimiter, spaced = _csv_delimiter(text)
    # Standard quoting whatever the delimiter: "" inside a quoted cell is one ".
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=spaced, strict=True)
    header: list[str] = []
    rows = []
    start = 1
    try:
        while True:
            start = reader.line_num + 1  # where the record starts (a cell may span lines)
            cells = next(reader, None)
            if cells is None:
                break
            if not header:
                if cells:  # blank lines before the header are skipped
                    header = _csv_header(cells, start)
                continue
            if len(cells) > len(header):
                raise InputFormatError([Issue(
                    f"row has {len(cells)} cells but the header has {len(header)}",
                    line=start)])
            if not any(cell.strip() for cell in cells):
                continue
            record: dict[str, str] = {}
            for name, cell in zip(header, cells, strict=False):
                if cell != "":
                    record[name] = cell
            rows.append((start, record))
    except csv.Error as exc:
        reason = str(exc)
        if "unexpected end of data" in reason:
            reason = "a quoted cell of this row is never closed (a \" is missing)"
        elif "expected after" in reason:
            reason += ' (write a " inside a quoted cell as "")'
        raise InputFormatError([Issue(f"malformed CSV: {reason}", line=start)]) from exc
    return rows


def _csv_delimiter(text: str) -> tuple[str, bool]:
    """The delimiter the header line uses most (outside quotes; ``,`` when it has none), and
    whether a space follows each ("id, name, kind")."""
    counts = dict.fromkeys(CSV_DELIMITERS, 0)
    spaced = dict.fromkeys(CSV_DELIMITERS, 0)
    quoted = False
    header = text.lstrip("\r\n")[:65536]  # a quote never closed: no need to read it all
    for index, char in enumerate(header):
        if char == '"':
            quoted = not quoted  # "" inside quotes toggles twice: still quoted
        elif quoted:
            continue
        elif char in "\r\n":
            break
        elif char in counts:
            counts[char] += 1
            spaced[char] += header[index + 1: index + 2] == " "
    delimiter = max(CSV_DELIMITERS, key=lambda d: counts[d])  # ties: the first listed
    if not counts[delimiter]:
        return ",", False
    return delimiter, delimiter != "\t" and spaced[delimiter] == counts[delimiter]


def _csv_column(name: str) -> str:
    """A header cell as the profile field it names: spreadsheets are typed by people, who
    write "Description" or " id" as often as "description"."""
    field = name.strip().lower()
    return field if field in ALL_FIELDS else name


def _csv_header(cells: list[str], line: int) -> list[str]:
    """The column names (field names whatever their case and surrounding spaces); every
    required one present, none given twice."""
    # A spreadsheet's unnamed column with values in it is named by its place in notes.
    names = [_csv_column(name) if name.strip() else f"(unnamed column {number})"
             for number, name in enumerate(cells, start=1)]
    missing = [name for name in ("id", "name", "kind", "description") if name not in names]
    if missing:
        raise InputFormatError([Issue(
            f"the CSV header lacks required column(s) {', '.join(missing)} "
            f"(found: {', '.join(h for h in cells if h) or 'nothing'})", line=line)])
    first: dict[str, int] = {}
    issues = []
    for number, name in enumerate(names, start=1):  # unnamed ones are numbered: all distinct
        if name in first:
            issues.append(Issue(f"column '{printable(name)}' appears twice in the header "
                                f"(columns {first[name]} and {number}); keep one",
                                field=printable(name), line=line))
        first.setdefault(name, number)
    if issues:
        raise InputFormatError(issues)
    return names


def dump_profiles(profiles: Iterable[ActorProfile], fmt: str, *, private: bool = True) -> str:
    """Serialise profiles so that :func:`parse_profiles` reads them back unchanged."""
    if fmt == "jsonl":
        return "".join(json.dumps(p.to_dict(private=private), ensure_ascii=False) + "\n"
                       for p in profiles)
    if fmt == "json":
        return json.dumps([p.to_dict(private=private) for p in profiles], ensure_ascii=False,
                          indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        columns = [f for f in ALL_FIELDS if private or f != "contact_email"]
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for profile in profiles:
            row = profile.to_dict(private=private)
            writer.writerow({k: "; ".join(row.get(k, [])) if k in LIST_FIELDS else row.get(k, "")
                             for k in columns})
        return buffer.getvalue()
    raise InputFormatError([Issue(f"unknown format '{fmt}' (allowed: {', '.join(FORMATS)})")])
