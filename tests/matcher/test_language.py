"""Language guessing and the language-neutral correction of initiative texts."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.encoders import CachedEncoder, normalise_rows
from matcher.engine import query_from_text
from matcher.index import build_index
from matcher.language import guess_language, language_means, neutralise
from matcher.profile import validate_record
from matcher.ranking import Weights, rank


def test_guess_language_from_function_words() -> None:
    assert guess_language("Nous travaillons avec les femmes pour l'eau dans la région.") == "fr"
    assert guess_language("Wij werken met de vrouwen voor het water in de regio.") == "nl"
    assert guess_language("We work with the women of the region for access to water.") == "en"
    assert guess_language("Kinshasa, Goma") is None


def test_language_means_against_brute_force() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(60, 5)).astype(np.float32)
    texts = ["le la les des et"] * 25 + ["the and of to is"] * 25 + ["Kinshasa"] * 10
    means = language_means(vectors, texts)
    assert set(means) == {"fr", "en"}  # no Dutch passages, and names are no language
    worded = vectors[:50].mean(0)  # the names are left out of the overall mean
    np.testing.assert_allclose(means["fr"], vectors[:25].mean(0) - worded, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(means["en"], vectors[25:50].mean(0) - worded, rtol=1e-5,
                               atol=1e-6)
    # Too few passages of a language give no mean; one language alone needs no correction.
    assert language_means(vectors[:10], texts[:10]) == {}
    assert language_means(vectors[:25], texts[:25]) == {}


def test_neutralise_subtracts_the_rows_language_and_renormalises() -> None:
    means = {"fr": np.array([0.0, 0.5], dtype=np.float32)}
    vectors = np.array([[0.6, 0.8], [0.6, 0.8]], dtype=np.float32)
    out = neutralise(vectors, ["fr", None], means)
    np.testing.assert_allclose(out[0], normalise_rows(np.array([[0.6, 0.3]]))[0], rtol=1e-6)
    np.testing.assert_allclose(out[1], vectors[1])  # unknown language: unchanged
    np.testing.assert_allclose(neutralise(vectors, ["fr", "fr"], means, strength=0), vectors)


class LanguageBiasedEncoder:
    """Topic words give the meaning; each language adds its own direction, as multilingual
    encoders do a little."""

    name = "language-biased-test"
    dim = 4
    _topics = {"eau": 0, "water": 0, "santé": 1, "health": 1}
    _languages = {"fr": 2, "en": 3}

    def encode(self, texts, role="passage"):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word, slot in self._topics.items():
                if word in text.lower():
                    out[i, slot] = 1.0
            lang = guess_language(text)
            if lang in self._languages:
                out[i, self._languages[lang]] = 0.6
        return normalise_rows(out + 1e-3)


def _actor(i: int, text: str):
    return validate_record({"id": f"a{i}", "name": f"Actor {i}", "kind": "ngo",
                            "description": text})


@pytest.fixture(scope="module")
def biased_index():
    profiles = [_actor(0, "Nous apportons de l'eau dans les villages de la région."),
                _actor(1, "We bring water to the villages of the region and the towns.")]
    profiles += [_actor(10 + i, "Nous soignons les malades pour la santé des familles.")
                 for i in range(24)]
    profiles += [_actor(40 + i, "We care for the sick and the health of the families.")
                 for i in range(24)]
    return build_index(profiles, CachedEncoder(LanguageBiasedEncoder(), None))


def test_a_french_text_no_longer_favours_french_profiles(biased_index) -> None:
    query = query_from_text(LanguageBiasedEncoder(), "Nous cherchons de l'eau pour les villages.")
    assert query.language == "fr"

    def semantic(weights):
        by_id = {m.profile.id: m for m in rank(biased_index, query, top=50, weights=weights)}
        return by_id["a0"].parts["semantic"], by_id["a1"].parts["semantic"]

    french, english = semantic(Weights(language_neutral=0.0))
    assert french > english  # the encoder's language bias
    french, english = semantic(Weights())
    assert french == pytest.approx(english, abs=0.02)
