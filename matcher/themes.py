"""A small multilingual thesaurus of the sector's themes (``resources/themes.csv``).

Sentence encoders blur the topic of a long paragraph and lose some of it across languages;
the thesaurus maps the words of French, Dutch and English texts ("huisvuil", "ordures",
"waste") to one concept each, so that a shared theme is matched exactly and can be named in
a reason in the reader's language. Terms are comma-separated and folded (lower case, no
accents); ``word*`` matches words that start with ``word``, ``*word*`` words that contain it
(Dutch compounds), a plain word or phrase matches whole words only.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from matcher.places import fold


@dataclass(frozen=True)
class Concept:
    key: str
    labels: dict[str, str]


class Thesaurus:
    """Concepts with their labels and one compiled pattern that finds them in text."""

    def __init__(self) -> None:
        text = resources.files("matcher.resources").joinpath("themes.csv").read_text("utf-8")
        self.concepts: list[Concept] = []
        alternatives = []
        for row in csv.DictReader(text.splitlines(), delimiter="|"):
            index = len(self.concepts)
            self.concepts.append(Concept(row["concept"], {"en": row["en"], "fr": row["fr"],
                                                          "nl": row["nl"]}))
            alternatives.append(f"(?P<c{index}>{'|'.join(_term_patterns(row['terms']))})")
        # "*word*" terms need no word boundary before them: Dutch compounds ("drinkwater").
        self._pattern = re.compile("|".join(alternatives))
        self.key_index = {c.key: i for i, c in enumerate(self.concepts)}

    def __len__(self) -> int:
        return len(self.concepts)

    def find(self, text: str) -> frozenset[int]:
        """Indices of the concepts named in ``text``."""
        found = set()
        for match in self._pattern.finditer(fold(text)):
            if match.lastgroup:
                found.add(int(match.lastgroup[1:]))
        return frozenset(found)

    def label(self, index: int, lang: str = "en") -> str:
        labels = self.concepts[index].labels
        return labels.get(lang) or labels["en"]


def _term_patterns(terms: str) -> list[str]:
    """'eau potable, water*, *afval*' -> regex alternatives, longest first."""
    patterns = {_one(term.split()) for term in terms.split(",") if term.strip()}
    return sorted(patterns, key=len, reverse=True)


def _one(words: list[str]) -> str:
    parts = []
    for word in words:
        core = re.escape(word.strip("*"))
        prefix = r"\w*" if word.startswith("*") else r"\b"
        suffix = r"\w*" if word.endswith("*") else r"\b"
        parts.append(prefix + core + suffix)
    return r"\s+".join(parts)


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    """The process-wide thesaurus (compiled once)."""
    return Thesaurus()
