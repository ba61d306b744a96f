"""Ranking: the one code path that orders actors for a query, used by CLI, API and report.

Score of a candidate = weighted sum of parts, each in [0, 1]:

- ``semantic``: half the cosine of the query with the actor's mean profile vector, half the mean
  over query passages of the best-matching actor passage (sentence-level, so one relevant
  sentence in a long description counts). Raw cosines are calibrated per query as a z-score
  against all actors, then squashed, so that the scale does not depend on the model. Each
  actor vector's cosine is first lowered by its hubness, its mean cosine with its nearest
  other actors (:mod:`matcher.hubness`), so that generic sentences that lie near everybody do
  not rank high for every query. An initiative text's vectors first lose the direction of their
  language in the registry (:func:`language_neutral`), so that a French text does not favour
  French profiles.
- ``lexical``: TF-IDF cosine on hashed words, calibrated like ``semantic``: exact rare words
  (names, programmes, towns) that sentence vectors blur. For an initiative text, exact words
  weigh half as much and words matched across languages join them (:mod:`matcher.wordmatch`):
  each of the text's rarest words meets the closest word of the candidate's texts by the
  encoder's word vectors ("boekhouding" finds "comptabilité"), calibrated over the short-list.
- ``themes``: share of the query's themes (a multilingual thesaurus, ``matcher.themes``,
  weighted by rarity) that the actor's texts also name.
- ``geography``: share of the query's partner countries the actor also works in, plus a bonus
  for the same partner town, less for the same city or province only (countries and towns come
  from structured fields and free text); halved when an initiative text asks for a service
  rendered in Brussels (statutes, accounts).
- ``complementarity``: how well the actor's ``offers`` answer the query's needs (the initiative
  text itself, or each of a registered actor's ``needs`` passages: the best-answered need
  counts) and its ``needs`` match what the query offers; for an initiative text, also the
  share of its themes that the actor's ``offers`` name.
- ``kind``: the candidate is of a kind the query asks for ("nous cherchons une commune"), or,
  lowered, an advisory council that an initiative text neither names nor filters on.
- ``peer`` (zero or negative): for partners of a registered actor, a candidate of the same kind
  (another commune for a commune) is lowered: partners play another role.
- ``diversity`` (zero or negative): a greedy maximal-marginal-relevance pass lowers candidates that
  repeat the kind of an already chosen one, so a request shows a commune and a diaspora group
  next to NGOs when they are relevant, and near-duplicates of a chosen one (the same text
  registered twice). Scores stay non-increasing down the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import sparse

from matcher.features import Places
from matcher.index import Index, kind_code, passage_spans
from matcher.intent import REQUEST_WORDS, requested_kinds
from matcher.language import neutralise
from matcher.lexical import term_counts, weigh
from matcher.places import gazetteer
from matcher.profile import ActorProfile
from matcher.reasons import Reason, quote
from matcher.themes import thesaurus
from matcher.wordmatch import closest_words, word_match

#: The parts of every result's score, in the order ``Match.parts`` lists them.
SCORE_PARTS = ("semantic", "lexical", "themes", "geography", "complementarity", "kind", "local",
               "peer", "diversity")


@dataclass(frozen=True)
class Weights:
    """Weights of the score parts and of the diversity step (documented defaults)."""

    semantic: float = 0.40
    lexical: float = 0.10
    # An initiative text's exact words weigh half as much, and its words matched across
    # languages (``close_words``) join them: on the 13 development sets 0.849 -> 0.854, then
    # as a yes/no 0.840 -> 0.846 on the 12 fresh sets and 0.772 -> 0.783 on 4 new ones. A
    # registered actor keeps the exact words only: its sentence match already covers each of
    # its passages.
    text_lexical: float = 0.05
    close_words: float = 0.10
    # Two words count as close when their cosine is higher than that of all but this share of
    # the pairs of the registry's words: where "close" begins depends on the encoder
    # (unrelated words: about 0.3 with USE, 0.87 with e5). With USE on the sample registry it
    # is a cosine of 0.50; fixed cosines of 0.4-0.6 measured alike.
    close_word_share: float = 0.035
    # ... and they count in full from the cosine of the closest ``close_word_full_share`` of
    # the pairs (0.70 with USE on the sample, where reasons start to show a pair): a partner
    # that writes a text's word in another language ("comptabilité" for "boekhouding") counts
    # as much as one that writes the same word. Counting only the same word in full favoured
    # profiles in the text's language: on the parallel cases of the seventh round (one
    # request in three languages) their excess in the first five places fell from 7.5 to 5.2
    # points; development sets 0.829 -> 0.830, IATI recall@10 0.347 -> 0.352; as a yes/no,
    # 26 fresh sets 0.8234 -> 0.8238 and two new ones 0.830 -> 0.832.
    close_word_full_share: float = 0.002
    # The exact-word part of an initiative text also meets the translations of its words: each
    # word of the short-listed actors that meets one of the text's rarest words in full (above)
    # joins the text's words with this count. Exact words alone meet only profiles in the text's
    # language. Seventh round: same-language excess on the parallel cases 5.2 -> 3.0 points,
    # development sets 0.830 -> 0.834 (our own cases 0.871 -> 0.864), IATI recall@10 0.352 ->
    # 0.356; as a yes/no, 28 fresh sets 0.8244 -> 0.8249 and two new ones 0.822 -> 0.826. 0 turns
    # it off.
    translated_words: float = 1.0
    themes: float = 0.15
    geography: float = 0.30
    complementarity: float = 0.15
    # For a profile (``suggest``) its needs are an explicit request, distinct from what its
    # description says; for a free text the need is the text itself, which the semantic part
    # already measures.
    profile_complementarity: float = 0.25
    # An initiative text's themes named in a candidate's ``offers`` (not only somewhere in its
    # profile): it gives what the text is about. In all six development sets such candidates
    # were relevant 2-4 times as often as those naming the theme elsewhere only; sentence
    # vectors miss it in terse offers across languages ("Formations genre pour agents
    # communaux" for "een vorming over gender"). For a registered actor, the themes of its
    # needs in the candidate's offers measured neutral, so only texts use it.
    offered_themes: float = 0.10
    requested_kind: float = 0.08
    # An advisory council that an initiative text neither names nor filters on: councils
    # advise their commune and rarely carry a project. In the development sets they filled 52
    # of the sample's first-five `match` places with 19 % of them relevant (37 % on the
    # independent registries) against 50-65 % for the other kinds; for a registered actor they
    # were relevant as often as other kinds (they co-fund small associations), so only texts.
    unrequested_council: float = 0.08
    # Partners for a registered actor play another role: a commune looks for NGOs, diaspora
    # relays and experts, a water NGO for a commune or a funder. In every labelled set
    # (including three written blind) a candidate of the actor's own kind was relevant ten
    # times less often than another, so a peer is lowered (text queries are not).
    peer: float = 0.15
    local: float = 0.05
    look_alike: float = 0.08
    # Closeness (0 at the pool's median similarity, 1 for the same vector) from which a chosen
    # actor's look-alikes are lowered: only near-duplicates (one organisation registered twice,
    # branches with one text). Lowering every actor closer than the median (0) cost 0.004 nDCG@5
    # on the development sets (12 of 13 lower): relevant partners on one topic look alike.
    near_duplicate: float = 0.8
    same_kind: float = 0.02
    town_share: float = 0.4
    broader_town: float = 0.5
    # An initiative text that asks for a service rendered in Brussels (statutes, accounts:
    # ``scope`` in the thesaurus) names its partner country as context, not as the place of
    # the partnership: actors there count less.
    service_geography: float = 0.5
    passage_share: float = 0.5
    # Share of each actor vector's hubness (mean cosine with its 10 nearest other actors, see
    # ``matcher.hubness``) taken out of its cosine with the query; 0 turns it off. With 1, the
    # development sets' mean nDCG@5 rose from 0.837 to 0.847 (9 of 12 sets up).
    hubness: float = 1.0
    # How much of its language's direction is taken out of an initiative text's vectors (see
    # ``matcher.language``): 1 is plain centring, neutral on the STS benchmark's aligned
    # sentences; 0 turns it off.
    language_neutral: float = 1.0
    pool: int = 200


@dataclass(frozen=True)
class Query:
    """What to match against: an initiative text, a registered actor or a draft profile."""

    vector: np.ndarray
    passage_vectors: np.ndarray
    places: Places = field(default_factory=Places)
    need_vector: np.ndarray | None = None  # (d,) or (k, d): one row per need
    offer_vector: np.ndarray | None = None  # (d,) or (k, d)
    kind: str | None = None
    concepts: frozenset[int] = frozenset()
    wanted_kinds: frozenset[str] = frozenset()
    # Kinds a text names other than its author's, asked for or not ("Quel conseil consultatif
    # pourrait nous aider ?" names a council without a seeking word before it).
    named_kinds: frozenset[str] = frozenset()
    from_profile: bool = False  # a registered actor or a draft profile, not a free text
    term_counts: sparse.csr_matrix | None = None
    # An initiative text's rarest content words and their vectors (see ``matcher.wordmatch``).
    words: tuple[str, ...] = ()
    word_vectors: np.ndarray | None = None
    word_forms: tuple[str, ...] = ()  # the words as written in the text, for reasons
    language: str | None = None  # of the whole text ("fr", "nl", "en"), when clear
    passage_languages: tuple[str | None, ...] = ()  # one per row of ``passage_vectors``


@dataclass(frozen=True)
class Filters:
    """Hard constraints on the results."""

    kinds: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Match:
    """One ranked actor with its score, the parts of that score and the reasons."""

    profile: ActorProfile
    score: float
    parts: dict[str, float]
    reasons: tuple[Reason, ...]

    def to_dict(self, lang: str = "en", *, private: bool = False) -> dict[str, Any]:
        data = self.profile.to_dict(private=private)
        return {
            "id": data.pop("id"), "name": data.pop("name"), "kind": data.pop("kind"),
            "score": rounded(self.score),
            "parts": rounded_parts(self.parts),
            "reasons": [r.render(lang) for r in self.reasons],
            **{k: v for k, v in data.items() if k in ("countries", "themes", "commune",
                                                       "languages", "website",
                                                       "contact_email")},
        }


def rounded(value: float) -> float:
    """A score as the API, the command line and the report show it: 4 decimals, never
    ``-0.0``."""
    return round(float(value), 4) + 0.0


def rounded_parts(parts: dict[str, float]) -> dict[str, float]:
    """Every score part, in the engine's order, as :func:`rounded`."""
    return {key: rounded(value) for key, value in parts.items()}


COMPLEMENTARY_KINDS = {
    frozenset(p) for p in [("commune", "diaspora"), ("commune", "ngo"),
                           ("commune", "association"), ("ngo", "diaspora"),
                           ("association", "diaspora"), ("advisory_council", "diaspora"),
                           ("advisory_council", "ngo"), ("regional_body", "ngo"),
                           ("regional_body", "commune"), ("expert", "commune"),
                           ("expert", "diaspora"), ("expert", "association")]
}


def squash(z: np.ndarray | float) -> np.ndarray:
    """Map a calibrated z-score to (0, 1): 0.5 at 1.5 standard deviations above the mean."""
    exponent = np.clip(-(np.asarray(z, dtype=np.float64) - 1.5), -700.0, 700.0)
    return 1.0 / (1.0 + np.exp(exponent))


def allowed_rows(index: Index, filters: Filters) -> np.ndarray:
    """Boolean mask of the actors that satisfy the hard filters."""
    mask = np.ones(len(index), dtype=bool)
    if filters.kinds:
        codes = [kind_code(k) for k in filters.kinds]
        mask &= np.isin(index.kind_codes, codes)
    if filters.countries:
        in_country = np.zeros(len(index), dtype=bool)
        for code in filters.countries:
            rows = index.country_rows.get(code)
            if rows is not None:
                in_country[rows] = True
        mask &= in_country
    for actor_id in filters.exclude:
        row = index.row_of.get(actor_id)
        if row is not None:
            mask[row] = False
    return mask


def country_overlap(index: Index, countries: frozenset[str]) -> np.ndarray:
    """Share of ``countries`` each actor also works in (zeros when ``countries`` is empty)."""
    overlap = np.zeros(len(index), dtype=np.float64)
    for code in countries:
        rows = index.country_rows.get(code)
        if rows is not None:
            overlap[rows] += 1.0
    return overlap / max(len(countries), 1)


def town_values(query_towns: frozenset[str], weights: Weights) -> dict[str, float]:
    """What sharing a place with the query is worth: 1 for a place the query names,
    ``weights.broader_town`` for the city or province a named place lies in, its square one
    level up (a query on Kintambo: Kinshasa 0.5; on Goma: Nord-Kivu 0.5, Kivu 0.25)."""
    places = gazetteer()
    values = dict.fromkeys(query_towns, 1.0)
    for town in query_towns:
        for level, ancestor in enumerate(places.ancestors(town), start=1):
            values[ancestor] = max(values.get(ancestor, 0.0), weights.broader_town ** level)
    return values


def shared_towns(values: dict[str, float], actor_towns: frozenset[str]) -> dict[str, float]:
    """The places of ``values`` the actor works in: those it names and those they lie in (an
    actor in Goma works in Nord-Kivu)."""
    places = gazetteer()
    shared: dict[str, float] = {}
    for town in actor_towns:
        for place in (town, *places.ancestors(town)):
            if place in values:
                shared[place] = values[place]
    return shared


def town_match(query_towns: frozenset[str], actor_towns: frozenset[str],
               weights: Weights, values: dict[str, float] | None = None) -> float:
    """The value of the best place the actor shares with the query (see :func:`town_values`,
    which ``values`` may pass precomputed); 0 when it shares none."""
    if not query_towns or not actor_towns:
        return 0.0
    values = town_values(query_towns, weights) if values is None else values
    return max(shared_towns(values, actor_towns).values(), default=0.0)


def place_relevance(query: Query, weights: Weights) -> float:
    """How much the query's places count: 1, or ``weights.service_geography`` for an initiative
    text that asks for a service rendered in Brussels ("our new association needs statutes; our
    projects are in Congo"), where the country is context rather than the partnership's place."""
    if not query.from_profile and query.concepts & thesaurus().brussels_services:
        return weights.service_geography
    return 1.0


def lexical_scores(index: Index, query: Query) -> np.ndarray:
    """TF-IDF cosine of the query with every actor, calibrated as a z-score and squashed."""
    if query.term_counts is None or query.term_counts.nnz == 0:
        return np.zeros(len(index))
    vector = weigh(query.term_counts, index.idf)
    sims = (vector @ index.lexical_by_term).toarray().ravel().astype(np.float64)
    return squash((sims - sims.mean()) / (sims.std() + 1e-6))


@dataclass(frozen=True)
class CloseWords:
    """Words of an initiative text matched in short-listed candidates' texts."""

    score: np.ndarray  # (len(rows),) calibrated and squashed, 0 for a registered actor
    query: Query | None = None
    rarity: np.ndarray | None = None  # idf of each of the query's words
    threshold: float = 0.5
    # Words of the candidates, other than the query's own, that meet one of them in full.
    translations: tuple[str, ...] = ()

    def pairs(self, index: Index, row: int, limit: int = 3, least: float = 0.4
              ) -> list[tuple[str, str]]:
        """The text's words that the actor of ``row`` writes in another language and that lie
        close to one of its words (closeness ``least``: with USE a cosine of about 0.7, below
        which single-word vectors stop being reliable), rarest first: what a reason can show
        beyond the exact words. Left out: request words ("zoekt", "cherchent"), whose match
        says nothing about the partner, and variants of one stem ("projet", "projets"), which
        a reader sees without help."""
        query, rarity, words = self.query, self.rarity, index.word_rows
        if query is None or query.word_vectors is None or rarity is None or words is None:
            return []
        columns = words.indices[words.indptr[row]:words.indptr[row + 1]]
        which, closeness = closest_words(query.word_vectors, index.words.vectors, columns,
                                         self.threshold)
        vocabulary = index.words.words
        written = query.word_forms if len(query.word_forms) == len(query.words) else query.words
        found = [(float(rarity[i]), written[i], index.words.form(vocabulary[c]))
                 for i, (mine, c, close) in enumerate(zip(query.words, which, closeness,
                                                          strict=True))
                 if c >= 0 and close >= least and vocabulary[c][:5] != mine[:5]
                 and mine not in REQUEST_WORDS and vocabulary[c] not in REQUEST_WORDS]
        return [(mine, theirs) for _, mine, theirs in
                sorted(found, key=lambda item: -item[0])[:limit]]


def close_words(index: Index, query: Query, rows: np.ndarray, weights: Weights) -> CloseWords:
    """For an initiative text: the share of its rarest words (idf-weighted) that each of
    ``rows`` uses or writes in another language (:func:`matcher.wordmatch.word_match`),
    calibrated as a z-score over ``rows`` and squashed."""
    if query.from_profile or not query.words or query.word_vectors is None \
            or weights.close_words == 0 or index.word_rows is None:
        return CloseWords(np.zeros(len(rows)))
    rarity = index.word_weights(query.words)
    threshold = index.word_threshold(weights.close_word_share)
    full = max(index.word_threshold(weights.close_word_full_share), threshold + 1e-3)
    raw, met = word_match(query.word_vectors, rarity, index.words.vectors,
                          index.word_rows[rows], threshold, full)
    score = squash((raw - raw.mean()) / (raw.std() + 1e-6)) if len(rows) > 1 else np.zeros(1)
    own = set(query.words)
    translations = tuple(word for word in (index.words.words[c] for c in met) if word not in own)
    return CloseWords(score, query, rarity, threshold, translations)


def translated_lexical(index: Index, query: Query, words: CloseWords, weights: Weights
                       ) -> np.ndarray | None:
    """The exact-word scores of an initiative text whose words are joined by their translations
    among the short-listed actors' words (``words.translations``), for every actor; ``None``
    when there is nothing to add."""
    if not words.translations or not weights.translated_words or query.term_counts is None:
        return None
    added = term_counts([" ".join(words.translations)])
    return lexical_scores(index, replace(
        query, term_counts=query.term_counts + weights.translated_words * added))


def theme_overlap(index: Index, concepts: frozenset[int],
                  named: np.ndarray | None = None) -> np.ndarray:
    """Share of the query's themes (weighted by rarity) that each actor also names; with
    ``named`` (rows of a concept matrix such as ``index.offer_concepts[rows]``), that each of
    those rows names."""
    named = index.concepts if named is None else named
    if not concepts:
        return np.zeros(len(named))
    columns = sorted(concepts)
    weights = index.concept_weights[columns]
    return named[:, columns].astype(np.float64) @ weights / weights.sum()


def language_neutral(index: Index, query: Query, weights: Weights) -> Query:
    """An initiative text's vectors without the direction of their language in this registry,
    so that partners who write in another language are not at a disadvantage (a registered
    actor is compared as it is: its partners' languages are part of who they are)."""
    if query.from_profile or not index.language_means or weights.language_neutral == 0:
        return query
    strength = weights.language_neutral
    vector = neutralise(query.vector, [query.language], index.language_means, strength)[0]
    passages = (neutralise(query.passage_vectors, query.passage_languages, index.language_means,
                           strength)
                if len(query.passage_languages) == len(query.passage_vectors)
                else query.passage_vectors)
    # A text stands for both sides of complementarity with its whole vector.
    need = vector if query.need_vector is query.vector else query.need_vector
    offer = vector if query.offer_vector is query.vector else query.offer_vector
    return replace(query, vector=vector, passage_vectors=passages, need_vector=need,
                   offer_vector=offer)


def rank(index: Index, query: Query, filters: Filters = Filters(), top: int = 10,
         weights: Weights = Weights(), coarse: np.ndarray | None = None) -> list[Match]:
    """Rank the actors of ``index`` for ``query``; ``coarse`` may pass precomputed profile
    similarities (the batch report computes them block by block)."""
    if len(index) == 0 or top <= 0:
        return []
    query = language_neutral(index, query, weights)
    vector = query.vector.astype(np.float32)
    if coarse is None and index.first_pass is not None:
        # Large registry: a reduced product for everybody, exact similarities for the pool.
        reduced = index.first_pass
        first = (reduced.vectors @ (reduced.basis @ vector)).astype(np.float64) \
            - weights.hubness * index.profile_hubness
        first_z = (first - first.mean()) / (first.std() + 1e-6)
        sample = reduced.calibration_vectors @ vector \
            - weights.hubness * index.profile_hubness[reduced.calibration_rows]
        mean, std = float(sample.mean()), float(sample.std()) + 1e-6
    else:
        if coarse is None:
            coarse = index.profile_vectors @ vector
        coarse = np.asarray(coarse, dtype=np.float64) - weights.hubness * index.profile_hubness
        mean, std = float(coarse.mean()), float(coarse.std()) + 1e-6
        first_z = (coarse - mean) / std
    countries = country_overlap(index, query.places.countries)
    themes = theme_overlap(index, query.concepts)
    lexical = lexical_scores(index, query)
    mask = allowed_rows(index, filters)
    if not mask.any():
        return []
    geography_weight = weights.geography * place_relevance(query, weights)
    lexical_weight = weights.lexical if query.from_profile else weights.text_lexical
    first_pass = weights.semantic * squash(first_z) \
        + geography_weight * (1 - weights.town_share) * countries + weights.themes * themes \
        + lexical_weight * lexical
    first_pass[~mask] = -np.inf
    pool = min(max(weights.pool, top * 4), int(mask.sum()))
    rows = np.argpartition(-first_pass, pool - 1)[:pool]
    rows = rows[np.argsort(-first_pass[rows], kind="stable")]

    pool_coarse = (coarse[rows] if coarse is not None
                   else (index.profile_vectors[rows] @ vector).astype(np.float64)
                   - weights.hubness * index.profile_hubness[rows])
    best_passage, passage_score = _passage_scores(index, query, rows, weights.hubness)
    semantic_raw = ((1 - weights.passage_share) * pool_coarse
                    + weights.passage_share * passage_score)
    semantic = squash((semantic_raw - mean) / std)
    words = close_words(index, query, rows, weights)
    translated = translated_lexical(index, query, words, weights) if lexical_weight else None
    exact = lexical if translated is None else translated
    lexical_part = lexical_weight * exact[rows] + weights.close_words * words.score
    comp, comp_reason = _complementarity(index, query, rows)
    comp_weight = (weights.profile_complementarity if query.from_profile
                   else weights.complementarity)
    offered = (np.zeros(len(rows)) if query.from_profile
               else theme_overlap(index, query.concepts, index.offer_concepts[rows]))
    complementarity = comp_weight * comp + weights.offered_themes * offered
    values = town_values(query.places.towns, weights)
    towns = np.array([town_match(query.places.towns, index.places[r].towns, weights, values)
                      for r in rows])
    geography = (1 - weights.town_share) * countries[rows] + weights.town_share * towns
    wanted = np.isin(index.kind_codes[rows], [kind_code(k) for k in query.wanted_kinds])
    kind_fit = weights.requested_kind * wanted
    asked = filters.kinds | query.wanted_kinds | query.named_kinds
    if not query.from_profile and "advisory_council" not in asked:
        council = index.kind_codes[rows] == kind_code("advisory_council")
        kind_fit = kind_fit - weights.unrequested_council * council
    peer = (index.kind_codes[rows] == kind_code(query.kind) if query.from_profile and query.kind
            else np.zeros(len(rows), dtype=bool))
    local = np.array([1.0 if query.places.brussels & index.places[r].brussels else 0.0
                      for r in rows])
    relevance = (weights.semantic * semantic + lexical_part
                 + weights.themes * themes[rows]
                 + geography_weight * geography + complementarity
                 + kind_fit + weights.local * local
                 - weights.peer * peer)
    order, penalties = _diversify(index, rows, relevance, top, weights)

    matches = []
    for pos in order:
        row = int(rows[pos])
        profile = index.profiles[row]
        parts = {"semantic": float(weights.semantic * semantic[pos]),
                 "lexical": float(lexical_part[pos]),
                 "themes": float(weights.themes * themes[row]),
                 "geography": float(geography_weight * geography[pos]),
                 "complementarity": float(complementarity[pos]),
                 "kind": float(kind_fit[pos]) or 0.0,
                 "local": float(weights.local * local[pos]),
                 # ``or 0.0``: no "-0.0" in the output when nothing is lowered
                 "peer": -float(weights.peer * peer[pos]) or 0.0,
                 "diversity": -float(penalties[pos]) or 0.0}
        reason = comp_reason[pos] or ("offers_for_need" if offered[pos] > 0 else None)
        reasons = _reasons(index, query, row, int(best_passage[pos]), reason, values)
        pairs = words.pairs(index, row)
        if pairs:
            reasons.append(Reason("close_words", {"pairs": ", ".join(
                f"{mine} ≈ {theirs}" for mine, theirs in pairs)}))
        if wanted[pos]:
            reasons.append(Reason("requested_kind", {"kind": profile.kind}))
        if query.from_profile and query.kind \
                and query.kind in requested_kinds(profile.needs, seeking=True):
            # Said, not scored: such candidates were not more often relevant on fresh sets.
            reasons.append(Reason("seeks_your_kind", {"kind": query.kind}))
        if local[pos]:
            shared = sorted(query.places.brussels & index.places[row].brussels)
            reasons.append(Reason("same_brussels_commune", {"places": ", ".join(shared)}))
        matches.append(Match(profile, float(relevance[pos] - penalties[pos]), parts,
                             tuple(reasons)))
    return matches


def _passage_scores(index: Index, query: Query, rows: np.ndarray, hubness: float = 0.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """For each candidate: the mean over query passages of the best actor passage (cosines
    lowered by ``hubness`` times each passage's hubness), and the global position of the actor
    passage that matched best (for the reason)."""
    positions, lengths, offsets = passage_spans(index.passage_start, rows)
    vectors = index.passage_vectors[positions].astype(np.float32)
    sims = query.passage_vectors.astype(np.float32) @ vectors.T  # (k, M)
    if hubness:
        sims -= np.float32(hubness) * index.passage_hubness[positions]
    best_per_query = np.maximum.reduceat(sims, offsets, axis=1)  # (k, len(rows))
    score = best_per_query.mean(axis=0)
    # Reason: the sentence of the actor's description closest to any part of the query (its
    # offers and needs are quoted by the complementarity reason; the name says nothing new).
    closest = sims.max(axis=0)
    fields = index.passage_fields[positions]
    closest = np.where(fields == "description", closest, closest - 10.0)
    best = np.empty(len(rows), dtype=np.int64)
    for i, (offset, length) in enumerate(zip(offsets, lengths, strict=True)):
        best[i] = positions[offset + int(np.argmax(closest[offset:offset + length]))]
    return best, score


def _complementarity(index: Index, query: Query, rows: np.ndarray
                     ) -> tuple[np.ndarray, list[str | None]]:
    """How well candidates answer the query's needs (their offers, or for a registered actor
    their whole profile) and need what the query offers (or, for a registered actor, what its
    whole profile does). Each similarity is calibrated as a
    z-score against the same vector's similarities to the candidates' profiles, so the part
    does not depend on the model's scale."""
    sides: list[tuple[str, np.ndarray, np.ndarray]] = []
    if query.need_vector is not None:
        need = np.atleast_2d(query.need_vector.astype(np.float32)).T  # (d, k): one per need
        reference = index.profile_vectors[rows] @ need
        sims = index.offer_vectors[rows].astype(np.float32) @ need
        sides.append(("offers_for_need",
                      np.where(index.has_offer[rows, None], sims, -np.inf), reference))
        if query.from_profile:
            sides.append(("answers_need", reference, reference))
    if query.offer_vector is not None:
        offer = np.atleast_2d(query.offer_vector.astype(np.float32)).T
        sims = index.need_vectors[rows].astype(np.float32) @ offer
        # A registered actor offers its ``offers``; an initiative text is not clearly an offer,
        # so the reason only says the candidate's needs meet it.
        code = "needs_your_offer" if query.from_profile else "needs_meet_initiative"
        sides.append((code, np.where(index.has_need[rows, None], sims, -np.inf),
                      index.profile_vectors[rows] @ offer))
    if query.from_profile:
        # The mirror of ``answers_need``: what a registered actor does as a whole, not only its
        # ``offers`` field, may be what a candidate needs (a shop that seeks "products processed
        # by women's groups" for an NGO of women food processors whose offers list trainings).
        work = np.atleast_2d(query.vector.astype(np.float32)).T
        sims = index.need_vectors[rows].astype(np.float32) @ work
        sides.append(("needs_your_work", np.where(index.has_need[rows, None], sims, -np.inf),
                      index.profile_vectors[rows] @ work))
    best = np.full(len(rows), -np.inf)
    which: list[str | None] = [None] * len(rows)
    for code, sims, reference in sides:
        # Each need (or offer) is calibrated on its own; the best-answered one counts.
        z = ((sims - reference.mean(axis=0)) / (reference.std(axis=0) + 1e-6)).max(axis=1)
        for i in np.flatnonzero(z > best):
            which[i] = code
        best = np.maximum(best, z)
    comp = np.where(np.isfinite(best), squash(best), 0.0)
    which = [w if c >= 0.5 else None for w, c in zip(which, comp, strict=True)]
    return comp, which


def _diversify(index: Index, rows: np.ndarray, relevance: np.ndarray, top: int,
               weights: Weights) -> tuple[list[int], np.ndarray]:
    """Greedy maximal-marginal-relevance selection; returns positions and their penalties."""
    count = min(top, len(rows))
    vectors = index.profile_vectors[rows]
    sims = vectors @ vectors.T
    reference = float(np.median(sims)) if len(rows) > 1 else 0.0
    look_alike = np.zeros(len(rows))
    same_kind = np.zeros(len(rows))
    penalties = np.zeros(len(rows))
    chosen: list[int] = []
    remaining = np.ones(len(rows), dtype=bool)
    kinds = index.kind_codes[rows]
    for _ in range(count):
        penalty = weights.look_alike * look_alike + weights.same_kind * same_kind
        value = np.where(remaining, relevance - penalty, -np.inf)
        pick = int(np.argmax(value))
        chosen.append(pick)
        penalties[pick] = penalty[pick]
        remaining[pick] = False
        closeness = np.clip((sims[pick] - reference) / max(1.0 - reference, 1e-6), 0.0, 1.0)
        duplicate = np.clip((closeness - weights.near_duplicate)
                            / max(1.0 - weights.near_duplicate, 1e-6), 0.0, 1.0)
        look_alike = np.maximum(look_alike, duplicate)
        same_kind += kinds == kinds[pick]
    return chosen, penalties


def _reasons(index: Index, query: Query, row: int, passage: int,
             comp_reason: str | None, place_values: dict[str, float]) -> list[Reason]:
    profile = index.profiles[row]
    places = index.places[row]
    reasons: list[Reason] = []
    shared = shared_towns(place_values, places.towns)
    best = max(shared.values(), default=0.0)
    towns = sorted(town for town, value in shared.items() if value == best)
    if towns:
        reasons.append(Reason("shared_town", {"places": ", ".join(towns)}))
    shared = sorted(query.places.countries & places.countries)
    if shared:
        names = {f"places_{lang}": ", ".join(gazetteer().name(c, lang) for c in shared)
                 for lang in ("en", "fr", "nl")}
        reasons.append(Reason("shared_country", {"places": names["places_en"], **names}))
    if index.passage_fields[passage] == "description":
        reasons.append(Reason("passage", {"text": quote(index.passage_texts[passage])}))
    if comp_reason == "offers_for_need" and profile.offers:
        reasons.append(Reason(comp_reason, {"text": quote(profile.offers, 140)}))
    elif comp_reason in ("needs_your_offer", "needs_meet_initiative", "needs_your_work") \
            and profile.needs:
        reasons.append(Reason(comp_reason, {"text": quote(profile.needs, 140)}))
    elif comp_reason == "answers_need":
        reasons.append(Reason(comp_reason))
    # For an initiative text, a theme the actor only needs is no shared work (it still counts
    # in the score: leaving it out measured neutral).
    named = index.concepts if query.from_profile else index.work_concepts
    shared_concepts = sorted(query.concepts & set(np.flatnonzero(named[row]).tolist()))
    if shared_concepts:
        labels = {f"themes_{lang}": ", ".join(thesaurus().label(c, lang) for c in shared_concepts)
                  for lang in ("en", "fr", "nl")}
        reasons.append(Reason("shared_themes", {"themes": labels["themes_en"], **labels}))
    if query.kind and frozenset((query.kind, profile.kind)) in COMPLEMENTARY_KINDS:
        reasons.append(Reason("complementary_role", {"kind": profile.kind,
                                                     "other": query.kind}))
    return reasons
