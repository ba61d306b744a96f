"""2-D map of the actors: a deterministic PCA projection of the profile embeddings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA

FIT_SAMPLE = 20_000  # PCA is fitted on at most this many actors, then applied to everybody
PICTURE_POINTS = 3_000  # the SVG draws at most this many points
METHOD = "PCA"


@dataclass(frozen=True)
class MapLayout:
    """``coords[row]`` = (x, y) scaled to about [0, 1] (robust to outliers)."""

    coords: np.ndarray
    explained: tuple[float, ...]
    method: str = METHOD


def fixed_sample(n: int, limit: int, seed: int = 0) -> np.ndarray:
    """Sorted rows of a fixed random sample of ``limit`` out of ``n`` (all rows when fewer)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


def map_layout(vectors: np.ndarray) -> MapLayout:
    """Project the (n, d) profile vectors to the plane; the same input gives the same map."""
    n = int(vectors.shape[0])
    if n < 3:
        coords = np.full((n, 2), 0.5)
        if n == 2:
            coords[:, 0] = [0.25, 0.75]
        return MapLayout(coords, ())
    fit_rows = fixed_sample(n, FIT_SAMPLE)
    # covariance_eigh: one d×d product and its eigenvectors, fast for n ≫ d (signs fixed by
    # scikit-learn, so the same input gives the same picture)
    pca = PCA(n_components=2, svd_solver="covariance_eigh").fit(
        vectors[fit_rows].astype(np.float64))
    raw = np.vstack([pca.transform(vectors[start:start + 50_000].astype(np.float64))
                     for start in range(0, n, 50_000)])
    low = np.percentile(raw, 1, axis=0)
    high = np.percentile(raw, 99, axis=0)
    span = np.where(high - low > 1e-12, high - low, 1.0)
    coords = np.clip((raw - low) / span, -0.05, 1.05)
    return MapLayout(coords, tuple(float(v) for v in pca.explained_variance_ratio_))
