"""Partner countries and places: normalise names typed by users, detect places in free text.

Country names come from ISO 3166-1 in English, French and Dutch (``resources/countries.csv``,
derived from github.com/stefangabos/world_countries, CC BY-SA 4.0; see shared
``country-names-iso3166/SOURCE.md``) plus common Belgian usages ("RDC", "DR Congo",
"Congo" for the Democratic Republic of the Congo). Towns and regions where Brussels actors
work (``resources/places.csv``) map to their country so that "Kintambo" or "Mbour" in a
description counts as DR Congo or Senegal. Beyond them, about 79,000 town names of partner
countries from GeoNames (``resources/world_towns.csv.gz``, CC BY 4.0, built by
``scripts/build_world_towns.py`` with its filters against ambiguous and common-word names) are
recognised when the text writes them capitalised, as a proper name.
"""

from __future__ import annotations

import csv
import gzip
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Belgian and common usages the ISO lists lack. "Congo" alone means the DRC in Belgium.
_EXTRA_ALIASES: dict[str, str] = {
    "rdc": "CD", "rd congo": "CD", "dr congo": "CD", "drc": "CD", "congo rdc": "CD",
    "congo kinshasa": "CD", "republique democratique du congo": "CD",
    "democratic republic of the congo": "CD", "democratic republic of congo": "CD",
    "democratische republiek congo": "CD", "congo": "CD", "kongo": "CD", "zaire": "CD",
    "congo brazzaville": "CG", "republic of the congo": "CG",
    "palestine": "PS", "palestina": "PS", "palestinian territories": "PS",
    "territoires palestiniens": "PS", "territoire palestinien occupe": "PS",
    "territoires palestiniens occupes": "PS", "bezette palestijnse gebieden": "PS",
    "palestijnse gebieden": "PS", "usa": "US", "etats unis": "US", "vs": "US",
    "united states": "US", "uk": "GB", "united kingdom": "GB", "great britain": "GB",
    "bolivia": "BO", "bolivie": "BO", "venezuela": "VE", "iran": "IR", "syria": "SY",
    "syrie": "SY", "tanzania": "TZ", "tanzanie": "TZ", "vietnam": "VN",
    "laos": "LA", "russia": "RU", "russie": "RU", "rusland": "RU", "south korea": "KR",
    "coree du sud": "KR", "zuid korea": "KR", "ivory coast": "CI", "cote d ivoire": "CI",
    "ivoorkust": "CI", "cap vert": "CV", "kaapverdie": "CV", "cape verde": "CV",
    "turkiye": "TR", "turkije": "TR", "turquie": "TR", "moldova": "MD", "moldavie": "MD",
    "swaziland": "SZ", "macedonia": "MK", "guinee": "GN", "guinea": "GN", "kosovo": "XK",
    "burma": "MM", "birmanie": "MM",
    "guinee conakry": "GN", "guinea conakry": "GN",
    # Spellings users type in the countries field that the ISO names miss.
    "d r congo": "CD", "r d c": "CD", "r d congo": "CD", "rdcongo": "CD", "congo drc": "CD",
    "republic of congo": "CG", "congo brazza": "CG", "burkina": "BF", "centrafrique": "CF",
    "sud soudan": "SS", "turkey": "TR", "bosnia": "BA", "bosnie": "BA", "macedoine": "MK",
    "the gambia": "GM", "the netherlands": "NL", "holland": "NL", "czech republic": "CZ",
    "republique tcheque": "CZ", "cote divoire": "CI", "east timor": "TL",
    "timor oriental": "TL", "oost timor": "TL", "vatican": "VA",
    # ISO-style inverted names and a few more spellings seen in registries.
    "congo the democratic republic of the": "CD", "congo democratic republic of the": "CD",
    "congo republic of the": "CG", "congo republic of": "CG", "gambia the": "GM",
    "bahamas the": "BS", "palestine territoires": "PS", "etat de palestine": "PS",
    "state of palestine": "PS", "staat palestina": "PS", "somaliland": "SO",
    "ruanda": "RW", "sao tome": "ST", "sao tome et principe": "ST",
}

# Names that are also ordinary words or first names: accepted in the structured field but not
# detected in free text (a French "Maurice" is usually a person, "Chad" a first name).
_NOT_IN_TEXT = {
    "maurice", "chad", "jersey", "man", "georgia", "jordan", "guernsey", "niue", "tchad",
    "turkey", "china", "panama", "bonaire", "aruba", "curacao", "wallis et futuna",
    "belgique", "belgie", "belgium", "vs", "uk", "usa", "samoa", "grenada", "dominica",
}
# Brussels itself is where every actor sits; it is never a partner country found in text.
_TEXT_EXCLUDED_COUNTRIES = {"BE"}


_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def fold(text: str) -> str:
    """Case-fold, strip accents and punctuation, collapse spaces (for matching names)."""
    # NFKD splits accented letters into letter + mark; the ASCII encoding drops the marks.
    ascii_text = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore")
    return _NON_ALNUM.sub(" ", ascii_text.decode("ascii")).strip()


_NON_WORD = re.compile(r"[\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def fold_any_script(text: str) -> str:
    """Like :func:`fold`, but letters of every script are kept ("جمعية", "Кинешма"): what a
    text search compares. Accents and other combining marks go, case is folded, ligatures are
    spelt out ("cœur" finds "coeur") and punctuation is a space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    kept = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_WORD.sub(" ", kept).strip()


@dataclass(frozen=True)
class Country:
    """A country of the gazetteer: its ISO 3166-1 code and its names in English, French and
    Dutch."""

    code: str
    name_en: str
    name_fr: str
    name_nl: str

    def name(self, lang: str = "en") -> str:
        """The country's name in ``lang`` (English for any other language)."""
        return {"fr": self.name_fr, "nl": self.name_nl}.get(lang, self.name_en)


@dataclass(frozen=True)
class PlaceMention:
    """A country or town named in free text, with the country it stands for."""

    country: str
    label: str
    is_town: bool


class Gazetteer:
    """Country and place names in FR/NL/EN, with lookup and free-text detection."""

    def __init__(self) -> None:
        self.countries: dict[str, Country] = {}
        self._aliases: dict[str, str] = {}
        text = resources.files("matcher.resources").joinpath("countries.csv").read_text("utf-8")
        for row in csv.DictReader(text.splitlines()):
            code = row["alpha2"].upper()
            self.countries[code] = Country(code, _short(row["name_en"]), row["name_fr"],
                                           row["name_nl"])
            for name in (row["name_en"], row["name_fr"], row["name_nl"], row["iso_name_fr"],
                         _short(row["name_en"])):
                key = fold(re.sub(r"\(.*?\)", "", name))
                if key:
                    self._aliases.setdefault(key, code)
                self._aliases.setdefault(fold(name), code)
        # Kosovo uses the user-assigned code XK (absent from the ISO 3166-1 list).
        self.countries.setdefault("XK", Country("XK", "Kosovo", "Kosovo", "Kosovo"))
        for alias, code in _EXTRA_ALIASES.items():
            self._aliases[fold(alias)] = code
        # Adjectives and nationality nouns ("congolais", "Marokkaanse", "Burundian") name a
        # country in free text only: they are not accepted as a value of the countries field.
        text = resources.files("matcher.resources").joinpath("demonyms.csv").read_text("utf-8")
        self._demonyms = {fold(row["term"]): row["alpha2"].upper()
                          for row in csv.DictReader(text.splitlines())}
        # A region may span several countries ("Grands Lacs": CD;RW;BI;UG;TZ).
        self._places: dict[str, tuple[tuple[str, ...], str]] = {}
        # Place -> the place it lies in ("Kintambo" -> "Kinshasa", "Goma" -> "Nord-Kivu" ->
        # "Kivu"): sharing the district says more than sharing the city or the province.
        self._parent_town: dict[str, str] = {}
        self._ancestors: dict[str, tuple[str, ...]] = {}
        text = resources.files("matcher.resources").joinpath("places.csv").read_text("utf-8")
        for row in csv.DictReader(text.splitlines()):
            codes = tuple(code.strip().upper() for code in row["alpha2"].split(";"))
            self._places[fold(row["name"])] = (codes, row["label"])
            if row.get("parent"):
                self._parent_town[row["label"]] = row["parent"]
        extra = {fold(a) for a in _EXTRA_ALIASES}
        text = resources.files("matcher.resources").joinpath("brussels_communes.csv").read_text(
            "utf-8")
        self._communes = {fold(row["name"]): row["commune"]
                          for row in csv.DictReader(text.splitlines())}
        terms = [a for a, c in self._aliases.items()
                 if (len(a) >= 4 or a in extra) and a not in _NOT_IN_TEXT
                 and c not in _TEXT_EXCLUDED_COUNTRIES]
        terms += list(self._places) + list(self._demonyms)
        self._text_terms = _Phrases(terms)
        # Curated names win over GeoNames towns of the same spelling.
        self._world_towns: dict[str, tuple[str, str]] = {}
        raw = resources.files("matcher.resources").joinpath("world_towns.csv.gz").read_bytes()
        for row in csv.reader(gzip.decompress(raw).decode("utf-8").splitlines()[1:]):
            key, code, label = row
            if key not in self._text_terms and key not in self._communes \
                    and key not in self._aliases:
                self._world_towns[key] = (code, label)
        self._world_phrases = _Phrases(self._world_towns)
        self._commune_phrases = _Phrases(self._communes)

    def country_code(self, value: str) -> str | None:
        """Return the ISO alpha-2 code for a code or a FR/NL/EN name, or ``None``."""
        raw = value.strip()
        if len(raw) == 2 and raw.isalpha() and raw.upper() in self.countries:
            return raw.upper()
        if len(raw) == 3 and raw.isalpha() and raw.upper() in _ALPHA3:
            return _ALPHA3[raw.upper()]
        return self._aliases.get(fold(raw))

    def countries_named(self, value: str) -> tuple[str, ...]:
        """Countries a value of a ``countries`` field or filter stands for: a country (code or
        name), a region ("Sahel", "Grands Lacs": each of its countries) or a town or
        territory ("Kinshasa", "Gaza": its country); empty when unknown."""
        code = self.country_code(value)
        if code is not None:
            return (code,)
        key = fold(value)
        if key in self._places:
            return self._places[key][0]
        if key in self._world_towns:
            return (self._world_towns[key][0],)
        # "RDC (Kinshasa)", "Palestine (Gaza)": the name before a bracketed precision.
        bare = _BRACKETED.sub(" ", value).strip()
        if bare and bare != value.strip():
            return self.countries_named(bare)
        return ()

    def detect(self, text: str) -> list[PlaceMention]:
        """Countries and towns named in ``text``, in order of first mention, no repeats."""
        seen: set[tuple[str, str]] = set()
        found: list[PlaceMention] = []
        folded = fold(text)
        capitalised = _capitalised_words(text, folded)
        tables = [(self._text_terms, None)]
        if capitalised is not None:
            tables.append((self._world_phrases, capitalised))
        for term in _longest_matches(folded, tables):
            town = self._world_towns.get(term) if term not in self._text_terms else None
            if town is not None:
                _add(found, seen, PlaceMention(town[0], town[1], True))
                continue
            if term in self._places:
                codes, label = self._places[term]
                for code in codes:
                    # A multi-country region is not a town: it counts for each country only.
                    _add(found, seen, PlaceMention(code, label, len(codes) == 1))
                continue
            code = self._demonyms.get(term) or self._aliases[term]
            _add(found, seen, PlaceMention(code, self.countries[code].name_en, False))
        return found

    def ancestors(self, label: str) -> tuple[str, ...]:
        """Every place ``label`` lies in, nearest first ("Goma" -> "Nord-Kivu", "Kivu")."""
        known = self._ancestors.get(label)
        if known is not None:
            return known
        chain: list[str] = []
        parent = self._parent_town.get(label)
        while parent is not None and parent not in chain and parent != label:
            chain.append(parent)
            parent = self._parent_town.get(parent)
        # Ranking asks for every short-listed actor's towns: remember the answer.
        self._ancestors[label] = tuple(chain)
        return self._ancestors[label]

    def brussels_commune(self, value: str) -> str | None:
        """The Brussels commune (canonical French name) a name or district refers to."""
        return self._communes.get(fold(value))

    def brussels_communes_in(self, text: str) -> frozenset[str]:
        """Brussels communes (or their well-known districts) named in ``text``."""
        return frozenset(self._communes[term] for term in _longest_matches(
            fold(text), [(self._commune_phrases, None)]))

    def name(self, code: str, lang: str = "en") -> str:
        """The name in ``lang`` of the country ``code`` (the code itself when unknown)."""
        country = self.countries.get(code)
        return country.name(lang) if country else code


def _add(found: list[PlaceMention], seen: set[tuple[str, str]], mention: PlaceMention) -> None:
    key = (mention.country, mention.label)
    if key not in seen:
        seen.add(key)
        found.append(mention)


def _capitalised_words(text: str, folded: str) -> list[bool] | None:
    """For each word of ``fold(text)``: does the original write it as a proper name?
    ``None`` when the words cannot be aligned (then no GeoNames town is detected)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = [w for w in _NON_ALNUM_ANY_CASE.split(plain) if w]
    if len(words) != len(folded.split()):
        return None
    # An all-capitals word is an acronym more often than a town ("FAMA", "PADE").
    return [w[0].isupper() and not (len(w) > 1 and w.isupper()) for w in words]


_NON_ALNUM_ANY_CASE = re.compile(r"[^0-9a-zA-Z]+")


class _Phrases:
    """A set of folded names (runs of words) indexed by first word, so that scanning a text
    only tries, at each word, the lengths of the names that start with it."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = frozenset(terms)
        self.longest_from: dict[str, int] = {}
        for term in self.terms:
            words = term.split()
            if words:
                self.longest_from[words[0]] = max(self.longest_from.get(words[0], 0),
                                                  len(words))

    def __contains__(self, term: object) -> bool:
        return term in self.terms


def _longest_matches(folded: str, tables: Sequence[tuple[_Phrases, list[bool] | None]]
                     ) -> Iterator[str]:
    """Names of any of ``tables`` found in a folded text, longest first at each position; a
    table paired with a mask only matches where the mask is true (``None``: everywhere)."""
    words = folded.split()
    count = len(words)
    i = 0
    while i < count:
        word = words[i]
        longest = 0
        for table, mask in tables:
            size = table.longest_from.get(word, 0)
            if size > longest and (mask is None or mask[i]):
                longest = size
        for size in range(min(longest, count - i), 0, -1):
            candidate = " ".join(words[i:i + size]) if size > 1 else word
            if any(candidate in table.terms and (mask is None or mask[i])
                   for table, mask in tables):
                yield candidate
                i += size
                break
        else:
            i += 1


def _short(name_en: str) -> str:
    """Readable English short name: 'Congo, Democratic Republic of the' -> 'Democratic Republic
    of the Congo'; 'Palestine, State of' -> 'Palestine'; 'Bolivia (Plurinational State of)' ->
    'Bolivia'."""
    name = re.sub(r"\s*\(.*?\)", "", name_en)
    if name.endswith(", State of"):
        name = name[: -len(", State of")]
    if ", " in name:
        head, tail = name.split(", ", 1)
        name = f"{tail} {head}"
    return name.strip()


def _load_alpha3() -> dict[str, str]:
    text = resources.files("matcher.resources").joinpath("countries.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return {row["alpha3"].upper(): row["alpha2"].upper() for row in rows}


_ALPHA3 = _load_alpha3()


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built once, about 20 ms)."""
    return Gazetteer()
