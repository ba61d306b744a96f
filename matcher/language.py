"""Which of French, Dutch and English a text is written in, and the correction that keeps an
initiative text from preferring partners who happen to write in its language.

Multilingual sentence encoders place texts of one language a little closer to each other than
their meaning alone would: a French query finds French profiles somewhat too easily. The part of
a vector that says "this is French" is estimated on the registry itself, as the mean of its
French passages minus the mean of all its passages of a known language, and subtracted from a
query's vectors before they are compared (Libovický et al., 2020, "On the Language Neutrality of
Pre-trained Multilingual Representations"). On the STS benchmark's aligned French, Dutch and English
sentences, subtracting it once (strength 1) makes a sentence as similar, on average, to
unrelated sentences of its own language as to those of another language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from matcher.encoders import normalise_rows

LANGUAGES = ("fr", "nl", "en")
#: Passages read to estimate the language means (evenly spaced): means are stable long before
#: 100,000 profiles, and guessing the language of every passage would cost seconds.
LANGUAGE_SAMPLE = 20_000
#: Fewer passages of a language than this give no reliable mean: that language is not corrected.
MIN_LANGUAGE_PASSAGES = 20

_STOPWORDS = {
    "fr": set("le la les des du et un une est pour dans sur avec par au aux qui que nous ce cette "
              "sont ou plus ne pas leur leurs se son sa ses notre nos entre aussi".split()),
    "nl": set("het een van is op te met voor zijn die dat niet aan bij ook naar wij onze hun om "
              "door worden wordt deze zich tussen ons".split()),
    "en": set("the and of to is for with on that by are as we our this from be their at which "
              "its who through also between".split()),
}
_WORD = re.compile(r"[a-zà-ÿ]+")


def guess_language(text: str) -> str | None:
    """'fr', 'nl' or 'en' from distinctive function words; ``None`` when unclear (a name, a list
    of places, a mixed sentence)."""
    words = _WORD.findall(text.casefold())
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] < 2 or ranked[0] < 1.5 * ranked[1]:
        return None
    return best


def language_means(vectors: np.ndarray, texts: Sequence[str],
                   sample: int = LANGUAGE_SAMPLE) -> dict[str, np.ndarray]:
    """For each language with enough passages, the mean of its passage vectors minus the mean of
    the passages in any of those languages, estimated on at most ``sample`` evenly spaced
    passages. Passages of no clear language (names, lists of places) are left out: they differ
    by form, not language. A registry in one language gets no correction."""
    if len(texts) == 0:
        return {}
    rows = np.unique(np.linspace(0, len(texts) - 1, num=min(sample, len(texts))).astype(np.int64))
    block = vectors[rows].astype(np.float32)
    languages = np.asarray([guess_language(texts[i]) or "" for i in rows])
    kept = [lang for lang in LANGUAGES
            if int((languages == lang).sum()) >= MIN_LANGUAGE_PASSAGES]
    if len(kept) < 2:
        return {}
    overall = block[np.isin(languages, kept)].mean(axis=0)
    return {lang: block[languages == lang].mean(axis=0) - overall for lang in kept}


def neutralise(vectors: np.ndarray, languages: Sequence[str | None],
               means: dict[str, np.ndarray], strength: float = 1.0) -> np.ndarray:
    """``vectors`` (one row per text of ``languages``) minus ``strength`` times the mean of the
    row's language, renormalised; rows of an unknown or uncorrected language are unchanged."""
    out = np.atleast_2d(vectors).astype(np.float32, copy=True)
    changed = False
    for i, lang in enumerate(languages):
        mean = means.get(lang or "")
        if mean is not None:
            out[i] -= strength * mean
            changed = True
    return normalise_rows(out) if changed else out
