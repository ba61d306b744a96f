"""The in-memory matching index: per-actor vectors, passages and places, built from the store.

Arrays, not objects, so that a query over 100,000 actors is a few matrix products:

- ``profile_vectors`` (n, d) float32: the normalised mean of an actor's passage vectors, used
  for the first, coarse pass over everybody;
- ``passage_vectors`` (m, d) float16 with ``passage_start`` offsets: every passage of every
  actor, contiguous per actor, read only for the short-listed candidates;
- ``offer_vectors`` / ``need_vectors`` (n, d) float16 with presence masks, for complementarity;
- ``country_rows``: partner country -> rows of the actors that work there (structured field plus
  places named in their texts);
- ``concepts`` (n, c) bool: the thesaurus themes each actor's texts name (``matcher.themes``);
  ``work_concepts`` those named outside its ``needs``, ``offer_concepts`` those its ``offers``
  name;
- ``language_means``: per language, the direction of its passages in this registry (see
  :mod:`matcher.language`), taken out of an initiative text's vectors;
- ``first_pass`` (large registries only): ``profile_vectors`` projected on their main
  directions, so that the pass over everybody reads a quarter of the memory (see
  :class:`FirstPass`);
- ``profile_hubness`` (n,) and ``passage_hubness`` (m,) float32: how near each vector lies to
  the other actors (:mod:`matcher.hubness`), taken out of its similarities at ranking;
- ``words`` and ``word_rows`` (n, w) sparse: the registry's vocabulary with one vector per word,
  and the words of each actor (:mod:`matcher.wordmatch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy import sparse

from matcher import hubness
from matcher.encoders import CachedEncoder, normalise_rows
from matcher.features import CONCEPT_SETS, FeatureCache, Places, text_features
from matcher.language import language_means
from matcher.lexical import idf_weights, profile_text, term_counts, weigh
from matcher.profile import KINDS, ActorProfile
from matcher.progress import Progress
from matcher.text import profile_passages
from matcher.themes import thesaurus
from matcher.wordmatch import WordTable, chance_threshold, word_forms

#: Registries from this size get a reduced first pass (below it the full product is cheap).
REDUCE_FROM = 20_000
#: Dimensions kept for the reduced first pass.
FIRST_PASS_DIMS = 128
#: Rows on which the principal directions and the similarity statistics are estimated.
FIRST_PASS_SAMPLE = 8_192
#: Rows whose exact similarities give the mean and spread that calibrate the semantic part.
CALIBRATION_SAMPLE = 2_048
#: A rebuild of a registry larger than the hubness reference keeps the hubness of unchanged
#: actors unless more than this share of the registry changed (then all of it is measured
#: again): one write to 100,000 actors should not cost a pass over every passage.
HUBNESS_REUSE_SHARE = 0.05


@dataclass(frozen=True)
class FirstPass:
    """A low-dimensional copy of the profile vectors for the pass over every actor.

    At 100,000 actors the product with the full (n, 512) matrix is memory-bound (200 MB read per
    query); its projection on the ``dims`` main directions of the profile vectors keeps the
    ranking of a short-list nearly intact at a quarter of the cost. The short-listed actors are
    then scored with the full vectors, and the calibration statistics (mean and spread of the
    exact similarities) come from ``calibration_vectors``, a fixed, evenly spaced sample."""

    basis: np.ndarray  # (dims, d) float32, orthonormal rows
    vectors: np.ndarray  # (n, dims) float32
    calibration_vectors: np.ndarray  # (s, d) float32: full vectors of a fixed sample of rows
    calibration_rows: np.ndarray  # (s,) int64: the rows of that sample


def reduce_profiles(profile_vectors: np.ndarray, dims: int = FIRST_PASS_DIMS,
                    sample: int = FIRST_PASS_SAMPLE) -> FirstPass:
    """Project ``profile_vectors`` on the ``dims`` main directions of an evenly spaced sample of
    rows (uncentred, so that dot products, not distances to the mean, are preserved)."""
    n = len(profile_vectors)
    rows = np.unique(np.linspace(0, n - 1, num=min(sample, n)).astype(np.int64))
    _, _, right = np.linalg.svd(profile_vectors[rows].astype(np.float64), full_matrices=False)
    basis = np.ascontiguousarray(right[:dims].astype(np.float32))
    calibration = rows[::max(1, len(rows) // CALIBRATION_SAMPLE)]
    return FirstPass(basis=basis, vectors=np.ascontiguousarray(profile_vectors @ basis.T),
                     calibration_vectors=np.ascontiguousarray(profile_vectors[calibration]),
                     calibration_rows=calibration)


@dataclass
class Index:
    """Vectors and metadata of every actor; build it with :func:`build_index`."""

    model: str
    profiles: list[ActorProfile]
    profile_vectors: np.ndarray
    passage_vectors: np.ndarray
    passage_start: np.ndarray
    passage_texts: list[str]
    passage_fields: np.ndarray
    offer_vectors: np.ndarray
    has_offer: np.ndarray
    need_vectors: np.ndarray
    has_need: np.ndarray
    kind_codes: np.ndarray
    places: list[Places]
    concepts: np.ndarray
    work_concepts: np.ndarray
    offer_concepts: np.ndarray
    term_counts: sparse.csr_matrix
    country_rows: dict[str, np.ndarray] = field(default_factory=dict)
    row_of: dict[str, int] = field(default_factory=dict)
    first_pass: FirstPass | None = None
    language_means: dict[str, np.ndarray] = field(default_factory=dict)
    profile_hubness: np.ndarray | None = None
    passage_hubness: np.ndarray | None = None
    words: WordTable = field(default_factory=WordTable)
    word_rows: sparse.csr_matrix | None = None

    def __post_init__(self) -> None:
        if self.first_pass is None and len(self.profiles) >= REDUCE_FROM \
                and self.profile_vectors.shape[1] > FIRST_PASS_DIMS:
            self.first_pass = reduce_profiles(self.profile_vectors)
        if self.profile_hubness is None or self.passage_hubness is None:
            self.profile_hubness, self.passage_hubness = registry_hubness(
                self.profile_vectors, self.passage_vectors, self.passage_start)
        self.row_of = {p.id: i for i, p in enumerate(self.profiles)}
        if not self.language_means:
            self.language_means = language_means(self.passage_vectors, self.passage_texts)
        rows: dict[str, list[int]] = {}
        for i, places in enumerate(self.places):
            for code in places.countries:
                rows.setdefault(code, []).append(i)
        self.country_rows = {c: np.asarray(r, dtype=np.int64) for c, r in rows.items()}
        # Rare themes say more than common ones (inverse document frequency).
        frequency = self.concepts.sum(axis=0)
        self.concept_weights = (np.log((len(self) + 1) / (frequency + 1)) + 1.0).astype(
            np.float64)
        self.idf = idf_weights(self.term_counts)
        self.lexical = weigh(self.term_counts, self.idf)
        # Query x actors products read the matrix by term: keep it in that layout too.
        self.lexical_by_term = self.lexical.T.tocsr()
        if self.word_rows is None:
            self.word_rows = sparse.csr_matrix((len(self), len(self.words)), dtype=np.int8)
        # The actor-by-word matrix is read like term counts: the same smoothed idf.
        self.word_idf = idf_weights(self.word_rows)
        self._word_thresholds: dict[float, float] = {}
        self.unknown_word_idf = float(np.log(len(self) + 1) + 1.0)

    def __len__(self) -> int:
        return len(self.profiles)

    @property
    def dim(self) -> int:
        """The length of the encoder's vectors."""
        return int(self.profile_vectors.shape[1])

    def passages(self, row: int) -> np.ndarray:
        """The passage vectors of the actor at ``row``, in passage order."""
        return self.passage_vectors[self.passage_start[row]:self.passage_start[row + 1]]

    def word_threshold(self, share: float) -> float:
        """The cosine from which two of this registry's words count as close (see
        :func:`matcher.wordmatch.chance_threshold`), measured once per index and share."""
        if share not in self._word_thresholds:
            self._word_thresholds[share] = chance_threshold(self.words.vectors, share)
        return self._word_thresholds[share]

    def word_weights(self, words: Sequence[str]) -> np.ndarray:
        """Inverse document frequency of each word in this registry; a word no actor uses
        weighs as much as the rarest one."""
        return np.asarray([self.word_idf[self.words.position[w]] if w in self.words.position
                           else self.unknown_word_idf for w in words], dtype=np.float64)


def kind_code(kind: str) -> int:
    """The position of ``kind`` in :data:`matcher.profile.KINDS` (the index stores kinds as
    small integers)."""
    return KINDS.index(kind)


class PassageSpans(NamedTuple):
    """Where the passages of some rows lie, gathered row after row (see :func:`passage_spans`)."""

    positions: np.ndarray  # (m,) positions in the passage arrays, first row's passages first
    lengths: np.ndarray  # (len(rows),) passages per row
    offsets: np.ndarray  # (len(rows),) where each row's passages start within ``positions``


def passage_spans(passage_start: np.ndarray, rows: np.ndarray) -> PassageSpans:
    """The passages of ``rows`` in the arrays laid out by ``passage_start``: their positions
    (those of the first row, then those of the second...), how many each row has and where
    each row's run begins among them."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = passage_start[rows]
    lengths = passage_start[rows + 1] - starts
    offsets = (np.cumsum(lengths) - lengths).astype(np.int64)
    positions = (np.repeat(starts - offsets, lengths)
                 + np.arange(int(lengths.sum()), dtype=np.int64))
    return PassageSpans(positions, lengths, offsets)


def passage_positions(passage_start: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions, in the passage arrays laid out by ``passage_start``, of the passages of
    ``rows``: those of the first row, then those of the second..."""
    return passage_spans(passage_start, rows).positions


def registry_hubness(profile_vectors: np.ndarray, passage_vectors: np.ndarray,
                     passage_start: np.ndarray, rows: np.ndarray | None = None,
                     k: int = hubness.NEIGHBOURS, size: int | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Hubness of every profile vector and of every passage vector of a registry (or, with
    ``rows``, of those actors' profiles and passages only, in that order), measured against
    :func:`matcher.hubness.reference_rows` of its profile vectors."""
    n = len(profile_vectors)
    reference = hubness.reference_rows(n, size)
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    spans = passage_spans(passage_start, rows)
    profile = hubness.hubness(profile_vectors[rows], rows, profile_vectors[reference],
                              reference, k)
    passage = hubness.hubness(passage_vectors[spans.positions], np.repeat(rows, spans.lengths),
                              profile_vectors[reference], reference, k)
    return profile, passage


def field_means(block: np.ndarray, fields: np.ndarray) -> tuple[np.ndarray, np.ndarray | None,
                                                              np.ndarray | None]:
    """Mean of one actor's passage vectors, and of its ``offers`` and ``needs`` passages
    (``None`` when it has none); not yet normalised."""
    offers = fields == "offers"
    needs = fields == "needs"
    return (block.mean(axis=0), block[offers].mean(axis=0) if offers.any() else None,
            block[needs].mean(axis=0) if needs.any() else None)


def build_index(profiles: Sequence[ActorProfile], encoder: CachedEncoder,
                progress: Progress | None = None,
                previous: Index | None = None, features: FeatureCache | None = None,
                hashes: Sequence[str] | None = None, words: WordTable | None = None) -> Index:
    """Embed (through the cache) and arrange every profile's passages into an :class:`Index`.

    With ``previous``, the rows of profiles that did not change are copied from it, so that a
    write to a large registry only costs the work for the profiles it touched. ``features``
    caches the places and themes found in each profile (by content ``hashes``, one per
    profile, computed when not given), so that a new process does not search them again.
    ``words`` gives a vocabulary whose vectors are already known (default: ``previous``'s);
    only words missing from it are embedded."""
    profiles = list(profiles)
    reuse = np.full(len(profiles), -1, dtype=np.int64)
    if previous is not None and previous.model == encoder.name:
        for row, profile in enumerate(profiles):
            old = previous.row_of.get(profile.id)
            if old is not None and previous.profiles[old] == profile:
                reuse[row] = old
    fresh = [row for row in range(len(profiles)) if reuse[row] < 0]
    fresh_texts: list[str] = []
    fresh_fields: list[str] = []
    fresh_start = [0]
    for row in fresh:
        for fieldname, passage in profile_passages(profiles[row]):
            fresh_texts.append(passage)
            fresh_fields.append(fieldname)
        fresh_start.append(len(fresh_texts))
    dim = encoder.dim
    fresh_vectors = (encoder.encode(fresh_texts, "passage", progress=progress) if fresh_texts
                     else np.zeros((0, dim), dtype=np.float32)).astype(np.float16)
    fresh_position = {row: i for i, row in enumerate(fresh)}
    fresh_features = text_features([profiles[row] for row in fresh], features,
                                   None if hashes is None else [hashes[row] for row in fresh])

    blocks: list[np.ndarray] = []
    texts: list[str] = []
    fields: list[str] = []
    starts = [0]
    places: list[Places] = []
    concepts = {name: np.zeros((len(profiles), len(thesaurus())), dtype=bool)
                for name in CONCEPT_SETS}
    for row in range(len(profiles)):
        old = int(reuse[row])
        if old >= 0:
            a, b = previous.passage_start[old], previous.passage_start[old + 1]
            blocks.append(previous.passage_vectors[a:b])
            texts.extend(previous.passage_texts[a:b])
            fields.extend(previous.passage_fields[a:b].tolist())
            places.append(previous.places[old])
            for name, matrix in concepts.items():
                matrix[row] = getattr(previous, name)[old]
        else:
            i = fresh_position[row]
            a, b = fresh_start[i], fresh_start[i + 1]
            blocks.append(fresh_vectors[a:b])
            texts.extend(fresh_texts[a:b])
            fields.extend(fresh_fields[a:b])
            places.append(fresh_features[i].places)
            for name, matrix in concepts.items():
                matrix[row, list(getattr(fresh_features[i], name))] = True
        starts.append(len(texts))
    passage_vectors = (np.vstack(blocks) if blocks
                       else np.zeros((0, dim), dtype=np.float16))
    start = np.asarray(starts, dtype=np.int64)
    field_array = np.asarray(fields, dtype="<U16")
    profile_vectors = np.zeros((len(profiles), dim), dtype=np.float32)
    offer_vectors = np.zeros((len(profiles), dim), dtype=np.float32)
    need_vectors = np.zeros((len(profiles), dim), dtype=np.float32)
    for row in range(len(profiles)):
        block = passage_vectors[start[row]:start[row + 1]].astype(np.float32)
        whole, offers, needs = field_means(block, field_array[start[row]:start[row + 1]])
        profile_vectors[row] = whole
        if offers is not None:
            offer_vectors[row] = offers
        if needs is not None:
            need_vectors[row] = needs
    profile_vectors = normalise_rows(profile_vectors)
    profile_hubness, passage_hubness = _hubness(profile_vectors, passage_vectors, start, reuse,
                                                previous)
    table, word_rows = _word_rows(profiles, encoder, reuse, previous, words)
    return Index(
        model=encoder.name,
        profiles=profiles,
        profile_vectors=profile_vectors,
        passage_vectors=passage_vectors,
        passage_start=start,
        passage_texts=texts,
        passage_fields=field_array,
        offer_vectors=normalise_rows(offer_vectors).astype(np.float16),
        has_offer=np.linalg.norm(offer_vectors, axis=1) > 0,
        need_vectors=normalise_rows(need_vectors).astype(np.float16),
        has_need=np.linalg.norm(need_vectors, axis=1) > 0,
        kind_codes=np.asarray([kind_code(p.kind) for p in profiles], dtype=np.int8),
        places=places,
        **concepts,
        term_counts=_term_counts(profiles, reuse, previous),
        profile_hubness=profile_hubness,
        passage_hubness=passage_hubness,
        words=table,
        word_rows=word_rows,
    )


def _hubness(profile_vectors: np.ndarray, passage_vectors: np.ndarray, start: np.ndarray,
             reuse: np.ndarray, previous: Index | None
             ) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """Hubness of every profile and passage: measured on the whole registry, or, when a large
    registry changed little, copied from ``previous`` for the unchanged actors and measured for
    the others only. ``(None, None)`` lets the index measure it all."""
    n = len(profile_vectors)
    fresh = np.flatnonzero(reuse < 0)
    kept = np.flatnonzero(reuse >= 0)
    if previous is None or previous.profile_hubness is None \
            or previous.passage_hubness is None or n <= hubness.REFERENCE_SIZE \
            or len(fresh) > HUBNESS_REUSE_SHARE * n \
            or abs(len(previous) - n) > HUBNESS_REUSE_SHARE * n:
        return None, None
    profile = np.empty(n, dtype=np.float32)
    passage = np.empty(int(start[-1]), dtype=np.float32)
    profile[kept] = previous.profile_hubness[reuse[kept]]
    passage[passage_positions(start, kept)] = previous.passage_hubness[
        passage_positions(previous.passage_start, reuse[kept])]
    profile[fresh], passage[passage_positions(start, fresh)] = registry_hubness(
        profile_vectors, passage_vectors, start, rows=fresh)
    return profile, passage


def _word_rows(profiles: Sequence[ActorProfile], encoder: CachedEncoder, reuse: np.ndarray,
               previous: Index | None, words: WordTable | None
               ) -> tuple[WordTable, sparse.csr_matrix]:
    """The vocabulary (new words embedded) and each profile's words as a row against it; rows
    of unchanged profiles are copied from ``previous`` when its vocabulary is the base."""
    if words is None:
        words = previous.words if previous is not None and previous.model == encoder.name \
            else WordTable()
    reusable = previous is not None and words is previous.words \
        and previous.word_rows is not None
    fresh = np.flatnonzero(reuse < 0) if reusable else np.arange(len(profiles))
    kept = np.flatnonzero(reuse >= 0) if reusable else np.zeros(0, dtype=np.int64)
    forms = [word_forms(profile_text(profiles[i])) for i in fresh]
    lists = [list(found) for found in forms]
    missing = words.missing(lists)
    if missing:
        written = {w: f for found in reversed(forms) for w, f in found.items()}
        words = words.extended(missing, encoder.encode(missing, "passage"), written)
    parts = [words.rows(lists)]
    if len(kept):
        old = previous.word_rows[reuse[kept]]
        parts.insert(0, sparse.csr_matrix((old.data, old.indices, old.indptr),
                                          shape=(len(kept), len(words))))
    stacked = sparse.vstack(parts, format="csr")
    return words, stacked[np.argsort(np.concatenate([kept, fresh]), kind="stable")]


def _term_counts(profiles: Sequence[ActorProfile], reuse: np.ndarray,
                 previous: Index | None) -> sparse.csr_matrix:
    """Term counts of every profile, copied from ``previous`` where the profile is unchanged."""
    kept = np.flatnonzero(reuse >= 0)
    fresh = np.flatnonzero(reuse < 0)
    parts = []
    if len(kept) and previous is not None:
        parts.append(previous.term_counts[reuse[kept]])
    parts.append(term_counts([profile_text(profiles[i]) for i in fresh] or [""])[:len(fresh)])
    stacked = sparse.vstack(parts, format="csr")
    return stacked[np.argsort(np.concatenate([kept, fresh]), kind="stable")]
