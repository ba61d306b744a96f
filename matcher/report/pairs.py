"""All-pairs suggestions in blocks, and the strongest synergies across kinds.

Every actor's suggestions come from :func:`matcher.ranking.rank`, the one ranking code path,
called exactly as :meth:`matcher.engine.Matcher.suggest` calls it; only the coarse profile
similarities are computed here, a block of rows at a time (``block × n`` floats, never the
``n × n`` matrix), and passed to ``rank`` as ``coarse``.
"""

from __future__ import annotations

import heapq
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from matcher.engine import Matcher
from matcher.index import Index
from matcher.ranking import COMPLEMENTARY_KINDS, Filters, Match, rank

BLOCK_ROWS = 256
Progress = Callable[[int, int], None]


def iter_suggestions(matcher: Matcher, index: Index, top: int,
                     progress: Progress | None = None, block_rows: int = BLOCK_ROWS,
                     workers: int = 1) -> Iterator[tuple[int, list[Match]]]:
    """Yield ``(row, matches)`` for every actor of ``index`` in row order (= id order).

    ``workers`` > 1 ranks blocks in that many forked processes (Linux; they share the index
    copy-on-write), a few blocks ahead of the caller; the results are the same as with one.
    """
    n = len(index)
    starts = range(0, n, block_rows)
    if workers > 1 and len(starts) > 1 and _can_fork():
        blocks: Iterator[list[tuple[int, list[Match]]]] = _forked_blocks(
            matcher, index, top, block_rows, workers)
    else:
        blocks = (_rank_block(matcher, index, top, start, min(start + block_rows, n))
                  for start in starts)
    for start, block in zip(starts, blocks, strict=True):
        yield from block
        if progress is not None:
            progress(min(start + block_rows, n), n)


def _rank_block(matcher: Matcher, index: Index, top: int, start: int, stop: int
                ) -> list[tuple[int, list[Match]]]:
    vectors = index.profile_vectors
    sims = vectors[start:stop] @ vectors.T  # (block, n) float32: bounded memory
    # One actor's ranking is many small matrix products: a second BLAS thread only adds
    # synchronisation (several times slower on a busy 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        out = []
        for offset in range(stop - start):
            row = start + offset
            filters = Filters(exclude=frozenset({index.profiles[row].id}))
            out.append((row, rank(index, matcher.actor_query(index, row), filters, top,
                                  matcher.weights, coarse=sims[offset])))
    return out


# -- worker processes ---------------------------------------------------------------------

_SHARED: tuple[Matcher, Index, int, int] | None = None  # set before forking the workers


def _can_fork() -> bool:
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


def _worker_init() -> None:
    threadpool_limits(limits=1)  # one process per core: one thread each


def _worker_block(start: int) -> list[tuple[int, list[Match]]]:
    assert _SHARED is not None
    matcher, index, top, block_rows = _SHARED
    return _rank_block(matcher, index, top, start, min(start + block_rows, len(index)))


def _forked_blocks(matcher: Matcher, index: Index, top: int, block_rows: int, workers: int
                   ) -> Iterator[list[tuple[int, list[Match]]]]:
    global _SHARED
    _SHARED = (matcher, index, top, block_rows)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_worker_init) as pool:
            starts = iter(range(0, len(index), block_rows))
            pending: deque[Any] = deque(pool.apply_async(_worker_block, (start,))
                                        for start in islice(starts, 2 * workers))
            while pending:
                block = pending.popleft().get()
                following = next(starts, None)
                if following is not None:  # keep a bounded number of blocks in flight
                    pending.append(pool.apply_async(_worker_block, (following,)))
                yield block
    finally:
        _SHARED = None


def is_cross_kind(kind_a: str, kind_b: str) -> bool:
    """Two kinds whose meeting the engine treats as complementary (commune ↔ diaspora...)."""
    return kind_a != kind_b and frozenset((kind_a, kind_b)) in COMPLEMENTARY_KINDS


@dataclass(frozen=True)
class Synergy:
    """A suggested pair of complementary kinds, seen from the direction that scored best."""

    source: int
    target: int
    match: Match
    mutual: bool

    @property
    def score(self) -> float:
        return self.match.score


class SynergyCollector:
    """Keeps the best cross-kind suggestions while the actors stream past (bounded memory).

    A pair can be suggested in both directions, so the ``2 × limit`` best directed suggestions
    always hold the ``limit`` best pairs (a pair's score is the better of its two directions).
    Ties are broken by row, and rows follow ids, so the result is deterministic.
    """

    def __init__(self, index: Index, limit: int):
        self.index = index
        self.limit = limit
        self._heap: list[tuple[tuple[float, int, int], Match]] = []

    def add(self, row: int, matches: list[Match]) -> None:
        if self.limit <= 0:
            return
        kind = self.index.profiles[row].kind
        for match in matches:
            if not is_cross_kind(kind, match.profile.kind):
                continue
            target = self.index.row_of[match.profile.id]
            item = ((match.score, -row, -target), match)
            if len(self._heap) < 2 * self.limit:
                heapq.heappush(self._heap, item)
            elif item[0] > self._heap[0][0]:
                heapq.heapreplace(self._heap, item)

    def result(self, targets: np.ndarray) -> list[Synergy]:
        """The best pairs, strongest first; ``targets[row]`` lists each row's suggested rows
        (-1 padded) to tell mutual suggestions."""
        ordered = sorted(self._heap, key=lambda item: item[0], reverse=True)
        seen: set[tuple[int, int]] = set()
        out: list[Synergy] = []
        for (_, neg_source, neg_target), match in ordered:
            source, target = -neg_source, -neg_target
            pair = (min(source, target), max(source, target))
            if pair in seen:
                continue
            seen.add(pair)
            mutual = bool((targets[target] == source).any())
            out.append(Synergy(source, target, match, mutual))
            if len(out) == self.limit:
                break
        return out
