"""Reading and writing profile files: JSON Lines, JSON arrays and CSV (lists joined by ``;``).

Reading is all-or-nothing: :func:`parse_profiles` returns every profile of a file or raises one
:class:`~matcher.errors.ValidationError` listing every problem with its line and field. Keys or
columns that are not profile fields are skipped and named (:func:`read_profiles`), unless they
look like a typo of one ("countires"), which is an error.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.errors import InputFormatError, Issue, ValidationError
from matcher.profile import (
    ALL_FIELDS,
    LIST_FIELDS,
    ActorProfile,
    validate_record,
)

FORMATS = ("jsonl", "json", "csv")


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
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            rows.append((number, json.loads(raw)))
        except json.JSONDecodeError as exc:
            issues.append(Issue(f"malformed JSON: {exc.msg} (column {exc.colno})", line=number))
    if issues:
        raise InputFormatError(issues)
    return rows


def _json_rows(text: str) -> list[tuple[int, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFormatError([Issue(f"malformed JSON: {exc.msg} (column {exc.colno})",
                                      line=exc.lineno)]) from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise InputFormatError([Issue("a .json file must hold an array of profile objects")])
    # Report array positions as "line" numbers counted from 1 (the n-th profile of the array).
    return [(index, item) for index, item in enumerate(data, start=1)]


def _csv_rows(text: str) -> list[tuple[int, Any]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect, strict=True)
    rows = []
    try:
        header = reader.fieldnames or []
        missing = [name for name in ("id", "name", "kind", "description") if name not in header]
        if missing:
            raise InputFormatError([Issue(
                f"the CSV header lacks required column(s) {', '.join(missing)} "
                f"(found: {', '.join(h for h in header if h) or 'nothing'})", line=1)])
        for record in reader:
            line = reader.line_num
            if None in record:
                raise InputFormatError([Issue(
                    f"row has {len(header) + len(record[None])} cells but the header has "
                    f"{len(header)}", line=line)])
            if not any((v or "").strip() for v in record.values()):
                continue
            rows.append((line, {k: v for k, v in record.items() if v not in (None, "")}))
    except csv.Error as exc:
        raise InputFormatError([Issue(f"malformed CSV: {exc}", line=reader.line_num)]) from exc
    return rows


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
