"""Offline evaluation of the matching engine: metrics, labelled cases, a TF-IDF baseline, the
IATI held-out task and the STS benchmark.

Everything here goes through the engine's public entry points (:meth:`Matcher.match` and
:meth:`Matcher.suggest`, the code path of the command line), so the figures describe what a
user gets. A *ranker* is anything with those two methods returning objects that carry a
``profile`` (the engine's :class:`~matcher.ranking.Match`, or :class:`Hit` of the baseline):

- :func:`ndcg_at_k`, :func:`recall_at_k`: the metrics;
- :func:`load_cases` / :func:`parse_cases`: the labelled cases of ``data/eval/cases.jsonl``;
- :func:`run_cases`: rank every case, score it, aggregate overall and by group;
- :func:`grader_agreement`: a second grader's labels of the same cases, as a ranking, scored on
  the first grader's (how far two careful graders agree);
- :func:`same_language_excess`: on parallel cases (one request in three languages), how much
  the results lean towards profiles written in the query's language;
- :class:`TfidfBaseline`: scikit-learn TF-IDF cosine over the profile texts, same filters;
- :func:`load_iati_activities`, :func:`build_heldout_task`, :func:`run_heldout`: rank the
  implementing organisations of real IATI activities from one of their held-out activities;
  :func:`load_eutf_activities` reads the EU Trust Fund for Africa's activities (French and
  English) for the same task; :func:`build_consortium_task`, :func:`run_consortia`: their real
  consortia as ``suggest`` cases (who worked with whom);
- :func:`load_sts`, :func:`sts_spearman`: encoder quality on STS-B in en/fr/nl and across them;
- :func:`compare_encoders`: the labelled cases with each encoder (how the default is chosen).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import random
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from matcher.errors import InputFormatError, Issue, NotFoundError, SolirisError, ValidationError
from matcher.language import guess_language, neutralise
from matcher.places import gazetteer
from matcher.profile import KINDS, ActorProfile, validate_record
from matcher.settings import MAX_TEXT_CHARS

Progress = Callable[[int, int], None]

CASE_TYPES = ("match", "suggest")
CASE_FIELDS = ("id", "lang", "type", "query", "actor", "kinds", "countries", "relevant", "note",
               "cross_lingual")
LANGS = ("en", "fr", "nl")

# -- metrics ----------------------------------------------------------------------------------


def dcg_at_k(ranked_ids: Sequence[str], graded_relevance: Mapping[str, int], k: int = 5) -> float:
    """Discounted cumulative gain of the first ``k`` ids: sum of (2^rel - 1) / log2(rank + 1),
    rank counted from 1; ids without a grade have relevance 0."""
    return sum((2 ** graded_relevance.get(actor_id, 0) - 1) / math.log2(rank + 2)
               for rank, actor_id in enumerate(ranked_ids[:k]))


def ideal_dcg_at_k(graded_relevance: Mapping[str, int], k: int = 5) -> float:
    """DCG@k of the ideal ranking: the graded labels sorted by grade."""
    ideal_grades = sorted((g for g in graded_relevance.values() if g > 0), reverse=True)[:k]
    return sum((2 ** g - 1) / math.log2(rank + 2) for rank, g in enumerate(ideal_grades))


def ndcg_at_k(ranked_ids: Sequence[str], graded_relevance: Mapping[str, int], k: int = 5) -> float:
    """Normalised DCG@k in [0, 1]: DCG of the ranking divided by the DCG of the ideal ranking
    (the graded labels sorted by grade). 0.0 when nothing is relevant."""
    ideal = ideal_dcg_at_k(graded_relevance, k)
    if ideal <= 0:
        return 0.0
    return dcg_at_k(ranked_ids, graded_relevance, k) / ideal


def recall_at_k(ranked_ids: Sequence[str], relevant_ids: Iterable[str], k: int = 5) -> float:
    """Share of the relevant ids found in the first ``k`` ranked ids (|found| / |relevant|;
    0.0 when nothing is relevant). With more than ``k`` relevant ids it cannot reach 1."""
    relevant = set(relevant_ids)
    if not relevant:
        return 0.0
    return len(relevant & set(ranked_ids[:k])) / len(relevant)


def grades_as_ranking_scores(grades: Mapping[str, int], graded_relevance: Mapping[str, int],
                             k: int = 5) -> tuple[float, float]:
    """Expected nDCG@k and recall@k, against ``graded_relevance``, of the ranking that lists the
    actors of ``grades`` best grade first and in random order within a grade: how well a second
    grader's labels, used as a ranking, agree with the first grader's. Exact (the mean over
    every order within grades), not sampled: an actor of a tied group of ``n`` that spans ranks
    ``r .. r+n-1`` sits at each of them with probability 1/n."""
    ideal = ideal_dcg_at_k(graded_relevance, k)
    relevant = [actor_id for actor_id, g in graded_relevance.items() if g > 0]
    gain = found = 0.0
    start = 0
    for grade in sorted({g for g in grades.values() if g > 0}, reverse=True):
        tied = [actor_id for actor_id, g in grades.items() if g == grade]
        ranks = range(start, min(start + len(tied), k))
        mean_discount = sum(1 / math.log2(rank + 2) for rank in ranks) / len(tied)
        in_top = len(ranks) / len(tied)
        gain += mean_discount * sum(2 ** graded_relevance.get(a, 0) - 1 for a in tied)
        found += in_top * sum(1 for a in tied if graded_relevance.get(a, 0) > 0)
        start += len(tied)
    return (gain / ideal if ideal > 0 else 0.0), (found / len(relevant) if relevant else 0.0)


# -- labelled cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One labelled request: a ``match`` text or a ``suggest`` actor, with graded answers."""

    id: str
    lang: str
    type: str
    relevant: Mapping[str, int]
    query: str = ""
    actor: str = ""
    kinds: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    note: str = ""
    cross_lingual: bool | None = None  # explicit label; None: decided by :func:`is_cross_lingual`
    line: int | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.kinds or self.countries)


def parse_cases(text: str, source: str = "cases") -> list[Case]:
    """Parse JSON Lines of labelled cases; raises :class:`ValidationError` listing every problem
    (line, field, reason) so that a broken file is fixed in one go."""
    issues: list[Issue] = []
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            issues.append(Issue(f"malformed JSON: {exc.msg} (column {exc.colno})", line=number))
            continue
        case = _parse_case(record, number, issues)
        if case is None:
            continue
        if case.id in seen:
            issues.append(Issue(f"duplicate case id '{case.id}' (first on line {seen[case.id]})",
                                field="id", line=number))
            continue
        seen[case.id] = number
        cases.append(case)
    if issues:
        raise ValidationError([Issue(f"{source}: {i.message}", i.field, i.line, i.value)
                               for i in issues])
    if not cases:
        raise InputFormatError([Issue(f"{source}: no labelled case in the file")])
    return cases


def load_cases(path: Path | str) -> list[Case]:
    """Read ``data/eval/cases.jsonl`` (see :func:`parse_cases`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFormatError([Issue(f"cannot read the cases file {path}: "
                                      f"{exc.strerror or exc}")]) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFormatError([Issue(f"{path}: not valid UTF-8 (offset {exc.start})")]) from exc
    return parse_cases(text, str(path))


def _parse_case(record: Any, line: int, issues: list[Issue]) -> Case | None:
    before = len(issues)

    def bad(fieldname: str | None, message: str) -> None:
        issues.append(Issue(message, field=fieldname, line=line))

    if not isinstance(record, dict):
        bad(None, "each line must be a JSON object")
        return None
    for key in sorted(set(record) - set(CASE_FIELDS)):
        bad(key, f"unknown field (allowed: {', '.join(CASE_FIELDS)})")
    case_id = record.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        bad("id", "is required: a non-empty string")
    lang = record.get("lang")
    if lang not in LANGS:
        bad("lang", f"must be one of {', '.join(LANGS)}, got {lang!r}")
    kind = record.get("type")
    if kind not in CASE_TYPES:
        bad("type", f"must be 'match' or 'suggest', got {kind!r}")
    query = record.get("query") or ""
    actor = record.get("actor") or ""
    if kind == "match" and (not isinstance(query, str) or not query.strip()):
        bad("query", "a 'match' case needs a non-empty query text")
    if kind == "suggest" and (not isinstance(actor, str) or not actor.strip()):
        bad("actor", "a 'suggest' case needs the id of a registered actor")
    if not isinstance(query, str) or len(query) > MAX_TEXT_CHARS:
        bad("query", f"must be text of at most {MAX_TEXT_CHARS} characters")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("kinds", "countries"):
        value = record.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad(key, "must be a list of strings")
            value = []
        lists[key] = tuple(value)
    for value in lists["kinds"]:
        if value not in KINDS:
            bad("kinds", f"'{value}' is not a known kind (allowed: {', '.join(KINDS)})")
    for value in lists["countries"]:
        if gazetteer().country_code(value) is None:
            bad("countries", f"'{value}' is not a known country")
    relevant = record.get("relevant")
    grades: dict[str, int] = {}
    if not isinstance(relevant, dict) or not relevant:
        bad("relevant", "must be a non-empty object {actor_id: grade 1 or 2}")
    else:
        for actor_id, grade in relevant.items():
            if isinstance(grade, bool) or grade not in (1, 2):
                bad("relevant", f"grade of '{actor_id}' must be 1 or 2, got {grade!r}")
            else:
                grades[actor_id] = int(grade)
        if kind == "suggest" and actor in grades:
            bad("relevant", f"a 'suggest' case cannot list its own actor '{actor}'")
    note = record.get("note") or ""
    if not isinstance(note, str):
        bad("note", "must be a string")
        note = ""
    cross = record.get("cross_lingual")
    if cross is not None and not isinstance(cross, bool):
        bad("cross_lingual", "must be true or false")
    if len(issues) > before:
        return None
    return Case(id=case_id.strip(), lang=lang, type=kind, relevant=grades, query=query,
                actor=actor, kinds=lists["kinds"], countries=lists["countries"], note=note,
                cross_lingual=cross, line=line)


def check_cases(cases: Sequence[Case], profiles: Iterable[ActorProfile]) -> list[Issue]:
    """Problems between the cases and a registry: unknown actors as answers or ``suggest``
    subjects. Returns the issues (empty when everything is known)."""
    known = {p.id for p in profiles}
    issues = []
    for case in cases:
        if case.type == "suggest" and case.actor not in known:
            issues.append(Issue(f"case '{case.id}': unknown actor '{case.actor}' to suggest for",
                                field="actor", line=case.line))
        for actor_id in case.relevant:
            if actor_id not in known:
                issues.append(Issue(f"case '{case.id}': relevant actor '{actor_id}' is not in "
                                    "the registry", field="relevant", line=case.line))
    return issues


def is_cross_lingual(case: Case, profiles: Mapping[str, ActorProfile]) -> bool:
    """A case is cross-lingual when it says so (``cross_lingual``), when its note mentions
    "cross", or when a relevant actor's description is in another language than the case."""
    if case.cross_lingual is not None:
        return case.cross_lingual
    if "cross" in case.note.casefold():
        return True
    for actor_id in case.relevant:
        profile = profiles.get(actor_id)
        if profile is None:
            continue
        lang = guess_language(profile.description)
        if lang is not None and lang != case.lang:
            return True
    return False


# -- running the cases ------------------------------------------------------------------------


class Ranker(Protocol):
    """What :func:`run_cases` needs: the engine's two public ranking entry points."""

    def match(self, text: str, top: int = 10, kinds: Iterable[str] = (),
              countries: Iterable[str] = ()) -> Sequence[Any]: ...

    def suggest(self, actor_id: str, top: int = 10, kinds: Iterable[str] = (),
                countries: Iterable[str] = ()) -> Sequence[Any]: ...


@dataclass(frozen=True)
class CaseResult:
    case: Case
    ranked: tuple[str, ...]
    ndcg: float
    recall: float
    cross_lingual: bool


@dataclass(frozen=True)
class Aggregate:
    """Mean metrics of a group of cases."""

    n: int
    ndcg: float
    recall: float


@dataclass
class CaseRun:
    """Per-case rankings and metrics of one system, with aggregates by group."""

    system: str
    k: int
    results: list[CaseResult]

    def groups(self) -> dict[str, Aggregate]:
        """``overall``, ``lang:xx``, ``type:match|suggest``, ``cross-lingual`` /
        ``same-language`` and ``filtered`` / ``unfiltered`` (empty groups left out)."""
        members: dict[str, list[CaseResult]] = {"overall": list(self.results)}
        for lang in LANGS:
            members[f"lang:{lang}"] = [r for r in self.results if r.case.lang == lang]
        for kind in CASE_TYPES:
            members[f"type:{kind}"] = [r for r in self.results if r.case.type == kind]
        members["cross-lingual"] = [r for r in self.results if r.cross_lingual]
        members["same-language"] = [r for r in self.results if not r.cross_lingual]
        members["filtered"] = [r for r in self.results if r.case.filtered]
        members["unfiltered"] = [r for r in self.results if not r.case.filtered]
        return {name: _aggregate(rs) for name, rs in members.items() if rs}

    @property
    def overall(self) -> Aggregate:
        return _aggregate(self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system, "k": self.k,
            "groups": {name: vars(agg) for name, agg in self.groups().items()},
            "cases": [{"id": r.case.id, "ndcg": round(r.ndcg, 4), "recall": round(r.recall, 4),
                       "cross_lingual": r.cross_lingual, "ranked": list(r.ranked)}
                      for r in self.results],
        }


def _aggregate(results: Sequence[CaseResult]) -> Aggregate:
    if not results:
        return Aggregate(0, 0.0, 0.0)
    return Aggregate(len(results), float(np.mean([r.ndcg for r in results])),
                     float(np.mean([r.recall for r in results])))


def result_ids(results: Iterable[Any]) -> list[str]:
    """Actor ids of ranked results (engine :class:`Match`, baseline :class:`Hit`, or dicts of
    the ``--json`` contract)."""
    out = []
    for item in results:
        if isinstance(item, Mapping):
            out.append(str(item["id"]))
        elif hasattr(item, "profile"):
            out.append(item.profile.id)
        else:
            out.append(str(item.id))
    return out


def registry_profiles(ranker: Any) -> list[ActorProfile]:
    """The profiles a ranker ranks: a :class:`Matcher`'s registry or a baseline's list."""
    if hasattr(ranker, "store"):
        return [actor.profile for actor in ranker.store.all()]
    if hasattr(ranker, "profiles"):
        return list(ranker.profiles)
    raise TypeError(f"cannot list the profiles of {type(ranker).__name__}")


def system_name(ranker: Any) -> str:
    name = getattr(ranker, "name", None)
    if isinstance(name, str):
        return name
    model = getattr(ranker, "model_name", None)
    return f"project ({model})" if model else type(ranker).__name__


def run_cases(ranker: Ranker, cases: Sequence[Case], k: int = 5, *,
              profiles: Iterable[ActorProfile] | None = None, system: str | None = None,
              progress: Progress | None = None) -> CaseRun:
    """Rank every case with ``ranker.match`` / ``ranker.suggest`` (top ``k``, the case's kinds
    and countries as filters) and score it with nDCG@k and recall@k.

    ``profiles`` (default: the ranker's registry) decide which cases are cross-lingual; every
    relevant actor must be among them, or :class:`ValidationError` says which is missing."""
    profile_list = list(profiles) if profiles is not None else registry_profiles(ranker)
    problems = check_cases(cases, profile_list)
    if problems:
        raise ValidationError(problems)
    by_id = {p.id: p for p in profile_list}
    results = []
    for done, case in enumerate(cases, start=1):
        try:
            if case.type == "match":
                ranked = ranker.match(case.query, top=k, kinds=case.kinds,
                                      countries=case.countries)
            else:
                ranked = ranker.suggest(case.actor, top=k, kinds=case.kinds,
                                        countries=case.countries)
        except SolirisError as exc:
            raise SolirisError(f"case '{case.id}' (line {case.line}): {exc}") from exc
        ids = result_ids(ranked)[:k]
        results.append(CaseResult(case, tuple(ids), ndcg_at_k(ids, case.relevant, k),
                                  recall_at_k(ids, case.relevant, k),
                                  is_cross_lingual(case, by_id)))
        if progress:
            progress(done, len(cases))
    return CaseRun(system or system_name(ranker), k, results)


def grader_agreement(first: Sequence[Case], second: Sequence[Case], k: int = 5, *,
                     profiles: Iterable[ActorProfile], system: str = "second grader"
                     ) -> CaseRun:
    """The second grader's labels of the same cases, used as a ranking (see
    :func:`grades_as_ranking_scores`) and scored on the first grader's: the agreement of two
    careful graders, a ceiling of sorts for any ranker scored on one of them. Both sets must
    hold the same requests (ids, queries or actors, filters), or :class:`ValidationError` says
    which differ."""
    profile_list = list(profiles)
    theirs = {case.id: case for case in second}
    ours = {case.id for case in first}
    issues = [*check_cases(first, profile_list), *check_cases(second, profile_list)]
    for case in first:
        other = theirs.get(case.id)
        request = (case.type, case.query, case.actor, case.kinds, case.countries)
        if other is None:
            issues.append(Issue(f"case '{case.id}' has no second grading", field="id",
                                line=case.line))
        elif request != (other.type, other.query, other.actor, other.kinds, other.countries):
            issues.append(Issue(f"case '{case.id}' is not the same request in both gradings",
                                field="query", line=other.line))
    issues += [Issue(f"case '{case_id}' is only in the second grading", field="id",
                     line=case.line) for case_id, case in theirs.items() if case_id not in ours]
    if issues:
        raise ValidationError(issues)
    by_id = {p.id: p for p in profile_list}
    results = []
    for case in first:
        ndcg, recall = grades_as_ranking_scores(theirs[case.id].relevant, case.relevant, k)
        results.append(CaseResult(case, (), ndcg, recall, is_cross_lingual(case, by_id)))
    return CaseRun(system, k, results)


def same_language_excess(run: CaseRun, profiles: Iterable[ActorProfile]) -> dict[str, float]:
    """For each query language L: the share of the ranked results (the first ``run.k``) whose
    description is written in L when the query is in L, minus the mean of that share over the
    queries in each other language. Meant for *parallel* cases (every request asked in each
    language, with the same answers), where only the query's language changes: a ranker that
    does not favour profiles in the query's language scores 0, whatever the registry's mix of
    languages. Languages without queries, or without results, are left out."""
    language = {p.id: guess_language(p.description) for p in profiles}
    shares: dict[str, dict[str, list[float]]] = {}
    for result in run.results:
        if result.ranked:
            written = [language.get(actor_id) for actor_id in result.ranked]
            by_lang = shares.setdefault(result.case.lang, {})
            for lang in LANGS:
                by_lang.setdefault(lang, []).append(written.count(lang) / len(written))
    excess = {}
    for lang in LANGS:
        if lang not in shares:
            continue
        others = [float(np.mean(by_lang[lang])) for query_lang, by_lang in shares.items()
                  if query_lang != lang]
        if others:
            excess[lang] = float(np.mean(shares[lang][lang])) - float(np.mean(others))
    return excess


# -- TF-IDF baseline --------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One result of the baseline (the same ``profile`` / ``score`` shape as an engine match)."""

    profile: ActorProfile
    score: float


def profile_text(profile: ActorProfile) -> str:
    """Everything an actor says about itself: name, description, themes, offers and needs."""
    return "\n".join(part for part in (profile.name, profile.description,
                                       ", ".join(profile.themes), profile.offers,
                                       profile.needs) if part)


class TfidfBaseline:
    """scikit-learn TF-IDF + cosine similarity over :func:`profile_text`, with the engine's hard
    filters (kinds; countries on the structured ``countries`` field only; the query actor is
    excluded from its own suggestions). A ``suggest`` query is the actor's own profile text.

    Word unigrams, accents stripped, sublinear term frequency: a fair, tuned-once baseline."""

    name = "tf-idf"

    def __init__(self, profiles: Sequence[ActorProfile], **vectorizer_options: Any):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.profiles = list(profiles)
        if not self.profiles:
            raise ValueError("the TF-IDF baseline needs at least one profile")
        options = {"strip_accents": "unicode", "sublinear_tf": True, "lowercase": True}
        options.update(vectorizer_options)
        self.vectorizer = TfidfVectorizer(**options)
        self.matrix = self.vectorizer.fit_transform([profile_text(p) for p in self.profiles])
        self.row_of = {p.id: i for i, p in enumerate(self.profiles)}
        self._kinds = np.asarray([p.kind for p in self.profiles])
        self._countries = [frozenset(p.countries) for p in self.profiles]

    def match(self, text: str, top: int = 10, kinds: Iterable[str] = (),
              countries: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Hit]:
        return self._rank(self.vectorizer.transform([text]), top, kinds, countries, exclude)

    def suggest(self, actor_id: str, top: int = 10, kinds: Iterable[str] = (),
                countries: Iterable[str] = ()) -> list[Hit]:
        row = self.row_of.get(actor_id)
        if row is None:
            raise NotFoundError("actor", actor_id)
        return self._rank(self.matrix[row], top, kinds, countries, [actor_id])

    def _rank(self, vector: Any, top: int, kinds: Iterable[str], countries: Iterable[str],
              exclude: Iterable[str]) -> list[Hit]:
        scores = np.asarray((self.matrix @ vector.T).todense()).ravel()  # rows are L2-normalised
        mask = np.ones(len(self.profiles), dtype=bool)
        kinds = set(kinds)
        if kinds:
            mask &= np.isin(self._kinds, sorted(kinds))
        codes = set()
        for country in countries:
            code = gazetteer().country_code(country)
            if code is None:
                raise ValidationError([Issue(f"'{country}' is not a known country",
                                             field="countries", value=country)])
            codes.add(code)
        if codes:
            mask &= np.asarray([bool(c & codes) for c in self._countries])
        for actor_id in exclude:
            if actor_id in self.row_of:
                mask[self.row_of[actor_id]] = False
        candidates = np.flatnonzero(mask)
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:top]
        return [Hit(self.profiles[i], float(scores[i])) for i in order]


# -- registries for evaluation ----------------------------------------------------------------


def sync_registry(matcher: Any, profiles: Sequence[ActorProfile],
                  progress: Progress | None = None) -> None:
    """Make ``matcher``'s registry hold exactly ``profiles`` (other actors are removed), then
    build its index. Embeddings already in the registry's cache are reused."""
    wanted = {p.id for p in profiles}
    for actor in matcher.store.all():
        if actor.profile.id not in wanted:
            matcher.remove(actor.profile.id)
    matcher.upsert(list(profiles), progress)
    matcher.index(progress)


def compare_encoders(models: Sequence[str], profiles: Sequence[ActorProfile],
                     cases: Sequence[Case], k: int = 5, *, db_path: Path | str | None = None,
                     threads: int = 2,
                     on_model: Callable[[str], Progress | None] | None = None,
                     encoders: dict[str, Any] | None = None) -> dict[str, CaseRun]:
    """Run the labelled cases through the engine once per encoder (``use``, ``e5``, ``minilm``
    or any sentence-transformers model). ``db_path`` keeps the registry and its embedding cache
    between runs (a temporary one otherwise); ``on_model`` may return a progress callback;
    ``encoders`` is a cache of loaded encoders by name (filled with the ones loaded here)."""
    from matcher.encoders import load_encoder
    from matcher.engine import Matcher
    from matcher.settings import Settings

    runs: dict[str, CaseRun] = {}
    encoders = {} if encoders is None else encoders
    with tempfile.TemporaryDirectory(prefix="soliris-eval-") as tmp:
        path = Path(db_path) if db_path else Path(tmp) / "cases.db"
        for model in models:
            progress = on_model(model) if on_model else None
            if model not in encoders:
                encoders[model] = load_encoder(model, threads)
            encoder = encoders[model]
            matcher = Matcher(Settings(db_path=path, model=model, threads=threads),
                              encoder=encoder)
            sync_registry(matcher, profiles, progress)
            runs[model] = run_cases(matcher, cases, k, profiles=profiles,
                                    system=f"project ({model})")
    return runs


# -- IATI held-out organisation task ----------------------------------------------------------

IATI_ORG_COLUMN = "participating.org..Implementing."
#: Implementing-organisation values that name nobody (compared case-insensitively).
IATI_PLACEHOLDER_ORGS = frozenset({"information redacted", "not applicable", "name withheld",
                                   "other", "n/a", "na", "none", "unknown", "not available",
                                   "not provided", "-"})


@dataclass(frozen=True)
class IatiActivity:
    """One IATI activity: its texts and its implementing organisations (placeholders dropped)."""

    title: str
    description: str
    orgs: tuple[str, ...]

    @property
    def text(self) -> str:
        """Title and description (the title alone when the description repeats it)."""
        title, description = self.title, self.description
        if not description or description.startswith(title):
            return description or title
        if not title:
            return description
        return f"{title}. {description}" if title[-1:] not in ".!?:" else f"{title} {description}"


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("soliris-cp1252-fallback", _cp1252_fallback)


def decode_mixed(data: bytes) -> str:
    """UTF-8 with stray Windows-1252 bytes (the IATI export mixes both) decoded as cp1252."""
    return data.decode("utf-8-sig", errors="soliris-cp1252-fallback")


def _clean(text: str) -> str:
    return " ".join(text.split())


def load_iati_activities(path: Path | str) -> list[IatiActivity]:
    """Activities of an old IATI Datastore CSV export (columns ``title``, ``description`` and
    ``participating.org..Implementing.``; several organisations are ``;``-separated)."""
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    missing = {"title", "description", IATI_ORG_COLUMN} - set(reader.fieldnames or [])
    if missing:
        raise InputFormatError([Issue(f"{path}: missing column(s) {', '.join(sorted(missing))}",
                                      line=1)])
    activities = []
    for row in reader:
        orgs = []
        for org in (row[IATI_ORG_COLUMN] or "").split(";"):
            org = _clean(org)
            if org and org.casefold() not in IATI_PLACEHOLDER_ORGS and org not in orgs:
                orgs.append(org)
        activities.append(IatiActivity(_clean(row["title"] or ""),
                                       _clean(row["description"] or ""), tuple(orgs)))
    return activities


EUTF_COLUMNS = ("title", "summary", "partner_implementing")


def split_org_names(joined: str, known: frozenset[str] = frozenset()) -> list[str]:
    """The organisations of a comma-joined list, keeping together the pieces of a ``known``
    name that holds commas ("DAI Global, LLC (DAI)"): the longest known name wins."""
    pieces = joined.split(",")
    names: list[str] = []
    start = 0
    while start < len(pieces):
        end = next((stop for stop in range(len(pieces), start + 1, -1)
                    if ",".join(pieces[start:stop]).strip() in known), start + 1)
        name = _clean(",".join(pieces[start:end]))
        if name and name.casefold() not in IATI_PLACEHOLDER_ORGS and name not in names:
            names.append(name)
        start = end
    return names


def load_eutf_activities(path: Path | str, orgs_path: Path | str | None = None
                         ) -> list[IatiActivity]:
    """Activities of the EU Emergency Trust Fund for Africa as exported from Akvo RSR by DW
    (``EUTF_projects_akvo.csv``: ``title``, ``summary``, ``partner_implementing``, the
    organisations comma-joined). ``orgs_path`` (``EUTF_akvo_orgs.csv``, column ``name``) lists
    the organisation names, so that a name holding a comma is kept whole."""
    known: frozenset[str] = frozenset()
    if orgs_path is not None:
        known = frozenset(row.get("name", "").strip()
                          for row in csv.DictReader(io.StringIO(_read_text(orgs_path))))
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    missing = set(EUTF_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        raise InputFormatError([Issue(f"{path}: missing column(s) {', '.join(sorted(missing))}",
                                      line=1)])
    return [IatiActivity(_clean(row["title"] or ""), _clean(row["summary"] or ""),
                         tuple(split_org_names(row["partner_implementing"] or "", known)))
            for row in reader]


def _read_text(path: Path | str) -> str:
    try:
        return decode_mixed(Path(path).read_bytes())
    except OSError as exc:
        raise InputFormatError([Issue(f"cannot read {path}: {exc.strerror or exc}")]) from exc


@dataclass(frozen=True)
class HeldOutQuery:
    text: str
    org_id: str
    org_name: str


@dataclass(frozen=True)
class HeldOutTask:
    """Organisation profiles built without the held-out activities, and those activities as
    queries (each with the organisation that implemented it)."""

    profiles: list[ActorProfile]
    queries: list[HeldOutQuery]
    eligible_orgs: int


def build_heldout_task(activities: Sequence[IatiActivity], n_queries: int = 300, seed: int = 7,
                       max_chars: int = MAX_TEXT_CHARS) -> HeldOutTask:
    """One ``ngo`` profile per implementing organisation, from the texts of its activities.

    Among organisations with at least two activities with distinct texts, up to ``n_queries``
    (drawn with ``seed``) each get one activity held out; its text is the query and is left out
    of every profile (also a co-implementer's, and exact duplicates of it), so no profile
    contains the query itself. A profile's description is its activities' distinct texts, one
    per line, cut to ``max_chars`` at a line boundary (the engine reads the first passages)."""
    by_org = _texts_by_org(activities)
    ids = _org_ids(by_org)
    eligible = [name for name in sorted(by_org) if len(by_org[name]) >= 2]
    rng = random.Random(seed)
    held: set[str] = set()
    drawn: list[HeldOutQuery] = []
    for name in rng.sample(eligible, len(eligible)):
        if len(drawn) >= n_queries:
            break
        choices = [t for t in by_org[name] if t not in held]
        if len(choices) < 2:  # the rest must still say something that is not the query
            continue
        text = rng.choice(choices)
        held.add(text)
        drawn.append(HeldOutQuery(text[:max_chars], ids[name], name))
    profiles = _org_profiles(by_org, ids, held, max_chars)
    # A text held out for one organisation may have been another one's last text.
    present = {p.id for p in profiles}
    queries = [q for q in drawn if q.org_id in present]
    return HeldOutTask(profiles, queries, len(eligible))


def _texts_by_org(activities: Iterable[IatiActivity]) -> dict[str, list[str]]:
    """Each organisation's distinct activity texts, in file order."""
    by_org: dict[str, list[str]] = {}
    for activity in activities:
        if not activity.text:
            continue
        for org in activity.orgs:
            texts = by_org.setdefault(org, [])
            if activity.text not in texts:
                texts.append(activity.text)
    return by_org


def _org_ids(by_org: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {name: f"org-{n:05d}" for n, name in enumerate(sorted(by_org))}


def _org_profiles(by_org: Mapping[str, Sequence[str]], ids: Mapping[str, str],
                  held: set[str], max_chars: int) -> list[ActorProfile]:
    """One ``ngo`` profile per organisation that has a text outside ``held``."""
    profiles = []
    for name in sorted(by_org):
        texts = [t for t in by_org[name] if t not in held]
        if texts:
            profiles.append(validate_record({"id": ids[name], "name": name[:200], "kind": "ngo",
                                             "description": _join_within(texts, max_chars)}))
    return profiles


@dataclass(frozen=True)
class ConsortiumTask:
    """Organisation profiles built without the activities that several of them carried out
    together, and, for each organisation in such a consortium, its real partners: grade 2 for
    a partner of two consortia or more, 1 for one."""

    profiles: list[ActorProfile]
    partners: dict[str, dict[str, int]]
    consortia: int


def build_consortium_task(activities: Sequence[IatiActivity],
                          max_chars: int = MAX_TEXT_CHARS) -> ConsortiumTask:
    """Real partnerships as `suggest` cases: every activity with two implementing
    organisations or more is left out of every profile (so two partners are not found through
    the text they share), and each consortium member's partners are what ``suggest`` should
    find from what each organisation does elsewhere."""
    consortia = [a for a in activities if a.text and len(a.orgs) >= 2]
    held = {a.text for a in consortia}
    by_org = _texts_by_org(activities)
    ids = _org_ids(by_org)
    profiles = _org_profiles(by_org, ids, held, max_chars)
    present = {p.id for p in profiles}
    shared: dict[str, Counter[str]] = {}
    for activity in consortia:
        members = [ids[o] for o in activity.orgs if ids[o] in present]
        for member in members:
            shared.setdefault(member, Counter()).update(o for o in members if o != member)
    partners = {org: {other: 2 if count >= 2 else 1 for other, count in counts.items()}
                for org, counts in sorted(shared.items()) if counts}
    return ConsortiumTask(profiles, partners, len(consortia))


@dataclass(frozen=True)
class ConsortiumRun:
    system: str
    k: int
    n: int
    ndcg: float
    recall: float

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def run_consortia(ranker: Any, task: ConsortiumTask, k: int = 10, *,
                  system: str | None = None, progress: Progress | None = None) -> ConsortiumRun:
    """nDCG@k and recall@k of each consortium member's real partners in ``ranker.suggest``."""
    ndcg = recall = 0.0
    for done, (org, partners) in enumerate(task.partners.items(), start=1):
        ids = result_ids(ranker.suggest(org, top=k))[:k]
        ndcg += ndcg_at_k(ids, partners, k)
        recall += recall_at_k(ids, partners, k)
        if progress:
            progress(done, len(task.partners))
    n = len(task.partners)
    return ConsortiumRun(system or system_name(ranker), k, n, ndcg / max(n, 1),
                         recall / max(n, 1))


def _join_within(texts: Sequence[str], limit: int) -> str:
    out = texts[0][:limit]
    for text in texts[1:]:
        if len(out) + 1 + len(text) > limit:
            break
        out = f"{out}\n{text}"
    return out


@dataclass(frozen=True)
class HeldOutRun:
    system: str
    k: int
    n: int
    recall: float
    recall_at_1: float
    mrr: float
    #: Per query, in task order: the rank of the true organisation, 0 when not in the top k.
    ranks: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if key != "ranks"}

    def subset(self, indices: Sequence[int], system: str | None = None) -> HeldOutRun:
        """The same run scored on the queries at ``indices`` only (e.g. those in French)."""
        ranks = [self.ranks[i] for i in indices]
        n = len(ranks)
        return HeldOutRun(system or self.system, self.k, n,
                          sum(r > 0 for r in ranks) / max(n, 1),
                          sum(r == 1 for r in ranks) / max(n, 1),
                          sum(1 / r for r in ranks if r) / max(n, 1), tuple(ranks))


def run_heldout(ranker: Any, task: HeldOutTask, k: int = 10, *, system: str | None = None,
                progress: Progress | None = None) -> HeldOutRun:
    """Recall@k (and recall@1, MRR@k) of the true implementing organisation when ranking every
    organisation for each held-out activity with ``ranker.match``."""
    ranks = []
    for done, query in enumerate(task.queries, start=1):
        ids = result_ids(ranker.match(query.text, top=k))[:k]
        ranks.append(ids.index(query.org_id) + 1 if query.org_id in ids else 0)
        if progress:
            progress(done, len(task.queries))
    run = HeldOutRun(system or system_name(ranker), k, len(ranks), 0.0, 0.0, 0.0, tuple(ranks))
    return run.subset(range(len(ranks)))


# -- STS benchmark ----------------------------------------------------------------------------


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


# -- helpers for reports ----------------------------------------------------------------------


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, ``inf`` for a zero denominator (``nan`` when both are zero)."""
    if denominator == 0:
        return math.nan if numerator == 0 else math.inf
    return numerator / denominator


__all__ = [
    "Aggregate", "Case", "CaseResult", "CaseRun", "ConsortiumRun", "ConsortiumTask",
    "HeldOutQuery", "HeldOutRun", "HeldOutTask",
    "Hit", "IatiActivity", "StsSet", "TfidfBaseline", "build_consortium_task", "build_heldout_task",
    "check_cases",
    "compare_encoders", "dcg_at_k", "decode_mixed", "is_cross_lingual",
    "load_cases", "load_eutf_activities", "load_iati_activities", "load_sts", "ndcg_at_k",
    "parse_cases", "split_org_names",
    "profile_text", "ratio", "recall_at_k", "registry_profiles", "result_ids", "run_cases",
    "run_consortia", "run_heldout", "sts_language_gap", "sts_spearman", "sync_registry",
]
