"""Ranking maths on small hand-made registries, checked against brute force."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest

from matcher.encoders import CachedEncoder, normalise_rows
from matcher.engine import query_from_text
from matcher.index import build_index, reduce_profiles
from matcher.profile import validate_record
from matcher.ranking import (
    SCORE_PARTS,
    Filters,
    Weights,
    close_words,
    lexical_scores,
    rank,
    squash,
    town_match,
    translated_lexical,
)
from matcher.wordmatch import MAX_QUERY_WORDS


class BagOfWordsEncoder:
    """Deterministic word-hashing vectors: enough to test the ranking arithmetic."""

    name = "bag-of-words-test"
    dim = 64

    def encode(self, texts, role="passage"):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                slot = int(hashlib.md5(word.strip(".,:;").encode()).hexdigest(), 16) % self.dim
                out[i, slot] += 1.0
        return normalise_rows(out + 1e-3)


def actor(i, kind, text, countries=(), offers="", needs=""):
    return validate_record({"id": f"a{i}", "name": f"Actor {i}", "kind": kind,
                            "description": text, "countries": list(countries),
                            "offers": offers, "needs": needs})


PROFILES = [
    actor(0, "ngo", "water wells and sanitation in villages. health training.", ["CD"]),
    actor(1, "ngo", "water wells and sanitation in villages. health clinics.", ["CD"]),
    actor(2, "ngo", "water wells and sanitation in villages. school latrines.", ["CD"]),
    actor(3, "commune", "twinning with Kintambo. civil registration and water supply.", ["CD"],
          offers="civil registration expertise", needs="diaspora relay in Kintambo"),
    actor(4, "diaspora", "congolese diaspora from Kintambo. cultural events.", ["CD"],
          offers="diaspora relay in Kintambo", needs="civil registration expertise"),
    actor(5, "association", "music lessons for children in Jette.", []),
    actor(6, "ngo", "fair trade coffee cooperatives.", ["PE"]),
]


@pytest.fixture(scope="module")
def encoder():
    return CachedEncoder(BagOfWordsEncoder(), None)


@pytest.fixture(scope="module")
def index(encoder):
    return build_index(PROFILES, encoder)


def text_query(encoder, text):
    return query_from_text(encoder, text)


def _mean_of_nearest_others(vector, row, profile_vectors, k=10):
    sims = sorted((float(vector @ other) for j, other in enumerate(profile_vectors) if j != row),
                  reverse=True)
    return float(np.mean(sims[:k]))


@pytest.mark.parametrize("hubness", [0.0, 1.0, 0.5])
def test_semantic_part_matches_brute_force(index, encoder, hubness):
    query = text_query(encoder, "water wells for villages")
    weights = Weights(geography=0, complementarity=0, look_alike=0, same_kind=0, themes=0,
                      lexical=0, text_lexical=0, close_words=0, hubness=hubness)
    results = rank(index, query, top=len(PROFILES), weights=weights)
    vectors = index.profile_vectors
    coarse = np.array([float(vectors[r] @ query.vector)
                       - hubness * _mean_of_nearest_others(vectors[r], r, vectors)
                       for r in range(len(PROFILES))])
    mean, std = coarse.mean(), coarse.std() + 1e-6
    for match in results:
        row = index.row_of[match.profile.id]
        passages = index.passages(row).astype(np.float32)
        hubs = np.array([_mean_of_nearest_others(p, row, vectors) for p in passages])
        best = (query.passage_vectors @ passages.T - hubness * hubs).max(axis=1).mean()
        expected = weights.semantic * squash((0.5 * coarse[row] + 0.5 * best - mean) / std)
        assert match.parts["semantic"] == pytest.approx(float(expected), abs=1e-5)
        assert match.score == pytest.approx(match.parts["semantic"], abs=1e-6)


def test_small_candidate_pool_gives_the_same_top(index, encoder):
    query = text_query(encoder, "water sanitation Kintambo")
    full = rank(index, query, top=3, weights=Weights(pool=len(PROFILES)))
    small = rank(index, query, top=3, weights=Weights(pool=3))
    assert [m.profile.id for m in full] == [m.profile.id for m in small]


def test_scores_never_increase_down_the_list(index, encoder):
    results = rank(index, text_query(encoder, "water health children Kintambo"), top=7)
    scores = [m.score for m in results]
    assert scores == sorted(scores, reverse=True)
    assert len(results) == len(PROFILES)


def test_filters_are_hard_constraints(index, encoder):
    query = text_query(encoder, "water")
    ids = lambda f: {m.profile.id for m in rank(index, query, f, top=10)}  # noqa: E731
    assert ids(Filters(kinds=frozenset({"commune", "diaspora"}))) == {"a3", "a4"}
    assert ids(Filters(countries=frozenset({"PE"}))) == {"a6"}
    assert "a0" not in ids(Filters(exclude=frozenset({"a0"})))
    assert ids(Filters(countries=frozenset({"BR"}))) == set()


def test_every_result_lists_the_score_parts_in_order(index, encoder):
    for match in rank(index, text_query(encoder, "a project in Kintambo"), top=7):
        assert tuple(match.parts) == SCORE_PARTS
        assert match.score == pytest.approx(sum(match.parts.values()), abs=1e-6)


def test_geography_counts_countries_and_towns(index, encoder):
    query = text_query(encoder, "a project in Kintambo")
    weights = Weights()
    results = {m.profile.id: m for m in rank(index, query, top=7, weights=weights)}
    # country and same town
    assert results["a3"].parts["geography"] == pytest.approx(weights.geography)
    # country only
    assert results["a0"].parts["geography"] == pytest.approx(
        weights.geography * (1 - weights.town_share))
    assert results["a5"].parts["geography"] == 0
    assert any("Kintambo" in r.render("en") for r in results["a3"].reasons)


def test_a_service_rendered_in_brussels_halves_the_partner_country(index, encoder):
    weights = Weights()
    # Statutes are written in Brussels: Congo is where the projects are, not the partnership.
    service = text_query(encoder, "our new association in Congo needs help with its statutes")
    project = text_query(encoder, "our new association needs water wells in Congo")
    assert service.places.countries == project.places.countries == {"CD"}
    by_id = {m.profile.id: m for m in rank(index, service, top=7, weights=weights)}
    assert by_id["a0"].parts["geography"] == pytest.approx(
        weights.geography * weights.service_geography * (1 - weights.town_share))
    by_id = {m.profile.id: m for m in rank(index, project, top=7, weights=weights)}
    assert by_id["a0"].parts["geography"] == pytest.approx(
        weights.geography * (1 - weights.town_share))


def test_diversity_lifts_a_different_kind_above_repeats_of_one_kind(index, encoder):
    query = text_query(encoder, "water wells and sanitation in villages")
    plain = rank(index, query, top=3, weights=Weights(look_alike=0, same_kind=0))
    diverse = rank(index, query, top=3, weights=Weights(same_kind=0.2))
    assert [m.profile.kind for m in plain] == ["ngo", "ngo", "ngo"]
    assert len({m.profile.kind for m in diverse}) > 1
    assert all(m.parts["diversity"] <= 0 for m in diverse)


def test_only_near_duplicates_count_as_look_alikes(encoder):
    twin = validate_record({**PROFILES[0].to_dict(), "id": "a7"})
    index = build_index([*PROFILES, twin], encoder)
    query = text_query(encoder, "water wells and sanitation in villages")
    weights = Weights(look_alike=0.5, same_kind=0)
    by_id = {m.profile.id: m for m in rank(index, query, top=8, weights=weights)}
    twins = sorted([by_id["a0"], by_id["a7"]], key=lambda m: m.parts["diversity"])
    # The second copy of one text is lowered; a1 and a2, NGOs on the same topic with other
    # sentences, are relevant partners in their own right and keep their score.
    assert twins[0].parts["diversity"] < -0.4
    assert twins[1].parts["diversity"] == 0
    assert by_id["a1"].parts["diversity"] == by_id["a2"].parts["diversity"] == 0
    everyone = rank(index, query, top=4, weights=Weights(look_alike=0.5, same_kind=0,
                                                         near_duplicate=0))
    assert sum(m.parts["diversity"] < 0 for m in everyone) > 1


def test_an_advisory_council_counts_less_unless_the_text_names_one(encoder):
    council = actor(8, "advisory_council", "water wells and sanitation in villages. advice.",
                    ["CD"])
    index = build_index([*PROFILES, council], encoder)
    weights = Weights()

    def kind_part(text, filters=None):
        by_id = {m.profile.id: m for m in rank(index, text_query(encoder, text),
                                               filters or Filters(), top=8, weights=weights)}
        return by_id["a8"].parts["kind"], by_id["a8"]

    lowered, match = kind_part("water wells and sanitation in villages")
    assert lowered == pytest.approx(-weights.unrequested_council)
    assert match.score == pytest.approx(sum(match.parts.values()))
    asked, _ = kind_part("we zoeken een adviesraad voor water wells and sanitation")
    assert asked == pytest.approx(weights.requested_kind)
    named, _ = kind_part("Quel conseil consultatif connaît les water wells ?")
    assert named == 0  # named in a question, not read as a request: not lowered either
    filtered, _ = kind_part("water wells", Filters(kinds=frozenset({"advisory_council"})))
    assert filtered == 0
    # Partners of a registered actor: a council is as often relevant as another kind.
    from matcher.engine import Matcher

    query = Matcher.actor_query(None, index, index.row_of["a0"])  # type: ignore[arg-type]
    by_id = {m.profile.id: m for m in rank(index, query, Filters(exclude=frozenset({"a0"})),
                                           top=8, weights=weights)}
    assert by_id["a8"].parts["kind"] == 0


def test_partners_of_an_actor_play_another_role(index, encoder):
    from matcher.engine import Matcher

    weights = Weights()
    query = Matcher.actor_query(None, index, index.row_of["a0"])  # type: ignore[arg-type]
    by_id = {m.profile.id: m for m in rank(index, query, Filters(exclude=frozenset({"a0"})),
                                           top=6, weights=weights)}
    assert by_id["a1"].parts["peer"] == pytest.approx(-weights.peer)  # another water NGO
    assert by_id["a3"].parts["peer"] == 0  # a commune
    assert by_id["a1"].score == pytest.approx(sum(by_id["a1"].parts.values()))
    # A text names no requester kind: nobody is a peer.
    text = rank(index, text_query(encoder, "water wells and sanitation in villages"), top=6)
    assert all(m.parts["peer"] == 0 for m in text)


def test_a_candidate_that_seeks_the_actors_kind_says_so(encoder):
    from matcher.engine import Matcher

    profiles = [*PROFILES,
                actor(7, "association", "school supplies for Kintambo.", ["CD"],
                      needs="We look for a commune partner for our school project.")]
    index = build_index(profiles, encoder)
    weights = Weights()

    def partners(actor_id):
        query = Matcher.actor_query(None, index, index.row_of[actor_id])  # type: ignore[arg-type]
        return {m.profile.id: m for m in rank(index, query, Filters(
            exclude=frozenset({actor_id})), top=7, weights=weights)}

    for_commune = partners("a3")["a7"]
    assert for_commune.parts["kind"] == 0  # said, not scored
    assert "Looks for a partner of your kind: commune" in [
        r.render("en") for r in for_commune.reasons]
    assert "Zoekt een partner van uw type: gemeente" in [
        r.render("nl") for r in for_commune.reasons]
    for_ngo = partners("a0")["a7"]  # an NGO is not what it asks for
    assert all(r.code != "seeks_your_kind" for r in for_ngo.reasons)
    # A text query has no kind of its own.
    text = rank(index, text_query(encoder, "school supplies for Kintambo"), top=8)
    assert all(r.code != "seeks_your_kind" for m in text for r in m.reasons)


def test_a_text_query_counts_its_themes_in_a_candidates_offers(encoder):
    # Same description, same theme in the profile; only one of the two offers it.
    profiles = [actor(0, "expert", "trainer for municipal staff. gender and budgets.",
                      offers="gender training for municipal staff"),
                actor(1, "expert", "trainer for municipal staff. gender and budgets.",
                      offers="translation of documents")]
    index = build_index(profiles, encoder)
    weights = Weights()
    query = text_query(encoder, "Nous cherchons une formation sur le genre.")
    assert query.concepts
    by_id = {m.profile.id: m for m in rank(index, query, top=2, weights=weights)}
    without = {m.profile.id: m for m in rank(index, query, top=2,
                                             weights=Weights(offered_themes=0.0))}
    assert by_id["a0"].parts["complementarity"] == pytest.approx(
        without["a0"].parts["complementarity"] + weights.offered_themes)
    assert by_id["a1"].parts["complementarity"] == without["a1"].parts["complementarity"]
    assert by_id["a0"].parts["themes"] == by_id["a1"].parts["themes"]
    assert any(r.code == "offers_for_need" for r in by_id["a0"].reasons)
    # A registered actor's partners do not use it (measured neutral there).
    from matcher.engine import Matcher

    partners = rank(index, Matcher.actor_query(None, index, 1),  # type: ignore[arg-type]
                    Filters(exclude=frozenset({"a1"})), top=1, weights=Weights(
                        offered_themes=10.0))
    assert partners[0].parts["complementarity"] < 1.0


def test_a_theme_an_actor_only_needs_is_not_called_shared_for_a_text(encoder):
    profiles = [actor(0, "association", "youth centre in Anderlecht.",
                      needs="a gender training for our staff"),
                actor(1, "expert", "youth centre trainer. gender equality.")]
    index = build_index(profiles, encoder)
    query = text_query(encoder, "Nous cherchons une formation sur le genre.")
    by_id = {m.profile.id: m for m in rank(index, query, top=2)}
    assert all(r.code != "shared_themes" for r in by_id["a0"].reasons)
    assert any(r.code == "shared_themes" for r in by_id["a1"].reasons)
    # For a registered actor's partners, a theme the candidate needs still meets it.
    from matcher.engine import Matcher

    partners = rank(index, Matcher.actor_query(None, index, 1),  # type: ignore[arg-type]
                    Filters(exclude=frozenset({"a1"})), top=1)
    assert any(r.code == "shared_themes" for r in partners[0].reasons)


def test_complementary_offers_and_needs(index):
    from matcher.engine import Matcher

    row = index.row_of["a3"]
    query = Matcher.actor_query(None, index, row)  # type: ignore[arg-type]
    results = rank(index, query, Filters(exclude=frozenset({"a3"})), top=6)
    top = results[0]
    assert top.profile.id == "a4"
    assert top.parts["complementarity"] == max(m.parts["complementarity"] for m in results)
    assert top.parts["complementarity"] > 0.05
    rendered = [r.render("en") for r in top.reasons]
    assert any(r.startswith("Offers what is needed") or r.startswith("Needs what you offer")
               for r in rendered)
    assert any(r.startswith("Complementary role") for r in rendered)


def test_theme_part_uses_the_multilingual_thesaurus(index, encoder):
    query = text_query(encoder, "Nous voulons creuser des puits")  # French for "wells"
    results = {m.profile.id: m for m in rank(index, query, top=7)}
    assert results["a0"].parts["themes"] == pytest.approx(Weights().themes)
    assert results["a5"].parts["themes"] == 0
    assert any(r.render("fr") == "Thèmes communs : eau potable" for r in results["a0"].reasons)


def test_empty_index_and_zero_top(encoder):
    empty = build_index([], encoder)
    query = text_query(encoder, "water")
    assert rank(empty, query) == []


def test_incremental_index_equals_a_full_rebuild(index, encoder):
    changed = [*PROFILES[:2], actor(2, "ngo", "school latrines and hand washing.", ["SN"]),
               *PROFILES[4:], actor(9, "expert", "civil registration expert.", ["BJ"])]
    incremental = build_index(changed, encoder, previous=index)
    full = build_index(changed, encoder)
    for name in ("profile_vectors", "passage_vectors", "passage_start", "offer_vectors",
                 "need_vectors", "has_offer", "has_need", "kind_codes", "concepts"):
        assert np.array_equal(getattr(incremental, name), getattr(full, name)), name
    assert incremental.passage_texts == full.passage_texts
    assert incremental.places == full.places
    assert incremental.row_of == full.row_of


def test_reduced_first_pass_is_exact_with_every_dimension() -> None:
    rng = np.random.default_rng(3)
    vectors = normalise_rows(rng.normal(size=(300, 32)).astype(np.float32))
    reduced = reduce_profiles(vectors, dims=32, sample=300)
    query = vectors[7]
    np.testing.assert_allclose(reduced.vectors @ (reduced.basis @ query), vectors @ query,
                               atol=1e-5)
    assert reduced.calibration_vectors.shape[1] == 32


def test_reduced_first_pass_keeps_the_main_directions() -> None:
    """Vectors around 20 topics plus noise: 24 of 64 dimensions keep, in a short-list of 200,
    the 20 nearest neighbours found by brute force."""
    rng = np.random.default_rng(5)
    centres = normalise_rows(rng.normal(size=(20, 64)).astype(np.float32))
    vectors = normalise_rows(centres[rng.integers(0, 20, 2000)]
                             + 0.05 * rng.normal(size=(2000, 64)).astype(np.float32))
    reduced = reduce_profiles(vectors, dims=24, sample=500)
    for query in vectors[:20]:
        exact = set(np.argsort(-(vectors @ query))[:20])
        pool = set(np.argsort(-(reduced.vectors @ (reduced.basis @ query)))[:200])
        assert exact <= pool


def test_large_registries_rank_through_the_reduced_first_pass(
        encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    import matcher.index as index_module

    monkeypatch.setattr(index_module, "REDUCE_FROM", 5)
    monkeypatch.setattr(index_module, "FIRST_PASS_DIMS", 16)
    reduced_index = build_index(PROFILES, encoder)
    assert reduced_index.first_pass is not None
    assert len(reduced_index.first_pass.vectors) == len(PROFILES)
    monkeypatch.setattr(index_module, "REDUCE_FROM", 10**9)
    exact_index = build_index(PROFILES, encoder)
    assert exact_index.first_pass is None
    query = query_from_text(encoder.encoder, "water wells and sanitation in Kintambo villages")
    reduced = [m.profile.id for m in rank(reduced_index, query, top=3)]
    exact = [m.profile.id for m in rank(exact_index, query, top=3)]
    assert reduced == exact


def test_each_need_of_an_actor_is_answered_on_its_own(tmp_path) -> None:
    """Complementarity takes the best-answered need: with two needs, a partner that answers
    the second scores at least as it would for that need alone (not for the blur of both)."""
    import dataclasses

    from matcher.engine import Matcher
    from matcher.settings import Settings

    matcher = Matcher(Settings(db_path=tmp_path / "soliris.db"), encoder=BagOfWordsEncoder())
    matcher.upsert([
        actor(10, "commune", "twinning with a town.",
              needs="civil registration archives training for the town hall clerks; "
                    "solar pump repair crews for the village water points"),
        actor(11, "expert", "an engineer.",
              offers="solar pump repair crews for the village water points"),
        *[actor(20 + i, "association", f"unrelated work number {i}.",
                offers=f"music lessons group {i}") for i in range(6)],
    ])
    index = matcher.index()
    both = matcher.actor_query(index, index.row_of["a10"])
    assert both.need_vector.shape[0] == 2  # one row per need
    second_only = dataclasses.replace(both, need_vector=both.need_vector[1:])
    exclude = Filters(exclude=frozenset({"a10"}))
    with_both = {m.profile.id: m for m in rank(index, both, exclude, top=7)}
    with_second = {m.profile.id: m for m in rank(index, second_only, exclude, top=7)}
    assert with_both["a11"].parts["complementarity"] >= \
        with_second["a11"].parts["complementarity"] - 1e-9
    assert with_both["a11"].parts["complementarity"] > 0.5 * Weights().complementarity
    assert any(r.code == "offers_for_need" for r in with_both["a11"].reasons)


def test_a_candidate_needing_what_an_actor_does_is_complementary(tmp_path) -> None:
    """An actor's ``offers`` may list coaching while its work is the product a candidate needs:
    the candidate's needs are also matched with the actor's whole profile."""
    from matcher.engine import Matcher
    from matcher.settings import Settings

    matcher = Matcher(Settings(db_path=tmp_path / "soliris.db"), encoder=BagOfWordsEncoder())
    matcher.upsert([
        actor(10, "ngo", "women groups process mango and millet into dried products.",
              offers="bookkeeping coaching sessions"),
        actor(11, "association", "a fair shop in Etterbeek.",
              needs="dried mango and millet products processed by women groups"),
        *[actor(20 + i, "association", f"unrelated work number {i}.",
                needs=f"music teachers for group {i}") for i in range(6)],
    ])
    index = matcher.index()
    results = {m.profile.id: m for m in rank(index, matcher.actor_query(index, index.row_of["a10"]),
                                            Filters(exclude=frozenset({"a10"})), top=7)}
    shop = results["a11"]
    assert any(r.code == "needs_your_work" for r in shop.reasons)
    assert shop.parts["complementarity"] > max(m.parts["complementarity"]
                                               for key, m in results.items() if key != "a11")


def test_sharing_a_district_counts_more_than_sharing_its_city() -> None:
    weights = Weights()
    query = frozenset({"Kintambo"})
    assert town_match(query, frozenset({"Kintambo"}), weights) == 1.0
    # Kalamu is another district of Kinshasa: only the city is shared.
    assert town_match(query, frozenset({"Kalamu"}), weights) == weights.broader_town
    assert town_match(query, frozenset({"Kinshasa"}), weights) == weights.broader_town
    # A query on the city finds an actor in one of its districts.
    assert town_match(frozenset({"Kinshasa"}), frozenset({"Kalamu"}), weights) == 1.0
    # A place the query names counts in full, even next to one of its districts.
    assert town_match(frozenset({"Kintambo", "Kinshasa"}), frozenset({"Kinshasa"}),
                      weights) == 1.0
    assert town_match(query, frozenset({"Goma"}), weights) == 0.0


def test_towns_lie_in_provinces_and_regions() -> None:
    weights = Weights()
    # Goma lies in Nord-Kivu, which lies in Kivu; Bukavu in Sud-Kivu, also in Kivu.
    assert town_match(frozenset({"Nord-Kivu"}), frozenset({"Goma"}), weights) == 1.0
    assert town_match(frozenset({"Goma"}), frozenset({"Nord-Kivu"}), weights) == \
        weights.broader_town
    assert town_match(frozenset({"Goma"}), frozenset({"Bukavu"}), weights) == \
        weights.broader_town ** 2
    assert town_match(frozenset({"Casamance"}), frozenset({"Ziguinchor"}), weights) == 1.0
    assert town_match(frozenset({"Casamance"}), frozenset({"Mbour"}), weights) == 0.0


def test_a_region_query_finds_an_actor_named_by_its_town(index, encoder):
    actors = [actor(20, "ngo", "Nous formons des infirmiers à Goma.", ["CD"]),
              actor(21, "ngo", "Nous formons des infirmiers à Kinshasa.", ["CD"])]
    small = build_index(actors, encoder)
    by_id = {m.profile.id: m for m in rank(small, text_query(encoder,
                                                             "formation au Nord-Kivu"), top=2)}
    weights = Weights()
    assert by_id["a20"].parts["geography"] == pytest.approx(weights.geography)
    assert by_id["a21"].parts["geography"] == pytest.approx(
        weights.geography * (1 - weights.town_share))
    assert any(r.render("en") == "Same partner town or region: Nord-Kivu"
               for r in by_id["a20"].reasons)


def test_the_quoted_sentence_comes_from_the_description(index, encoder):
    # Actor 4's needs repeat the query word for word; the complementarity reason quotes them,
    # the passage reason quotes its description.
    query = text_query(encoder, "civil registration expertise")
    by_id = {m.profile.id: m for m in rank(index, query, top=len(PROFILES))}
    quoted = [r.params["text"] for r in by_id["a4"].reasons if r.code == "passage"]
    assert quoted and all(q in PROFILES[4].description for q in quoted)


def _words_of(index):
    return [sorted(index.words.words[c] for c in index.word_rows[row].indices)
            for row in range(len(index))]


def test_an_index_rebuilt_from_a_previous_one_has_the_same_words(encoder):
    first = build_index(PROFILES[:5], encoder)
    changed = [*PROFILES[:3],
               dataclasses.replace(PROFILES[3], description="jumelage scolaire avec Kintambo"),
               *PROFILES[4:]]
    incremental = build_index(changed, encoder, previous=first)
    full = build_index(changed, encoder)
    assert _words_of(incremental) == _words_of(full)
    assert "jumelage" in _words_of(incremental)[3] and "twinning" not in _words_of(full)[3]
    assert np.allclose(incremental.word_weights(["water", "jumelage", "unknown"]),
                       full.word_weights(["water", "jumelage", "unknown"]))


def test_a_long_text_keeps_its_rarest_words(index, encoder):
    common = ["water", "wells", "sanitation", "villages"]  # in three actors each
    rare = [f"zzword{i:02d}" for i in range(MAX_QUERY_WORDS)]  # in no actor
    query = query_from_text(encoder, " ".join(common + rare), index)
    assert sorted(query.words) == sorted(rare)
    assert query.word_vectors.shape == (MAX_QUERY_WORDS, encoder.dim)
    assert query_from_text(encoder, "de la et").words == ()


def test_translations_join_the_exact_words_of_a_text(index, encoder):
    """A word of the candidates that meets one of the text's words in full joins the text's
    exact words: the actor that writes it gains on the exact-word part, the others do not."""
    query = text_query(encoder, "clinics for children")
    words = close_words(index, query, np.arange(len(index)), Weights())
    plain = lexical_scores(index, query)
    joined = translated_lexical(index, query, dataclasses.replace(words, translations=("music",)),
                                Weights())
    assert joined is not None
    music = [i for i, p in enumerate(PROFILES) if "music" in p.description]
    assert music == [5]
    assert joined[5] > plain[5]
    assert translated_lexical(index, query, dataclasses.replace(words, translations=()),
                              Weights()) is None
    assert translated_lexical(index, query, dataclasses.replace(words, translations=("music",)),
                              Weights(translated_words=0.0)) is None
