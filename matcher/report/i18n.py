"""Words of the report in French (default), Dutch and English.

Reasons and kind names come from :mod:`matcher.reasons`; country names from the gazetteer. This
module holds only the report's own headings, sentences and language names.
"""

from __future__ import annotations

from datetime import datetime

from matcher.reasons import capitalised, kind_label

DEFAULT_LANG = "fr"

# A string is one text, or a (singular, plural) pair chosen by the ``count`` parameter
# (see :func:`tr`).
STRINGS: dict[str, dict[str, str | tuple[str, str]]] = {
    "title": {
        "fr": "Rapport de mise en relation Soliris",
        "nl": "Matchingrapport Soliris",
        "en": "Soliris matching report",
    },
    "subtitle": {
        "fr": "{actors} · {suggestions} · modèle {model} · créé le {created}",
        "nl": "{actors} · {suggestions} · model {model} · gemaakt op {created}",
        "en": "{actors} · {suggestions} · model {model} · created {created}",
    },
    "n_actors": {
        "fr": ("{count} acteur", "{count} acteurs"),
        "nl": ("{count} actor", "{count} actoren"),
        "en": ("{count} actor", "{count} actors"),
    },
    "n_suggestions": {
        "fr": ("{count} suggestion par acteur", "{count} suggestions par acteur"),
        "nl": ("{count} suggestie per actor", "{count} suggesties per actor"),
        "en": ("{count} suggestion per actor", "{count} suggestions per actor"),
    },
    "registry_hash": {
        "fr": "Empreinte du registre", "nl": "Vingerafdruk van het register",
        "en": "Registry fingerprint",
    },
    "contents": {"fr": "Sommaire", "nl": "Inhoud", "en": "Contents"},
    "overview": {"fr": "Vue d'ensemble", "nl": "Overzicht", "en": "Overview"},
    "per_kind": {"fr": "Acteurs par type", "nl": "Actoren per soort", "en": "Actors by kind"},
    "per_language": {"fr": "Acteurs par langue", "nl": "Actoren per taal",
                     "en": "Actors by language"},
    "per_country": {"fr": "Acteurs par pays partenaire", "nl": "Actoren per partnerland",
                    "en": "Actors by partner country"},
    "kind": {"fr": "Type", "nl": "Soort", "en": "Kind"},
    "language": {"fr": "Langue", "nl": "Taal", "en": "Language"},
    "country": {"fr": "Pays", "nl": "Land", "en": "Country"},
    "actors": {"fr": "Acteurs", "nl": "Actoren", "en": "Actors"},
    "total": {"fr": "Total", "nl": "Totaal", "en": "Total"},
    "not_stated": {"fr": "non précisé", "nl": "niet vermeld", "en": "not stated"},
    "no_country": {
        "fr": ("{count} acteur sans pays partenaire identifié.",
               "{count} acteurs sans pays partenaire identifié."),
        "nl": ("{count} actor zonder herkend partnerland.",
               "{count} actoren zonder herkend partnerland."),
        "en": ("{count} actor without an identified partner country.",
               "{count} actors without an identified partner country."),
    },
    "other_countries": {
        "fr": ("… et {count} autre pays (voir le tableau des pays et types).",
               "… et {count} autres pays (voir le tableau des pays et types)."),
        "nl": ("… en {count} ander land (zie de tabel landen en soorten).",
               "… en {count} andere landen (zie de tabel landen en soorten)."),
        "en": ("… and {count} other country (see the countries and kinds table).",
               "… and {count} other countries (see the countries and kinds table)."),
    },
    "languages_add_up": {
        "fr": "Un acteur peut indiquer plusieurs langues : les lignes, additionnées, dépassent "
              "le nombre d'acteurs.",
        "nl": "Een actor kan meerdere talen opgeven: opgeteld komen de rijen boven het aantal "
              "actoren uit.",
        "en": "An actor may state several languages, so the rows add up to more than the "
              "number of actors.",
    },
    "countries_add_up": {
        "fr": "Pays du champ « pays » et lieux cités dans les textes ; un acteur peut "
              "travailler dans plusieurs pays et compte alors dans chacun.",
        "nl": "Landen uit het veld ‘landen’ en plaatsen genoemd in de teksten; een actor kan "
              "in meerdere landen werken en telt dan in elk ervan mee.",
        "en": "Countries from the countries field and places named in the texts; an actor may "
              "work in several countries and then counts in each.",
    },
    "synergies": {
        "fr": "Synergies les plus fortes entre types d'acteurs",
        "nl": "Sterkste synergieën tussen soorten actoren",
        "en": "Strongest synergies across kinds",
    },
    "synergies_intro": {
        "fr": "Paires d'acteurs de types complémentaires (commune ↔ ONG ou association ↔ "
              "diaspora…) que le moteur se suggère le plus fortement, de la plus forte à la "
              "plus faible. « Réciproque » : chacun figure dans les suggestions de l'autre. "
              "Les raisons sont celles de la suggestion du second acteur au premier.",
        "nl": "Paren van actoren van complementaire soorten (gemeente ↔ ngo of vereniging ↔ "
              "diaspora…) die de motor het sterkst aan elkaar voorstelt, van sterk naar "
              "minder sterk. ‘Wederzijds’: elk staat in de suggesties van de ander. De redenen "
              "zijn die van de suggestie van de tweede actor aan de eerste.",
        "en": "Pairs of actors of complementary kinds (commune ↔ NGO or association ↔ "
              "diaspora…) that the engine suggests most strongly, strongest first. ‘Mutual’: "
              "each is among the other's suggestions. The reasons are those for suggesting "
              "the second actor to the first.",
    },
    "no_synergies": {
        "fr": "Aucune paire entre types complémentaires parmi les suggestions.",
        "nl": "Geen paren tussen complementaire soorten bij de suggesties.",
        "en": "No pair of complementary kinds among the suggestions.",
    },
    "mutual": {"fr": "réciproque", "nl": "wederzijds", "en": "mutual"},
    "score": {"fr": "Score", "nl": "Score", "en": "Score"},
    "reasons": {"fr": "Raisons", "nl": "Redenen", "en": "Reasons"},
    "pair": {"fr": "Paire", "nl": "Paar", "en": "Pair"},
    "clusters": {"fr": "Groupes thématiques", "nl": "Thematische groepen",
                 "en": "Thematic clusters"},
    "clusters_intro": {
        "fr": "Les acteurs regroupés par proximité de leurs profils ({method}, {groups}). "
              "Chaque groupe est nommé par les thèmes qui le distinguent des autres, tels que "
              "le thésaurus les reconnaît dans les profils écrits en français, en néerlandais "
              "ou en anglais ; suivent les mots qui le distinguent et les mots-clés que ses "
              "membres ont indiqués, tels quels. Dans chaque type, les membres les plus "
              "proches du centre du groupe viennent en premier.",
        "nl": "Actoren gegroepeerd volgens de nabijheid van hun profielen ({method}, "
              "{groups}). Elke groep is genoemd naar de thema's die hem van de andere "
              "onderscheiden, zoals de thesaurus ze herkent in profielen in het Nederlands, "
              "het Frans of het Engels; daarna volgen de woorden die hem onderscheiden en de "
              "trefwoorden die de leden zelf opgaven, zoals ze ze schreven. Per soort komen de "
              "leden die het dichtst bij het midden van de groep liggen eerst.",
        "en": "Actors grouped by how close their profiles are ({method}, {groups}). "
              "Each cluster is named by the themes that set it apart from the others, as the "
              "thesaurus finds them in profiles written in French, Dutch or English; the words "
              "that set it apart and the keywords its members gave, as they wrote them, "
              "follow. Within each kind, the members closest to the cluster's centre come "
              "first.",
    },
    "n_clusters": {
        "fr": ("{count} groupe", "{count} groupes"),
        "nl": ("{count} groep", "{count} groepen"),
        "en": ("{count} cluster", "{count} clusters"),
    },
    "cluster": {"fr": "Groupe {number}", "nl": "Groep {number}", "en": "Cluster {number}"},
    "members": {"fr": ("{count} membre", "{count} membres"),
                "nl": ("{count} lid", "{count} leden"),
                "en": ("{count} member", "{count} members")},
    "themes": {"fr": "Mots-clés des membres", "nl": "Trefwoorden van de leden",
               "en": "Members' keywords"},
    "topics": {"fr": "Thèmes", "nl": "Thema's", "en": "Themes"},
    "countries": {"fr": "Pays", "nl": "Landen", "en": "Countries"},
    "keywords": {"fr": "Mots distinctifs", "nl": "Onderscheidende woorden",
                 "en": "Distinctive words"},
    "and_more": {"fr": ("… et {count} autre", "… et {count} autres"),
                 "nl": "… en {count} andere", "en": "… and {count} more"},
    "map": {"fr": "Carte des acteurs", "nl": "Kaart van de actoren", "en": "Map of the actors"},
    "map_intro": {
        "fr": "Projection à deux dimensions des profils ({method}) : des acteurs proches "
              "parlent de choses proches. Couleur = type d'acteur.",
        "nl": "Tweedimensionale projectie van de profielen ({method}): actoren die dicht bij "
              "elkaar staan, spreken over verwante zaken. Kleur = soort actor.",
        "en": "Two-dimensional projection of the profiles ({method}): actors close together "
              "talk about related things. Colour = kind of actor.",
    },
    "map_sampled": {
        "fr": "{shown} acteurs sur {total} sont dessinés (échantillon fixe).",
        "nl": "{shown} van de {total} actoren zijn getekend (vaste steekproef).",
        "en": "{shown} of {total} actors are drawn (fixed sample).",
    },
    "network": {"fr": "Réseau des synergies les plus fortes",
                "nl": "Netwerk van de sterkste synergieën",
                "en": "Network of the strongest synergies"},
    "network_intro": {
        "fr": "Les acteurs des paires ci-dessus, rangés par type autour du cercle ; "
              "l'épaisseur d'un lien suit le score.",
        "nl": "De actoren van de paren hierboven, per soort rond de cirkel geplaatst; de "
              "dikte van een lijn volgt de score.",
        "en": "The actors of the pairs above, placed by kind around the circle; a link's "
              "thickness follows the score.",
    },
    "gaps": {"fr": "Pays partenaires × types d'acteurs",
             "nl": "Partnerlanden × soorten actoren",
             "en": "Partner countries × kinds of actors"},
    "gaps_intro": {
        "fr": "Nombre d'acteurs actifs dans chaque pays (champ « pays » et lieux cités dans les "
              "textes), les pays qui en comptent le plus en premier. Les lacunes signalent où une "
              "commune travaille sans relais associatif "
              "ou de la diaspora enregistré, et inversement.",
        "nl": "Aantal actoren actief in elk land (veld ‘landen’ en plaatsen genoemd in de "
              "teksten), de landen met de meeste actoren eerst. De lacunes tonen waar een "
              "gemeente werkt zonder geregistreerde ngo, "
              "vereniging of diasporaorganisatie, en omgekeerd.",
        "en": "Number of actors working in each country (the countries field and places named "
              "in the texts), the countries with the most actors first. The gaps show where a "
              "commune works with no NGO, association or "
              "diaspora group registered, and the other way round.",
    },
    "gap_column": {"fr": "Lacunes", "nl": "Lacunes", "en": "Gaps"},
    "gap_commune_no_diaspora": {
        "fr": "des communes y travaillent, mais aucune organisation de la diaspora",
        "nl": "gemeenten werken er, maar geen enkele diasporaorganisatie",
        "en": "communes work here, but no diaspora organisation",
    },
    "gap_commune_no_ngo": {
        "fr": "des communes y travaillent, mais aucune ONG ni association",
        "nl": "gemeenten werken er, maar geen enkele ngo of vereniging",
        "en": "communes work here, but no NGO or association",
    },
    "gap_diaspora_no_commune": {
        "fr": "des organisations de la diaspora y travaillent, mais aucune commune",
        "nl": "diasporaorganisaties werken er, maar geen enkele gemeente",
        "en": "diaspora organisations work here, but no commune",
    },
    "lonely_diaspora": {
        "fr": "Organisations de la diaspora dont aucune commune ne travaille dans les pays",
        "nl": "Diasporaorganisaties in wier landen geen enkele gemeente werkt",
        "en": "Diaspora organisations in whose countries no commune works",
    },
    "no_lonely_diaspora": {
        "fr": "Chaque organisation de la diaspora partage au moins un pays avec une commune.",
        "nl": "Elke diasporaorganisatie deelt minstens één land met een gemeente.",
        "en": "Every diaspora organisation shares at least one country with a commune.",
    },
    "no_gaps": {"fr": "Aucune lacune relevée.", "nl": "Geen lacunes gevonden.",
                "en": "No gap found."},
    "newcomers": {"fr": "Nouveaux acteurs depuis le rapport précédent",
                  "nl": "Nieuwe actoren sinds het vorige rapport",
                  "en": "Actors added since the previous report"},
    "first_report": {
        "fr": "Premier rapport dans ce dossier : pas de rapport précédent auquel comparer.",
        "nl": "Eerste rapport in deze map: geen vorig rapport om mee te vergelijken.",
        "en": "First report in this folder: no previous report to compare with.",
    },
    "since": {
        "fr": "Rapport précédent : {created} ({actors}). Depuis : {added}, {removed}.",
        "nl": "Vorig rapport: {created} ({actors}). Sindsdien: {added}, {removed}.",
        "en": "Previous report: {created} ({actors}). Since then: {added}, {removed}.",
    },
    "n_added": {
        "fr": ("{count} nouvel acteur", "{count} nouveaux acteurs"),
        "nl": ("{count} nieuwe actor", "{count} nieuwe actoren"),
        "en": ("{count} new actor", "{count} new actors"),
    },
    "n_removed": {
        "fr": ("{count} acteur retiré", "{count} acteurs retirés"),
        "nl": ("{count} actor verwijderd", "{count} actoren verwijderd"),
        "en": ("{count} actor removed", "{count} actors removed"),
    },
    "other_model": {
        "fr": "Le rapport précédent a été fait avec le modèle {previous}, celui-ci avec "
              "{current} : les suggestions diffèrent aussi pour cette raison.",
        "nl": "Het vorige rapport werd gemaakt met model {previous}, dit met {current}: "
              "de suggesties verschillen ook daardoor.",
        "en": "The previous report was made with model {previous}, this one with {current}: "
              "suggestions differ for that reason too.",
    },
    "best_matches": {"fr": "Meilleures correspondances", "nl": "Beste matches",
                     "en": "Best matches"},
    "added_on": {"fr": "ajouté le {date}", "nl": "toegevoegd op {date}",
                 "en": "added {date}"},
    "all_actors": {"fr": "Suggestions pour chaque acteur", "nl": "Suggesties per actor",
                   "en": "Suggestions for every actor"},
    "all_actors_intro": {
        "fr": ("Le meilleur partenaire suggéré pour chaque acteur, avec ses raisons (les "
               "mêmes que `soliris suggest` : « vous » y est l'acteur déplié). Acteurs par "
               "identifiant ; cliquez sur un acteur pour déplier.",
               "Les {count} meilleurs partenaires suggérés pour chaque acteur, avec leurs "
               "raisons (les mêmes que `soliris suggest` : « vous » y est l'acteur déplié). "
               "Acteurs par identifiant ; cliquez sur un acteur pour déplier."),
        "nl": ("De beste voorgestelde partner voor elke actor, met de redenen (dezelfde als "
               "`soliris suggest`: ‘u’ is daar de opengeklapte actor). Actoren op id; klik op "
               "een actor om open te klappen.",
               "De {count} beste voorgestelde partners voor elke actor, met hun redenen "
               "(dezelfde als `soliris suggest`: ‘u’ is daar de opengeklapte actor). Actoren "
               "op id; klik op een actor om open te klappen."),
        "en": ("The best partner suggested for each actor, with its reasons (the same as "
               "`soliris suggest`: “you” there is the unfolded actor). Actors by id; click an "
               "actor to unfold.",
               "The {count} best partners suggested for each actor, with their reasons (the "
               "same as `soliris suggest`: “you” there is the unfolded actor). Actors by id; "
               "click an actor to unfold."),
    },
    "actors_truncated": {
        "fr": "Cette page déplie les {shown} premiers acteurs (par identifiant) sur {total} ; "
              "les suggestions de tous les acteurs sont dans pairs.csv et report.json, et "
              "`soliris suggest ID` les donne pour un acteur.",
        "nl": "Deze pagina klapt de eerste {shown} van {total} actoren open (op id); de "
              "suggesties voor alle actoren staan in pairs.csv en report.json, en "
              "`soliris suggest ID` geeft ze voor één actor.",
        "en": "This page unfolds the first {shown} of {total} actors (by id); every actor's "
              "suggestions are in pairs.csv and report.json, and `soliris suggest ID` gives "
              "them for one actor.",
    },
    "filter": {"fr": "Filtrer par nom, identifiant ou type…",
               "nl": "Filteren op naam, id of soort…",
               "en": "Filter by name, id or kind…"},
    "open_all": {"fr": "Tout déplier", "nl": "Alles openklappen", "en": "Unfold all"},
    "no_suggestion": {"fr": "Aucune suggestion.", "nl": "Geen suggesties.",
                      "en": "No suggestion."},
    "footer": {
        "fr": "Généré par Soliris Match {version}. Fichier autonome : il s'ouvre hors ligne. "
              "Les mêmes données figurent dans report.json et pairs.csv.",
        "nl": "Gemaakt door Soliris Match {version}. Zelfstandig bestand: opent offline. "
              "Dezelfde gegevens staan in report.json en pairs.csv.",
        "en": "Made by Soliris Match {version}. Self-contained file: it opens offline. The "
              "same data is in report.json and pairs.csv.",
    },
}

# Score parts reported by the engine (an unknown part is shown by its own name).
PART_LABELS: dict[str, dict[str, str]] = {
    "semantic": {"fr": "sens", "nl": "betekenis", "en": "meaning"},
    "lexical": {"fr": "mots communs ou apparentés", "nl": "gedeelde of verwante woorden",
                "en": "shared or related words"},
    "themes": {"fr": "thèmes", "nl": "thema's", "en": "themes"},
    "geography": {"fr": "géographie", "nl": "geografie", "en": "geography"},
    "complementarity": {"fr": "complémentarité", "nl": "complementariteit",
                        "en": "complementarity"},
    "kind": {"fr": "type d’acteur", "nl": "soort actor", "en": "kind of actor"},
    "local": {"fr": "même commune", "nl": "zelfde gemeente", "en": "same commune"},
    "peer": {"fr": "même rôle", "nl": "zelfde rol", "en": "same role"},
    "diversity": {"fr": "diversité", "nl": "diversiteit", "en": "diversity"},
}

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "fr": {"fr": "français", "nl": "Frans", "en": "French"},
    "nl": {"fr": "néerlandais", "nl": "Nederlands", "en": "Dutch"},
    "en": {"fr": "anglais", "nl": "Engels", "en": "English"},
    "de": {"fr": "allemand", "nl": "Duits", "en": "German"},
    "es": {"fr": "espagnol", "nl": "Spaans", "en": "Spanish"},
    "pt": {"fr": "portugais", "nl": "Portugees", "en": "Portuguese"},
    "it": {"fr": "italien", "nl": "Italiaans", "en": "Italian"},
    "ar": {"fr": "arabe", "nl": "Arabisch", "en": "Arabic"},
    "tr": {"fr": "turc", "nl": "Turks", "en": "Turkish"},
    "ln": {"fr": "lingala", "nl": "Lingala", "en": "Lingala"},
    "sw": {"fr": "swahili", "nl": "Swahili", "en": "Swahili"},
    "wo": {"fr": "wolof", "nl": "Wolof", "en": "Wolof"},
    "rw": {"fr": "kinyarwanda", "nl": "Kinyarwanda", "en": "Kinyarwanda"},
    "rn": {"fr": "kirundi", "nl": "Kirundi", "en": "Kirundi"},
    "ff": {"fr": "peul", "nl": "Fula", "en": "Fula"},
    "bm": {"fr": "bambara", "nl": "Bambara", "en": "Bambara"},
    "ber": {"fr": "berbère", "nl": "Berbers", "en": "Berber"},
    "zgh": {"fr": "amazighe", "nl": "Amazigh", "en": "Amazigh"},
    "ht": {"fr": "créole haïtien", "nl": "Haïtiaans Creools", "en": "Haitian Creole"},
    "qu": {"fr": "quechua", "nl": "Quechua", "en": "Quechua"},
}


def tr(lang: str, key: str, **params: object) -> str:
    """The report string ``key`` in ``lang`` (French when missing), filled with ``params``;
    a (singular, plural) pair is chosen by ``count`` (French takes the singular for 0 and 1,
    Dutch and English for 1 only)."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    if isinstance(text, tuple):
        count = params["count"]
        singular = count in (0, 1) if lang == "fr" else count == 1
        text = text[0] if singular else text[1]
    return text.format(**params) if params else text


def colon(lang: str) -> str:
    """What follows a label: " : " in French (a space before the colon), ": " otherwise."""
    return " : " if lang == "fr" else ": "


def number(value: float, lang: str, decimals: int = 3, sign: bool = False) -> str:
    """``value`` with ``decimals`` decimals, a decimal comma in French and Dutch
    (``0,412``), a point in English; ``sign`` writes ``+`` before a positive value."""
    text = f"{value:+.{decimals}f}" if sign else f"{value:.{decimals}f}"
    return text.replace(".", ",") if lang in ("fr", "nl") else text


MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
_AT = {"fr": " à ", "nl": " om ", "en": ", "}


def date_text(stamp: str, lang: str, with_time: bool = True) -> str:
    """An ISO 8601 time stamp as a reader of ``lang`` writes it ("29 novembre 2026 à 23:02
    UTC"); without ``with_time``, the day only. A stamp that is not ISO is shown as it is."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    day = f"{moment.day} {MONTHS[lang][moment.month - 1]} {moment.year}"
    if not with_time:
        return day
    offset = moment.utcoffset()
    zone = "" if offset is None else (" UTC" if not offset else moment.strftime(" UTC%z"))
    return f"{day}{_AT[lang]}{moment:%H:%M}{zone}"


def part_label(part: str, lang: str) -> str:
    """A score part's name in ``lang`` (an unknown part: its own name)."""
    return PART_LABELS.get(part, {}).get(lang, part)


def language_name(code: str, lang: str) -> str:
    """The name in ``lang`` of the language ``code`` (an unknown one: the code)."""
    names = LANGUAGE_NAMES.get(code)
    return names.get(lang, code) if names else code


def kind_name(kind: str, lang: str) -> str:
    """Kind label with a capital first letter, for headings and table cells."""
    return capitalised(kind_label(kind, lang))
