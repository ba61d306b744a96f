"""Unit tests of matcher.evaluation.runs with a fake ranker: running the cases, the graders'
agreement (also on the repository's second gradings) and the same-language excess."""

from __future__ import annotations

import pytest

from bench.common import HELD_OUT_SETS, SECOND_GRADINGS
from matcher.errors import NotFoundError, SolirisError, ValidationError
from matcher.evaluation import (
    Case,
    CaseResult,
    CaseRun,
    grader_agreement,
    load_cases,
    parse_cases,
    result_ids,
    run_cases,
    same_language_excess,
)
from matcher.formats import parse_profiles
from tests.matcher.evaluation.conftest import GOOD, LOG2_3, jsonl, make_profile


class FakeRanker:
    """Returns fixed rankings and records how it was called."""

    def __init__(self, profiles: list, answers: dict[str, list[str]]):
        self.profiles = profiles
        self.answers = answers
        self.calls: list[tuple] = []

    def match(self, text, top=10, kinds=(), countries=()):
        self.calls.append(("match", text, top, tuple(kinds), tuple(countries)))
        return [{"id": i} for i in self.answers[text][:top]]

    def suggest(self, actor_id, top=10, kinds=(), countries=()):
        self.calls.append(("suggest", actor_id, top, tuple(kinds), tuple(countries)))
        if actor_id not in self.answers:
            raise NotFoundError("actor", actor_id)
        return [{"id": i} for i in self.answers[actor_id][:top]]


def test_run_cases_metrics_groups_and_calls() -> None:
    profiles = [make_profile("a", "Wij bouwen waterputten voor de dorpen in de regio."),
                make_profile("b", "Nous formons des plombiers pour la ville et les villages."),
                make_profile("c", "Wij werken met jongeren voor het onderwijs in de stad.")]
    cases = parse_cases(jsonl(GOOD))
    ranker = FakeRanker(profiles, {"eau potable à Kinshasa": ["a", "x", "b"], "c": ["x", "a"]})
    run = run_cases(ranker, cases, k=5, system="fake")
    assert ranker.calls == [("match", "eau potable à Kinshasa", 5, ("ngo",), ("RDC",)),
                            ("suggest", "c", 5, (), ())]
    first, second = run.results
    assert first.ranked == ("a", "x", "b") and first.recall == 1.0
    assert first.ndcg == pytest.approx((3 + 1 / 2) / (3 + 1 / LOG2_3))
    assert second.ndcg == pytest.approx(1 / LOG2_3) and second.recall == 1.0
    assert first.cross_lingual and not second.cross_lingual  # note / same language
    groups = run.groups()
    assert groups["overall"].n == 2
    assert groups["overall"].ndcg == pytest.approx((first.ndcg + second.ndcg) / 2)
    assert groups["lang:fr"].n == 1 and groups["type:suggest"].n == 1
    assert groups["filtered"].n == 1 and groups["cross-lingual"].n == 1
    assert "lang:en" not in groups
    data = run.to_dict()
    assert data["system"] == "fake" and data["cases"][0]["ranked"] == ["a", "x", "b"]


def test_run_cases_names_unknown_actors_and_failing_case() -> None:
    profiles = [make_profile("a", "Une description.")]
    cases = parse_cases(jsonl(GOOD))
    with pytest.raises(ValidationError) as info:
        run_cases(FakeRanker(profiles, {}), cases)
    text = " ".join(i.message for i in info.value.issues)
    assert "relevant actor 'b'" in text and "unknown actor 'c'" in text
    profiles += [make_profile("b", "Autre."), make_profile("c", "Encore.")]
    with pytest.raises(SolirisError, match="case 's1' \\(line 2\\)"):
        run_cases(FakeRanker(profiles, {"eau potable à Kinshasa": ["a"]}), cases)


def test_result_ids_accepts_matches_hits_and_dicts() -> None:
    profile = make_profile("a", "Texte.")

    class WithProfile:
        def __init__(self) -> None:
            self.profile = profile

    assert result_ids([WithProfile(), {"id": "b"}]) == ["a", "b"]


def test_grader_agreement_scores_each_case_and_checks_the_requests() -> None:
    profiles = [make_profile(i, "Wij bouwen waterputten voor de dorpen.") for i in "abcx"]
    first = parse_cases(jsonl(GOOD))
    second = parse_cases(jsonl([{**GOOD[0], "relevant": {"b": 2, "x": 1}},
                                {**GOOD[1], "relevant": {"a": 2}}]))
    run = grader_agreement(first, second, k=5, profiles=profiles)
    m1, s1 = run.results
    # b (grade 1 for the first grader) ranked first, x (not relevant) second
    assert m1.ndcg == pytest.approx(1 / (3 + 1 / LOG2_3)) and m1.recall == 0.5
    assert s1.ndcg == 1.0 and s1.recall == 1.0
    assert run.system == "second grader" and run.groups()["type:match"].n == 1
    assert grader_agreement(first, first, profiles=profiles).overall.ndcg == 1.0

    other_query = parse_cases(jsonl([{**GOOD[0], "query": "autre chose"}, GOOD[1]]))
    missing = parse_cases(jsonl([GOOD[0]]))
    extra = parse_cases(jsonl([*GOOD, {**GOOD[1], "id": "s2"}]))
    for second, words in ((other_query, "case 'm1' is not the same request"),
                          (missing, "case 's1' has no second grading"),
                          (extra, "case 's2' is only in the second grading")):
        with pytest.raises(ValidationError) as info:
            grader_agreement(first, second, profiles=profiles)
        assert words in " ".join(i.message for i in info.value.issues)
    with pytest.raises(ValidationError, match="relevant actor 'zz' is not in the registry"):
        grader_agreement(first, parse_cases(jsonl([{**GOOD[0], "relevant": {"zz": 2}},
                                                   GOOD[1]])), profiles=profiles)


def _parallel_run(ranked: dict[str, list[str]]) -> CaseRun:
    cases = [Case(id=f"i-{lang}", lang=lang, type="match", relevant={"nl1": 2}, query="q")
             for lang in ranked]
    return CaseRun("fake", 2, [CaseResult(case, tuple(ranked[case.lang]), 0.0, 0.0, False)
                               for case in cases])


def test_same_language_excess() -> None:
    profiles = [make_profile("nl1", "Wij bouwen waterputten voor de dorpen in de regio."),
                make_profile("nl2", "Wij werken met jongeren voor het onderwijs in de stad."),
                make_profile("fr1", "Nous formons des plombiers pour la ville et les villages."),
                make_profile("en1", "We train nurses for the rural health centres of the region.")]
    # the same answers in every language: no excess
    fair = same_language_excess(_parallel_run({"nl": ["nl1", "fr1"], "fr": ["nl1", "fr1"],
                                               "en": ["nl1", "fr1"]}), profiles)
    assert fair == pytest.approx({"nl": 0.0, "fr": 0.0, "en": 0.0})
    # Dutch: its query gets only Dutch profiles (1) against 1/2 for French and 0 for English;
    # French: 1/2 against 0 (Dutch query) and 1/2 (English); English: 1/2 against 0 and 0
    leaning = same_language_excess(_parallel_run({"nl": ["nl1", "nl2"], "fr": ["nl1", "fr1"],
                                                  "en": ["fr1", "en1"]}), profiles)
    assert leaning == pytest.approx({"nl": 0.75, "fr": 0.25, "en": 0.5})
    # one language only: nothing to compare with
    assert same_language_excess(_parallel_run({"nl": ["nl1"]}), profiles) == {}


@pytest.mark.parametrize("name", sorted(SECOND_GRADINGS))
def test_second_gradings_grade_the_same_requests(name: str) -> None:
    """Each second grading in ``data/eval/second-grader/`` holds the same requests as the blind
    set it grades again, with answers from that set's registry."""
    registry, first_path = HELD_OUT_SETS[name]
    profiles = parse_profiles(registry.read_bytes(), "jsonl")
    run = grader_agreement(load_cases(first_path), load_cases(SECOND_GRADINGS[name]),
                           profiles=profiles)
    assert len(run.results) == len(load_cases(first_path))
    assert 0.0 < run.overall.ndcg <= 1.0
