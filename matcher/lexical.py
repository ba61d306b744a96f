"""Word-level (TF-IDF) similarity, the lexical half of a hybrid ranking.

Dense sentence vectors carry meaning across languages but blur rare, exact words: an
organisation's name, a programme, a town missing from the gazetteer. A hashed TF-IDF vector per
actor keeps them. Hashing needs no vocabulary, so adding a profile never refits anything; the
inverse document frequencies are recomputed with the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from matcher.profile import ActorProfile

_VECTORIZER = HashingVectorizer(n_features=2**20, strip_accents="unicode", lowercase=True,
                                alternate_sign=False, norm=None,
                                token_pattern=r"(?u)\b\w\w\w+\b")


def profile_text(profile: ActorProfile) -> str:
    """Every text of a profile that words are matched in, as one string: name, description,
    themes, offers and needs."""
    return " ".join([profile.name, profile.description, " ".join(profile.themes),
                     profile.offers, profile.needs])


def term_counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Hashed, sublinear term counts (1 + log tf) of each text."""
    counts = _VECTORIZER.transform(texts).tocsr().astype(np.float32)
    counts.data = 1.0 + np.log(counts.data)
    return counts


def idf_weights(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency of every hashed term."""
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((counts.shape[0] + 1) / (frequency + 1)) + 1.0).astype(np.float32)


def weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """TF-IDF rows scaled to unit length."""
    weighted = counts.multiply(idf[None, :]).tocsr()
    return normalize(weighted, copy=False) if weighted.shape[0] else weighted
