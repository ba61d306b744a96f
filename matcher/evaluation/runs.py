"""Running the labelled cases through a ranker.

Everything goes through the engine's public entry points (:meth:`Matcher.match` and
:meth:`Matcher.suggest`, the code path of the command line), so the figures describe what a
user gets. A *ranker* (:class:`Ranker`) is anything with those two methods returning objects
that carry a ``profile`` (the engine's :class:`~matcher.ranking.Match`, or
:class:`~matcher.evaluation.baseline.Hit` of the baseline):

- :func:`run_cases`: rank every case, score it, aggregate overall and by group
  (:class:`CaseRun`);
- :func:`grader_agreement`: a second grader's labels of the same cases, as a ranking, scored on
  the first grader's (how far two careful graders agree);
- :func:`same_language_excess`: on parallel cases (one request in three languages), how much
  the results lean towards profiles written in the query's language;
- :func:`result_ids`, :func:`registry_profiles`, :func:`system_name`: what every runner needs
  of a ranker (also those of :mod:`matcher.evaluation.realdata`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from matcher.errors import Issue, SolirisError, ValidationError
from matcher.evaluation.cases import CASE_TYPES, LANGS, Case, check_cases, is_cross_lingual
from matcher.evaluation.metrics import grades_as_ranking_scores, ndcg_at_k, recall_at_k
from matcher.language import guess_language
from matcher.profile import ActorProfile
from matcher.progress import Progress


class Ranker(Protocol):
    """What :func:`run_cases` needs: the engine's two public ranking entry points."""

    def match(self, text: str, top: int = 10, kinds: Iterable[str] = (),
              countries: Iterable[str] = ()) -> Sequence[Any]: ...

    def suggest(self, actor_id: str, top: int = 10, kinds: Iterable[str] = (),
                countries: Iterable[str] = ()) -> Sequence[Any]: ...


@dataclass(frozen=True)
class CaseResult:
    """One case's outcome: the ids ranked, their scores against the labels, and whether the
    case is cross-lingual (see :func:`~matcher.evaluation.cases.is_cross_lingual`)."""

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
        """The mean metrics over every case."""
        return _aggregate(self.results)

    def to_dict(self) -> dict[str, Any]:
        """The run as JSON-ready data: metrics per group, and every case's ranking."""
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
    """Actor ids of ranked results (engine :class:`~matcher.ranking.Match`, baseline
    :class:`~matcher.evaluation.baseline.Hit`, or dicts of the ``--json`` contract)."""
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
    """How a ranker is named in the results: its ``name``, else ``project (<model>)`` for
    the engine, else its class name."""
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
