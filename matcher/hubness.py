"""Hubness: how near a vector lies to everybody, so that it can be taken out of its similarity.

In a high-dimensional embedding space some vectors are *hubs*: they are close to many others
whatever the query means. Here they are generic sentences ("we are a Brussels non-profit that
organises events", "contact us for more information") and profiles made of them, which would
rank high for every query. Cross-domain similarity local scaling (CSLS; Conneau et al., 2018,
"Word translation without parallel data", ICLR) corrects for it: a candidate's cosine with the
query is lowered by its mean cosine with its ``k`` nearest neighbours. A passage's neighbours
here are the profile vectors of the *other* actors of the registry; in a large registry, of a
fixed, evenly spaced sample of them.

Pure functions over arrays; :func:`matcher.index.registry_hubness` applies them to a registry,
:mod:`matcher.index` stores the values and :mod:`matcher.ranking` subtracts them
(``Weights.hubness``).
"""

from __future__ import annotations

import numpy as np

#: Neighbours whose mean cosine measures a vector's hubness (the value of the CSLS paper).
NEIGHBOURS = 10
#: Profiles against which hubness is measured: all of them up to this many, a sample beyond.
REFERENCE_SIZE = 2_048
#: Rows compared at a time (bounds the memory of one block to ``BLOCK × REFERENCE_SIZE``).
BLOCK = 4_096


def reference_rows(n: int, size: int | None = None) -> np.ndarray:
    """The rows of a registry of ``n`` actors that serve as neighbours: every row up to
    ``size`` (default :data:`REFERENCE_SIZE`), else ``size`` evenly spaced rows (a fixed
    choice: the same registry always gives the same values)."""
    size = REFERENCE_SIZE if size is None else size
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, num=min(size, n)).astype(np.int64))


def hubness(vectors: np.ndarray, owners: np.ndarray, reference: np.ndarray,
            reference_owners: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Mean cosine of each row of ``vectors`` with its ``k`` most similar rows of
    ``reference``, leaving out the reference rows of the same owner (an actor is no neighbour of
    itself, nor of its own passages).

    ``vectors`` (m, d) and ``reference`` (r, d) are normalised; ``owners`` (m,) and
    ``reference_owners`` (r,) name the actor of each row. A row with fewer than ``k`` other
    reference rows averages those it has, and gets 0 with none.
    """
    out = np.zeros(len(vectors), dtype=np.float32)
    if len(vectors) == 0 or len(reference) == 0 or k <= 0:
        return out
    reference = np.ascontiguousarray(reference, dtype=np.float32)
    keep = min(k, len(reference))
    for start in range(0, len(vectors), BLOCK):
        stop = min(start + BLOCK, len(vectors))
        sims = vectors[start:stop].astype(np.float32) @ reference.T
        sims[owners[start:stop, None] == reference_owners[None, :]] = -np.inf
        nearest = -np.partition(-sims, keep - 1, axis=1)[:, :keep]
        finite = np.isfinite(nearest)
        counts = finite.sum(axis=1)
        totals = np.where(finite, nearest, 0.0).sum(axis=1)
        out[start:stop] = np.divide(totals, counts, out=np.zeros(stop - start, np.float32),
                                    where=counts > 0)
    return out
