"""Hubness (CSLS) against brute force, and how the index keeps it up to date."""

from __future__ import annotations

import numpy as np
import pytest

import matcher.hubness as hubness_module
from matcher.encoders import CachedEncoder, normalise_rows
from matcher.hubness import hubness, reference_rows
from matcher.index import build_index, passage_positions, passage_spans, registry_hubness
from matcher.profile import validate_record
from tests.matcher.test_ranking import BagOfWordsEncoder


def _brute_force(vectors, owners, reference, reference_owners, k):
    out = []
    for vector, owner in zip(vectors, owners, strict=True):
        sims = sorted((float(vector @ other)
                       for other, other_owner in zip(reference, reference_owners, strict=True)
                       if other_owner != owner), reverse=True)
        out.append(np.mean(sims[:k]) if sims else 0.0)
    return np.asarray(out)


def _unit_rows(rng, n, d=16):
    return normalise_rows(rng.normal(size=(n, d)).astype(np.float32))


@pytest.mark.parametrize("k", [1, 3, 10])
def test_hubness_is_the_mean_cosine_with_the_nearest_other_actors(k):
    rng = np.random.default_rng(11)
    vectors = _unit_rows(rng, 40)
    owners = rng.integers(0, 12, 40)
    reference = _unit_rows(rng, 12)
    expected = _brute_force(vectors, owners, reference, np.arange(12), k)
    np.testing.assert_allclose(hubness(vectors, owners, reference, np.arange(12), k), expected,
                               atol=1e-5)


def test_hubness_is_the_same_in_blocks(monkeypatch: pytest.MonkeyPatch):
    rng = np.random.default_rng(2)
    vectors, reference = _unit_rows(rng, 50), _unit_rows(rng, 9)
    owners = rng.integers(0, 9, 50)
    whole = hubness(vectors, owners, reference, np.arange(9))
    monkeypatch.setattr(hubness_module, "BLOCK", 7)
    np.testing.assert_allclose(hubness(vectors, owners, reference, np.arange(9)), whole,
                               atol=1e-6)


def test_an_actor_alone_has_no_hubness():
    vectors = normalise_rows(np.ones((3, 4), dtype=np.float32))
    assert hubness(vectors, np.zeros(3, dtype=np.int64), vectors[:1],
                   np.zeros(1, dtype=np.int64)).tolist() == [0.0, 0.0, 0.0]
    assert hubness(vectors[:0], np.zeros(0, dtype=np.int64), vectors[:1],
                   np.zeros(1, dtype=np.int64)).shape == (0,)


def test_reference_is_everybody_up_to_its_size_then_an_even_sample():
    assert reference_rows(5, size=8).tolist() == [0, 1, 2, 3, 4]
    sample = reference_rows(1000, size=8)
    assert len(sample) == 8 and sample[0] == 0 and sample[-1] == 999
    assert np.array_equal(sample, reference_rows(1000, size=8))
    assert reference_rows(0).shape == (0,)


def test_passage_positions_list_each_rows_passages_in_order():
    start = np.array([0, 2, 3, 6, 6, 9])  # row 3 has no passage
    for rows in ([0, 1, 2, 3, 4], [4, 0], [3], [2, 2], []):
        expected = [p for r in rows for p in range(start[r], start[r + 1])]
        assert passage_positions(start, np.array(rows, dtype=np.int64)).tolist() == expected
        spans = passage_spans(start, np.array(rows, dtype=np.int64))
        assert spans.positions.tolist() == expected
        assert spans.lengths.tolist() == [start[r + 1] - start[r] for r in rows]
        assert spans.offsets.tolist() == [sum(spans.lengths[:i]) for i in range(len(rows))]


def test_registry_hubness_of_some_rows_equals_that_of_all_rows():
    rng = np.random.default_rng(4)
    profiles = _unit_rows(rng, 10)
    start = np.array([0, 2, 3, 6, 7, 9, 10, 12, 13, 15, 16])
    passages = _unit_rows(rng, 16)
    profile_all, passage_all = registry_hubness(profiles, passages, start, k=3)
    rows = np.array([2, 7])
    profile_some, passage_some = registry_hubness(profiles, passages, start, rows=rows, k=3)
    np.testing.assert_allclose(profile_some, profile_all[rows])
    np.testing.assert_allclose(passage_some, np.concatenate([passage_all[3:6],
                                                             passage_all[12:13]]))


def _registry(n, changed=()):
    return [validate_record({"id": f"a{i:03d}", "name": f"Actor {i}", "kind": "ngo",
                             "description": f"water wells {i} in villages. topic {i % 7} "
                                            f"{'changed' if i in changed else 'same'}."})
            for i in range(n)]


def test_a_large_registry_keeps_the_hubness_of_unchanged_actors(
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(hubness_module, "REFERENCE_SIZE", 10)
    encoder = CachedEncoder(BagOfWordsEncoder(), None)
    before = build_index(_registry(60), encoder)
    after = build_index(_registry(60, changed={5}), encoder, previous=before)
    fresh = build_index(_registry(60, changed={5}), encoder)
    kept = [r for r in range(60) if r != 5]
    np.testing.assert_array_equal(after.profile_hubness[kept], before.profile_hubness[kept])
    assert after.profile_hubness[5] == pytest.approx(fresh.profile_hubness[5], abs=1e-6)
    five = slice(after.passage_start[5], after.passage_start[6])
    np.testing.assert_allclose(after.passage_hubness[five], fresh.passage_hubness[five],
                               atol=1e-6)
    # Many changes: everything is measured again, as in a new index.
    many = build_index(_registry(60, changed=set(range(10))), encoder, previous=before)
    again = build_index(_registry(60, changed=set(range(10))), encoder)
    np.testing.assert_allclose(many.profile_hubness, again.profile_hubness, atol=1e-6)
    np.testing.assert_allclose(many.passage_hubness, again.passage_hubness, atol=1e-6)


def test_a_small_registry_is_always_measured_whole():
    encoder = CachedEncoder(BagOfWordsEncoder(), None)
    before = build_index(_registry(30), encoder)
    after = build_index(_registry(30, changed={3}), encoder, previous=before)
    fresh = build_index(_registry(30, changed={3}), encoder)
    np.testing.assert_allclose(after.profile_hubness, fresh.profile_hubness, atol=1e-6)
    np.testing.assert_allclose(after.passage_hubness, fresh.passage_hubness, atol=1e-6)


def test_an_actor_made_of_generic_sentences_no_longer_wins():
    """A profile written in the words everybody uses lies near every query; without the
    correction it outranks the one actor that drills wells, with it the driller comes first."""
    from dataclasses import replace

    from matcher.engine import query_from_text
    from matcher.ranking import Weights, rank

    common = "we work with partners and volunteers in brussels and abroad"
    texts = {"generic": f"{common}. {common} for projects. water and schools and health.",
             "wells": "drilling water wells and hand pumps in rural villages.",
             "schools": f"{common}. building schools and training teachers.",
             "health": f"{common}. health clinics and midwives.",
             "coffee": f"{common}. fair trade coffee."}
    encoder = CachedEncoder(BagOfWordsEncoder(), None)
    index = build_index([validate_record({"id": key, "name": key, "kind": "ngo",
                                          "description": text})
                         for key, text in texts.items()], encoder)
    query = query_from_text(encoder, "we work with partners on water wells in villages")
    semantic_only = Weights(geography=0, complementarity=0, look_alike=0, same_kind=0,
                            themes=0, lexical=0, text_lexical=0, close_words=0)
    first = {hub: rank(index, query, top=1, weights=replace(semantic_only, hubness=hub))[0]
             for hub in (0.0, 1.0)}
    assert first[0.0].profile.id == "generic"
    assert first[1.0].profile.id == "wells"
