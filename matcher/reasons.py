"""Human-readable reasons for a match, in French, Dutch or English."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGS = ("en", "fr", "nl")

_TEMPLATES: dict[str, dict[str, str]] = {
    "shared_country": {
        "en": "Shared partner country: {places}",
        "fr": "Pays partenaire commun : {places}",
        "nl": "Gedeeld partnerland: {places}",
    },
    "shared_town": {
        "en": "Same partner town or region: {places}",
        "fr": "Même localité ou région partenaire : {places}",
        "nl": "Zelfde partnerplaats of -regio: {places}",
    },
    "passage": {
        "en": "Its profile says: “{text}”",
        "fr": "Son profil dit : « {text} »",
        "nl": "Het profiel zegt: “{text}”",
    },
    "offers_for_need": {
        "en": "Offers what is needed: “{text}”",
        "fr": "Offre ce qui est recherché : « {text} »",
        "nl": "Biedt wat gezocht wordt: “{text}”",
    },
    "needs_meet_initiative": {
        "en": "Its needs meet your initiative: “{text}”",
        "fr": "Ses besoins rejoignent votre initiative : « {text} »",
        "nl": "Zijn noden sluiten aan bij uw initiatief: “{text}”",
    },
    "needs_your_offer": {
        "en": "Needs what you offer: “{text}”",
        "fr": "Recherche ce que vous offrez : « {text} »",
        "nl": "Zoekt wat u aanbiedt: “{text}”",
    },
    "needs_your_work": {
        "en": "Its needs meet what you do: “{text}”",
        "fr": "Ses besoins rejoignent votre action : « {text} »",
        "nl": "Zijn noden sluiten aan bij uw werking: “{text}”",
    },
    "answers_need": {
        "en": "Its work fits what you are looking for",
        "fr": "Son action correspond à ce que vous recherchez",
        "nl": "Zijn werking past bij wat u zoekt",
    },
    "complementary_role": {
        "en": "Complementary role: {kind} next to a {other}",
        "fr": "Rôle complémentaire : {kind} aux côtés d'un·e {other}",
        "nl": "Complementaire rol: {kind} naast een {other}",
    },
    "requested_kind": {
        "en": "A {kind}, as asked",
        "fr": "Type d'acteur demandé : {kind}",
        "nl": "Gevraagd type actor: {kind}",
    },
    "seeks_your_kind": {
        "en": "Looks for a partner of your kind: {kind}",
        "fr": "Recherche un partenaire de votre type : {kind}",
        "nl": "Zoekt een partner van uw type: {kind}",
    },
    "same_brussels_commune": {
        "en": "Based in the same Brussels commune: {places}",
        "fr": "Même commune bruxelloise : {places}",
        "nl": "Zelfde Brusselse gemeente: {places}",
    },
    "close_words": {
        "en": "Related words: {pairs}",
        "fr": "Mots apparentés : {pairs}",
        "nl": "Verwante woorden: {pairs}",
    },
    "shared_themes": {
        "en": "Shared themes: {themes}",
        "fr": "Thèmes communs : {themes}",
        "nl": "Gedeelde thema's: {themes}",
    },
}

KIND_LABELS: dict[str, dict[str, str]] = {
    "commune": {"en": "commune", "fr": "commune", "nl": "gemeente"},
    "advisory_council": {"en": "advisory council", "fr": "conseil consultatif",
                         "nl": "adviesraad"},
    "ngo": {"en": "NGO", "fr": "ONG", "nl": "ngo"},
    "association": {"en": "association", "fr": "association", "nl": "vereniging"},
    "diaspora": {"en": "diaspora organisation", "fr": "organisation de la diaspora",
                 "nl": "diasporaorganisatie"},
    "regional_body": {"en": "regional body", "fr": "organisme régional",
                      "nl": "gewestelijke instelling"},
    "expert": {"en": "expert", "fr": "expert·e", "nl": "expert"},
    "other": {"en": "other actor", "fr": "autre acteur", "nl": "andere actor"},
}


def kind_label(kind: str, lang: str = "en") -> str:
    """The kind of actor in words, in ``lang`` (an unknown kind or language: the code)."""
    return KIND_LABELS.get(kind, {}).get(lang, kind)


@dataclass(frozen=True)
class Reason:
    """One reason, kept structured so each front end can render it in its language."""

    code: str
    params: dict[str, str] = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        """The reason as a sentence in ``lang`` (English when it has no template in ``lang``),
        kinds and place or theme names in that language."""
        template = _TEMPLATES[self.code].get(lang) or _TEMPLATES[self.code]["en"]
        params = dict(self.params)
        for key in ("kind", "other"):
            if key in params:
                params[key] = kind_label(params[key], lang)
        for key in ("places", "themes"):
            if f"{key}_{lang}" in params:
                params[key] = params[f"{key}_{lang}"]
        return template.format(**params)


def quote(text: str, limit: int = 180) -> str:
    """``text`` on one line, cut with "…" to at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
