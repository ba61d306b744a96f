"""What an actor's texts name, besides their meaning: partner places and sector themes.

Finding places and themes in 100,000 profiles takes about a minute, so the result for each
profile is cached in the registry (``Store.cached_features``), keyed by the profile's content and
by a fingerprint of the gazetteer and thesaurus files and of this module's logic: a new process
only recomputes what changed, and editing a resource file invalidates the cache by itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from matcher.places import gazetteer
from matcher.profile import ActorProfile
from matcher.store import profile_hash
from matcher.themes import thesaurus

#: Bump when the detection logic changes in a way the resource files do not show.
FEATURES_LOGIC_VERSION = 3
_RESOURCES = ("countries.csv", "demonyms.csv", "places.csv", "brussels_communes.csv",
              "world_towns.csv.gz", "themes.csv")


@dataclass(frozen=True)
class Places:
    """Partner countries and towns of one actor or query, and the Brussels communes where it
    is based (an actor) or that it names (a query)."""

    countries: frozenset[str] = frozenset()
    towns: frozenset[str] = frozenset()
    brussels: frozenset[str] = frozenset()


def places_of(texts: Sequence[str], structured: Sequence[str] = (),
              seat: str = "", communes_in_text: bool = True) -> Places:
    """Countries and towns in the structured field and named in the free texts; the Brussels
    commune of the seat, or, without one, those the texts name (unless ``communes_in_text``
    is false)."""
    countries = set(structured)
    towns = set()
    for text in texts:
        for mention in gazetteer().detect(text):
            countries.add(mention.country)
            if mention.is_town:
                towns.add(mention.label)
    home = gazetteer().brussels_commune(seat) if seat else None
    if home:
        brussels = frozenset({home})
    elif communes_in_text:
        brussels = frozenset().union(*(gazetteer().brussels_communes_in(t) for t in texts))
    else:
        brussels = frozenset()
    return Places(frozenset(countries), frozenset(towns), brussels)


def profile_places(profile: ActorProfile) -> Places:
    """An actor's places; its Brussels commune is its seat, or for a commune or its advisory
    council the commune its name gives."""
    seat = profile.commune
    if not seat and profile.kind in ("commune", "advisory_council"):
        named = gazetteer().brussels_communes_in(profile.name)
        seat = next(iter(named)) if len(named) == 1 else ""
    # Without a seat an actor is based nowhere in particular: the communes its texts name are
    # partners or neighbours, not its home.
    return places_of([profile.name, profile.description, profile.offers, profile.needs],
                     profile.countries, seat, communes_in_text=bool(seat))



def profile_concepts(profile: ActorProfile, *, needs: bool = True) -> frozenset[int]:
    """Thesaurus concepts named anywhere in the profile (but its ``needs`` when ``needs`` is
    false)."""
    return thesaurus().find(" ".join([profile.name, profile.description, " ".join(
        profile.themes), profile.offers, profile.needs if needs else ""]))


#: The theme sets of :class:`TextFeatures`, in the order of its fields.
CONCEPT_SETS = ("concepts", "work_concepts", "offer_concepts")


@dataclass(frozen=True)
class TextFeatures:
    """The places and thesaurus themes named by one profile: ``concepts`` anywhere,
    ``work_concepts`` by what it is and does (all but its ``needs``: a theme it only looks for
    is not one it works on) and ``offer_concepts`` by its ``offers`` (what it can give)."""

    places: Places
    concepts: frozenset[int]
    work_concepts: frozenset[int] = frozenset()
    offer_concepts: frozenset[int] = frozenset()

    def to_json(self) -> str:
        """Compact JSON for the feature cache; concepts by thesaurus key, which outlive the
        thesaurus's row numbers."""
        themes = thesaurus()
        return json.dumps({
            "countries": sorted(self.places.countries), "towns": sorted(self.places.towns),
            "brussels": sorted(self.places.brussels),
            **{name: sorted(themes.concepts[i].key for i in getattr(self, name))
               for name in CONCEPT_SETS}},
            separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> TextFeatures:
        """The features :meth:`to_json` wrote; a concept no longer in the thesaurus is
        dropped."""
        data: dict[str, Any] = json.loads(text)
        keys = thesaurus().key_index
        return TextFeatures(
            Places(frozenset(data["countries"]), frozenset(data["towns"]),
                   frozenset(data["brussels"])),
            *(frozenset(keys[k] for k in data[name] if k in keys) for name in CONCEPT_SETS))


class FeatureCache(Protocol):
    """Where text features are kept as JSON, by key (the registry's
    :class:`matcher.store.Store`)."""

    def cached_features(self, keys: Sequence[str]) -> dict[str, str]: ...

    def cache_features(self, items: Sequence[tuple[str, str]]) -> None: ...


def profile_features(profile: ActorProfile) -> TextFeatures:
    """Compute one profile's places and themes."""
    return TextFeatures(profile_places(profile), profile_concepts(profile),
                        profile_concepts(profile, needs=False), thesaurus().find(profile.offers))


def text_features(profiles: Sequence[ActorProfile], cache: FeatureCache | None = None,
                  hashes: Sequence[str] | None = None) -> list[TextFeatures]:
    """Places and themes of ``profiles``, from ``cache`` where it has them (by the profiles'
    content ``hashes``, computed when not given); what is computed is written back."""
    if cache is None or not profiles:
        return [profile_features(p) for p in profiles]
    if hashes is None:
        hashes = [profile_hash(p) for p in profiles]
    keys = [feature_key(h) for h in hashes]
    found = cache.cached_features(keys)
    out: list[TextFeatures] = []
    fresh: list[tuple[str, str]] = []
    for profile, key in zip(profiles, keys, strict=True):
        if key in found:
            out.append(TextFeatures.from_json(found[key]))
        else:
            features = profile_features(profile)
            out.append(features)
            fresh.append((key, features.to_json()))
    if fresh:
        cache.cache_features(fresh)
    return out


def feature_key(content_hash: str) -> str:
    """Cache key of a profile's features: its content and the detection's fingerprint."""
    return hashlib.sha256(f"{features_fingerprint()}:{content_hash}".encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def features_fingerprint() -> str:
    """Hash of the resource files and of :data:`FEATURES_LOGIC_VERSION`."""
    digest = hashlib.sha256(f"logic {FEATURES_LOGIC_VERSION}".encode())
    folder = resources.files("matcher.resources")
    for name in _RESOURCES:
        digest.update(name.encode())
        digest.update(folder.joinpath(name).read_bytes())
    return digest.hexdigest()
