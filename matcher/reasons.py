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
        "en": "Complementary role: {kind} next to {a_other}",
        "fr": "Rôle complémentaire : {kind} aux côtés d'{a_other}",
        "nl": "Complementaire rol: {kind} naast {a_other}",
    },
    "requested_kind": {
        "en": "{A_kind}, as asked",
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

# Reasons about a pair of registered actors (the report's list of synergies, where neither is
# "you"): the codes whose wording above addresses the requester, with both actors named.
# ``source`` is the actor whose suggestion it is, ``target`` the suggested one.
_PAIR_TEMPLATES: dict[str, dict[str, str]] = {
    "passage": {
        "en": "The profile of {target} says: “{text}”",
        "fr": "Le profil de {target} dit : « {text} »",
        "nl": "Het profiel van {target} zegt: “{text}”",
    },
    "offers_for_need": {
        "en": "{target} offers what {source} is looking for: “{text}”",
        "fr": "{target} offre ce que {source} recherche : « {text} »",
        "nl": "{target} biedt wat {source} zoekt: “{text}”",
    },
    "needs_your_offer": {
        "en": "{target} is looking for what {source} offers: “{text}”",
        "fr": "{target} recherche ce que {source} offre : « {text} »",
        "nl": "{target} zoekt wat {source} aanbiedt: “{text}”",
    },
    "needs_your_work": {
        "en": "The needs of {target} meet the work of {source}: “{text}”",
        "fr": "Les besoins de {target} rejoignent l'action de {source} : « {text} »",
        "nl": "De noden van {target} sluiten aan bij de werking van {source}: “{text}”",
    },
    "needs_meet_initiative": {
        "en": "The needs of {target} meet the initiative of {source}: “{text}”",
        "fr": "Les besoins de {target} rejoignent l'initiative de {source} : « {text} »",
        "nl": "De noden van {target} sluiten aan bij het initiatief van {source}: “{text}”",
    },
    "answers_need": {
        "en": "The work of {target} fits what {source} is looking for",
        "fr": "L'action de {target} correspond à ce que recherche {source}",
        "nl": "De werking van {target} past bij wat {source} zoekt",
    },
    "requested_kind": {
        "en": "{source} asks for {a_kind}",
        "fr": "{source} demande {a_kind}",
        "nl": "{source} vraagt {a_kind}",
    },
    "seeks_your_kind": {
        "en": "{target} is looking for {a_kind}",
        "fr": "{target} recherche {a_kind}",
        "nl": "{target} zoekt {a_kind}",
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


# The indefinite article of each kind's label ("an NGO", "une ONG", "een ngo"); "" where the
# label is said otherwise with an article (_WITH_ARTICLE).
_ARTICLES: dict[str, dict[str, str]] = {
    "en": {"ngo": "an", "association": "an", "advisory_council": "an", "expert": "an"},
    "fr": {"commune": "une", "ngo": "une", "association": "une", "diaspora": "une",
           "expert": "un·e"},
}
_DEFAULT_ARTICLES = {"en": "a", "fr": "un", "nl": "een"}
_WITH_ARTICLE = {"en": {"other": "another actor"}}


def kind_label(kind: str, lang: str = "en") -> str:
    """The kind of actor in words, in ``lang`` (an unknown kind or language: the code)."""
    return KIND_LABELS.get(kind, {}).get(lang, kind)


def capitalised(text: str) -> str:
    """``text`` with a capital first letter, the rest as it is ("ONG" stays "ONG")."""
    return text[:1].upper() + text[1:]


def kind_with_article(kind: str, lang: str = "en") -> str:
    """The kind with its indefinite article: "an NGO", "une ONG", "un organisme régional"."""
    phrase = _WITH_ARTICLE.get(lang, {}).get(kind)
    if phrase:
        return phrase
    article = _ARTICLES.get(lang, {}).get(kind, _DEFAULT_ARTICLES.get(lang, ""))
    label = kind_label(kind, lang)
    return f"{article} {label}" if article else label


@dataclass(frozen=True)
class Reason:
    """One reason, kept structured so each front end can render it in its language."""

    code: str
    params: dict[str, str] = field(default_factory=dict)

    def render(self, lang: str = "en") -> str:
        """The reason as a sentence in ``lang`` (English when it has no template in ``lang``),
        kinds and place or theme names in that language."""
        template = _TEMPLATES[self.code].get(lang) or _TEMPLATES[self.code]["en"]
        return template.format(**self._params(lang))

    def render_pair(self, lang: str, source: str, target: str) -> str:
        """The reason about the pair of registered actors named ``source`` (whose suggestion
        it is) and ``target`` (the suggested one), for a reader who is neither: the
        reasons that :meth:`render` words for the requester ("what you are looking for")
        name both actors instead; the others read as in :meth:`render`."""
        templates = _PAIR_TEMPLATES.get(self.code) or _TEMPLATES[self.code]
        template = templates.get(lang) or templates["en"]
        return template.format(**self._params(lang), source=source, target=target)

    def _params(self, lang: str) -> dict[str, str]:
        params = dict(self.params)
        for key in ("kind", "other"):
            if key in params:
                params[f"a_{key}"] = kind_with_article(params[key], lang)
                params[f"A_{key}"] = capitalised(params[f"a_{key}"])
                params[key] = kind_label(params[key], lang)
        for key in ("places", "themes"):
            if f"{key}_{lang}" in params:
                params[key] = params[f"{key}_{lang}"]
        return params


def quote(text: str, limit: int = 180) -> str:
    """``text`` on one line, cut with "…" to at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
