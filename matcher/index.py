"""The in-memory matching index: per-actor vectors, passages and places, built from the store.

Arrays, not objects, so that a query over 100,000 actors is a few matrix products:

- ``profile_vectors`` (n, d) float32: the normalised mean of an actor's passage vectors, used
  for the first, coarse pass over everybody;
- ``passage_vectors`` (m, d) float16 with ``passage_start`` offsets: every passage of every
  actor, contiguous per actor, read only for the short-listed candidates;
- ``offer_vectors`` / ``need_vectors`` (n, d) float16 with presence masks, for complementarity;
- ``country_rows``: partner country -> rows of the actors that work there (structured field plus
  places named in their texts);
- ``concepts`` (n, c) bool: the thesaurus themes each actor's texts name (``matcher.themes``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.encoders import CachedEncoder, normalise_rows
from matcher.places import gazetteer
from matcher.profile import KINDS, ActorProfile
from matcher.text import profile_passages, split_passages
from matcher.themes import thesaurus


@dataclass(frozen=True)
class Places:
    """Partner countries and towns of one actor or query, and the Brussels communes where it
    is based (an actor) or that it names (a query)."""

    countries: frozenset[str] = frozenset()
    towns: frozenset[str] = frozenset()
    brussels: frozenset[str] = frozenset()


def places_of(texts: Sequence[str], structured: Sequence[str] = (),
              seat: str = "") -> Places:
    """Countries and towns in the structured field and named in the free texts; the Brussels
    commune of the seat, or, without one, those the texts name."""
    countries = set(structured)
    towns = set()
    for text in texts:
        for mention in gazetteer().detect(text):
            countries.add(mention.country)
            if mention.is_town:
                towns.add(mention.label)
    home = gazetteer().brussels_commune(seat) if seat else None
    brussels = frozenset({home}) if home else frozenset().union(
        *(gazetteer().brussels_communes_in(t) for t in texts))
    return Places(frozenset(countries), frozenset(towns), brussels)


def profile_places(profile: ActorProfile) -> Places:
    """An actor's places; its Brussels commune is its seat, or for a commune or its advisory
    council the commune its name gives."""
    seat = profile.commune
    if not seat and profile.kind in ("commune", "advisory_council"):
        named = gazetteer().brussels_communes_in(profile.name)
        seat = next(iter(named)) if len(named) == 1 else ""
    places = places_of([profile.name, profile.description, profile.offers, profile.needs],
                       profile.countries, seat)
    if not seat:
        places = Places(places.countries, places.towns, frozenset())
    return places


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
    country_rows: dict[str, np.ndarray] = field(default_factory=dict)
    row_of: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.row_of = {p.id: i for i, p in enumerate(self.profiles)}
        rows: dict[str, list[int]] = {}
        for i, places in enumerate(self.places):
            for code in places.countries:
                rows.setdefault(code, []).append(i)
        self.country_rows = {c: np.asarray(r, dtype=np.int64) for c, r in rows.items()}
        # Rare themes say more than common ones (inverse document frequency).
        frequency = self.concepts.sum(axis=0)
        self.concept_weights = (np.log((len(self) + 1) / (frequency + 1)) + 1.0).astype(
            np.float64)

    def __len__(self) -> int:
        return len(self.profiles)

    @property
    def dim(self) -> int:
        return int(self.profile_vectors.shape[1])

    def passages(self, row: int) -> np.ndarray:
        return self.passage_vectors[self.passage_start[row]:self.passage_start[row + 1]]


def profile_concepts(profile: ActorProfile) -> frozenset[int]:
    """Thesaurus concepts named anywhere in the profile."""
    return thesaurus().find(" ".join([profile.name, profile.description, " ".join(
        profile.themes), profile.offers, profile.needs]))


def concept_matrix(concept_sets: Sequence[frozenset[int]]) -> np.ndarray:
    matrix = np.zeros((len(concept_sets), len(thesaurus())), dtype=bool)
    for row, found in enumerate(concept_sets):
        matrix[row, list(found)] = True
    return matrix


def kind_code(kind: str) -> int:
    return KINDS.index(kind)


def embed_field(encoder: CachedEncoder, texts: Sequence[str], role: str = "passage",
                progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Mean vector of each text's passages (zero row for an empty text)."""
    pieces: list[str] = []
    owners: list[int] = []
    for i, text in enumerate(texts):
        for passage in split_passages(text, 8):
            pieces.append(passage)
            owners.append(i)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    if pieces:
        vectors = encoder.encode(pieces, role, progress=progress)  # type: ignore[arg-type]
        np.add.at(out, np.asarray(owners), vectors)
    return normalise_rows(out)


def build_index(profiles: Sequence[ActorProfile], encoder: CachedEncoder,
                progress: Callable[[int, int], None] | None = None) -> Index:
    """Embed (through the cache) and arrange every profile's passages into an :class:`Index`."""
    profiles = list(profiles)
    texts: list[str] = []
    fields: list[str] = []
    starts = [0]
    for profile in profiles:
        for fieldname, passage in profile_passages(profile):
            texts.append(passage)
            fields.append(fieldname)
        starts.append(len(texts))
    dim = encoder.dim
    passage_vectors = (encoder.encode(texts, "passage", progress=progress) if texts
                       else np.zeros((0, dim), dtype=np.float32))
    start = np.asarray(starts, dtype=np.int64)
    profile_vectors = np.zeros((len(profiles), dim), dtype=np.float32)
    offer_vectors = np.zeros((len(profiles), dim), dtype=np.float32)
    need_vectors = np.zeros((len(profiles), dim), dtype=np.float32)
    field_array = np.asarray(fields, dtype="<U16")
    for row in range(len(profiles)):
        block = passage_vectors[start[row]:start[row + 1]]
        names = field_array[start[row]:start[row + 1]]
        profile_vectors[row] = block.mean(axis=0)
        if (names == "offers").any():
            offer_vectors[row] = block[names == "offers"].mean(axis=0)
        if (names == "needs").any():
            need_vectors[row] = block[names == "needs"].mean(axis=0)
    has_offer = np.linalg.norm(offer_vectors, axis=1) > 0
    has_need = np.linalg.norm(need_vectors, axis=1) > 0
    return Index(
        model=encoder.name,
        profiles=profiles,
        profile_vectors=normalise_rows(profile_vectors),
        passage_vectors=passage_vectors.astype(np.float16),
        passage_start=start,
        passage_texts=texts,
        passage_fields=field_array,
        offer_vectors=normalise_rows(offer_vectors).astype(np.float16),
        has_offer=has_offer,
        need_vectors=normalise_rows(need_vectors).astype(np.float16),
        has_need=has_need,
        kind_codes=np.asarray([kind_code(p.kind) for p in profiles], dtype=np.int8),
        places=[profile_places(p) for p in profiles],
        concepts=concept_matrix([profile_concepts(p) for p in profiles]),
    )
