"""The TF-IDF baseline: :class:`TfidfBaseline`, scikit-learn TF-IDF cosine over the profile
texts (:func:`matcher.lexical.profile_text`, the text the engine's word parts read) with the
engine's hard filters, returning :class:`Hit` results shaped like the engine's matches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.errors import Issue, NotFoundError, ValidationError
from matcher.lexical import profile_text
from matcher.places import gazetteer
from matcher.profile import ActorProfile


@dataclass(frozen=True)
class Hit:
    """One result of the baseline (the same ``profile`` / ``score`` shape as an engine match)."""

    profile: ActorProfile
    score: float


class TfidfBaseline:
    """scikit-learn TF-IDF + cosine similarity over :func:`profile_text`, with the engine's hard
    filters (kinds; countries on the structured ``countries`` field only; the query actor is
    excluded from its own suggestions). A ``suggest`` query is the actor's own profile text.

    Word unigrams, accents stripped, sublinear term frequency: a fair, tuned-once baseline."""

    name = "tf-idf"

    def __init__(self, profiles: Sequence[ActorProfile], **vectorizer_options: Any):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.profiles = list(profiles)
        if not self.profiles:
            raise ValueError("the TF-IDF baseline needs at least one profile")
        options = {"strip_accents": "unicode", "sublinear_tf": True, "lowercase": True}
        options.update(vectorizer_options)
        self.vectorizer = TfidfVectorizer(**options)
        self.matrix = self.vectorizer.fit_transform([profile_text(p) for p in self.profiles])
        self.row_of = {p.id: i for i, p in enumerate(self.profiles)}
        self._kinds = np.asarray([p.kind for p in self.profiles])
        self._countries = [frozenset(p.countries) for p in self.profiles]

    def match(self, text: str, top: int = 10, kinds: Iterable[str] = (),
              countries: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Hit]:
        """The actors whose text is closest to ``text``, as :meth:`Matcher.match` ranks."""
        return self._rank(self.vectorizer.transform([text]), top, kinds, countries, exclude)

    def suggest(self, actor_id: str, top: int = 10, kinds: Iterable[str] = (),
                countries: Iterable[str] = ()) -> list[Hit]:
        """The actors whose text is closest to that of ``actor_id`` (never the actor itself),
        as :meth:`Matcher.suggest` ranks; an unknown id is a :class:`NotFoundError`."""
        row = self.row_of.get(actor_id)
        if row is None:
            raise NotFoundError("actor", actor_id)
        return self._rank(self.matrix[row], top, kinds, countries, [actor_id])

    def _rank(self, vector: Any, top: int, kinds: Iterable[str], countries: Iterable[str],
              exclude: Iterable[str]) -> list[Hit]:
        scores = np.asarray((self.matrix @ vector.T).todense()).ravel()  # rows are L2-normalised
        mask = np.ones(len(self.profiles), dtype=bool)
        kinds = set(kinds)
        if kinds:
            mask &= np.isin(self._kinds, sorted(kinds))
        codes = set()
        for country in countries:
            code = gazetteer().country_code(country)
            if code is None:
                raise ValidationError([Issue(f"'{country}' is not a known country",
                                             field="countries", value=country)])
            codes.add(code)
        if codes:
            mask &= np.asarray([bool(c & codes) for c in self._countries])
        for actor_id in exclude:
            if actor_id in self.row_of:
                mask[self.row_of[actor_id]] = False
        candidates = np.flatnonzero(mask)
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:top]
        return [Hit(self.profiles[i], float(scores[i])) for i in order]
