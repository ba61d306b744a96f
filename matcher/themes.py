"""A small multilingual thesaurus of the sector's themes (``resources/themes.csv``).

Sentence encoders blur the topic of a long paragraph and lose some of it across languages;
the thesaurus maps the words of French, Dutch and English texts ("huisvuil", "ordures",
"waste") to one concept each, so that a shared theme is matched exactly and can be named in
a reason in the reader's language. Terms are comma-separated and folded (lower case, no
accents); ``word*`` matches words that start with ``word``, ``*word*`` words that contain it
(Dutch compounds), a plain word or phrase matches whole words only. A term written ``!word``
or ``!word*`` names words that never count for that concept although another of its terms
would match them: ``*water*`` means water, but not the commune of Watermael.

A concept's ``scope`` is ``partner`` for work done with partners abroad, or ``brussels`` for a
service to the association itself that is rendered in Brussels whatever its partner country
(statutes, accounts, general assembly): a request for it is not bound to that country.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from matcher.places import fold

#: Distinct words whose concepts are remembered (a bounded memo; about 10 MB when full).
_WORD_CACHE_SIZE = 200_000


SCOPES = ("partner", "brussels")


@dataclass(frozen=True)
class Concept:
    """A theme of the thesaurus: its stable key, its labels by language and whether it is
    about partner countries or Brussels (``scope``, one of :data:`SCOPES`)."""

    key: str
    labels: dict[str, str]
    scope: str = "partner"


class Thesaurus:
    """Concepts with their labels, and the lookup tables that find them in text."""

    def __init__(self) -> None:
        text = resources.files("matcher.resources").joinpath("themes.csv").read_text("utf-8")
        self.concepts: list[Concept] = []
        self._exact: dict[str, set[int]] = {}
        self._prefix: dict[str, set[int]] = {}
        self._contains: list[tuple[str, int]] = []
        self._excluded: list[tuple[str, bool, int]] = []  # (word, is_prefix, concept)
        phrases: list[tuple[str, int]] = []
        for row in csv.DictReader(text.splitlines(), delimiter="|"):
            index = len(self.concepts)
            if row["scope"] not in SCOPES:
                raise ValueError(f"themes.csv: concept {row['concept']!r} has scope "
                                 f"{row['scope']!r}; allowed: {', '.join(SCOPES)}")
            self.concepts.append(Concept(row["concept"], {"en": row["en"], "fr": row["fr"],
                                                          "nl": row["nl"]}, row["scope"]))
            for term in (t.strip() for t in row["terms"].split(",")):
                if not term:
                    continue
                if term.startswith("!"):
                    word = term[1:]
                    self._excluded.append((word.rstrip("*"), word.endswith("*"), index))
                elif " " in term:
                    phrases.append((term, index))
                elif term.startswith("*"):
                    self._contains.append((term.strip("*"), index))
                elif term.endswith("*"):
                    self._prefix.setdefault(term[:-1], set()).add(index)
                else:
                    self._exact.setdefault(term, set()).add(index)
        self._longest_prefix = max((len(p) for p in self._prefix), default=0)
        # A phrase's regex runs only on texts that contain its first word (a fast test).
        self._phrases = [(term.split()[0].strip("*"), re.compile(_phrase_pattern(term)), index)
                         for term, index in phrases]
        self.key_index = {c.key: i for i, c in enumerate(self.concepts)}
        self.brussels_services = frozenset(i for i, c in enumerate(self.concepts)
                                           if c.scope == "brussels")
        self._word_cache: dict[str, frozenset[int]] = {}

    def __len__(self) -> int:
        return len(self.concepts)

    def find(self, text: str) -> frozenset[int]:
        """Indices of the concepts named in ``text``."""
        folded = fold(text)
        found: set[int] = set()
        for word in set(folded.split()):
            found |= self._word_concepts(word)
        for first, pattern, index in self._phrases:
            if index not in found and first in folded and pattern.search(folded):
                found.add(index)
        return frozenset(found)

    def _word_concepts(self, word: str) -> frozenset[int]:
        """Concepts one folded word names on its own (memoised: texts share most words)."""
        cached = self._word_cache.get(word)
        if cached is None:
            found = set(self._exact.get(word, ()))
            for length in range(1, min(len(word), self._longest_prefix) + 1):
                found |= self._prefix.get(word[:length], set())
            found.update(index for core, index in self._contains if core in word)
            found.difference_update(index for core, prefix, index in self._excluded
                                    if word == core or (prefix and word.startswith(core)))
            cached = frozenset(found)
            if len(self._word_cache) < _WORD_CACHE_SIZE:
                self._word_cache[word] = cached
        return cached

    def label(self, index: int, lang: str = "en") -> str:
        """The label in ``lang`` of the concept at ``index`` (English when it has none)."""
        labels = self.concepts[index].labels
        return labels.get(lang) or labels["en"]


def _phrase_pattern(term: str) -> str:
    """'sage femme*' -> a whole-word regex; ``*`` ends a word with any letters."""
    parts = []
    for word in term.split():
        core = re.escape(word.strip("*"))
        prefix = r"\w*" if word.startswith("*") else r"\b"
        suffix = r"\w*" if word.endswith("*") else r"\b"
        parts.append(prefix + core + suffix)
    return r"\s+".join(parts)


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    """The process-wide thesaurus (compiled once)."""
    return Thesaurus()
