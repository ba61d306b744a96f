"""Thematic clusters of actors: k-means on the profile embeddings, named by what sets each
cluster apart (TF-IDF words of its members' texts against the rest, frequent themes and
partner countries).

Deterministic: fixed samples and ``random_state``; clusters are numbered by size (largest
first, ties by their first member's id) and members are listed most central first.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score

from matcher.encoders import normalise_rows
from matcher.index import Index
from matcher.lexical import profile_text
from matcher.places import fold
from matcher.reasons import capitalised
from matcher.report.layout import fixed_sample
from matcher.themes import thesaurus

MIN_ACTORS = 6  # fewer actors make one cluster
MAX_K = 15
FIT_SAMPLE = 5_000  # k-means is fitted on at most this many actors, then assigns everybody
SILHOUETTE_SAMPLE = 2_000
NAMING_SAMPLE = 20_000  # TF-IDF naming reads at most this many actors' texts
KEYWORDS = 4
TOPICS_IN_NAME = 3  # thesaurus themes in a cluster's name
METHOD = "k-means"

_FRENCH = """au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur
leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses
son sur ta te tes toi ton tu un une vos votre vous est sont ont été etre être avoir fait faire
plus aussi ainsi comme dont entre sous chez depuis vers tout tous toute toutes autres autre
ainsi leurs lors afin selon très tres bien peu sans cela celle celui ceux elles été où ici
dont quand même deux trois"""
_DUTCH = """de het een en van in op te met voor aan door bij uit over naar als om tot dat die
dit deze wat wie waar hoe ook nog maar niet wel zijn haar hun zij ze wij we jij je ik hij is
was wordt worden werd heeft hebben had kan kunnen zal zullen zo dan er al meer veel onder
tussen sinds tegen zonder zich ons onze jullie elk elke alle andere twee drie"""
_DOMAIN = """commune communes gemeente gemeenten municipality asbl vzw ngo ong association
associations vereniging bruxelles brussel brussels bruxellois brusselse projet projets project
projects organisation organisations organisatie organization organizations activités
activities activiteiten soutien support steun partenaires partners partner partenaire
partenariat partnership partnerschap travail werk work également eveneens internationale
international internationaal internationales belgique belgië belgie belgium belgian belge
saint sint solidarité solidarity solidariteit coopération cooperation samenwerking
développement development ontwikkeling ans years jaar appui nederlands néerlandais frans
français french english anglais engels leden membres members"""
STOP_WORDS = sorted(set(ENGLISH_STOP_WORDS) | set(_FRENCH.split()) | set(_DUTCH.split())
                    | set(_DOMAIN.split()))


@dataclass
class Cluster:
    """One group of actors whose profiles read alike, with what names it: its distinctive
    words, and its themes and countries with their member counts."""

    number: int  # 1-based, in display order
    rows: list[int]  # members, most central first
    keywords: list[str] = field(default_factory=list)
    themes: list[tuple[str, int]] = field(default_factory=list)
    countries: list[tuple[str, int]] = field(default_factory=list)
    topics: list[tuple[int, int]] = field(default_factory=list)  # thesaurus concept, count

    def name(self, lang: str) -> str:
        """What the report calls the cluster in ``lang``: its most distinctive thesaurus
        themes, in that language (its members write in three); else its distinctive words;
        else its members' own keywords."""
        if self.topics:
            return capitalised(" · ".join(thesaurus().label(concept, lang)
                                          for concept, _ in self.topics[:TOPICS_IN_NAME]))
        return " · ".join(self.keywords) or " · ".join(t for t, _ in self.themes[:3])

    @property
    def size(self) -> int:
        """How many actors the cluster holds."""
        return len(self.rows)


@dataclass
class Clustering:
    """Every actor's cluster, the clusters in display order, and the silhouette of the
    chosen number of clusters (``None`` when there were too few actors, or too few distinct
    ones, to choose)."""

    labels: np.ndarray  # labels[row] = cluster number - 1
    clusters: list[Cluster]
    silhouette: float | None = None
    method: str = METHOD


def cluster_actors(index: Index) -> Clustering:
    """Group the actors of ``index`` by their profile vectors, largest cluster first, each
    named by :func:`_name`."""
    n = len(index)
    if n == 0:
        return Clustering(np.zeros(0, dtype=np.int64), [])
    labels, silhouette = _labels(index.profile_vectors)
    clusters = _ordered_clusters(index.profile_vectors, labels)
    relabel = np.empty(len(clusters), dtype=np.int64)
    raw_ids = _raw_ids(labels, clusters)
    for cluster, raw in zip(clusters, raw_ids, strict=True):
        relabel[raw] = cluster.number - 1
    labels = relabel[labels]
    _name(index, labels, clusters)
    return Clustering(labels, clusters, silhouette)


def candidate_ks(n: int) -> list[int]:
    """Numbers of clusters tried: 2 to about sqrt(n), at most MAX_K (a coarser grid above 8)."""
    kmax = min(MAX_K, max(2, round(math.sqrt(n))), n - 1)
    return [k for k in (2, 3, 4, 5, 6, 7, 8, 10, 12, 15) if k <= kmax]


def _labels(vectors: np.ndarray) -> tuple[np.ndarray, float | None]:
    """k-means labels, k chosen by the silhouette on a fixed sample, then fitted on a larger
    fixed sample and applied to everybody."""
    n = int(vectors.shape[0])
    if n < MIN_ACTORS:
        return np.zeros(n, dtype=np.int64), None
    choose = vectors[fixed_sample(n, SILHOUETTE_SAMPLE)].astype(np.float64)
    best: tuple[float, int] | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicates: fewer distinct clusters than asked
        for k in candidate_ks(len(choose)):
            labels = KMeans(n_clusters=k, n_init=2, random_state=0).fit_predict(choose)
            if len(set(labels.tolist())) < 2:
                continue
            score = float(silhouette_score(choose, labels))
            if best is None or score > best[0] + 1e-9:
                best = (score, k)
        if best is None:
            return np.zeros(n, dtype=np.int64), None
        fit = vectors[fixed_sample(n, FIT_SAMPLE)].astype(np.float64)
        model = KMeans(n_clusters=best[1], n_init=4, random_state=0).fit(fit)
    labels = np.concatenate([model.predict(vectors[s:s + 50_000].astype(np.float64))
                             for s in range(0, n, 50_000)])
    return labels.astype(np.int64), best[0]


def _raw_ids(labels: np.ndarray, clusters: list[Cluster]) -> list[int]:
    return [int(labels[c.rows[0]]) for c in clusters]


def _ordered_clusters(vectors: np.ndarray, labels: np.ndarray) -> list[Cluster]:
    groups = []
    for raw in np.unique(labels):
        rows = np.flatnonzero(labels == raw)
        centre = normalise_rows(vectors[rows].astype(np.float64).mean(axis=0, keepdims=True))[0]
        closeness = vectors[rows].astype(np.float64) @ centre
        # most central first; ties by id (rows follow ids)
        order = np.lexsort((rows, -np.round(closeness, 6)))
        groups.append([int(r) for r in rows[order]])
    groups.sort(key=lambda rows: (-len(rows), min(rows)))
    return [Cluster(number=i + 1, rows=rows) for i, rows in enumerate(groups)]


def _name(index: Index, labels: np.ndarray, clusters: list[Cluster]) -> None:
    n = len(index)
    theme_sets = [{fold(t): t.casefold() for t in p.themes} for p in index.profiles]
    country_sets = [{code: code for code in places.countries} for places in index.places]
    theme_totals = Counter(key for items in theme_sets for key in items)
    country_totals = Counter(key for items in country_sets for key in items)
    concepts = thesaurus()
    topic_sets = [{concepts.concepts[c].key: concepts.concepts[c].key
                   for c in np.flatnonzero(row).tolist()} for row in index.concepts]
    topic_totals = Counter(key for items in topic_sets for key in items)
    for cluster in clusters:
        cluster.themes = _distinct_items(theme_sets, theme_totals, cluster)
        cluster.countries = _distinct_items(country_sets, country_totals, cluster)
        cluster.topics = [(concepts.key_index[key], count) for key, count
                          in _distinct_items(topic_sets, topic_totals, cluster)]
    rows = fixed_sample(n, NAMING_SAMPLE)
    texts = [profile_text(index.profiles[int(r)]) for r in rows]
    try:
        vectorizer = TfidfVectorizer(
            stop_words=STOP_WORDS, token_pattern=r"(?u)\b[^\W\d_]{3,}\b", sublinear_tf=True,
            min_df=2 if len(rows) >= 50 else 1, max_features=30_000, dtype=np.float64)
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no word left (empty vocabulary)
        return
    terms = vectorizer.get_feature_names_out()
    sample_labels = labels[rows]
    k = len(clusters)
    member = sparse.csr_matrix((np.ones(len(rows)), (sample_labels, np.arange(len(rows)))),
                               shape=(k, len(rows)))
    sums = np.asarray((member @ matrix).todense())
    present = np.asarray((member @ (matrix > 0).astype(np.float64)).todense())
    sizes = np.bincount(sample_labels, minlength=k).astype(np.float64)
    total = sums.sum(axis=0)
    for cluster in clusters:
        c = cluster.number - 1
        if sizes[c] == 0:
            continue
        inside = sums[c] / sizes[c]
        others = len(rows) - sizes[c]
        outside = (total - sums[c]) / others if others else np.zeros_like(inside)
        score = inside - outside
        needed = min(2.0, sizes[c])
        score = np.where(present[c] >= needed, score, -np.inf)
        order = np.lexsort((terms, -np.round(score, 9)))
        cluster.keywords = [str(terms[i]) for i in order[:KEYWORDS] if score[i] > 0]


def _distinct_items(item_sets: list[dict[str, str]], total: Counter[str], cluster: Cluster,
                    limit: int = 4) -> list[tuple[str, int]]:
    """Items (themes or countries: key -> shown label) frequent in the cluster and rarer
    elsewhere, with their count in the cluster."""
    inside: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for row in cluster.rows:
        for key, label in item_sets[row].items():
            inside[key] += 1
            shown.setdefault(key, label)
    if not inside:
        return []
    rest = len(item_sets) - cluster.size
    needed = min(2, cluster.size)

    def lift(key: str) -> float:
        outside = (total[key] - inside[key]) / rest if rest else 0.0
        return inside[key] / cluster.size - outside

    ranked = sorted((key for key in inside if inside[key] >= needed),
                    key=lambda key: (-round(lift(key), 9), -inside[key], shown[key]))
    chosen = sorted(ranked[:limit], key=lambda key: (-inside[key], shown[key]))
    return [(shown[key], inside[key]) for key in chosen]
