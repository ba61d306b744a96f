"""The STS benchmark: encoder quality on STS-B in en/fr/nl and across them
(:func:`load_sts`, :func:`sts_spearman`), and the encoder's language bias before and after
the language-neutral correction (:func:`sts_language_gap`)."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import InputFormatError, Issue
from matcher.evaluation.cases import LANGS
from matcher.language import neutralise
from matcher.progress import Progress


@dataclass(frozen=True)
class StsSet:
    """Sentence pairs with gold similarity (0-5) of one language; rows align across languages."""

    first: list[str]
    second: list[str]
    scores: np.ndarray


def load_sts(folder: Path | str, langs: Sequence[str] = LANGS,
             pattern: str = "stsb-{lang}-test.csv") -> dict[str, StsSet]:
    """The STS-B test files found in ``folder`` (CSV without header: sentence1, sentence2,
    score). Missing languages are skipped; files of unequal length raise."""
    folder = Path(folder)
    out: dict[str, StsSet] = {}
    for lang in langs:
        path = folder / pattern.format(lang=lang)
        if not path.exists():
            continue
        first, second, scores = [], [], []
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                if len(row) != 3:
                    raise InputFormatError([Issue(f"{path}: expected 3 columns, got "
                                                  f"{len(row)}", line=number)])
                first.append(row[0])
                second.append(row[1])
                scores.append(float(row[2]))
        out[lang] = StsSet(first, second, np.asarray(scores))
    sizes = {lang: len(s.first) for lang, s in out.items()}
    if len(set(sizes.values())) > 1:
        raise InputFormatError([Issue(f"STS files are not aligned: rows per language {sizes}")])
    return out


DEFAULT_STS_PAIRS = (("en", "en"), ("fr", "fr"), ("nl", "nl"), ("fr", "en"), ("nl", "en"),
                     ("fr", "nl"))


def sts_pair_name(pair: tuple[str, str]) -> str:
    """A language pair as the results name it: ``fr`` for French-French, ``fr-en`` across."""
    return pair[0] if pair[0] == pair[1] else f"{pair[0]}-{pair[1]}"


def sts_spearman(encoder: Any, data: Mapping[str, StsSet],
                 pairs: Sequence[tuple[str, str]] = DEFAULT_STS_PAIRS,
                 progress: Progress | None = None, chunk_size: int = 256) -> dict[str, float]:
    """Spearman correlation ×100 between cosine similarity and the gold score, for each
    (language of sentence 1, language of sentence 2) pair whose files are loaded; cross-lingual
    pairs take sentence 1 in one language and sentence 2 of the same row in the other."""
    from scipy.stats import spearmanr

    pairs = [p for p in pairs if p[0] in data and p[1] in data]
    langs = sorted({lang for pair in pairs for lang in pair})
    total = sum(2 * len(data[lang].first) for lang in langs)
    done = 0
    vectors: dict[tuple[str, int], np.ndarray] = {}
    for lang in langs:
        sts = data[lang]
        texts = sts.first + sts.second
        parts = []
        for start in range(0, len(texts), chunk_size):
            # STS is symmetric: both sides are embedded as queries (E5's advice for such tasks).
            parts.append(np.asarray(encoder.encode(texts[start:start + chunk_size], "query"),
                                    dtype=np.float32))
            done += len(parts[-1])
            if progress:
                progress(done, total)
        both = np.vstack(parts)
        vectors[(lang, 1)] = both[:len(sts.first)]
        vectors[(lang, 2)] = both[len(sts.first):]
    out = {}
    for a, b in pairs:
        sims = np.sum(vectors[(a, 1)] * vectors[(b, 2)], axis=1)
        gold = data[a].scores
        out[sts_pair_name((a, b))] = float(spearmanr(sims, gold).statistic * 100)
    return out


def sts_language_gap(encoder: Any, data: Mapping[str, StsSet],
                     strengths: Sequence[float] = (0.0, 1.0), sample: int = 300,
                     seed: int = 0) -> dict[float, float]:
    """The encoder's language bias, before and after :func:`matcher.language.neutralise`: the
    mean cosine of a sentence with unrelated sentences of its own language minus that with
    unrelated sentences of another language (the STS files are translations of each other, so
    only the language differs), for each correction ``strength``. The language means are
    estimated on the same sentences, with their known languages."""
    langs = sorted(data)
    if len(langs) < 2:
        return {}
    vectors = {lang: np.asarray(encoder.encode(data[lang].first, "query"), dtype=np.float32)
               for lang in langs}
    overall = np.vstack(list(vectors.values())).mean(axis=0)
    means = {lang: v.mean(axis=0) - overall for lang, v in vectors.items()}
    n = len(data[langs[0]].first)
    rows = np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False)
    unrelated = np.ones((len(rows), n), dtype=bool)
    unrelated[np.arange(len(rows)), rows] = False  # a sentence and its translations
    out = {}
    for strength in strengths:
        gaps = []
        for lang in langs:
            queries = neutralise(vectors[lang][rows], [lang] * len(rows), means, strength)
            same = (queries @ vectors[lang].T)[unrelated].mean()
            gaps += [same - (queries @ vectors[other].T)[unrelated].mean()
                     for other in langs if other != lang]
        out[strength] = float(np.mean(gaps))
    return out
