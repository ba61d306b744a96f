"""Reasons in words: kinds with the right article, and the wording about a pair of
registered actors (the report's synergies) that names both instead of "you"."""

from __future__ import annotations

import re

import pytest

from matcher.profile import KINDS
from matcher.reasons import _TEMPLATES, LANGS, Reason, kind_with_article

# Words that address the requester.
YOU = {"en": r"\byour?\b", "fr": r"\b(?:vous|votre)\b", "nl": r"\bu(?:w)?\b"}


@pytest.mark.parametrize(("kind", "lang", "expected"), [
    ("ngo", "en", "an NGO"), ("association", "en", "an association"),
    ("commune", "en", "a commune"), ("other", "en", "another actor"),
    ("diaspora", "fr", "une organisation de la diaspora"), ("ngo", "fr", "une ONG"),
    ("regional_body", "fr", "un organisme régional"), ("expert", "fr", "un·e expert·e"),
    ("ngo", "nl", "een ngo"),
])
def test_kind_with_article(kind: str, lang: str, expected: str) -> None:
    assert kind_with_article(kind, lang) == expected


def test_kinds_read_with_their_article_in_reasons() -> None:
    role = Reason("complementary_role", {"kind": "commune", "other": "ngo"})
    assert role.render("en") == "Complementary role: commune next to an NGO"
    assert role.render("fr") == "Rôle complémentaire : commune aux côtés d'une ONG"
    assert Reason("requested_kind", {"kind": "association"}).render("en") == \
        "An association, as asked"
    for kind in KINDS:  # no "a NGO", "a association", no "un·e" before a known gender
        for lang in LANGS:
            text = Reason("complementary_role", {"kind": "commune", "other": kind}).render(lang)
            assert not re.search(r"\ba (?:[aeiou]|NGO)", text), text
            assert "un·e" not in text or kind == "expert", text


@pytest.mark.parametrize("lang", LANGS)
def test_pair_wording_names_both_actors_and_never_you(lang: str) -> None:
    params = {"text": "Des relais à Kalamu", "kind": "commune", "other": "diaspora",
              "places": "Kalamu", "themes": "eau", "pairs": "eau ≈ water"}
    for code in _TEMPLATES:
        reason = Reason(code, params)
        text = reason.render_pair(lang, "Collectif Matonge", "Commune d'Ixelles")
        assert not re.search(YOU[lang], text, flags=re.IGNORECASE), (code, text)
        if re.search(YOU[lang], reason.render(lang), flags=re.IGNORECASE):
            assert "Collectif Matonge" in text or "Commune d'Ixelles" in text, (code, text)
    offer = Reason("offers_for_need", {"text": "Des relais"})
    assert offer.render_pair("fr", "A", "B") == "B offre ce que A recherche : « Des relais »"
    # Reasons without "you" read the same as for a requester.
    shared = Reason("shared_country", {"places": "Senegal", "places_fr": "Sénégal"})
    assert shared.render_pair(lang, "A", "B") == shared.render(lang)
