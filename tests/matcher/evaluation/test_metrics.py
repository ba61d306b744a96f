"""Unit tests of matcher.evaluation.metrics: nDCG and recall against hand-computed values,
a second grader's grades scored as a ranking against brute force."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from matcher.evaluation import dcg_at_k, grades_as_ranking_scores, ndcg_at_k, recall_at_k
from tests.matcher.evaluation.conftest import LOG2_3


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
