"""Unit tests of matcher.evaluation.cases: the cases loader (every problem with its line and
field), cross-lingual groups, and the repository's parallel case sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.common import PARALLEL_SETS
from matcher.errors import InputFormatError, ValidationError
from matcher.evaluation import Case, check_cases, is_cross_lingual, load_cases, parse_cases
from matcher.formats import parse_profiles
from tests.matcher.evaluation.conftest import GOOD, jsonl, make_profile


@pytest.mark.parametrize("name", sorted(PARALLEL_SETS))
def test_parallel_sets_ask_each_request_in_three_languages(name: str) -> None:
    registry, cases_path = PARALLEL_SETS[name]
    cases = load_cases(cases_path)
    assert not check_cases(cases, parse_profiles(registry.read_bytes(), "jsonl"))
    intents: dict[str, dict[str, Case]] = {}
    for case in cases:
        intent, lang = case.id.rsplit("-", 1)
        assert case.lang == lang and case.type == "match" and not case.filtered
        intents.setdefault(intent, {})[lang] = case
    for intent, by_lang in intents.items():
        assert set(by_lang) == {"nl", "fr", "en"}, intent
        answers = {lang: dict(case.relevant) for lang, case in by_lang.items()}
        assert answers["nl"] == answers["fr"] == answers["en"], intent


def test_parse_cases_reads_every_field() -> None:
    cases = parse_cases(jsonl(GOOD))
    assert [c.id for c in cases] == ["m1", "s1"]
    first = cases[0]
    assert first.kinds == ("ngo",) and first.countries == ("RDC",) and first.filtered
    assert first.relevant == {"a": 2, "b": 1} and first.line == 1
    assert cases[1].actor == "c" and not cases[1].filtered


@pytest.mark.parametrize(("record", "field", "words"), [
    ({**GOOD[0], "lang": "de"}, "lang", "must be one of"),
    ({**GOOD[0], "type": "search"}, "type", "'match' or 'suggest'"),
    ({**GOOD[0], "query": " "}, "query", "non-empty query"),
    ({k: v for k, v in GOOD[1].items() if k != "actor"}, "actor", "id of a registered actor"),
    ({**GOOD[0], "relevant": {}}, "relevant", "non-empty object"),
    ({**GOOD[0], "relevant": {"a": 3}}, "relevant", "must be 1 or 2"),
    ({**GOOD[0], "relevant": {"a": True}}, "relevant", "must be 1 or 2"),
    ({**GOOD[0], "kinds": ["charity"]}, "kinds", "not a known kind"),
    ({**GOOD[0], "countries": ["Atlantis"]}, "countries", "not a known country"),
    ({**GOOD[0], "countries": "CD"}, "countries", "list of strings"),
    ({**GOOD[0], "colour": "red"}, "colour", "unknown field"),
    ({**GOOD[1], "relevant": {"c": 2}}, "relevant", "its own actor"),
    ({**GOOD[0], "cross_lingual": "yes"}, "cross_lingual", "true or false"),
])
def test_parse_cases_reports_field_and_line(record: dict, field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_cases(jsonl([GOOD[1], record]), "cases.jsonl")
    issue = next(i for i in info.value.issues if i.field == field)
    assert issue.line == 2 and words in issue.message and "cases.jsonl" in issue.message


def test_parse_cases_malformed_duplicate_and_empty() -> None:
    with pytest.raises(ValidationError) as info:
        parse_cases(jsonl(GOOD) + "{not json\n" + json.dumps(GOOD[0]) + "\n")
    messages = [(i.line, i.message) for i in info.value.issues]
    assert any(line == 3 and "malformed JSON" in m for line, m in messages)
    assert any(line == 4 and "duplicate case id 'm1'" in m for line, m in messages)
    with pytest.raises(InputFormatError, match="no labelled case"):
        parse_cases("\n\n")


def test_load_cases_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="cannot read the cases file"):
        load_cases(tmp_path / "nope.jsonl")
    path = tmp_path / "cases.jsonl"
    path.write_text(jsonl(GOOD), encoding="utf-8")
    assert len(load_cases(path)) == 2


def test_is_cross_lingual() -> None:
    profiles = {"nl": make_profile("nl", "Wij bouwen waterputten voor de dorpen in de regio en "
                                         "werken met de lokale comités."),
                "fr": make_profile("fr", "Nous construisons des puits pour les villages de la "
                                         "région avec les comités locaux.")}
    case = Case(id="c", lang="fr", type="match", query="puits", relevant={"fr": 2})
    assert not is_cross_lingual(case, profiles)
    assert is_cross_lingual(Case(id="c", lang="fr", type="match", query="puits",
                                 relevant={"fr": 2, "nl": 1}), profiles)
    assert is_cross_lingual(Case(id="c", lang="fr", type="match", query="q", relevant={"fr": 2},
                                 note="Cross-lingual on purpose"), profiles)
    assert not is_cross_lingual(Case(id="c", lang="fr", type="match", query="q",
                                     relevant={"nl": 2}, cross_lingual=False), profiles)
