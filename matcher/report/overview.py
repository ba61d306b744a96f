"""Counts for the overview: actors per kind, per language and per partner country."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from matcher.index import Index
from matcher.profile import KINDS

NO_LANGUAGE = ""  # key for actors that state no language


@dataclass(frozen=True)
class Overview:
    """The registry in figures: actors per kind, per language and per partner country."""

    actor_count: int
    kinds: list[tuple[str, int]]  # every kind, in KINDS order
    languages: list[tuple[str, int]]  # most actors first, ties by code; "" = not stated
    countries: list[tuple[str, int]]  # most actors first, ties by code
    without_country: int

    def to_dict(self) -> dict[str, object]:
        """The overview as ``report.json`` holds it (a language not stated is ``"none"``)."""
        return {"actor_count": self.actor_count,
                "kinds": dict(self.kinds),
                "languages": {code or "none": count for code, count in self.languages},
                "countries": dict(self.countries),
                "actors_without_country": self.without_country}


def _ordered(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def overview(index: Index) -> Overview:
    """The overview of ``index``; countries are the ones the engine matches on
    (``Index.places``: the structured field and the places the texts name)."""
    kinds = Counter(p.kind for p in index.profiles)
    languages: Counter[str] = Counter()
    for profile in index.profiles:
        languages.update(profile.languages or (NO_LANGUAGE,))
    countries: Counter[str] = Counter()
    for places in index.places:
        countries.update(places.countries)
    without = sum(1 for places in index.places if not places.countries)
    return Overview(len(index), [(k, kinds.get(k, 0)) for k in KINDS], _ordered(languages),
                    _ordered(countries), without)
