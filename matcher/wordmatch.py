"""Word matching across languages: each word of an initiative text meets its closest word in
an actor's texts, by the encoder's vectors of the words alone.

Sentence vectors carry a text's meaning but blur its rare, precise words, and exact-word TF-IDF
(:mod:`matcher.lexical`) keeps those words within one language only: "boekhouding" never meets
"comptabilité". Here every distinct word of the registry is embedded once (a word is a very
short text, so the cost is a small fraction of the passages'), and a text's word counts as
found in an actor when one of the actor's words lies closer to it than nearly all pairs of
unrelated words do (:func:`chance_threshold`), in full from the closeness of a translation on;
rare words weigh more (inverse document frequency), as in TF-IDF.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy import sparse

from matcher.places import fold

#: Shortest word kept: shorter ones are mostly function words and abbreviations.
MIN_WORD_CHARS = 4
#: Most words of a text that are looked up, the rarest first: a long text's common words
#: add cost, not information.
MAX_QUERY_WORDS = 32

# Function words of four letters or more in French, Dutch and English (shorter ones are
# dropped by length).
_STOPWORDS = frozenset("""
dans pour avec nous vous leur leurs elle elles sont etre avoir notre votre plus mais aussi
entre depuis tous toutes tout cette sans sous chez dont comme fait faire peut sont aupres
voor zijn wordt worden onze jullie hebben heeft maar ook tussen sinds alle deze naar over
door zich waar wanneer kunnen willen
with that this from have been their they more also into which about other would there these
those where when what while will some than very such were your them
""".split())


_TOKEN = re.compile(r"[^\W_]+")


def word_forms(text: str) -> dict[str, str]:
    """The distinct content words of ``text``, folded (lower case, no accents), in order of
    first appearance, each with the form it was first written in (lower case, accents kept:
    what a reason shows)."""
    forms: dict[str, str] = {}
    for token in _TOKEN.findall(text.casefold()):
        folded = fold(token)
        for word in folded.split():
            if len(word) >= MIN_WORD_CHARS and word not in _STOPWORDS and not word.isdigit():
                forms.setdefault(word, token if word == folded else word)
    return forms


def content_words(text: str) -> list[str]:
    """The distinct content words of ``text``, folded (lower case, no accents), in order of
    first appearance."""
    return list(word_forms(text))


@dataclass
class WordTable:
    """The registry's vocabulary and one vector per word; grows, never reorders, so that rows
    of an actor-by-word matrix built against it stay valid."""

    words: list[str] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float16))
    forms: dict[str, str] = field(default_factory=dict)  # as first written, for display
    position: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def extended(self, words: Sequence[str], vectors: np.ndarray,
                 forms: Mapping[str, str] | None = None) -> WordTable:
        """A table with ``words`` (not yet in this one), their ``vectors`` and their written
        ``forms`` (where they differ from the folded word) appended."""
        if not len(words):
            return self
        old = self.vectors if len(self) else np.zeros((0, vectors.shape[1]), dtype=np.float16)
        forms = forms or {}
        return WordTable(self.words + list(words), np.vstack([old, vectors.astype(np.float16)]),
                         {**self.forms, **{w: forms[w] for w in words
                                           if w in forms and forms[w] != w}})

    def form(self, word: str) -> str:
        """``word`` as first written in the registry."""
        return self.forms.get(word, word)

    def missing(self, words_per_text: Sequence[Sequence[str]]) -> list[str]:
        """Words of these texts that have no vector yet, each once."""
        seen = dict.fromkeys(w for words in words_per_text for w in words
                             if w not in self.position)
        return list(seen)

    def rows(self, words_per_text: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """One row per text, a one in the column of each of its words (all must be known)."""
        indptr = np.cumsum([0, *(len(words) for words in words_per_text)])
        columns = np.fromiter((self.position[w] for words in words_per_text for w in words),
                              dtype=np.int32, count=int(indptr[-1]))
        data = np.ones(len(columns), dtype=np.int8)
        return sparse.csr_matrix((data, columns, indptr),
                                 shape=(len(words_per_text), len(self)))


#: Words sampled (evenly over the vocabulary) to learn what a chance similarity is.
THRESHOLD_SAMPLE = 1_000


def chance_threshold(vectors: np.ndarray, share: float, sample: int = THRESHOLD_SAMPLE
                     ) -> float:
    """The cosine that only ``share`` of the pairs of distinct words of a vocabulary exceed:
    where "close" begins for this encoder. Encoders differ widely (unrelated words: about 0.3
    with USE, 0.87 with e5), so a fixed cosine would mean nothing across models. 0.5 when the
    vocabulary has fewer than two words."""
    n = len(vectors)
    if n < 2:
        return 0.5
    rows = np.unique(np.linspace(0, n - 1, num=min(sample, n)).astype(np.int64))
    block = vectors[rows].astype(np.float32)
    sims = (block @ block.T)[np.triu_indices(len(rows), k=1)]
    return float(min(np.quantile(sims, 1.0 - share), 0.95))


class WordMatch(NamedTuple):
    """What :func:`word_match` finds for some actors."""

    scores: np.ndarray  # (actors,) idf-weighted share of the query's words met
    full_matches: np.ndarray  # columns of the actors' words that meet a query word in full


def word_match(query_vectors: np.ndarray, query_idf: np.ndarray, table_vectors: np.ndarray,
               word_rows: sparse.csr_matrix, threshold: float, full: float = 1.0) -> WordMatch:
    """For each row of ``word_rows`` (an actor's words, columns of ``table_vectors``): the
    idf-weighted share of the query's words that meet a close word of the actor; and, from the
    same product, the columns of the actors' words that meet one of the query's words in full.

    A word's closeness is its cosine rescaled so that ``threshold`` gives 0 and ``full`` 1
    (by default only the same word); below ``threshold`` it counts 0, from ``full`` on 1. With
    ``full`` below 1, a translation counts as much as the same word. The query word counts
    with its closest word's closeness.
    """
    n = word_rows.shape[0]
    if len(query_vectors) == 0 or n == 0 or word_rows.nnz == 0:
        return WordMatch(np.zeros(n), np.zeros(0, dtype=np.int64))
    columns, inverse = np.unique(word_rows.indices, return_inverse=True)
    by_column = _closeness(query_vectors, table_vectors[columns], threshold, full)
    full_matches = columns[(by_column >= 1.0).any(axis=0)].astype(np.int64)
    closeness = by_column[:, inverse]
    present = np.diff(word_rows.indptr) > 0
    best = np.zeros((len(query_vectors), n), dtype=np.float32)
    best[:, present] = np.maximum.reduceat(closeness, word_rows.indptr[:-1][present], axis=1)
    scores = query_idf.astype(np.float64) @ best / max(float(query_idf.sum()), 1e-9)
    return WordMatch(scores, full_matches)


def closest_words(query_vectors: np.ndarray, table_vectors: np.ndarray, columns: np.ndarray,
                  threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """For one actor's words (``columns`` of ``table_vectors``): per query word, the column of
    its closest word (-1 when none is within ``threshold``) and that word's closeness (as in
    :func:`word_match`)."""
    k = len(query_vectors)
    if k == 0 or len(columns) == 0:
        return np.full(k, -1, dtype=np.int64), np.zeros(k)
    closeness = _closeness(query_vectors, table_vectors[columns], threshold)
    best = closeness.max(axis=1)
    which = np.where(best > 0, np.asarray(columns)[np.argmax(closeness, axis=1)], -1)
    return which.astype(np.int64), best.astype(np.float64)


def _closeness(query_vectors: np.ndarray, word_vectors: np.ndarray,
               threshold: float, full: float = 1.0) -> np.ndarray:
    sims = query_vectors.astype(np.float32) @ word_vectors.astype(np.float32).T
    return np.clip((sims - threshold) / (full - threshold), 0.0, 1.0)
