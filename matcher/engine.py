"""The engine facade used by every front end: registry operations and ranking.

``Matcher`` owns the store, the (lazily loaded) encoder and the in-memory index. The index is
rebuilt from the store whenever the registry's state (revision and generation) changes, so a
profile written by any process, or a registry file replaced under a running service, is matched
on at the next request; unchanged texts come from the embedding cache.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from matcher.encoders import CachedEncoder, Encoder, load_encoder, normalise_rows, text_key
from matcher.errors import ConflictError, Issue, NotFoundError, ValidationError, clip
from matcher.features import feature_key, places_of, profile_concepts, profile_places
from matcher.formats import dump_profiles, read_profiles
from matcher.index import Index, build_index, field_means
from matcher.intent import kind_mentions, requested_kinds
from matcher.language import guess_language
from matcher.lexical import profile_text, term_counts
from matcher.listing import ActorListing
from matcher.places import fold_any_script, gazetteer
from matcher.profile import KINDS, ActorProfile, has_words, normalise_kind
from matcher.progress import Progress
from matcher.ranking import Filters, Match, Query, Weights, rank
from matcher.settings import Settings
from matcher.store import PruneSummary, Store, StoredActor, UpsertSummary, profile_hash
from matcher.text import profile_passages, split_passages
from matcher.themes import thesaurus
from matcher.wordmatch import MAX_QUERY_WORDS, content_words, word_forms

log = logging.getLogger("soliris.engine")

#: How often :meth:`Matcher.prune` computes what the registry needs again when a write lands
#: between that computation and the removal (which then removes nothing).
PRUNE_ATTEMPTS = 3


@dataclass(frozen=True)
class Page:
    """One page of :meth:`Matcher.list`: its actors and how many match in all."""

    items: list[StoredActor]
    total: int


def _one_blas_thread() -> threadpool_limits:
    """One query's matrix products are memory-bound: extra BLAS threads only spin-wait."""
    return threadpool_limits(1, user_api="blas")


def query_from_text(encoder: Encoder, text: str, index: Index | None = None) -> Query:
    """The query for an initiative text: its vector and its sentences' vectors, the places,
    themes and kinds of partner it names, and its rarest words in ``index`` (its first words
    without one) with their vectors. The text says both what is needed and what its
    authors bring ("we run a shop and want to sell..."), so it stands for both sides of
    complementarity: actors whose offers answer it, and actors whose needs it answers."""
    passages = split_passages(text) or [text.strip()]
    if passages == [text.strip()]:  # one sentence: its vector is the whole text's
        vectors = encoder.encode(passages, "query")
        whole, passage_vectors = vectors[0], vectors
    else:
        vectors = encoder.encode([text.strip(), *passages], "query")
        whole, passage_vectors = vectors[0], vectors[1:]
    kinds = kind_mentions(text)
    forms = word_forms(text)
    words = list(forms)
    if index is not None and len(words) > MAX_QUERY_WORDS:
        rarity = index.word_weights(words)
        words = [words[i] for i in sorted(np.argsort(-rarity, kind="stable")[:MAX_QUERY_WORDS])]
    words = words[:MAX_QUERY_WORDS]
    return Query(vector=whole, passage_vectors=passage_vectors, places=places_of([text]),
                 need_vector=whole, offer_vector=whole, wanted_kinds=kinds.requested,
                 named_kinds=kinds.named,
                 concepts=thesaurus().find(text), term_counts=term_counts([text]),
                 words=tuple(words), word_forms=tuple(forms[w] for w in words),
                 word_vectors=encoder.encode(words, "passage") if words else None,
                 language=guess_language(text),
                 passage_languages=tuple(guess_language(p) for p in passages))


def cached_texts(profiles: Sequence[ActorProfile]) -> list[str]:
    """The texts of ``profiles`` whose vectors the registry caches (in the ``passage`` role):
    each passage, then each distinct word matched across languages. An index embeds exactly
    these, so an import that caches them leaves the next index nothing to embed."""
    texts = [passage for profile in profiles for _, passage in profile_passages(profile)]
    words = dict.fromkeys(word for profile in profiles
                          for word in content_words(profile_text(profile)))
    return [*texts, *words]


def need_rows(passage_vectors: np.ndarray, fields: np.ndarray) -> np.ndarray | None:
    """One vector per passage of an actor's ``needs`` (``None`` without needs): "a commune
    partner; technical help for the water points" are two needs, and a partner that answers
    one of them well should not be blurred by the other."""
    rows = passage_vectors[fields == "needs"]
    return rows.astype(np.float32) if len(rows) else None


class Matcher:
    """Registry + encoder + ranking. Thread-safe; load the model once per process."""

    def __init__(self, settings: Settings | None = None, *, encoder: Encoder | None = None,
                 store: Store | None = None, weights: Weights | None = None,
                 notice: Callable[[str], None] | None = None):
        self.settings = settings or Settings.from_env()
        # Where long encodings are announced (see CachedEncoder): the log by default (the
        # service's), stderr for the command line.
        self.notice = notice or log.info
        self.store = store or Store(self.settings.db_path)
        self.weights = weights or Weights()
        self._raw_encoder = encoder
        self._encoder: CachedEncoder | None = None
        self._index: Index | None = None
        self._state: tuple[int, str] | None = None
        self._lock = threading.RLock()
        self._listing = ActorListing()

    # -- model and index ----------------------------------------------------------------
    @property
    def encoder(self) -> CachedEncoder:
        """The caching encoder, its model loaded at first use (once per process)."""
        with self._lock:
            if self._encoder is None:
                raw = self._raw_encoder or load_encoder(self.settings.model,
                                                        self.settings.threads)
                self._encoder = CachedEncoder(raw, self.store, self.notice)
            return self._encoder

    @property
    def model_name(self) -> str:
        """The name of the encoder in use (loads the model if it is not loaded yet)."""
        return self.encoder.name

    def index(self, progress: Progress | None = None) -> Index:
        """The index of the current registry (rebuilt only when the registry changed)."""
        with self._lock:
            state = self.store.state()
            if self._index is None or state != self._state:
                stored = self.store.all()
                self._index = build_index([a.profile for a in stored], self.encoder, progress,
                                          previous=self._index, features=self.store,
                                          hashes=[a.content_hash for a in stored])
                self._state = state
            return self._index

    # -- registry -------------------------------------------------------------------------
    def import_bytes(self, data: bytes, fmt: str, progress: Progress | None = None
                     ) -> UpsertSummary:
        """Validate a whole file, then upsert all of it (nothing is written on any error)."""
        parsed = read_profiles(data, fmt)
        summary = self.upsert(parsed.profiles, progress)
        return dataclasses.replace(summary, ignored_fields=parsed.ignored_fields)

    def upsert(self, profiles: Sequence[ActorProfile], progress: Progress | None = None
               ) -> UpsertSummary:
        """Embed whatever text is new (cached for next time), then write profiles by id, so that
        re-importing an unchanged file costs no embedding and no index build."""
        # Embed first (the slow part, with progress): passages and the words matched across
        # languages. A model that fails to load, or an interrupted import, then leaves the
        # registry as it was; the cache keeps what was embedded. The index itself is rebuilt
        # from the cache at the next query.
        hashes = [profile_hash(profile) for profile in profiles]  # once: hashing is not free
        self._embed(self.store.changed(profiles, hashes), progress)
        return self.store.upsert(profiles, hashes)

    def export(self, fmt: str) -> str:
        """Every profile, contact e-mails included, by id, as ``fmt`` (``jsonl``, ``json`` or
        ``csv``): what ``soliris import`` reads back unchanged."""
        return dump_profiles([a.profile for a in self.store.all()], fmt, private=True)

    def create(self, profile: ActorProfile) -> StoredActor:
        """Add a new profile, embedded and matched on at once; a taken id is a
        :class:`ConflictError`."""
        self._embed([profile])
        if not self.store.insert_new(profile):
            raise ConflictError(f"an actor with id '{profile.id}' already exists")
        self.index()
        return self.store.get(profile.id)

    def _embed(self, profiles: Sequence[ActorProfile], progress: Progress | None = None
               ) -> None:
        """Put the passages and words of ``profiles`` in the embedding cache."""
        self.encoder.encode(cached_texts(profiles), "passage", progress=progress)

    def prune(self, other_models: bool = False) -> PruneSummary:
        """Remove from the registry's caches what no registered profile uses any more: the
        vectors of passages and words that edits and removals left behind, the text features
        of former versions of profiles and, with ``other_models``, the vectors of every model
        but the one in use (a later switch back embeds everything again)."""
        model = self.model_name
        for _ in range(PRUNE_ATTEMPTS):
            state = self.store.state()
            stored = self.store.all()
            vectors = {text_key(text, "passage")
                       for text in cached_texts([a.profile for a in stored])}
            features = {feature_key(a.content_hash) for a in stored}
            summary = self.store.prune_cache(model, vectors, features, state=state,
                                             other_models=other_models)
            if summary is not None:
                return summary
        raise ConflictError(f"the registry changed {PRUNE_ATTEMPTS} times while its caches "
                            "were being pruned: nothing was removed; try again when it is "
                            "quieter")

    def replace(self, profile: ActorProfile) -> StoredActor:
        """Replace the whole registered profile of the same id; an unknown id is a
        :class:`NotFoundError`."""
        self.store.get(profile.id)
        self.upsert([profile])
        return self.store.get(profile.id)

    def remove(self, actor_id: str) -> None:
        """Remove a profile; an unknown id is a :class:`NotFoundError`."""
        self.store.delete(actor_id)

    def get(self, actor_id: str) -> StoredActor:
        """The registered profile ``actor_id``; an unknown id is a :class:`NotFoundError`."""
        return self.store.get(actor_id)

    def list(self, kind: str | None = None, country: str | None = None, q: str | None = None,
             limit: int | None = None, offset: int = 0) -> Page:
        """Actors by id, filtered by kind, partner country (code or name) and a text search."""
        if kind is not None:
            kind = self.kind(kind, "kind")
        issues = []
        if country is not None and not country.strip():
            issues.append(Issue("is empty, and an empty country is not a country: give a code "
                                "or a name (CD, Maroc) or leave the filter out to list every "
                                "actor", field="country", value=country))
        needle = fold_any_script(q) if q is not None else None
        if needle == "":
            issues.append(Issue("has no letters or digits to search for (the search ignores "
                                "accents, case and punctuation): leave it out to list every "
                                "actor", field="q", value=q))
        if issues:
            raise ValidationError(issues)
        codes = (frozenset(self.country_codes(country, "country")) if country is not None
                 else None)
        ids = self._listing.select(self.store, kind, codes, needle)
        end = None if limit is None else offset + limit
        return Page(self.store.many(ids[offset:end]), len(ids))

    @staticmethod
    def kind(value: str, fieldname: str = "kinds") -> str:
        """The kind ``value`` means ("NGO", "asbl", "gemeente" are accepted), or an error."""
        kind = normalise_kind(value) if isinstance(value, str) else None
        if kind is None:
            raise ValidationError([Issue(f"'{clip(str(value))}' is not a known kind (allowed: "
                                         f"{', '.join(KINDS)})", field=fieldname, value=value)])
        return kind

    @staticmethod
    def country_codes(value: str, fieldname: str = "countries") -> tuple[str, ...]:
        """The countries a filter value names: a country (code or name), or a region's
        countries ("Sahel"), or a town's ("Kinshasa"); an error when unknown."""
        codes = gazetteer().countries_named(value) if isinstance(value, str) else ()
        if not codes:
            raise ValidationError([Issue(
                f"'{clip(str(value))}' is not a known country (use an ISO 3166-1 code such as CD, "
                "MA, SN or a name in French, Dutch or English)", field=fieldname, value=value)])
        return codes

    # -- matching ------------------------------------------------------------------------
    def match(self, text: str, top: int = 10, kinds: Iterable[str] = (),
              countries: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Match]:
        """Actors to involve in the initiative described by ``text`` (any language)."""
        self._check_text(text, "text")
        filters = self._filters(top, kinds, countries, exclude)
        index = self.index()
        # A mistyped id would otherwise exclude nobody, silently.
        unknown = sorted(ident for ident in filters.exclude if ident not in index.row_of)
        if unknown:
            raise ValidationError([Issue(f"'{clip(ident)}' is not a registered actor id",
                                         field="exclude", value=ident) for ident in unknown])
        with _one_blas_thread():
            return rank(index, self.text_query(text, index), filters, top, self.weights)

    def suggest(self, actor_id: str, top: int = 10, kinds: Iterable[str] = (),
                countries: Iterable[str] = ()) -> list[Match]:
        """Partners for a registered actor (the actor itself is never suggested)."""
        index = self.index()
        row = index.row_of.get(actor_id)
        if row is None:
            raise NotFoundError("actor", actor_id)
        filters = self._filters(top, kinds, countries, [actor_id])
        with _one_blas_thread():
            return rank(index, self.actor_query(index, row), filters, top, self.weights)

    def suggest_for(self, profile: ActorProfile, top: int = 10, kinds: Iterable[str] = (),
                    countries: Iterable[str] = ()) -> list[Match]:
        """Partners for a draft profile that is not saved (a newcomer trying the platform)."""
        filters = self._filters(top, kinds, countries, [profile.id])
        index = self.index()
        with _one_blas_thread():
            return rank(index, self.profile_query(profile), filters, top, self.weights)

    def text_query(self, text: str, index: Index | None = None) -> Query:
        """The query for an initiative text (see :func:`query_from_text`), its rare words
        chosen in ``index`` (the current index by default)."""
        return query_from_text(self.encoder.encoder, text,
                               self.index() if index is None else index)

    def actor_query(self, index: Index, row: int) -> Query:
        """The query for the registered actor at ``row`` of ``index``, from its indexed
        vectors (nothing is encoded)."""
        profile = index.profiles[row]
        passages = index.passages(row).astype(np.float32)
        fields = index.passage_fields[index.passage_start[row]:index.passage_start[row + 1]]
        return Query(
            vector=index.profile_vectors[row],
            passage_vectors=passages,
            places=index.places[row],
            need_vector=need_rows(passages, fields),
            offer_vector=index.offer_vectors[row].astype(np.float32)
            if index.has_offer[row] else None,
            kind=profile.kind,
            concepts=frozenset(np.flatnonzero(index.concepts[row]).tolist()),
            wanted_kinds=requested_kinds(profile.needs, seeking=True),
            from_profile=True,
            term_counts=index.term_counts[row],
        )

    def profile_query(self, profile: ActorProfile) -> Query:
        """The query for a draft profile that is not registered, built as a registered
        actor's is from its passages."""
        # Drafts are not saved: embed without writing to the cache.
        encoder = CachedEncoder(self.encoder.encoder, None)
        passages = profile_passages(profile)
        vectors = encoder.encode([p for _, p in passages], "passage")
        fields = np.asarray([f for f, _ in passages])
        whole, offers, _ = field_means(vectors, fields)
        offers = None if offers is None else normalise_rows(offers[None, :])[0]
        return Query(
            vector=normalise_rows(whole[None, :])[0],
            passage_vectors=vectors, places=profile_places(profile),
            need_vector=need_rows(vectors, fields),
            offer_vector=offers, kind=profile.kind, concepts=profile_concepts(profile),
            wanted_kinds=requested_kinds(profile.needs, seeking=True),
            from_profile=True,
            term_counts=term_counts([profile_text(profile)]),
        )

    # -- input checks ---------------------------------------------------------------------
    def _check_text(self, text: object, fieldname: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise ValidationError([Issue("is empty: describe the initiative in a few sentences",
                                         field=fieldname)])
        if len(text) > self.settings.max_text_chars:
            raise ValidationError([Issue(
                f"is {len(text)} characters long; the limit is {self.settings.max_text_chars}",
                field=fieldname)])
        if not has_words(text):
            raise ValidationError([Issue("has no words (only punctuation, symbols or control "
                                         "characters): describe the initiative in a few "
                                         "sentences", field=fieldname)])

    def _filters(self, top: int, kinds: Iterable[str], countries: Iterable[str],
                 exclude: Iterable[str]) -> Filters:
        issues = []
        if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= \
                self.settings.max_top:
            issues.append(Issue(f"must be a whole number from 1 to {self.settings.max_top}, "
                                f"got {top!r}", field="top", value=top))
        known_kinds = []
        for kind in kinds:
            try:
                known_kinds.append(self.kind(kind))
            except ValidationError as exc:
                issues.extend(exc.issues)
        codes = []
        for country in countries:
            try:
                codes.extend(self.country_codes(country))
            except ValidationError as exc:
                issues.extend(exc.issues)
        if issues:
            raise ValidationError(issues)
        return Filters(frozenset(known_kinds), frozenset(codes), frozenset(exclude))
