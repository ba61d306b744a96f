"""Benchmark of the batch report (``soliris report``): time and peak memory for 1,000, 10,000
and 100,000 profiles built from the real IATI activity texts.

    python -m bench.report                      # 1000, 10000 and 100000 profiles
    python -m bench.report --sizes 1000,10000   # a subset

Profiles: the 4,953 IATI activities that have a text become one profile each (title as
name, sectors as themes, description, recipient country); beyond that, synthetic profiles
recombine them (name and themes of one activity, description of another, offers and needs
from a third and fourth, their countries). Texts are reused, so the embedding cache holds
them once. Kinds follow a fixed pattern (NGOs, associations, diaspora groups, communes...).

Each size runs in fresh subprocesses so that peak memory is measured per size:

1. ``prepare``: the registry ``bench/results/report-N.db`` is filled and every text embedded
   (USE, through the engine's cache). This *first embedding* is timed apart and remembered in
   ``bench/results/report-N.embed.json``; later runs reuse the cached vectors.
2. ``run``: the index is loaded from the cache, then ``write_report`` runs (time and peak
   RSS of that step alone, measured by resetting the kernel's high-water mark).

100,000 profiles: embedding 100,000 profiles' texts with USE would take hours on 2 cores, so
that index is built directly from the 10,000-profile registry's cached vectors with small
random perturbations (noise of norm 0.15 on unit vectors, then renormalised); the output says
so. The report itself runs unchanged on it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # imported where used: the parent process stays light
    from matcher.encoders import CachedEncoder
    from matcher.engine import Matcher
    from matcher.index import Index
    from matcher.profile import ActorProfile

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_SIZES = (1_000, 10_000, 100_000)
EMBEDDED_MAX = 10_000  # larger sizes borrow this registry's vectors
NOISE_NORM = 0.15  # norm of the noise added to unit vectors above EMBEDDED_MAX
KIND_PATTERN = ("ngo", "association", "diaspora", "ngo", "commune", "association",
                "diaspora", "ngo", "advisory_council", "expert", "ngo", "association",
                "diaspora", "regional_body", "ngo", "other", "association", "diaspora", "ngo",
                "commune")
TARGET_10K_S = 120.0  # seconds for the report of 10,000 embedded profiles


# -- profiles from IATI ---------------------------------------------------------------------

@dataclass(frozen=True)
class Activity:
    """What a profile takes from one IATI activity: cleaned title and description, recipient
    country codes (ISO, known to the gazetteer), up to 3 sectors and the two-letter default
    language (empty when the export has none)."""

    title: str
    description: str
    countries: tuple[str, ...]
    sectors: tuple[str, ...]
    language: str


def _clean(text: str) -> str:
    """``text`` on one line, whitespace collapsed and U+FFFD replacement characters turned into
    spaces."""
    return " ".join(text.replace("\ufffd", " ").split())


def load_activities(path: Path | None = None) -> list[Activity]:
    """IATI activities of ``path`` (default: the shared sample) with a title or description
    (the export mixes UTF-8 and cp1252); the title stands in for a description without words,
    and the first 80 characters of the description for a missing title."""
    from bench.common import iati_csv
    from matcher.evaluation.realdata import decode_mixed
    from matcher.places import gazetteer
    from matcher.profile import has_words
    from matcher.settings import MAX_TEXT_CHARS

    text = decode_mixed((path or iati_csv()).read_bytes())
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        title = _clean(row.get("title") or "")
        description = _clean(row.get("description") or "")
        if not has_words(description):  # one is "-----": the title then
            description = title
        if not has_words(description):
            continue
        codes = []
        for code in (row.get("recipient.country.code") or "").split(";"):
            found = gazetteer().country_code(code.strip()) if code.strip() else None
            if found and found not in codes:
                codes.append(found)
        sectors = []
        for sector in (row.get("sector") or "").split(";"):
            sector = _clean(sector)
            if sector and len(sector) <= 80 and sector not in sectors:
                sectors.append(sector)
        language = (row.get("default.language") or "").strip().lower()
        out.append(Activity(title[:199] or description[:80], description[:MAX_TEXT_CHARS],
                            tuple(codes), tuple(sectors[:3]),
                            language if len(language) == 2 else ""))
    return out


def profile_records(count: int, activities: Sequence[Activity]) -> list[dict[str, Any]]:
    """``count`` profile records (dicts for :func:`validate_record`, ids ``bench-000000``):
    the activities themselves first, then recombinations (name, themes and language of one
    activity, description of another, countries of both); every third record also has offers,
    one in four needs, taken from neighbouring activities."""
    base = len(activities)
    records = []
    for i in range(count):
        if i < base:
            a = b = i
        else:
            a = (i * 7919) % base
            b = (i * 104_729 + 13) % base
            if b == a:
                b = (b + 1) % base
        head, body = activities[a], activities[b]
        countries = list(dict.fromkeys(head.countries + body.countries))
        record: dict[str, Any] = {
            "id": f"bench-{i:06d}", "name": head.title, "kind": KIND_PATTERN[i % 20],
            "description": body.description, "countries": countries,
            "themes": list(head.sectors),
            "languages": [head.language] if head.language else [],
        }
        if i % 3 == 0:
            record["offers"] = activities[(a + 1) % base].description
        if i % 4 == 1:
            record["needs"] = activities[(a + 2) % base].description
        records.append(record)
    return records


def profiles(count: int) -> list[ActorProfile]:
    """``count`` validated profiles from :func:`profile_records` over the IATI sample."""
    from matcher.profile import validate_record

    return [validate_record(r) for r in profile_records(count, load_activities())]


# -- measurements ---------------------------------------------------------------------------

def rss_mib(field: str = "VmRSS") -> float:
    """The ``field`` of ``/proc/self/status`` in MiB (``VmRSS``: resident now, ``VmHWM``: the
    peak); the process's peak from ``getrusage`` when the field is not there."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so the next step's peak is its own; False
    where the kernel does not allow it (then the step's peak is not known)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def db_path(size: int) -> Path:
    """The registry of the ``size``-profile benchmark: ``bench/results/report-<size>.db``."""
    return RESULTS / f"report-{size}.db"


def _matcher(path: Path) -> Matcher:
    """An engine on the registry ``path``, with the environment's other settings."""
    from matcher.engine import Matcher
    from matcher.settings import Settings

    return Matcher(Settings.from_env().with_(db_path=path))


def child_prepare(size: int) -> dict[str, Any]:
    """Fill the registry of ``size`` profiles; embed (timed) what the cache lacks, and record
    a first embedding in ``report-<size>.embed.json``. Above :data:`EMBEDDED_MAX` the profiles
    are only stored (their vectors are borrowed at run time). Returns the timings as a dict."""
    from matcher.progress import ProgressBar

    RESULTS.mkdir(parents=True, exist_ok=True)
    records = profiles(size)
    matcher = _matcher(db_path(size))
    if size > EMBEDDED_MAX:
        started = time.perf_counter()
        summary = matcher.store.upsert(records)  # vectors: see build_perturbed_index
        return {"stored_s": time.perf_counter() - started, "created": summary.created}
    started = time.perf_counter()
    matcher.upsert(records, ProgressBar(f"embedding {size:,} profiles"))
    matcher.index()  # whatever a registry cached by an older version lacks (new kinds of text)
    seconds = time.perf_counter() - started
    encoded = matcher.encoder.encoded_count
    memo = RESULTS / f"report-{size}.embed.json"
    if encoded:
        texts = len(matcher.index().passage_texts)
        memo.write_text(json.dumps({"seconds": seconds, "encoded": encoded, "passages": texts,
                                    "model": matcher.model_name,
                                    "date": time.strftime("%Y-%m-%d")}), encoding="utf-8")
    return {"seconds": seconds, "encoded": encoded}


class PerturbedVectors:
    """Stands in for the cached encoder when building the 100,000-profile index: each text's
    vector comes from the 10,000-profile registry's cache, plus small random noise (a fresh
    draw per occurrence, so that reused texts do not give identical actors)."""

    def __init__(self, source: CachedEncoder, seed: int = 0) -> None:
        self.source = source  # a CachedEncoder over the 10,000-profile registry
        self.name = source.name
        self.dim = source.dim
        self.rng = np.random.default_rng(seed)

    def encode(self, texts: Sequence[str], role: str = "passage",
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """One unit row per text: its cached vector plus Gaussian noise of norm about
        :data:`NOISE_NORM`, renormalised; a text missing from the cache is encoded first.
        ``progress`` is ignored."""
        from matcher.encoders import normalise_rows, text_key

        keys = [text_key(t, role) for t in texts]  # type: ignore[arg-type]
        found = self.source.store.cached_vectors(self.name, sorted(set(keys)))
        missing = [t for t, k in zip(texts, keys, strict=True) if k not in found]
        if missing:  # not expected: every text comes from the embedded registry
            found.update(zip([text_key(t, role) for t in missing],  # type: ignore[arg-type]
                             self.source.encode(missing, role), strict=True))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        sigma = NOISE_NORM / np.sqrt(self.dim)
        for start in range(0, len(texts), 50_000):
            part = keys[start:start + 50_000]
            block = np.vstack([found[k] for k in part])
            block += self.rng.normal(0.0, sigma, block.shape).astype(np.float32)
            out[start:start + len(part)] = normalise_rows(block)
        return out


def build_perturbed_index(matcher: Matcher) -> Index:
    """The index of every profile in ``matcher``'s registry, its vectors taken from the
    :data:`EMBEDDED_MAX` registry's cache with noise (:class:`PerturbedVectors`)."""
    from matcher.encoders import CachedEncoder
    from matcher.index import build_index

    source = _matcher(db_path(EMBEDDED_MAX))
    encoder = PerturbedVectors(CachedEncoder(source.encoder.encoder, source.store))
    return build_index([a.profile for a in matcher.store.all()], encoder)  # type: ignore


def _cpu_s() -> float:
    """CPU seconds of this process and its (finished) worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child_run(size: int, top: int, out_dir: Path, workers: int) -> dict[str, Any]:
    """Load the index (from the cache, or perturbed above :data:`EMBEDDED_MAX`), then time
    ``write_report`` into ``out_dir`` with ``workers`` processes, and its own peak RSS. Returns
    the row for :func:`table`: seconds, CPU seconds, load average, memory in MiB, number of
    pairs and the size of each output file in MiB. Stops if the registry is not embedded."""
    from matcher.progress import ProgressBar
    from matcher.report import write_report

    matcher = _matcher(db_path(size))
    started = time.perf_counter()
    if size > EMBEDDED_MAX:
        index = build_perturbed_index(matcher)
        matcher.index = lambda progress=None: index  # the report uses this index as is
        index_note = "built from the 10k vectors + noise"
    else:
        index = matcher.index()
        index_note = "from the embedding cache"
        if matcher.encoder.encoded_count:
            raise SystemExit("the registry was not fully embedded; run prepare first")
    index_s = time.perf_counter() - started
    baseline = rss_mib()
    peak_reset = reset_peak()
    cpu = _cpu_s()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    result = write_report(matcher, out_dir, top=top, lang="fr",
                          progress=ProgressBar(f"report {size:,}"), workers=workers)
    report_s = time.perf_counter() - started
    cpu = _cpu_s() - cpu
    load = max(load, os.getloadavg()[0])
    peak = rss_mib("VmHWM") if peak_reset else float("nan")
    return {"size": size, "index_s": index_s, "index_note": index_note,
            "passages": len(index.passage_texts), "report_s": report_s, "report_cpu_s": cpu,
            "workers": workers, "load": load,
            "rss_before_mib": baseline, "report_peak_mib": peak,
            "process_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "pairs": result.pair_count,
            "files_mib": {p.name: p.stat().st_size / 2**20 for p in result.paths}}


# -- driver ---------------------------------------------------------------------------------

def _child(args: list[str]) -> dict[str, Any]:
    """Run ``python -m bench.report <args>`` (one step) in a subprocess and return the JSON of
    its last stdout line; a failed step stops the benchmark (``SystemExit``)."""
    command = [sys.executable, "-m", "bench.report", *args]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench.report: {' '.join(args)} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _first_embedding(size: int) -> str:
    """The table cell on the first embedding of ``size`` profiles, from its memo file: seconds,
    texts and date; ``?`` without a memo."""
    if size > EMBEDDED_MAX:
        return "none (perturbed 10k vectors)"
    memo = RESULTS / f"report-{size}.embed.json"
    if not memo.exists():
        return "?"
    data = json.loads(memo.read_text(encoding="utf-8"))
    return f"{data['seconds']:.0f} s ({data['encoded']:,} texts, {data['date']})"


def run(sizes: Sequence[int], top: int, workers: int) -> list[dict[str, Any]]:
    """Prepare every size's registry (and the :data:`EMBEDDED_MAX` one when a larger size
    borrows its vectors), then run the report for each size, each step in a subprocess of its
    own; one row per size (see :func:`child_run`), with its first embedding."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    todo = sorted(set(sizes) | ({EMBEDDED_MAX} if max(sizes) > EMBEDDED_MAX else set()))
    for size in todo:
        print(f"== {size:,} profiles: registry and embeddings", file=sys.stderr)
        _child(["prepare", str(size)])
    for size in sorted(set(sizes)):
        print(f"== {size:,} profiles: report", file=sys.stderr)
        out = RESULTS / f"report-{size}"
        row = _child(["run", str(size), "--top", str(top), "--out", str(out), "--workers",
                      str(workers)])
        row["first_embedding"] = _first_embedding(size)
        rows.append(row)
    return rows


def table(rows: Sequence[dict[str, Any]], top: int, workers: int) -> str:
    """The markdown report: a title line, the table of ``rows``, the verdict on
    :data:`TARGET_10K_S` and notes on the columns."""
    lines = [
        f"Batch report benchmark (top {top}, lang fr, {workers} worker process(es); "
        f"{os.cpu_count()} CPU(s))",
        "",
        "| profiles | passages | first embedding (once) | index load | report (wall) | "
        "report CPU | load avg | report peak RSS | process peak RSS | "
        "report.html / pairs.csv / report.json |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        files = " / ".join(f"{r['files_mib'][n]:.1f}" for n in ("report.html", "pairs.csv",
                                                                  "report.json"))
        lines.append(
            f"| {r['size']:,} | {r['passages']:,} | {r['first_embedding']} | "
            f"{r['index_s']:.1f} s ({r['index_note']}) | {r['report_s']:.1f} s | "
            f"{r['report_cpu_s']:.1f} s | {r['load']:.1f} | {r['report_peak_mib']:,.0f} MiB | "
            f"{r['process_peak_mib']:,.0f} MiB | "
            f"{files} MiB |")
    for r in rows:
        if r["size"] == 10_000:
            verdict = "met" if r["report_s"] < TARGET_10K_S else "NOT met"
            lines.append(f"\nTarget (10,000 profiles in under {TARGET_10K_S:.0f} s once "
                         f"embedded): {verdict} ({r['report_s']:.1f} s).")
    if any(r["size"] > EMBEDDED_MAX for r in rows):
        lines.append(f"\nSizes above {EMBEDDED_MAX:,}: the index is built from the "
                     f"{EMBEDDED_MAX:,}-profile registry's cached vectors with random noise "
                     f"(norm {NOISE_NORM}), not embedded with USE (too slow on this machine).")
    lines.append("Report peak RSS: the main process's high-water mark during write_report only "
                 "(the index is already in memory; each forked worker shares it copy-on-write); "
                 "process peak includes loading the index. CPU: main process plus workers. "
                 "Load avg: the 1-minute load of the machine (other jobs make wall time longer "
                 "than CPU time / workers).")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark for ``--sizes``, print the table and save it to
    ``bench/results/report-bench.md`` (rows in ``report-bench.json``). Called with a step
    (``prepare N`` or ``run N``), run that step in this process and print its JSON instead.
    Returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="comma-separated profile counts (default 1000,10000,100000)")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2,
                        help="processes ranking the actors (default 2, one per core here)")
    parser.add_argument("child", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # internal: one step in its own process, JSON on the last stdout line
        step, size = args.child[0], int(args.child[1])
        data = (child_prepare(size) if step == "prepare"
                else child_run(size, args.top, args.out, args.workers))
        print(json.dumps(data))
        return 0
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: expected numbers such as 1000,10000, got {args.sizes!r}")
    if not sizes or min(sizes) < 2:
        parser.error("--sizes: each size must be at least 2")
    from bench.common import iati_csv, require_shared_file  # the parent stays light

    require_shared_file(iati_csv(), "bench.report")
    rows = run(sizes, args.top, args.workers)
    text = table(rows, args.top, args.workers)
    print(text)
    (RESULTS / "report-bench.md").write_text(text + "\n", encoding="utf-8")
    (RESULTS / "report-bench.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
