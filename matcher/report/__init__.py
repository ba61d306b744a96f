"""The batch matching report: ``soliris report`` writes ``report.html``, ``pairs.csv`` and
``report.json`` for the whole registry, through the same ranking as the CLI and the service.

Steps (each in its own module): a consistent snapshot of the registry and its index
(embeddings from the cache); overview counts (:mod:`.overview`); thematic clusters
(:mod:`.clusters`); the 2-D map (:mod:`.layout`); the countries × kinds table and its gaps
(:mod:`.gaps`); the actors added since the previous report in the folder (:mod:`.history`);
then every actor's suggestions, computed block by block (:mod:`.pairs`) and streamed to the
three files (:mod:`.output`, :mod:`.render_html`), while the strongest cross-kind synergies
are collected. Output is deterministic for the same registry and parameters: only the
creation time differs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from matcher import __version__
from matcher.engine import Matcher
from matcher.errors import EmptyRegistryError, Issue, SolirisError, ValidationError
from matcher.index import Index
from matcher.progress import Progress
from matcher.ranking import Match, rounded, rounded_parts
from matcher.reasons import LANGS
from matcher.report import render_html
from matcher.report.clusters import Clustering, cluster_actors
from matcher.report.gaps import GapTable, gap_table
from matcher.report.history import History, compare, read_previous
from matcher.report.layout import MapLayout, map_layout
from matcher.report.output import (
    ActorLines,
    PairsCsv,
    ReportFiles,
    folder_lock,
    unlock,
    write_json,
)
from matcher.report.overview import overview
from matcher.report.pairs import Synergy, SynergyCollector, iter_suggestions
from matcher.settings import REPORT_HTML_ACTORS
from matcher.store import now_iso
from matcher.themes import thesaurus

__all__ = ["REPORT_FORMAT", "EmptyRegistryError", "ReportResult", "write_report"]

REPORT_FORMAT = 1  # version of the report.json layout
SYNERGIES = 25  # strongest cross-kind pairs listed (and drawn in the network)
Phase = Callable[[str], None]


@dataclass(frozen=True)
class ReportResult:
    """What :func:`write_report` wrote: the files, and the figures the caller may log."""

    paths: list[Path]  # the files written, in the order they were put in place
    actor_count: int
    pair_count: int
    registry_hash: str
    created_at: str


def write_report(matcher: Matcher, out_dir: Path | str, *, top: int = 5, lang: str = "fr",
                 progress: Progress | None = None, now: str | None = None,
                 workers: int | None = None, html_actors: int = REPORT_HTML_ACTORS,
                 phase: Phase | None = None) -> ReportResult:
    """Write ``report.html``, ``pairs.csv`` and ``report.json`` into ``out_dir`` (created when
    the files are written; they replace the previous report only once all are complete).

    An empty registry raises :class:`EmptyRegistryError` and a bad parameter
    :class:`ValidationError`, before anything is loaded or created.

    ``phase(text)`` announces each step ("loading the registry and the model"...), as the
    first ones take seconds with nothing to count. ``progress(done, total)`` follows the
    embedding of new texts, if any, then the actors (from ``(0, n)``).
    ``now`` fixes the creation time (default: the current UTC time). ``workers`` processes
    rank the actors (default ``matcher.settings.threads``, i.e. ``SOLIRIS_THREADS``; the
    output does not depend on it). ``report.html`` unfolds the suggestions of the first
    ``html_actors`` actors (by id) so that it stays readable in a browser; ``pairs.csv`` and
    ``report.json`` always hold every actor's.
    """
    out_dir = Path(out_dir)
    _check(matcher, out_dir, top, lang, html_actors)
    if matcher.store.count() == 0:  # before loading the model: fail fast
        raise EmptyRegistryError(matcher.settings.db_path)
    # Another run writing into the folder: said now, not after the long part. A folder that
    # is not there yet is locked when it is made (ReportFiles).
    lock = folder_lock(out_dir) if out_dir.is_dir() else None
    try:
        return _write(matcher, out_dir, top, lang, progress, now, workers, html_actors, phase,
                      locked=lock is not None)
    finally:
        unlock(lock)


def _write(matcher: Matcher, out_dir: Path, top: int, lang: str, progress: Progress | None,
           now: str | None, workers: int | None, html_actors: int, phase: Phase | None, *,
           locked: bool) -> ReportResult:
    announce = phase or (lambda text: None)
    created_at = now or now_iso()
    announce("loading the registry and the model")
    index, created, registry_hash = _snapshot(matcher, progress)
    n = len(index)
    if n == 0:  # emptied meanwhile
        raise EmptyRegistryError(matcher.settings.db_path)
    announce("grouping actors by theme and drawing the map")
    previous_path = out_dir / "report.json"
    previous = read_previous(previous_path)
    if previous is None and previous_path.is_file():
        # Said, not fatal: the report is then written as a first one (no "added since").
        announce(f"{previous_path} cannot be read as a previous report: this one is compared "
                 "with none")
    if previous is not None and previous.made_with_another_model(matcher.model_name):
        # The actors added since are compared as usual; the suggestions are not comparable.
        announce(f"the previous report ({previous.created_at}) was made with model "
                 f"{previous.model}, this one with {matcher.model_name}: suggestions differ "
                 "for that reason too")
    history = compare(previous, [p.id for p in index.profiles], created)
    with threadpool_limits(limits=1):  # small products: faster on one thread
        clustering = cluster_actors(index)
        layout = map_layout(index.profile_vectors)
    try:
        with ReportFiles(out_dir, locked=locked) as files:
            csv_path = files.final("pairs.csv")
            html_path = files.final("report.html")
            json_path = files.final("report.json")
            html_part = files.scratch("actors-html")
            json_part = files.scratch("actors-json")
            announce("ranking every actor's partners")
            streamed = _stream_actors(
                matcher, index, top, lang, progress, workers or matcher.settings.threads,
                created, clustering, layout, set(history.added[:render_html.NEWCOMERS_SHOWN]),
                csv_path, json_part, html_part, html_actors)
            view = render_html.View(
                lang=lang, index=index, top=top, model=matcher.model_name,
                created_at=created_at, registry_hash=registry_hash,
                overview=overview(index), synergies=streamed.synergies,
                clustering=clustering, layout=layout, gaps=gap_table(index), history=history,
                created=created, newcomer_matches=streamed.newcomer_matches,
                html_actors=min(html_actors, n))
            announce("writing report.html and report.json")
            _write_html(html_path, view, html_part)
            write_json(json_path, _json_head(matcher, view, top, lang, streamed.pair_count),
                       json_part)
            paths = files.commit()
    except OSError as exc:
        raise SolirisError(f"cannot write the report into {out_dir}: {exc}") from exc
    return ReportResult(paths, n, streamed.pair_count, registry_hash, created_at)


@dataclass
class _Streamed:
    pair_count: int
    synergies: list[dict[str, Any]]
    newcomer_matches: dict[int, list[dict[str, Any]]]


def _stream_actors(matcher: Matcher, index: Index, top: int, lang: str,
                   progress: Progress | None, workers: int, created: dict[str, str],
                   clustering: Clustering, layout: MapLayout, newcomers: set[int],
                   csv_path: Path, json_part: Path, html_part: Path, html_actors: int
                   ) -> _Streamed:
    """Rank every actor (block by block) and write its suggestions to the CSV file and to the
    JSON and HTML parts as it comes; keep only what the summary sections need."""
    suggestion = _SuggestionMaker(lang)
    targets = np.full((len(index), top), -1, dtype=np.int64)
    collector = SynergyCollector(index, SYNERGIES)
    newcomer_matches: dict[int, list[dict[str, Any]]] = {}
    pair_count = 0
    # Closed explicitly, not left to garbage collection: an error or Ctrl-C stops the worker
    # processes before it reaches the caller.
    with PairsCsv(csv_path) as pairs, ActorLines(json_part) as actors, \
            html_part.open("w", encoding="utf-8", newline="\n") as html_stream, \
            contextlib.closing(iter_suggestions(matcher, index, top, progress,
                                                workers=workers)) as ranked:
        for row, matches in ranked:
            profile = index.profiles[row]
            suggestions = [suggestion(rank, m) for rank, m in enumerate(matches, start=1)]
            for i, m in enumerate(matches):
                targets[row, i] = index.row_of[m.profile.id]
            collector.add(row, matches)
            if row in newcomers:
                newcomer_matches[row] = suggestions[:render_html.NEWCOMER_MATCHES]
            cluster = int(clustering.labels[row]) + 1
            pairs.write({"id": profile.id, "name": profile.name}, suggestions)
            actors.write({"id": profile.id, "name": profile.name, "kind": profile.kind,
                          "created_at": created.get(profile.id), "cluster": cluster,
                          "map": [rounded(v) for v in layout.coords[row]],
                          "suggestions": suggestions})
            if row < html_actors:
                html_stream.write(render_html.actor(lang, profile, cluster, suggestions))
            pair_count += len(suggestions)
    synergies = [_synergy(index, s, lang) for s in collector.result(targets)]
    return _Streamed(pair_count, synergies, newcomer_matches)


def _check(matcher: Matcher, out_dir: Path, top: int, lang: str, html_actors: int) -> None:
    """Refuse bad parameters before the model is loaded and anything is written."""
    issues = []
    # The folder is created later: a file where it, or a folder above it, would be is an
    # error worth telling now (and in these words, rather than "File exists").
    existing = next((p for p in (out_dir, *out_dir.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        issues.append(Issue(f"{existing} is a file, not a folder", field="out_dir",
                            value=str(out_dir)))
    if not isinstance(html_actors, int) or isinstance(html_actors, bool) or html_actors < 0:
        issues.append(Issue(f"must be a whole number of 0 or more, got {html_actors!r}",
                            field="html_actors", value=html_actors))
    limit = matcher.settings.max_top
    if not isinstance(top, int) or isinstance(top, bool) or not 1 <= top <= limit:
        issues.append(Issue(f"must be a whole number from 1 to {limit}, got {top!r}",
                            field="top", value=top))
    if lang not in LANGS:
        issues.append(Issue(f"'{lang}' is not a report language (choose {', '.join(LANGS)})",
                            field="lang", value=lang))
    if issues:
        raise ValidationError(issues)


def _snapshot(matcher: Matcher, progress: Progress | None
              ) -> tuple[Index, dict[str, str], str]:
    """The index, creation times and content hash of one and the same registry state (retried
    if another process writes meanwhile)."""
    store = matcher.store
    for _ in range(5):
        state = store.state()
        index = matcher.index(progress)
        stored = store.all()
        registry_hash = store.content_hash()
        if store.state() == state and \
                [a.profile.id for a in stored] == [p.id for p in index.profiles]:
            return index, {a.profile.id: a.created_at for a in stored}, registry_hash
    raise SolirisError("the registry kept changing while the report was being prepared; "
                       "run it again when imports are finished")


class _SuggestionMaker:
    """``Match.to_dict`` (the API's shape) with a rank, 4-decimal numbers and no ``-0.0``.

    The profile fields of a suggested actor are the same in every list it appears in, so they
    are rendered once per actor (a bounded cache) and only score, parts and reasons per pair.
    """

    def __init__(self, lang: str, cache_size: int = 20_000):
        self.lang = lang
        self.cache_size = cache_size
        self._templates: dict[str, dict[str, Any]] = {}

    def __call__(self, rank: int, match: Match) -> dict[str, Any]:
        template = self._templates.get(match.profile.id)
        if template is None:
            if len(self._templates) >= self.cache_size:
                self._templates.clear()
            template = Match(match.profile, 0.0, {}, ()).to_dict(self.lang)
            self._templates[match.profile.id] = template
        data = dict(template)
        data["score"] = rounded(match.score)
        data["parts"] = rounded_parts(match.parts)
        data["reasons"] = [r.render(self.lang) for r in match.reasons]
        return {"rank": rank, **data}


def _synergy(index: Index, synergy: Synergy, lang: str) -> dict[str, Any]:
    source = index.profiles[synergy.source]
    target = index.profiles[synergy.target]
    match = synergy.match
    return {"source": source.id, "source_name": source.name, "source_kind": source.kind,
            "target": target.id, "target_name": target.name, "target_kind": target.kind,
            "score": rounded(match.score),
            "parts": rounded_parts(match.parts),
            # Worded for a reader who is neither actor: both are named, no "you".
            "reasons": [r.render_pair(lang, source.name, target.name) for r in match.reasons],
            "mutual": synergy.mutual}


def _write_html(path: Path, view: render_html.View, actors_part: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(render_html.head(view))
        with actors_part.open(encoding="utf-8") as part:
            while chunk := part.read(1 << 20):
                out.write(chunk)
        out.write(render_html.tail(view))


def _json_head(matcher: Matcher, view: render_html.View, top: int, lang: str,
               pair_count: int) -> dict[str, Any]:
    index = view.index
    return {
        "version": REPORT_FORMAT,
        "generator": f"soliris-match {__version__}",
        "model": view.model,
        "parameters": {"top": top, "lang": lang, "weights": asdict(matcher.weights)},
        "registry_hash": view.registry_hash,
        "created_at": view.created_at,
        "actor_count": len(index),
        "pair_count": pair_count,
        "overview": view.overview.to_dict(),
        "synergies": view.synergies,
        "clusters": _clusters_json(index, view.clustering, lang),
        "map": _map_json(view.layout),
        "gaps": _gaps_json(index, view.gaps),
        "history": _history_json(index, view.history, view.created),
    }


def _clusters_json(index: Index, clustering: Clustering, lang: str) -> dict[str, Any]:
    clusters = []
    for c in clustering.clusters:
        members: dict[str, list[str]] = {}
        for row in c.rows:
            members.setdefault(index.profiles[row].kind, []).append(index.profiles[row].id)
        clusters.append({"number": c.number, "name": c.name(lang),
                         "topics": [[thesaurus().concepts[t].key, thesaurus().label(t, lang), k]
                                    for t, k in c.topics],
                         "keywords": c.keywords, "size": c.size,
                         "themes": [[t, k] for t, k in c.themes],
                         "countries": [[code, k] for code, k in c.countries],
                         "members_by_kind": members})
    silhouette = None if clustering.silhouette is None else rounded(clustering.silhouette)
    return {"method": clustering.method, "silhouette": silhouette, "clusters": clusters}


def _map_json(layout: MapLayout) -> dict[str, Any]:
    return {"method": layout.method,
            "explained_variance": [rounded(v) for v in layout.explained],
            "note": "each actor's [x, y] is in actors[].map"}


def _gaps_json(index: Index, table: GapTable) -> dict[str, Any]:
    return {
        "kinds": table.kinds,
        "countries": [{"code": r.code, "counts": {k: r.counts[k] for k in table.kinds},
                       "total": r.total, "gaps": list(r.gaps)} for r in table.rows],
        "diaspora_without_commune": [
            {"id": index.profiles[a.row].id, "name": index.profiles[a.row].name,
             "countries": list(a.countries)} for a in table.diaspora_without_commune],
        "actors_without_country": table.without_country,
    }


def _history_json(index: Index, history: History, created: dict[str, str]) -> dict[str, Any]:
    return {
        "previous": None if history.previous is None else history.previous.to_dict(),
        "added": [{"id": index.profiles[r].id, "name": index.profiles[r].name,
                   "kind": index.profiles[r].kind, "created_at": created.get(index.profiles[r].id)}
                  for r in history.added],
        "removed": history.removed,
    }
