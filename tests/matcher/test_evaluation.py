"""Unit tests of matcher.evaluation: metrics against hand-computed values, the cases loader,
the runners with a fake ranker, the TF-IDF baseline's filters, the IATI task and STS scoring
(no real model is loaded here)."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

from bench.common import HELD_OUT_SETS, PARALLEL_SETS, SECOND_GRADINGS
from matcher.errors import InputFormatError, NotFoundError, SolirisError, ValidationError
from matcher.evaluation import (
    Case,
    CaseResult,
    CaseRun,
    ConsortiumTask,
    HeldOutRun,
    IatiActivity,
    StsSet,
    TfidfBaseline,
    build_consortium_task,
    build_heldout_task,
    check_cases,
    dcg_at_k,
    decode_mixed,
    grader_agreement,
    grades_as_ranking_scores,
    is_cross_lingual,
    load_cases,
    load_eutf_activities,
    load_iati_activities,
    load_sts,
    ndcg_at_k,
    parse_cases,
    recall_at_k,
    result_ids,
    run_cases,
    run_consortia,
    run_heldout,
    same_language_excess,
    split_org_names,
    sts_language_gap,
    sts_spearman,
)
from matcher.formats import parse_profiles
from matcher.profile import validate_record

LOG2_3 = math.log2(3)

# -- metrics ------------------------------------------------------------------------------------


def test_ndcg_perfect_ranking_is_one() -> None:
    assert ndcg_at_k(["a", "b", "c"], {"a": 2, "b": 1}, k=5) == pytest.approx(1.0)


def test_ndcg_hand_computed() -> None:
    # ranking: x (0), a (grade 2), b (grade 1)
    # DCG  = 0/1 + 3/log2(3) + 1/log2(4) = 1.892789 + 0.5 = 2.392789  -> 0.659002
    # IDCG = 3/1 + 1/log2(3)             = 3 + 0.630930 = 3.630930
    expected = (3 / LOG2_3 + 1 / 2) / (3 + 1 / LOG2_3)
    assert expected == pytest.approx(0.659002, abs=1e-6)
    assert ndcg_at_k(["x", "a", "b"], {"a": 2, "b": 1}, k=5) == pytest.approx(expected)


def test_ndcg_cut_off_and_ideal_from_labels() -> None:
    # the grade-2 answer at rank 3 is cut by k=2; ideal = [2, 1] -> 3 + 1/log2(3)
    assert ndcg_at_k(["b", "x", "a"], {"a": 2, "b": 1}, k=2) == pytest.approx(
        1 / (3 + 1 / LOG2_3))
    # more relevant ids than k: the ideal only counts the k best grades
    assert ndcg_at_k(["a", "b"], {"a": 2, "b": 2, "c": 2}, k=2) == pytest.approx(1.0)
    assert dcg_at_k(["a", "b"], {"a": 1, "b": 2}, k=2) == pytest.approx(1 + 3 / LOG2_3)


def test_ndcg_edge_cases() -> None:
    assert ndcg_at_k([], {"a": 2}) == 0.0
    assert ndcg_at_k(["a"], {}) == 0.0
    assert ndcg_at_k(["x", "y"], {"a": 1}) == 0.0


def test_recall_at_k() -> None:
    assert recall_at_k(["a", "x", "b", "c"], {"a", "b", "c"}, k=3) == pytest.approx(2 / 3)
    assert recall_at_k(["a", "b"], ["a"], k=5) == 1.0
    assert recall_at_k(["x"], {"a", "b"}, k=5) == 0.0
    assert recall_at_k(["a"], set(), k=5) == 0.0
    # graded dicts work as the relevant set too
    assert recall_at_k(["b"], {"a": 2, "b": 1}, k=1) == 0.5


def _orders_within_grades(grades: dict[str, int]) -> list[list[str]]:
    """Every ranking of ``grades``' actors, best grade first, in any order within a grade."""
    groups = [[a for a, g in grades.items() if g == grade]
              for grade in sorted(set(grades.values()), reverse=True)]
    return [[a for group in combo for a in group]
            for combo in itertools.product(*(itertools.permutations(g) for g in groups))]


@pytest.mark.parametrize("seed", range(12))
def test_grades_as_ranking_scores_is_the_mean_over_tie_orders(seed: int) -> None:
    """Oracle: the exact expectation equals brute force over every order within grades."""
    rng = random.Random(seed)
    actors = [f"a{i}" for i in range(8)]
    second = {a: rng.choice((1, 2)) for a in rng.sample(actors, rng.randint(1, 7))}
    first = {a: rng.choice((1, 2)) for a in rng.sample(actors, rng.randint(1, 6))}
    k = rng.choice((2, 3, 5))
    orders = _orders_within_grades(second)
    ndcg, recall = grades_as_ranking_scores(second, first, k)
    assert ndcg == pytest.approx(np.mean([ndcg_at_k(o, first, k) for o in orders]))
    assert recall == pytest.approx(np.mean([recall_at_k(o, first, k) for o in orders]))


def test_grades_as_ranking_scores_edge_cases() -> None:
    assert grades_as_ranking_scores({"a": 2, "b": 1}, {"a": 2, "b": 1}) == (1.0, 1.0)
    # the same actors at the same grades agree fully, whatever the order within a grade
    assert grades_as_ranking_scores({"a": 2, "b": 2}, {"b": 2, "a": 2}) == (1.0, 1.0)
    assert grades_as_ranking_scores({"x": 2}, {"a": 2}) == (0.0, 0.0)
    assert grades_as_ranking_scores({"a": 2}, {}) == (0.0, 0.0)
    # one of two tied actors is relevant: rank 1 or 2 with equal chance
    ndcg, recall = grades_as_ranking_scores({"a": 1, "x": 1}, {"a": 1}, k=5)
    assert ndcg == pytest.approx((1 + 1 / LOG2_3) / 2) and recall == 1.0
    # cut off at k=1: in the top one half of the time
    assert grades_as_ranking_scores({"a": 1, "x": 1}, {"a": 1}, k=1) == (0.5, 0.5)


def test_grader_agreement_scores_each_case_and_checks_the_requests() -> None:
    profiles = [_profile(i, "Wij bouwen waterputten voor de dorpen.") for i in "abcx"]
    first = parse_cases(_jsonl(GOOD))
    second = parse_cases(_jsonl([{**GOOD[0], "relevant": {"b": 2, "x": 1}},
                                 {**GOOD[1], "relevant": {"a": 2}}]))
    run = grader_agreement(first, second, k=5, profiles=profiles)
    m1, s1 = run.results
    # b (grade 1 for the first grader) ranked first, x (not relevant) second
    assert m1.ndcg == pytest.approx(1 / (3 + 1 / LOG2_3)) and m1.recall == 0.5
    assert s1.ndcg == 1.0 and s1.recall == 1.0
    assert run.system == "second grader" and run.groups()["type:match"].n == 1
    assert grader_agreement(first, first, profiles=profiles).overall.ndcg == 1.0

    other_query = parse_cases(_jsonl([{**GOOD[0], "query": "autre chose"}, GOOD[1]]))
    missing = parse_cases(_jsonl([GOOD[0]]))
    extra = parse_cases(_jsonl([*GOOD, {**GOOD[1], "id": "s2"}]))
    for second, words in ((other_query, "case 'm1' is not the same request"),
                          (missing, "case 's1' has no second grading"),
                          (extra, "case 's2' is only in the second grading")):
        with pytest.raises(ValidationError) as info:
            grader_agreement(first, second, profiles=profiles)
        assert words in " ".join(i.message for i in info.value.issues)
    with pytest.raises(ValidationError, match="relevant actor 'zz' is not in the registry"):
        grader_agreement(first, parse_cases(_jsonl([{**GOOD[0], "relevant": {"zz": 2}},
                                                    GOOD[1]])), profiles=profiles)


def _parallel_run(ranked: dict[str, list[str]]) -> CaseRun:
    cases = [Case(id=f"i-{lang}", lang=lang, type="match", relevant={"nl1": 2}, query="q")
             for lang in ranked]
    return CaseRun("fake", 2, [CaseResult(case, tuple(ranked[case.lang]), 0.0, 0.0, False)
                               for case in cases])


def test_same_language_excess() -> None:
    profiles = [_profile("nl1", "Wij bouwen waterputten voor de dorpen in de regio."),
                _profile("nl2", "Wij werken met jongeren voor het onderwijs in de stad."),
                _profile("fr1", "Nous formons des plombiers pour la ville et les villages."),
                _profile("en1", "We train nurses for the rural health centres of the region.")]
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


# -- cases file ------------------------------------------------------------------------------------

GOOD = [
    {"id": "m1", "lang": "fr", "type": "match", "query": "eau potable à Kinshasa",
     "kinds": ["ngo"], "countries": ["RDC"], "relevant": {"a": 2, "b": 1},
     "note": "cross-lingual: NL profile"},
    {"id": "s1", "lang": "nl", "type": "suggest", "actor": "c", "relevant": {"a": 1}},
]


def _jsonl(records: list[object]) -> str:
    return "\n".join(json.dumps(r) for r in records) + "\n"


def test_parse_cases_reads_every_field() -> None:
    cases = parse_cases(_jsonl(GOOD))
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
        parse_cases(_jsonl([GOOD[1], record]), "cases.jsonl")
    issue = next(i for i in info.value.issues if i.field == field)
    assert issue.line == 2 and words in issue.message and "cases.jsonl" in issue.message


def test_parse_cases_malformed_duplicate_and_empty() -> None:
    with pytest.raises(ValidationError) as info:
        parse_cases(_jsonl(GOOD) + "{not json\n" + json.dumps(GOOD[0]) + "\n")
    messages = [(i.line, i.message) for i in info.value.issues]
    assert any(line == 3 and "malformed JSON" in m for line, m in messages)
    assert any(line == 4 and "duplicate case id 'm1'" in m for line, m in messages)
    with pytest.raises(InputFormatError, match="no labelled case"):
        parse_cases("\n\n")


def test_load_cases_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFormatError, match="cannot read the cases file"):
        load_cases(tmp_path / "nope.jsonl")
    path = tmp_path / "cases.jsonl"
    path.write_text(_jsonl(GOOD), encoding="utf-8")
    assert len(load_cases(path)) == 2


# -- cross-lingual groups (languages are guessed by matcher.language) ----------------------------


def _profile(pid: str, description: str, kind: str = "ngo", countries: tuple = (),
             **extra: object):
    return validate_record({"id": pid, "name": pid.upper(), "kind": kind,
                            "description": description, "countries": list(countries), **extra})


def test_is_cross_lingual() -> None:
    profiles = {"nl": _profile("nl", "Wij bouwen waterputten voor de dorpen in de regio en "
                                     "werken met de lokale comités."),
                "fr": _profile("fr", "Nous construisons des puits pour les villages de la "
                                     "région avec les comités locaux.")}
    case = Case(id="c", lang="fr", type="match", query="puits", relevant={"fr": 2})
    assert not is_cross_lingual(case, profiles)
    assert is_cross_lingual(Case(id="c", lang="fr", type="match", query="puits",
                                 relevant={"fr": 2, "nl": 1}), profiles)
    assert is_cross_lingual(Case(id="c", lang="fr", type="match", query="q", relevant={"fr": 2},
                                 note="Cross-lingual on purpose"), profiles)
    assert not is_cross_lingual(Case(id="c", lang="fr", type="match", query="q",
                                     relevant={"nl": 2}, cross_lingual=False), profiles)


# -- runners with a fake ranker -----------------------------------------------------------------


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
    profiles = [_profile("a", "Wij bouwen waterputten voor de dorpen in de regio."),
                _profile("b", "Nous formons des plombiers pour la ville et les villages."),
                _profile("c", "Wij werken met jongeren voor het onderwijs in de stad.")]
    cases = parse_cases(_jsonl(GOOD))
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
    profiles = [_profile("a", "Une description.")]
    cases = parse_cases(_jsonl(GOOD))
    with pytest.raises(ValidationError) as info:
        run_cases(FakeRanker(profiles, {}), cases)
    text = " ".join(i.message for i in info.value.issues)
    assert "relevant actor 'b'" in text and "unknown actor 'c'" in text
    profiles += [_profile("b", "Autre."), _profile("c", "Encore.")]
    with pytest.raises(SolirisError, match="case 's1' \\(line 2\\)"):
        run_cases(FakeRanker(profiles, {"eau potable à Kinshasa": ["a"]}), cases)


def test_result_ids_accepts_matches_hits_and_dicts() -> None:
    profile = _profile("a", "Texte.")

    class WithProfile:
        def __init__(self) -> None:
            self.profile = profile

    assert result_ids([WithProfile(), {"id": "b"}]) == ["a", "b"]


# -- TF-IDF baseline ----------------------------------------------------------------------------


@pytest.fixture
def baseline() -> TfidfBaseline:
    return TfidfBaseline([
        _profile("water-ngo", "Drilling wells and water pumps in villages.", "ngo", ("CD",)),
        _profile("water-commune", "The commune funds water pumps and wells.", "commune",
                 ("Sénégal",)),
        _profile("school", "Teacher training and school exchanges.", "association", ("RW",),
                 themes=["education"], offers="Lesson plans for teachers"),
        _profile("water-text-only", "Water pumps near Kinshasa wells.", "ngo"),
    ])


def test_tfidf_ranks_by_cosine(baseline: TfidfBaseline) -> None:
    ids = [h.profile.id for h in baseline.match("water pumps and wells", top=4)]
    assert ids[-1] == "school" and set(ids[:3]) == {"water-ngo", "water-commune",
                                                    "water-text-only"}
    scores = [h.score for h in baseline.match("water pumps and wells", top=4)]
    assert scores == sorted(scores, reverse=True)
    # themes and offers are part of the profile text
    assert baseline.match("lesson plans education", top=1)[0].profile.id == "school"


def test_tfidf_filters(baseline: TfidfBaseline) -> None:
    assert [h.profile.id for h in baseline.match("water", kinds=["commune"])] == ["water-commune"]
    # countries: structured field only (names normalised), not places named in the text
    assert [h.profile.id for h in baseline.match("water", countries=["RDC"])] == ["water-ngo"]
    assert [h.profile.id for h in baseline.match("water", countries=["SN"])] == ["water-commune"]
    assert baseline.match("water", kinds=["expert"]) == []
    with pytest.raises(ValidationError, match="not a known country"):
        baseline.match("water", countries=["Atlantis"])


def test_tfidf_suggest_uses_own_profile_and_excludes_it(baseline: TfidfBaseline) -> None:
    hits = baseline.suggest("water-ngo", top=10)
    ids = [h.profile.id for h in hits]
    assert "water-ngo" not in ids and len(ids) == 3
    assert ids[0] in {"water-commune", "water-text-only"}
    with pytest.raises(NotFoundError):
        baseline.suggest("nobody")


# -- IATI task ----------------------------------------------------------------------------------

IATI_HEADER = "iati.identifier,title,description,participating.org..Implementing.\n"


def test_load_iati_decodes_mixed_bytes_and_drops_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "iati.csv"
    path.write_bytes(
        IATI_HEADER.encode()
        + "A1,Agua,Cooperaci\u00f3n t\u00e9cnica,Org A; Information Redacted\n".encode()
        + b"A2,Inclusi\xf3n,Latinoam\xe9rica,Not Applicable\n"
        + b"A3,  Spaced   title ,desc,Org A;Org B;Org A\n")
    activities = load_iati_activities(path)
    assert activities[0] == IatiActivity("Agua", "Cooperación técnica", ("Org A",))
    assert activities[1].title == "Inclusión" and activities[1].orgs == ()
    assert activities[2].title == "Spaced title" and activities[2].orgs == ("Org A", "Org B")
    assert decode_mixed(b"caf\xe9 \xc3\xa9t\xc3\xa9") == "café été"
    bad = tmp_path / "bad.csv"
    bad.write_text("title,description\nx,y\n")
    with pytest.raises(InputFormatError, match="missing column"):
        load_iati_activities(bad)


def test_iati_activity_text() -> None:
    assert IatiActivity("Wells", "Drilling wells.", ()).text == "Wells. Drilling wells."
    assert IatiActivity("Wells.", "Drilling.", ()).text == "Wells. Drilling."
    assert IatiActivity("Wells", "Wells in Mali", ()).text == "Wells in Mali"
    assert IatiActivity("Wells", "", ()).text == "Wells"
    assert IatiActivity("", "", ()).text == ""


def test_build_heldout_task_never_leaks_the_query() -> None:
    acts = [IatiActivity(f"Water {i}", f"Wells number {i}.", ("Water Org",)) for i in range(3)]
    acts += [IatiActivity(f"School {i}", f"Teachers {i}.", ("School Org",)) for i in range(2)]
    acts += [IatiActivity("Solo", "Only one activity.", ("Solo Org",)),
             IatiActivity("Dup", "Same text.", ("Dup Org",)),
             IatiActivity("Dup", "Same text.", ("Dup Org",)),
             IatiActivity("", "", ("Empty Org",))]
    task = build_heldout_task(acts, n_queries=10, seed=3)
    by_id = {p.id: p for p in task.profiles}
    names = {p.name for p in task.profiles}
    assert names == {"Water Org", "School Org", "Solo Org", "Dup Org"}
    assert task.eligible_orgs == 2  # Dup Org has one distinct text, Empty Org none
    assert sorted(q.org_name for q in task.queries) == ["School Org", "Water Org"]
    for query in task.queries:
        for profile in task.profiles:
            assert query.text not in profile.description
        assert by_id[query.org_id].name == query.org_name
    water = next(p for p in task.profiles if p.name == "Water Org")
    assert water.kind == "ngo" and water.description.count("\n") == 1
    # a fixed seed gives the same draw; n_queries caps it
    again = build_heldout_task(acts, n_queries=10, seed=3)
    assert again.queries == task.queries
    assert len(build_heldout_task(acts, n_queries=1, seed=3).queries) == 1


def test_build_heldout_task_cuts_long_profiles() -> None:
    acts = [IatiActivity(f"T{i}", "x" * 600 + f" {i}", ("Big",)) for i in range(30)]
    task = build_heldout_task(acts, n_queries=1, max_chars=2000)
    (profile,) = task.profiles
    assert len(profile.description) <= 2000 and profile.description.count("\n") == 2


def test_run_heldout_recall() -> None:
    acts = [IatiActivity(f"Water {i}", f"Drilling wells and pumps {i}.", ("Water Org",))
            for i in range(3)]
    acts += [IatiActivity(f"School {i}", f"Teacher training courses {i}.", ("School Org",))
             for i in range(3)]
    task = build_heldout_task(acts, n_queries=5, seed=1)
    run = run_heldout(TfidfBaseline(task.profiles), task, k=1)
    assert run.n == 2 and run.recall == 1.0 and run.recall_at_1 == 1.0 and run.mrr == 1.0
    assert run.system == "tf-idf"

    class Wrong:
        def match(self, text, top=10):
            return [{"id": "nobody"}]

    assert run_heldout(Wrong(), task, k=10).recall == 0.0


def test_build_consortium_task_hides_shared_texts_and_grades_partners() -> None:
    acts = [IatiActivity("Water", "Wells in Mali.", ("A",)),
            IatiActivity("Schools", "Teachers in Niger.", ("B",)),
            IatiActivity("Health", "Clinics in Chad.", ("C",)),
            IatiActivity("Joint 1", "Wells and schools together.", ("A", "B")),
            IatiActivity("Joint 2", "Wells and schools again.", ("A", "B", "D")),
            IatiActivity("Joint 3", "Clinics and wells.", ("A", "C"))]
    task = build_consortium_task(acts)
    by_name = {p.name: p.id for p in task.profiles}
    assert set(by_name) == {"A", "B", "C"}  # D worked only in a consortium: no profile
    for profile in task.profiles:
        assert "together" not in profile.description and "again" not in profile.description
    a, b, c = by_name["A"], by_name["B"], by_name["C"]
    assert task.partners == {a: {b: 2, c: 1}, b: {a: 2}, c: {a: 1}}
    assert task.consortia == 3


def test_run_consortia_scores_suggest_against_the_real_partners() -> None:
    task = ConsortiumTask(profiles=[], partners={"x": {"y": 2, "z": 1}}, consortia=1)

    class Ranker:
        def suggest(self, actor_id, top=10):
            assert actor_id == "x"
            return [{"id": "y"}, {"id": "w"}]

    run = run_consortia(Ranker(), task, k=10, system="r")
    assert (run.system, run.n, run.recall) == ("r", 1, 0.5)
    assert run.ndcg == pytest.approx(ndcg_at_k(["y", "w"], {"y": 2, "z": 1}, 10))


def test_heldout_run_subset_scores_the_chosen_queries() -> None:
    run = HeldOutRun("x", 10, 4, 0.0, 0.0, 0.0, ranks=(1, 0, 3, 2))
    whole = run.subset(range(4))
    assert (whole.n, whole.recall, whole.recall_at_1) == (4, 0.75, 0.25)
    assert whole.mrr == pytest.approx((1 + 1 / 3 + 1 / 2) / 4)
    part = run.subset([1, 2], system="y")
    assert (part.system, part.n, part.recall, part.mrr) == ("y", 2, 0.5, pytest.approx(1 / 6))
    assert "ranks" not in whole.to_dict()


@pytest.mark.parametrize("joined, names", [
    ("GIZ, Enabel", ["GIZ", "Enabel"]),
    ("DAI Global, LLC (DAI), UNICEF", ["DAI Global, LLC (DAI)", "UNICEF"]),
    ("UNICEF,  UNICEF , Not Applicable", ["UNICEF"]),
    ("", []),
    ("A, B, C", ["A", "B", "C"]),
])
def test_split_org_names_keeps_known_names_with_commas(joined, names) -> None:
    known = frozenset({"DAI Global, LLC (DAI)", "B, C and D"})
    assert split_org_names(joined, known) == names


def test_load_eutf_activities(tmp_path: Path) -> None:
    path = tmp_path / "eutf.csv"
    path.write_text(
        "iati_id,title,summary,partner_implementing,budget\n"
        'X1,Appui à la résilience,"Les communautés, au Niger.","DAI Global, LLC (DAI), GIZ",1\n'
        "X2,Jobs,Youth employment in Senegal.,,2\n", encoding="utf-8")
    orgs = tmp_path / "orgs.csv"
    orgs.write_text('name,type\n"DAI Global, LLC (DAI)",70\nGIZ,10\n', encoding="utf-8")
    first, second = load_eutf_activities(path, orgs)
    assert first == IatiActivity("Appui à la résilience", "Les communautés, au Niger.",
                                 ("DAI Global, LLC (DAI)", "GIZ"))
    assert second.orgs == ()
    assert load_eutf_activities(path)[0].orgs == ("DAI Global", "LLC (DAI)", "GIZ")
    bad = tmp_path / "bad.csv"
    bad.write_text("title,description\nx,y\n")
    with pytest.raises(InputFormatError, match="missing column.*partner_implementing"):
        load_eutf_activities(bad)
    with pytest.raises(InputFormatError, match="cannot read"):
        load_eutf_activities(tmp_path / "absent.csv")


# -- STS ----------------------------------------------------------------------------------------


def test_load_sts(tmp_path: Path) -> None:
    (tmp_path / "stsb-en-test.csv").write_text('a,b,5.0\n"c, d",e,1.5\n', encoding="utf-8")
    (tmp_path / "stsb-fr-test.csv").write_text("a,b,5.0\nc,e,1.5\n", encoding="utf-8")
    data = load_sts(tmp_path)
    assert set(data) == {"en", "fr"}
    assert data["en"].first == ["a", "c, d"] and list(data["en"].scores) == [5.0, 1.5]
    (tmp_path / "stsb-nl-test.csv").write_text("a,b,5.0\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="not aligned"):
        load_sts(tmp_path)


class LookupEncoder:
    """Vectors from a table: lets us choose the cosine of every pair."""

    def __init__(self, table: dict[str, np.ndarray]):
        self.table = table
        self.roles: set[str] = set()

    def encode(self, texts, role="passage"):
        self.roles.add(role)
        return np.vstack([self.table[t] for t in texts])


def _unit(angle: float) -> np.ndarray:
    return np.array([math.cos(angle), math.sin(angle)], dtype=np.float32)


def test_sts_spearman_monolingual_and_cross() -> None:
    # three pairs whose cosines decrease with the angle; gold scores decrease too
    gold = np.array([5.0, 3.0, 1.0])
    data = {
        "en": StsSet(["e1", "e2", "e3"], ["f1", "f2", "f3"], gold),
        "fr": StsSet(["x1", "x2", "x3"], ["y1", "y2", "y3"], gold),
    }
    table = {}
    for i, angle in enumerate([0.1, 0.8, 1.4], start=1):
        table[f"e{i}"] = table[f"x{i}"] = _unit(0.0)
        table[f"f{i}"] = _unit(angle)
        table[f"y{i}"] = _unit(-angle if i != 3 else 0.05)  # fr pair 3 looks most similar
    encoder = LookupEncoder(table)
    scores = sts_spearman(encoder, data, [("en", "en"), ("fr", "fr"), ("fr", "en"),
                                          ("nl", "en")], chunk_size=2)
    assert scores["en"] == pytest.approx(100.0)
    assert scores["fr"] == pytest.approx(-50.0)  # ranks (2,1,3) vs (1,2,3)
    assert scores["fr-en"] == pytest.approx(100.0)  # x_i with f_i
    assert "nl-en" not in scores  # no Dutch data loaded
    assert encoder.roles == {"query"}


def test_sts_language_gap_measures_and_removes_a_language_direction() -> None:
    # Random meanings; French sentences all carry the same extra direction.
    rng = np.random.default_rng(5)
    meaning = rng.normal(size=(40, 6)).astype(np.float32)
    table = {}
    for i in range(40):
        english = meaning[i].copy()
        french = meaning[i] + np.array([0, 0, 0, 0, 0, 2.5], dtype=np.float32)
        table[f"e{i}"] = english / np.linalg.norm(english)
        table[f"f{i}"] = french / np.linalg.norm(french)
    gold = np.zeros(40)
    data = {"en": StsSet([f"e{i}" for i in range(40)], ["-"] * 40, gold),
            "fr": StsSet([f"f{i}" for i in range(40)], ["-"] * 40, gold)}
    gaps = sts_language_gap(LookupEncoder(table), data, sample=40)
    assert gaps[0.0] > 0.1  # same-language sentences look alike
    assert abs(gaps[1.0]) < gaps[0.0] / 4  # much less once the direction is taken out
    assert sts_language_gap(LookupEncoder(table), {"en": data["en"]}) == {}


# -- the repository's second gradings -------------------------------------------------------------


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
