"""Cross-lingual word matching: word lists, the vocabulary table and the match maths against
brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from matcher.encoders import normalise_rows
from matcher.lexical import idf_weights
from matcher.wordmatch import (
    WordTable,
    chance_threshold,
    closest_words,
    content_words,
    word_forms,
    word_match,
)


def test_content_words_are_folded_distinct_and_without_function_words() -> None:
    text = "Nous cherchons une aide en Comptabilité pour notre ASBL ; comptabilite, 2024 !"
    assert content_words(text) == ["cherchons", "aide", "comptabilite", "asbl"]
    assert content_words("") == []
    assert content_words("Wij zoeken boekhoudhulp voor onze vzw") == ["zoeken", "boekhoudhulp"]
    # a dash or a middle dot between two words separates them
    assert content_words("tolken Tarifit–Nederlands") == ["tolken", "tarifit", "nederlands"]


def test_word_forms_keep_the_first_written_form() -> None:
    forms = word_forms("Écoles et écoles ; la comptabilité, Comptabilite")
    assert forms == {"ecoles": "écoles", "comptabilite": "comptabilité"}
    table = WordTable().extended(["ecoles", "puits"], np.ones((2, 3)), forms)
    assert table.form("ecoles") == "écoles" and table.form("puits") == "puits"
    assert table.forms == {"ecoles": "écoles"}


def test_a_word_table_grows_without_reordering() -> None:
    table = WordTable(["eau", "puits"], np.eye(2, 3, dtype=np.float16))
    assert table.missing([["puits", "forage"], ["forage", "ecole"]]) == ["forage", "ecole"]
    grown = table.extended(["forage", "ecole"], np.ones((2, 3), dtype=np.float32))
    assert grown.words == ["eau", "puits", "forage", "ecole"]
    assert [grown.position[w] for w in grown.words] == [0, 1, 2, 3]
    assert np.array_equal(grown.vectors[:2], table.vectors)
    rows = grown.rows([["ecole", "eau"], [], ["puits"]])
    assert rows.shape == (3, 4)
    assert [sorted(rows[i].indices.tolist()) for i in range(3)] == [[0, 3], [], [1]]
    assert table.extended([], np.zeros((0, 3))) is table


def test_rarer_words_weigh_more() -> None:
    rows = sparse.csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [1, 0, 0]], dtype=np.int8))
    idf = idf_weights(rows)
    assert idf[0] < idf[1] < idf[2]


def _brute_force(query, idf, vectors, words_of, threshold, full=1.0):
    scores, columns = [], []
    for words in words_of:
        best, which = [], []
        for q in query:
            close = [min(1.0, max(0.0, (float(q @ vectors[w]) - threshold) / (full - threshold)))
                     for w in words]
            top = max(close, default=0.0)
            best.append(top)
            which.append(words[int(np.argmax(close))] if top > 0 else -1)
        scores.append(float(np.dot(idf, best) / idf.sum()))
        columns.append(which)
    return np.array(scores), np.array(columns)


@pytest.mark.parametrize(("threshold", "full"), [(0.0, 1.0), (0.3, 1.0), (0.6, 1.0),
                                               (0.0, 0.4), (0.3, 0.5)])
def test_word_match_equals_brute_force(threshold: float, full: float) -> None:
    """Oracle: the vectorised match against a loop over every word; ``full`` below 1 counts
    every word from that cosine on as fully as the same word."""
    rng = np.random.default_rng(7)
    vectors = normalise_rows(rng.normal(size=(30, 8)).astype(np.float32))
    words_of = [sorted(rng.choice(30, size=int(rng.integers(0, 6)), replace=False).tolist())
                for _ in range(12)]
    words_of[3] = []  # an actor without a content word
    table = WordTable([f"w{i}" for i in range(30)], vectors)
    rows = table.rows([[f"w{i}" for i in words] for words in words_of])
    query = normalise_rows(rng.normal(size=(4, 8)).astype(np.float32))
    query[1] = vectors[5]  # a word of the registry: closeness 1 wherever it occurs
    idf = rng.uniform(1.0, 3.0, size=4)
    score, met = word_match(query, idf, table.vectors, rows, threshold, full)
    expected_score, expected_columns = _brute_force(
        query, idf, table.vectors.astype(np.float32), words_of, threshold, full)
    assert np.allclose(score, expected_score, atol=1e-3)
    assert score[3] == 0
    sims = query @ table.vectors.astype(np.float32).T
    used = sorted({w for words in words_of for w in words})
    if full < 1.0:  # every word at or above ``full`` for some query word, each once
        assert met.tolist() == [w for w in used if (sims[:, w] >= full).any()]
    if full < 1.0:  # the reasons' closest words keep the same word as the only full match
        return
    for row, words in enumerate(words_of):
        columns, closeness = closest_words(query, table.vectors, np.array(words, dtype=np.int64),
                                           threshold)
        assert columns.tolist() == expected_columns[row].tolist()
        assert ((closeness > 0) == (columns >= 0)).all()
        if 5 in words:
            assert closeness[1] == pytest.approx(1.0, abs=1e-2)


def test_word_match_without_words_scores_nothing() -> None:
    rows = sparse.csr_matrix((2, 0), dtype=np.int8)
    assert word_match(np.zeros((3, 4)), np.ones(3), np.zeros((0, 4)), rows, 0.5).scores.tolist() \
        == [0.0, 0.0]
    columns, closeness = closest_words(np.zeros((3, 4)), np.zeros((0, 4)),
                                       np.zeros(0, dtype=np.int64), 0.5)
    assert columns.tolist() == [-1, -1, -1] and closeness.tolist() == [0.0, 0.0, 0.0]


def test_the_chance_threshold_follows_the_encoders_scale() -> None:
    """The same words under an encoder that crowds every vector into one direction (as e5
    does) get a higher threshold, and in both cases the same share of pairs exceeds it."""
    rng = np.random.default_rng(3)
    spread = normalise_rows(rng.normal(size=(400, 16)).astype(np.float32))
    crowded = normalise_rows(spread + 3.0 * normalise_rows(np.ones((1, 16), np.float32)))
    pairs = np.triu_indices(400, k=1)
    for vectors in (spread, crowded):
        threshold = chance_threshold(vectors, share=0.05)
        above = float(((vectors @ vectors.T)[pairs] > threshold).mean())
        assert above == pytest.approx(0.05, abs=0.005)
    assert chance_threshold(crowded, 0.05) > chance_threshold(spread, 0.05) + 0.3
    assert chance_threshold(spread[:1], 0.05) == 0.5
