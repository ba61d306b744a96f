"""Ranking metrics of the evaluation: :func:`dcg_at_k`, :func:`ndcg_at_k` and
:func:`recall_at_k`; :func:`grades_as_ranking_scores`, a second grader's labels scored as a
ranking; and :func:`ratio`, a division for report tables."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence


def dcg_at_k(ranked_ids: Sequence[str], graded_relevance: Mapping[str, int], k: int = 5) -> float:
    """Discounted cumulative gain of the first ``k`` ids: sum of (2^rel - 1) / log2(rank + 1),
    rank counted from 1; ids without a grade have relevance 0."""
    return sum((2 ** graded_relevance.get(actor_id, 0) - 1) / math.log2(rank + 2)
               for rank, actor_id in enumerate(ranked_ids[:k]))


def ideal_dcg_at_k(graded_relevance: Mapping[str, int], k: int = 5) -> float:
    """DCG@k of the ideal ranking: the graded labels sorted by grade."""
    ideal_grades = sorted((g for g in graded_relevance.values() if g > 0), reverse=True)[:k]
    return sum((2 ** g - 1) / math.log2(rank + 2) for rank, g in enumerate(ideal_grades))


def ndcg_at_k(ranked_ids: Sequence[str], graded_relevance: Mapping[str, int], k: int = 5) -> float:
    """Normalised DCG@k in [0, 1]: DCG of the ranking divided by the DCG of the ideal ranking
    (the graded labels sorted by grade). 0.0 when nothing is relevant."""
    ideal = ideal_dcg_at_k(graded_relevance, k)
    if ideal <= 0:
        return 0.0
    return dcg_at_k(ranked_ids, graded_relevance, k) / ideal


def recall_at_k(ranked_ids: Sequence[str], relevant_ids: Iterable[str], k: int = 5) -> float:
    """Share of the relevant ids found in the first ``k`` ranked ids (|found| / |relevant|;
    0.0 when nothing is relevant). With more than ``k`` relevant ids it cannot reach 1."""
    relevant = set(relevant_ids)
    if not relevant:
        return 0.0
    return len(relevant & set(ranked_ids[:k])) / len(relevant)


def grades_as_ranking_scores(grades: Mapping[str, int], graded_relevance: Mapping[str, int],
                             k: int = 5) -> tuple[float, float]:
    """Expected nDCG@k and recall@k, against ``graded_relevance``, of the ranking that lists the
    actors of ``grades`` best grade first and in random order within a grade: how well a second
    grader's labels, used as a ranking, agree with the first grader's. Exact (the mean over
    every order within grades), not sampled: an actor of a tied group of ``n`` that spans ranks
    ``r .. r+n-1`` sits at each of them with probability 1/n."""
    ideal = ideal_dcg_at_k(graded_relevance, k)
    relevant = [actor_id for actor_id, g in graded_relevance.items() if g > 0]
    gain = found = 0.0
    start = 0
    for grade in sorted({g for g in grades.values() if g > 0}, reverse=True):
        tied = [actor_id for actor_id, g in grades.items() if g == grade]
        ranks = range(start, min(start + len(tied), k))
        mean_discount = sum(1 / math.log2(rank + 2) for rank in ranks) / len(tied)
        in_top = len(ranks) / len(tied)
        gain += mean_discount * sum(2 ** graded_relevance.get(a, 0) - 1 for a in tied)
        found += in_top * sum(1 for a in tied if graded_relevance.get(a, 0) > 0)
        start += len(tied)
    return (gain / ideal if ideal > 0 else 0.0), (found / len(relevant) if relevant else 0.0)


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, ``inf`` for a zero denominator (``nan`` when both are zero)."""
    if denominator == 0:
        return math.nan if numerator == 0 else math.inf
    return numerator / denominator
