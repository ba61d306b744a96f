"""The labelled cases of ``data/eval/cases.jsonl`` (and of the blind sets): the :class:`Case`
model, :func:`parse_cases` / :func:`load_cases` (every problem reported with its line and
field), :func:`check_cases` against a registry, and :func:`is_cross_lingual`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.errors import InputFormatError, Issue, ValidationError
from matcher.language import guess_language
from matcher.places import gazetteer
from matcher.profile import KINDS, ActorProfile
from matcher.settings import MAX_TEXT_CHARS

CASE_TYPES = ("match", "suggest")
CASE_FIELDS = ("id", "lang", "type", "query", "actor", "kinds", "countries", "relevant", "note",
               "cross_lingual")
LANGS = ("en", "fr", "nl")


@dataclass(frozen=True)
class Case:
    """One labelled request: a ``match`` text or a ``suggest`` actor, with graded answers."""

    id: str
    lang: str
    type: str
    relevant: Mapping[str, int]
    query: str = ""
    actor: str = ""
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    note: str = ""
    cross_lingual: bool | None = None  # explicit label; None: decided by :func:`is_cross_lingual`
    line: int | None = None

    @property
    def filtered(self) -> bool:
        """Whether the case filters by kind or by country."""
        return bool(self.kinds or self.countries)


def parse_cases(text: str, source: str = "cases") -> list[Case]:
    """Parse JSON Lines of labelled cases; raises :class:`ValidationError` listing every problem
    (line, field, reason) so that a broken file is fixed in one go."""
    issues: list[Issue] = []
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            issues.append(Issue(f"malformed JSON: {exc.msg} (column {exc.colno})", line=number))
            continue
        case = _parse_case(record, number, issues)
        if case is None:
            continue
        if case.id in seen:
            issues.append(Issue(f"duplicate case id '{case.id}' (first on line {seen[case.id]})",
                                field="id", line=number))
            continue
        seen[case.id] = number
        cases.append(case)
    if issues:
        raise ValidationError([Issue(f"{source}: {i.message}", i.field, i.line, i.value)
                               for i in issues])
    if not cases:
        raise InputFormatError([Issue(f"{source}: no labelled case in the file")])
    return cases


def load_cases(path: Path | str) -> list[Case]:
    """Read ``data/eval/cases.jsonl`` (see :func:`parse_cases`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFormatError([Issue(f"cannot read the cases file {path}: "
                                      f"{exc.strerror or exc}")]) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFormatError([Issue(f"{path}: not valid UTF-8 (offset {exc.start})")]) from exc
    return parse_cases(text, str(path))


def _parse_case(record: Any, line: int, issues: list[Issue]) -> Case | None:
    before = len(issues)

    def bad(fieldname: str | None, message: str) -> None:
        issues.append(Issue(message, field=fieldname, line=line))

    if not isinstance(record, dict):
        bad(None, "each line must be a JSON object")
        return None
    for key in sorted(set(record) - set(CASE_FIELDS)):
        bad(key, f"unknown field (allowed: {', '.join(CASE_FIELDS)})")
    case_id = record.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        bad("id", "is required: a non-empty string")
    lang = record.get("lang")
    if lang not in LANGS:
        bad("lang", f"must be one of {', '.join(LANGS)}, got {lang!r}")
    kind = record.get("type")
    if kind not in CASE_TYPES:
        bad("type", f"must be 'match' or 'suggest', got {kind!r}")
    query = record.get("query") or ""
    actor = record.get("actor") or ""
    if kind == "match" and (not isinstance(query, str) or not query.strip()):
        bad("query", "a 'match' case needs a non-empty query text")
    if kind == "suggest" and (not isinstance(actor, str) or not actor.strip()):
        bad("actor", "a 'suggest' case needs the id of a registered actor")
    if not isinstance(query, str) or len(query) > MAX_TEXT_CHARS:
        bad("query", f"must be text of at most {MAX_TEXT_CHARS} characters")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("kinds", "countries"):
        value = record.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad(key, "must be a list of strings")
            value = []
        lists[key] = tuple(value)
    for value in lists["kinds"]:
        if value not in KINDS:
            bad("kinds", f"'{value}' is not a known kind (allowed: {', '.join(KINDS)})")
    for value in lists["countries"]:
        if gazetteer().country_code(value) is None:
            bad("countries", f"'{value}' is not a known country")
    relevant = record.get("relevant")
    grades: dict[str, int] = {}
    if not isinstance(relevant, dict) or not relevant:
        bad("relevant", "must be a non-empty object {actor_id: grade 1 or 2}")
    else:
        for actor_id, grade in relevant.items():
            if isinstance(grade, bool) or grade not in (1, 2):
                bad("relevant", f"grade of '{actor_id}' must be 1 or 2, got {grade!r}")
            else:
                grades[actor_id] = int(grade)
        if kind == "suggest" and actor in grades:
            bad("relevant", f"a 'suggest' case cannot list its own actor '{actor}'")
    note = record.get("note") or ""
    if not isinstance(note, str):
        bad("note", "must be a string")
        note = ""
    cross = record.get("cross_lingual")
    if cross is not None and not isinstance(cross, bool):
        bad("cross_lingual", "must be true or false")
    if len(issues) > before:
        return None
    return Case(id=case_id.strip(), lang=lang, type=kind, relevant=grades, query=query,
                actor=actor, kinds=lists["kinds"], countries=lists["countries"], note=note,
                cross_lingual=cross, line=line)


def check_cases(cases: Sequence[Case], profiles: Iterable[ActorProfile]) -> list[Issue]:
    """Problems between the cases and a registry: unknown actors as answers or ``suggest``
    subjects. Returns the issues (empty when everything is known)."""
    known = {p.id for p in profiles}
    issues = []
    for case in cases:
        if case.type == "suggest" and case.actor not in known:
            issues.append(Issue(f"case '{case.id}': unknown actor '{case.actor}' to suggest for",
                                field="actor", line=case.line))
        for actor_id in case.relevant:
            if actor_id not in known:
                issues.append(Issue(f"case '{case.id}': relevant actor '{actor_id}' is not in "
                                    "the registry", field="relevant", line=case.line))
    return issues


def is_cross_lingual(case: Case, profiles: Mapping[str, ActorProfile]) -> bool:
    """A case is cross-lingual when it says so (``cross_lingual``), when its note mentions
    "cross", or when a relevant actor's description is in another language than the case."""
    if case.cross_lingual is not None:
        return case.cross_lingual
    if "cross" in case.note.casefold():
        return True
    for actor_id in case.relevant:
        profile = profiles.get(actor_id)
        if profile is None:
            continue
        lang = guess_language(profile.description)
        if lang is not None and lang != case.lang:
            return True
    return False
