"""Which kinds of partner a request asks for ("nous cherchons une commune", "we zoeken een
ngo", "looking for an expert"), in French, Dutch and English.

A kind word counts as requested when a seeking word ("cherche", "zoeken", "looking for",
"partenaire", "avec"...) stands before it in the same sentence, and as the requester itself when
a possessive or "we are" stands right before it ("notre commune", "our association"): then it
is ignored. Words with neither are ignored too, so plain descriptions change nothing.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from matcher.places import fold

_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "commune": ("commune", "communes", "municipalite", "municipalites", "gemeente",
                "gemeenten", "gemeentebestuur", "municipality", "municipalities",
                "local authority", "local authorities", "pouvoir local", "pouvoirs locaux",
                "lokaal bestuur", "lokale besturen", "administration communale",
                # "un partenaire communal", "een gemeentelijke partner"
                "communal", "communale", "communaux", "communales", "municipal", "municipale",
                "gemeentelijk", "gemeentelijke"),
    "ngo": ("ong", "ngo", "ngos", "organisation non gouvernementale",
            "niet gouvernementele organisatie", "non governmental organisation",
            "non governmental organization"),
    "association": ("association", "associations", "asbl", "vzw", "vereniging",
                    "verenigingen"),
    "diaspora": ("diaspora", "diasporas", "diaspora organisation", "diaspora organization",
                 "diasporaorganisatie", "diasporavereniging", "ressortissants"),
    "expert": ("expert", "experts", "experte", "expertes", "deskundige", "deskundigen",
               "consultant", "consultants", "consultante", "specialist", "specialiste",
               "specialisten", "specialistes", "specialists", "personne ressource"),
    "advisory_council": ("conseil consultatif", "conseils consultatifs",
                         "conseil consultatif communal", "conseils consultatifs communaux",
                         "gemeentelijke adviesraad", "adviesraad",
                         "adviesraden", "advisory council", "advisory councils"),
}
_SEEKING = ("cherche", "cherchons", "cherchent", "chercher", "recherche", "recherchons",
            "zoek", "zoeken", "zoekt", "gezocht", "look", "looking", "seek", "seeking",
            "need", "needs", "besoin", "find", "trouver", "vinden", "contact", "contacter",
            "partenaire", "partenaires", "partner", "partners", "rejoindre", "join", "wanted",
            "connect", "connecter", "koppelen", "collaborer", "samenwerken", "collaborate")
#: Words that ask rather than describe: a reason that relates two of them says nothing.
REQUEST_WORDS = frozenset(_SEEKING)
_SELF = ("notre", "nos", "our", "onze", "ons", "mijn", "mon", "ma", "my", "sommes", "are",
         "zijn", "ben", "am", "suis")
_WINDOW = 10


def _pattern() -> re.Pattern[str]:
    words = sorted({w for ws in _KIND_WORDS.values() for w in ws}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b")


_KIND_OF = {w: kind for kind, ws in _KIND_WORDS.items() for w in ws}
_KIND_RE = _pattern()
_SENTENCE = re.compile(r"[.!?;\n]+")


# Most Belgian NGOs and diaspora organisations are associations (asbl/vzw) too.
_ALSO = {"association": ("diaspora", "ngo")}


class KindMentions(NamedTuple):
    """The kinds of partner a text names, other than its author's own."""

    requested: frozenset[str]  # after a seeking word: "nous cherchons une commune"
    named: frozenset[str]  # with or without one: "Quel conseil consultatif pourrait aider ?"


def kind_mentions(text: str) -> KindMentions:
    """The kinds a text asks for and the kinds it names (a superset), in one reading; a kind
    word right after a possessive or "we are" names the requester and counts as neither."""
    requested: set[str] = set()
    named: set[str] = set()
    for sentence in _SENTENCE.split(text):
        folded = fold(sentence)
        for match in _KIND_RE.finditer(folded):
            before = folded[: match.start()].split()[-_WINDOW:]
            if any(word in _SELF for word in before[-2:]):
                continue
            kind = _KIND_OF[match.group(1)]
            kinds = (kind, *_ALSO.get(kind, ()))
            named.update(kinds)
            if any(word in _SEEKING or word.startswith(("cherch", "zoek", "recherch"))
                   for word in before):
                requested.update(kinds)
    return KindMentions(frozenset(requested), frozenset(named))


def requested_kinds(text: str, *, seeking: bool = False) -> frozenset[str]:
    """Kinds of actor the text asks for (empty when it asks for none in particular).

    With ``seeking`` the whole text is a request (a profile's ``needs``): every kind word
    that does not name the requester counts."""
    mentions = kind_mentions(text)
    return mentions.named if seeking else mentions.requested
