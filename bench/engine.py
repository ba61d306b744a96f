"""``python -m bench.engine`` (part of ``make bench``): import throughput, the embedding cache,
match latency at 1k / 10k / 100k profiles and peak memory.

1. **Import + embed** the 5,000 real IATI activity descriptions as actor profiles through
   :meth:`Matcher.import_bytes` into a fresh registry (``bench/results/engine-iati.db``), then
   re-import the same file as a new process would (a new :class:`Matcher` on the same registry:
   every text comes from the embedding cache). The issue asks for a speed-up of at least 20×.
2. **Match latency**, in-process with the model loaded, one subprocess per size (so that each
   size's peak memory is its own): :meth:`Matcher.match` p50 / p95 over about 100 queries
   (IATI activity texts cut to 600 characters), next to the raw cost of encoding one query.
   1k profiles are real embedded IATI profiles from the registry; 10k and 100k reuse the vectors
   of its first 5,000 at most (the whole registry after a full import), replicated with small
   random perturbations (cosine ≈ 0.99 to the original), and go through
   :func:`matcher.index.build_index` with a replaying encoder instead of embedding 100k texts.
   From 20,000 profiles the index uses its reduced first pass; the share of the exact top 10
   (first pass with the full vectors) that it returns is reported next to the latency.
3. **Where the time goes**: a line-level profile of :func:`matcher.ranking.rank` (and the
   helpers it calls) at the largest size.

``--quick`` runs a smoke version (1,000 profiles imported, sizes 1k and 10k, 20 queries).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import linecache
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import (
    Progress,
    fmt,
    fresh_db,
    iati_activities,
    iati_activity_profiles,
    iati_csv,
    log,
    markdown_table,
    memory_mb,
    percentile,
    profiles_jsonl,
    require_shared_file,
    results_dir,
    write_json,
)
from matcher.encoders import CachedEncoder, Encoder, load_encoder, normalise_rows
from matcher.engine import Matcher
from matcher.index import Index, build_index, passage_spans
from matcher.profile import ActorProfile
from matcher.ranking import Query, Weights
from matcher.settings import DEFAULT_MODEL, Settings
from matcher.store import Store

TARGET_P50_MS = 50.0  # match p50 at the largest size, in milliseconds
TARGET_REIMPORT_SPEEDUP = 20.0  # first import time / re-import time
REGISTRY = "engine-iati.db"  # under bench/results/


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python -m bench.engine``; ``--child`` and ``--line-profile`` are
    hidden: they run one size's latency in a subprocess (see :func:`_run_child`)."""
    parser = argparse.ArgumentParser(prog="python -m bench.engine",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fast smoke run")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"encoder ({DEFAULT_MODEL})")
    parser.add_argument("--sizes", help="registry sizes, comma-separated "
                        "(default 1000,10000,100000; quick: 1000,10000)")
    parser.add_argument("--queries", type=int, help="timed queries per size (100; quick: 20)")
    parser.add_argument("--threads", type=int, default=2,
                        help="encoder threads for the import (2, the SOLIRIS_THREADS default)")
    parser.add_argument("--latency-threads", default="2,1",
                        help="thread settings to measure latency with, comma-separated: N = "
                             "encoder threads N (SOLIRIS_THREADS) and OPENBLAS_NUM_THREADS=N "
                             "for numpy (default: 2,1)")
    parser.add_argument("--skip-import", action="store_true",
                        help="reuse bench/results/engine-iati.db instead of measuring the import")
    parser.add_argument("--profile-size", type=int,
                        help="size at which rank() is profiled line by line (default: largest)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also save the figures here")
    parser.add_argument("--child", type=int, metavar="SIZE", help=argparse.SUPPRESS)
    parser.add_argument("--line-profile", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the import (unless ``--skip-import`` finds the registry), then the latency of
    every size under every ``--latency-threads`` setting, each in a subprocess of its own, and
    print the markdown report on stdout (progress on stderr). With ``--child SIZE``: measure
    that one size in this process and print its figures as one JSON line. Returns the exit
    status: 1 when the registry holds fewer profiles than the first size (or than 1,000)."""
    args = build_parser().parse_args(argv)
    sizes = [int(s) for s in (args.sizes or ("1000,10000" if args.quick else
                                              "1000,10000,100000")).split(",")]
    queries = args.queries or (20 if args.quick else 100)
    if args.child is not None:
        print(json.dumps(latency_child(args.child, queries, args.model, args.threads,
                                       args.line_profile)))
        return 0

    require_shared_file(iati_csv(), "bench.engine")
    figures: dict[str, Any] = {"model": args.model, "sizes": sizes, "queries": queries}
    db = results_dir() / REGISTRY
    limit = 1000 if args.quick else None
    if args.skip_import and db.exists():
        log(f"reusing {db}")
    else:
        figures["import"] = import_benchmark(db, args.model, args.threads, limit)
    if Store(db).count() < min(sizes[0], 1000):
        print(f"error: {db} holds too few profiles for {sizes[0]}", file=sys.stderr)
        return 1

    profile_size = args.profile_size or max(sizes)
    settings = [int(b) for b in args.latency_threads.split(",") if b.strip()]
    figures["latency"] = []
    for threads in settings:
        for size in sizes:
            log(f"latency at {size:,} profiles, {threads} thread(s) (subprocess)")
            traced = size == profile_size and threads == min(settings)
            row = _run_child(size, queries, args, traced, threads)
            figures["latency"].append(row)

    print("# Soliris Match — engine benchmark\n")
    print(f"Model `{args.model}`, {args.threads} encoder threads, machine: {_machine()}.\n")
    if "import" in figures:
        print_import(figures["import"])
    print_latency(figures["latency"], queries)
    if args.json:
        write_json(args.json, figures)
        log(f"figures written to {args.json}")
    return 0


def _machine() -> str:
    """One line on the machine for the report: CPUs, RAM (from ``/proc/meminfo``; 0 without
    it), Python version and the current load average."""
    cpus = os.cpu_count() or 0
    mem = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpus} CPUs, {mem:.0f} GiB RAM, Python {sys.version.split()[0]}; load average "
            f"at the end {load} (other work on the machine slows every figure)")


def _run_child(size: int, queries: int, args: argparse.Namespace, line_profile: bool,
               threads: int) -> dict[str, Any]:
    """:func:`latency_child` for ``size`` in a subprocess (``--child``), so that its peak memory
    is its own, with ``threads`` encoder threads and as many BLAS / OpenMP threads (set through
    the environment); the row it printed as JSON on its last stdout line, plus ``threads``.
    A failed subprocess stops the benchmark (``SystemExit``)."""
    command = [sys.executable, "-m", "bench.engine", "--child", str(size), "--queries",
               str(queries), "--model", args.model, "--threads", str(threads)]
    if line_profile:
        command.append("--line-profile")
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the benchmark at {size} profiles failed (exit {done.returncode})")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["threads"] = threads
    return row


# -- 1. import throughput and the cache ---------------------------------------------------------


def import_benchmark(db: Path, model: str, threads: int, limit: int | None) -> dict[str, Any]:
    """Time the import of the IATI profiles (all, or the first ``limit``) into the fresh
    registry ``db``, then a re-import of the same JSONL by a new :class:`Matcher` (every text
    from the embedding cache), and profile a third. Returns the figures that
    :func:`print_import` prints: counts, seconds of each run, texts newly embedded, model load
    time (not counted in the runs), the speed-up and the re-import profile."""
    profiles = iati_activity_profiles(limit)
    data = profiles_jsonl(profiles)
    log(f"import: {len(profiles)} IATI profiles ({len(data) / 1e6:.1f} MB of JSONL)")
    started = time.perf_counter()
    encoder = load_encoder(model, threads)
    load_s = time.perf_counter() - started
    fresh_db(db)

    first = Matcher(Settings(db_path=db, model=model, threads=threads), encoder=encoder)
    started = time.perf_counter()
    summary = first.import_bytes(data, "jsonl", Progress("import: embedding"))
    first_s = time.perf_counter() - started
    passages = len(first.index().passage_texts)
    embedded = first.encoder.encoded_count

    log("import: re-import of the same file (new Matcher, warm cache)")
    again = Matcher(Settings(db_path=db, model=model, threads=threads), encoder=encoder)
    started = time.perf_counter()
    summary2 = again.import_bytes(data, "jsonl")
    second_s = time.perf_counter() - started
    log("import: profiling a third re-import")
    return {
        "reimport_profile": profile_reimport(db, model, threads, encoder, data),
        "profiles": len(profiles), "passages": passages, "model_load_s": load_s,
        "first": {"seconds": first_s, "embedded": embedded, "created": summary.created},
        "again": {"seconds": second_s, "embedded": again.encoder.encoded_count,
                  "unchanged": summary2.unchanged},
        "speedup": first_s / max(second_s, 1e-9),
    }


def profile_reimport(db: Path, model: str, threads: int, encoder: Any, data: bytes,
                     count: int = 10) -> list[dict[str, Any]]:
    """The ``count`` functions of :mod:`matcher` that take the most time (cumulative, under
    cProfile) in a re-import of ``data`` into ``db``: one dict per function with its name
    (``module.function``), calls, seconds and share of the re-import's time."""
    import cProfile
    import pstats

    matcher = Matcher(Settings(db_path=db, model=model, threads=threads), encoder=encoder)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(matcher.import_bytes, data, "jsonl")
    total = time.perf_counter() - started
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, _line, function), (_, calls, _, cumulative, _) in stats.items():
        if f"{os.sep}matcher{os.sep}" not in filename:
            continue
        rows.append({"function": f"{Path(filename).stem}.{function}", "calls": calls,
                     "seconds": cumulative, "share": cumulative / total})
    rows.sort(key=lambda r: -r["seconds"])
    return rows[:count]


def print_import(figures: dict[str, Any]) -> None:
    """Print (markdown) the import table of :func:`import_benchmark`'s figures, the re-import
    speed-up against :data:`TARGET_REIMPORT_SPEEDUP` and the re-import profile."""
    n, passages = figures["profiles"], figures["passages"]
    first, again = figures["first"], figures["again"]
    print(f"## Import + embed: {n:,} real IATI activity descriptions\n")
    print(markdown_table(
        ["run", "profiles", "passages", "newly embedded", "seconds", "profiles/s",
         "passages/s"],
        [["first import (fresh registry, cold cache)", f"{n:,}", f"{passages:,}",
          f"{first['embedded']:,}", f"{first['seconds']:.1f}", f"{n / first['seconds']:,.0f}",
          f"{passages / first['seconds']:,.0f}"],
         ["re-import of the same file (new process state)", f"{n:,}", f"{passages:,}",
          f"{again['embedded']:,}", f"{again['seconds']:.2f}", f"{n / again['seconds']:,.0f}",
          f"{passages / again['seconds']:,.0f}"]]))
    verdict = "met" if figures["speedup"] >= TARGET_REIMPORT_SPEEDUP else "**missed**"
    print(f"\nRe-import speed-up: **{figures['speedup']:.0f}×** (target ≥ "
          f"{TARGET_REIMPORT_SPEEDUP:.0f}×: {verdict}). Model load "
          f"{figures['model_load_s']:.1f} s, not counted.\n")
    if figures.get("reimport_profile"):
        print("Where a re-import spends its time (cProfile of a third re-import, cumulative "
              "time of `matcher` functions; profiling slows it down):\n")
        print(markdown_table(["function", "calls", "seconds", "share"],
                             [[f"`{r['function']}`", f"{r['calls']:,}", f"{r['seconds']:.2f}",
                               f"{r['share']:.0%}"] for r in figures["reimport_profile"]]))
        print()


# -- 2. latency per size (runs in a subprocess) ----------------------------------------------------


class FixedIndexMatcher(Matcher):
    """A :class:`Matcher` whose index is given (the 10k / 100k synthetic ones). ``index()``
    still asks the store for its state, as the real one does on every request."""

    def __init__(self, settings: Settings, encoder: Encoder, index: Index) -> None:
        super().__init__(settings, encoder=encoder)
        self._fixed = index

    def index(self, progress: Any = None) -> Index:
        """The given index, once the store's state has been read as a real request reads
        it (:meth:`Matcher.index`); ``progress`` is ignored."""
        with self._lock:
            self.store.state()
            return self._fixed


class ReplayEncoder:
    """Plays back known passage vectors, in order, with a small random perturbation for every
    copy after the first: stands in for embedding replicated profiles."""

    def __init__(self, name: str, vectors: np.ndarray, copies: np.ndarray, seed: int = 0,
                 noise: float = 0.15) -> None:
        self.name = name
        self.dim = int(vectors.shape[1])
        self._vectors = vectors
        self._copies = copies
        self._rng = np.random.default_rng(seed)
        self._sigma = noise / np.sqrt(self.dim)

    def encode(self, texts: Sequence[str], role: str = "passage",
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """The known vectors, in order: those with a copy number above 0 get Gaussian noise of
        norm about ``noise``, then every row is normalised. Only the number of ``texts`` is
        used (it must equal the number of vectors); ``role`` and ``progress`` are ignored."""
        if len(texts) != len(self._vectors):
            raise ValueError(f"replay of {len(self._vectors)} vectors asked for {len(texts)}")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        step = 65536
        for start in range(0, len(texts), step):
            block = self._vectors[start:start + step].astype(np.float32)
            noisy = self._copies[start:start + step] > 0
            block[noisy] += self._rng.normal(0.0, self._sigma, (int(noisy.sum()), self.dim)
                                             ).astype(np.float32)
            out[start:start + step] = normalise_rows(block)
        return out


def replicate_index(base: Index, size: int, seed: int = 0) -> Index:
    """An index of ``size`` profiles made of ``base``'s profiles and perturbed copies of them
    (ids ``<id>-cNN``), built by :func:`build_index` like a real one."""
    n = len(base)
    rows = np.arange(size) % n
    copies = np.arange(size) // n
    profiles: list[ActorProfile] = [
        base.profiles[r] if c == 0 else dataclasses.replace(base.profiles[r],
                                                            id=f"{base.profiles[r].id}-c{c:02d}")
        for r, c in zip(rows.tolist(), copies.tolist(), strict=True)]
    positions, lengths, _ = passage_spans(base.passage_start, rows)
    encoder = ReplayEncoder(base.model, base.passage_vectors[positions],
                            np.repeat(copies, lengths), seed)
    return build_index(profiles, encoder, words=base.words)  # type: ignore[arg-type]


def query_texts(count: int, seed: int = 11, max_chars: int = 600) -> list[str]:
    """Realistic initiative-sized queries: IATI activity texts cut to ``max_chars``."""
    texts = sorted({a.text for a in iati_activities() if len(a.text) >= 150})
    chosen = random.Random(seed).sample(texts, count)
    out = []
    for text in chosen:
        if len(text) > max_chars:
            text = text[:text.rfind(" ", 0, max_chars)]
        out.append(text)
    return out


def latency_child(size: int, count: int, model: str, threads: int, line_profile: bool
                  ) -> dict[str, Any]:
    """One size's latency row, measured in the ``--child`` subprocess: load the model, build
    an index of ``size`` profiles (the registry's, up to 5,000; beyond, replicated by
    :func:`replicate_index`), then time ``count`` queries after 5 warm-up ones. The row holds
    p50 / p95 in milliseconds of ``match``, ``encode``, ``text_query``, ``rank`` and the thread
    CPU time of ``match`` and ``rank``, memory in MiB, the index's size and build time, the
    first-pass agreement when the index has a reduced first pass, and the line profile of
    ``rank`` when ``line_profile``."""
    from matcher.ranking import Filters, rank

    db = results_dir() / REGISTRY
    encoder = load_encoder(model, threads)
    encoder.encode(["warm-up"], "query")
    after_model = memory_mb()
    store = Store(db)
    all_profiles = [a.profile for a in store.all()]
    base_n = min(size, len(all_profiles), 5000)
    started = time.perf_counter()
    base = build_index(all_profiles[:base_n], CachedEncoder(encoder, store))
    synthetic = size > base_n
    index = replicate_index(base, size) if synthetic else base
    build_s = time.perf_counter() - started
    del base
    after_index = memory_mb()
    matcher = FixedIndexMatcher(Settings(db_path=db, model=model, threads=threads), encoder,
                                index)
    texts = query_texts(count + 5)
    for text in texts[:5]:  # warm-up: caches, thread pools, first-call costs
        matcher.match(text, top=10)
    timings: dict[str, list[float]] = {"match": [], "encode": [], "text_query": [], "rank": [],
                                       "match_cpu": [], "rank_cpu": []}
    passages_per_query = []
    for text in texts[5:]:
        t0 = time.perf_counter()
        encoder.encode([text], "query")
        t1 = time.perf_counter()
        query = matcher.text_query(text)
        t2, c2 = time.perf_counter(), time.thread_time()
        rank(index, query, Filters(), 10, matcher.weights)
        t3, c3 = time.perf_counter(), time.thread_time()
        results = matcher.match(text, top=10)
        t4, c4 = time.perf_counter(), time.thread_time()
        assert len(results) == 10
        timings["encode"].append(t1 - t0)
        timings["text_query"].append(t2 - t1)
        timings["rank"].append(t3 - t2)
        timings["match"].append(t4 - t3)
        # CPU time of this thread alone: what the call costs without competing processes
        # (exact when BLAS runs in this thread, i.e. with 1 BLAS thread).
        timings["rank_cpu"].append(c3 - c2)
        timings["match_cpu"].append(c4 - c3)
        passages_per_query.append(len(query.passage_vectors))
    out: dict[str, Any] = {
        "size": size, "synthetic": synthetic, "base_profiles": base_n,
        "passages": int(index.passage_start[-1]), "build_s": build_s, "queries": count,
        "query_chars": float(np.mean([len(t) for t in texts[5:]])),
        "query_passages": float(np.mean(passages_per_query)),
        "mem_after_model_mb": after_model.get("rss"), "mem_after_index_mb":
            after_index.get("rss"), "index_mb": _index_mb(index),
    }
    for name, values in timings.items():
        out[f"{name}_p50_ms"] = percentile(values, 50) * 1000
        out[f"{name}_p95_ms"] = percentile(values, 95) * 1000
    if index.first_pass is not None:
        out.update(first_pass_agreement(index, [matcher.text_query(t) for t in texts[5:]],
                                        matcher.weights))
    if line_profile:
        queries = [matcher.text_query(t) for t in texts[5:5 + min(count, 30)]]
        out["line_profile"] = profile_rank(index, queries, matcher.weights)
    out["peak_mb"] = memory_mb().get("peak")
    out["load_average"] = os.getloadavg()[0]
    return out


def first_pass_agreement(index: Index, queries: list[Query], weights: Weights, top: int = 10
                         ) -> dict[str, Any]:
    """How much the reduced first pass changes the results: the mean share of the exact top
    results (full vectors for everybody) that the reduced pass also returns, the share of
    queries whose top is identical, and the first pass's number of dimensions."""
    from matcher.ranking import Filters, rank

    exact_index = copy.copy(index)
    exact_index.first_pass = None
    shares = []
    for query in queries:
        reduced = {m.profile.id for m in rank(index, query, Filters(), top, weights)}
        exact = [m.profile.id for m in rank(exact_index, query, Filters(), top, weights)]
        shares.append(len(reduced.intersection(exact)) / max(len(exact), 1))
    return {"first_pass_dims": int(index.first_pass.vectors.shape[1]),
            "first_pass_agreement": float(np.mean(shares)),
            "first_pass_identical": float(np.mean([s == 1.0 for s in shares]))}


def _index_mb(index: Index) -> float:
    """MiB held by the index's numpy arrays (its attributes and the per-country rows)."""
    arrays = [v for v in vars(index).values() if isinstance(v, np.ndarray)]
    arrays += [v for v in index.country_rows.values()]
    return sum(a.nbytes for a in arrays) / 2**20


# -- 3. where the time goes in rank() ------------------------------------------------------------


def profile_rank(index: Index, queries: list[Query], weights: Weights, top: int = 10
                 ) -> list[dict[str, Any]]:
    """Per-line CPU time (this thread's, so other processes do not blur it) of
    :mod:`matcher.ranking` functions during ``rank``, inclusive of the calls made on the line,
    averaged per query; the tracer adds about 1 µs per line event. Two untraced warm-up
    calls come first. Returns the 25 costliest lines (function, line number, source, ms per
    query, share of the traced ``rank`` time)."""
    from matcher import ranking

    targets = {obj.__code__ for obj in vars(ranking).values()
               if callable(obj) and getattr(obj, "__module__", "") == ranking.__name__
               and hasattr(obj, "__code__")}
    spent: dict[tuple[str, int, str], float] = {}
    last: dict[int, tuple[tuple[str, int, str], float]] = {}

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        """The ``sys.settrace`` hook: charges the time since a frame's previous event to the
        line that event was on."""
        if frame.f_code not in targets:
            return None
        key = id(frame)
        now = time.thread_time()
        if key in last:
            where, since = last[key]
            spent[where] = spent.get(where, 0.0) + now - since
        if event == "return":
            last.pop(key, None)
        else:
            where = (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)
            last[key] = (where, time.thread_time())
        return tracer

    for query in queries[:2]:
        ranking.rank(index, query, ranking.Filters(), top, weights)
    started = time.thread_time()
    sys.settrace(tracer)
    try:
        for query in queries:
            ranking.rank(index, query, ranking.Filters(), top, weights)
    finally:
        sys.settrace(None)
    total = (time.thread_time() - started) / len(queries)
    rows = []
    for (filename, line, function), seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        rows.append({"function": function, "line": line,
                     "source": linecache.getline(filename, line).strip(),
                     "ms_per_query": seconds / len(queries) * 1000,
                     "share_of_traced_rank": seconds / len(queries) / total})
    return rows[:25]


def print_latency(rows: list[dict[str, Any]], queries: int) -> None:
    """Print (markdown) the latency table of the :func:`latency_child` rows, the verdict on
    :data:`TARGET_P50_MS` at the largest size, the first-pass agreement, notes on the columns
    and the line profile of ``rank`` where one was taken."""
    print(f"## Match latency (in-process, model loaded, {queries} queries per size)\n")
    first = rows[0]
    print(f"Queries: IATI activity texts cut to 600 characters (mean {first['query_chars']:.0f} "
          f"characters, {first['query_passages']:.1f} passages each); `top=10`, no filters. "
          "`encode 1 query` = the encoder alone on the query text; `Matcher.match` adds "
          "passage splitting and embedding, place detection, the registry state check and "
          "`rank`.\n")
    table = []
    for row in rows:
        origin = (f"synthetic: {row['base_profiles']:,} real × perturbed copies"
                  if row["synthetic"] else "real IATI profiles")
        table.append([
            f"{row['size']:,}", str(row.get("threads", "")), origin, f"{row['passages']:,}",
            f"{row['match_p50_ms']:.1f}", f"{row['match_p95_ms']:.1f}",
            f"{row['encode_p50_ms']:.1f}",
            f"{row['match_p50_ms'] / row['encode_p50_ms']:.1f}×",
            f"{row['text_query_p50_ms']:.1f}", f"{row['rank_p50_ms']:.1f}",
            f"{row['match_cpu_p50_ms']:.1f}", f"{row['rank_cpu_p50_ms']:.1f}",
            f"{row['index_mb']:,.0f}", f"{row['mem_after_index_mb']:,.0f}",
            f"{row['peak_mb']:,.0f}", f"{row.get('load_average', float('nan')):.1f}"])
    print(markdown_table(
        ["profiles", "threads", "index built from", "passages", "match p50 ms", "match p95 ms",
         "encode 1 query p50 ms", "match / encode", "text_query p50 ms", "rank p50 ms",
         "match CPU p50 ms", "rank CPU p50 ms",
         "index arrays MiB", "RSS MiB", "peak RSS MiB", "load avg"], table,
        align="lllrrrrrrrrrrrrr"))
    biggest = max(row["size"] for row in rows)
    for row in rows:
        if row["size"] != biggest:
            continue
        verdict = "met" if row["match_p50_ms"] < TARGET_P50_MS else "**missed**"
        print(f"- p50 at {biggest:,} profiles, {row.get('threads')} thread(s): "
              f"**{row['match_p50_ms']:.1f} ms** (target < {TARGET_P50_MS:.0f} ms: {verdict})")
    for row in rows:
        if "first_pass_agreement" in row:
            print(f"- reduced first pass at {row['size']:,} profiles ({row.get('threads')} "
                  f"thread(s), {row['first_pass_dims']} dimensions): "
                  f"{row['first_pass_agreement']:.1%} of the exact top 10 returned, identical "
                  f"top 10 for {row['first_pass_identical']:.0%} of the queries")
    print(f"\nRSS = resident memory once the index is built, model included "
          f"({rows[-1]['mem_after_model_mb']:,.0f} MiB with the model alone); peak RSS includes "
          "building the index (synthetic sizes: the replayed vectors too). `load avg` = the "
          "machine's 1-minute load when the size finished (2 CPUs: above 2, other processes "
          "compete for them). `threads` = encoder threads (`SOLIRIS_THREADS`) and OpenBLAS "
          "threads for numpy. `CPU` = CPU time of the calling thread (`time.thread_time`): with "
          "1 thread, what the call costs without competing processes; with 2, it leaves out the "
          "BLAS worker's share but counts the caller's spin-waiting for it.\n")
    for row in rows:
        if row.get("line_profile"):
            print(f"### Where `rank` spends its time at {row['size']:,} profiles ("
                  f"{row.get('threads')} thread(s))\n")
            print("Line-level trace of `matcher.ranking`: CPU time of the calling thread, "
                  "inclusive of the calls made on a line, mean per query over up to 30 "
                  "queries:\n")
            print(markdown_table(
                ["function", "line", "source", "ms / query", "share"],
                [[f"`{r['function']}`", str(r["line"]), f"`{r['source'][:70]}`",
                  fmt(r["ms_per_query"], 2), f"{r['share_of_traced_rank']:.0%}"]
                 for r in row["line_profile"][:12]], align="lrlrr"))
            print()


if __name__ == "__main__":
    sys.exit(main())
