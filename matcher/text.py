"""Splitting profile and query texts into passages that are embedded one by one.

Descriptions are paragraphs: one vector for a whole paragraph blurs its topics, so each
sentence (short ones merged with their neighbour, long ones cut at clause boundaries) gets its
own vector and the best-matching sentence can be shown as a reason.
"""

from __future__ import annotations

import re

from matcher.profile import ActorProfile

MIN_PASSAGE_CHARS = 40
MAX_PASSAGE_CHARS = 400
MAX_PASSAGES_PER_FIELD = 24

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[-•·]\s+")
_CLAUSE_END = re.compile(r"(?<=[,:])\s+")


def split_passages(text: str, max_passages: int = MAX_PASSAGES_PER_FIELD) -> list[str]:
    """Sentences of ``text`` merged to at least ``MIN_PASSAGE_CHARS`` and cut to at most
    ``MAX_PASSAGE_CHARS`` characters; at most ``max_passages`` are kept (the first ones)."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        pieces.extend(_cut(sentence))
    merged: list[str] = []
    for piece in pieces:
        if merged and (len(merged[-1]) < MIN_PASSAGE_CHARS or len(piece) < MIN_PASSAGE_CHARS) \
                and len(merged[-1]) + len(piece) < MAX_PASSAGE_CHARS:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged[:max_passages]


def _cut(sentence: str) -> list[str]:
    if len(sentence) <= MAX_PASSAGE_CHARS:
        return [sentence]
    parts: list[str] = []
    current = ""
    for clause in _CLAUSE_END.split(sentence):
        while len(clause) > MAX_PASSAGE_CHARS:  # no punctuation at all: cut between words
            cut = clause.rfind(" ", 0, MAX_PASSAGE_CHARS)
            cut = cut if cut > 0 else MAX_PASSAGE_CHARS
            parts.append(clause[:cut])
            clause = clause[cut:].strip()
        if current and len(current) + len(clause) + 1 > MAX_PASSAGE_CHARS:
            parts.append(current)
            current = clause
        else:
            current = f"{current} {clause}".strip()
    if current:
        parts.append(current)
    return parts


def profile_passages(profile: ActorProfile) -> list[tuple[str, str]]:
    """(field, passage) pairs that describe what the actor does: the name with its themes, the
    description's sentences, and what it offers and needs."""
    head = profile.name + (": " + ", ".join(profile.themes) if profile.themes else "")
    out = [("name", head)]
    out += [("description", p) for p in split_passages(profile.description)]
    out += [("offers", p) for p in split_passages(profile.offers, 8)]
    out += [("needs", p) for p in split_passages(profile.needs, 8)]
    return out
