"""All-pairs suggestions in blocks, and the strongest synergies across kinds.

Every actor's suggestions come from :func:`matcher.ranking.rank`, the one ranking code path,
called exactly as :meth:`matcher.engine.Matcher.suggest` calls it; only the coarse profile
similarities are computed here, a block of rows at a time (``block × n`` floats, never the
``n × n`` matrix), and passed to ``rank`` as ``coarse``.
"""

from __future__ import annotations

import contextlib
import heapq
import multiprocessing
import signal
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from matcher.engine import Matcher
from matcher.errors import SolirisError
from matcher.index import Index
from matcher.progress import Progress
from matcher.ranking import COMPLEMENTARY_KINDS, Filters, Match, rank
from matcher.settings import usable_cores

BLOCK_ROWS = 256


def iter_suggestions(matcher: Matcher, index: Index, top: int,
                     progress: Progress | None = None, block_rows: int | None = None,
                     workers: int = 1) -> Generator[tuple[int, list[Match]], None, None]:
    """Yield ``(row, matches)`` for every actor of ``index`` in row order (= id order).

    ``workers`` > 1 ranks blocks (of ``block_rows``, default ``BLOCK_ROWS``) in forked
    processes (Linux; they share the index copy-on-write), a few blocks ahead of the caller;
    the results are the same as with one. There are at most as many processes as cores and
    blocks: more would only compete for the same cores (and fork for nothing). Closing the
    iterator early (an error, Ctrl-C) terminates them.
    """
    n = len(index)
    block_rows = block_rows or BLOCK_ROWS
    starts = range(0, n, block_rows)
    processes = min(workers, usable_cores(), len(starts))
    blocks: Generator[list[tuple[int, list[Match]]], None, None]
    if processes > 1 and _can_fork():
        blocks = _forked_blocks(matcher, index, top, block_rows, processes)
    else:
        blocks = (_rank_block(matcher, index, top, start, min(start + block_rows, n))
                  for start in starts)
    if progress is not None:
        progress(0, n)  # the count starts now (see matcher.progress.ProgressBar)
    with contextlib.closing(blocks):
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
#
# Each worker has its own pipe: block i goes to worker i % workers, which answers in the order
# it was asked, so the blocks come back in order. multiprocessing.Pool is not used: its
# workers share queue locks, and one killed while holding a lock (SIGTERM to the whole group
# from `systemctl stop`, the OOM killer) leaves Pool.terminate() waiting for ever. Here a
# dead worker only closes its pipe, and stopping is killing and joining.

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
AHEAD = 2  # blocks asked of each worker in advance


class WorkerStopped(SolirisError):
    """A worker process ended without answering (killed from outside)."""


def _can_fork() -> bool:
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


def _worker(conn: Connection, parent_ends: list[Connection], matcher: Matcher, index: Index,
            top: int, block_rows: int) -> None:
    """Rank the blocks the parent asks for until it closes the pipe, or is gone.

    ``parent_ends`` are the parent's ends of the pipes made so far, which the fork copied into
    this worker: they are closed first, so that the parent's death (``kill -9``) closes the
    pipe and ends the worker. A worker holding them would wait for ever, an orphan keeping
    the report folder's lock (inherited through the fork) and refusing every later run.

    Interruption is left to the parent: Ctrl-C signals every process of the terminal's
    group, and a worker would print a KeyboardInterrupt traceback. The parent stops the
    workers with SIGTERM, which must keep its default action here rather than the handler a
    command may have set in the parent (inherited through fork); both signals were blocked
    from the fork until now (see :func:`_forked_blocks`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    for end in parent_ends:
        end.close()
    threadpool_limits(limits=1)  # one process per core: one thread each
    while True:
        try:
            start = conn.recv()
        except (EOFError, OSError):  # the parent closed the pipe, or is gone
            return
        try:
            answer: tuple[bool, Any] = (True, _rank_block(
                matcher, index, top, start, min(start + block_rows, len(index))))
        except Exception as exc:  # raised again in the parent
            answer = (False, exc)
        try:
            conn.send(answer)
        except OSError:  # the parent died meanwhile: nobody to answer, no traceback
            return


@contextlib.contextmanager
def _worker_pipes() -> Iterator[None]:
    """A worker's pipe closed or reset: the worker is gone (killed from outside)."""
    try:
        yield
    except (EOFError, OSError) as exc:
        raise WorkerStopped("a worker process of the report stopped before finishing "
                            "(killed?); run the report again") from exc


def _forked_blocks(matcher: Matcher, index: Index, top: int, block_rows: int, workers: int
                   ) -> Generator[list[tuple[int, list[Match]]], None, None]:
    context = multiprocessing.get_context("fork")
    starts = range(0, len(index), block_rows)
    processes: list[BaseProcess] = []
    pipes: list[Connection] = []
    try:
        # SIGINT and SIGTERM stay blocked in a worker until it has set them up: one arriving
        # in between would run the parent's handler, or be lost and leave it running.
        unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            for _ in range(workers):
                ours, theirs = context.Pipe()
                process = context.Process(target=_worker, daemon=True,
                                          args=(theirs, [*pipes, ours], matcher, index, top,
                                                block_rows))
                process.start()
                theirs.close()
                processes.append(process)
                pipes.append(ours)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
        with _worker_pipes():
            for i in range(min(AHEAD * workers, len(starts))):
                pipes[i % workers].send(starts[i])
        for i in range(len(starts)):
            pipe = pipes[i % workers]
            with _worker_pipes():
                ok, answer = pipe.recv()
                if ok and i + AHEAD * workers < len(starts):  # a bounded number asked ahead
                    pipe.send(starts[i + AHEAD * workers])
            if not ok:
                raise answer
            yield answer
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join()
        for pipe in pipes:
            pipe.close()


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
        """The pair's score: that of its best-scored direction."""
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
        """Keep the cross-kind suggestions among ``matches`` (those of the actor at ``row``)
        that rank among the best seen so far."""
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
