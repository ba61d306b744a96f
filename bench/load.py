"""Load benchmark of the HTTP service: ``python -m bench.load [--seconds 30]``.

For two registries, the sample data (``data/actors.sample.jsonl``) and 10,000 synthetic
profiles built from real IATI activity descriptions (``shared/data/iati-activities-sample-ips``),
it measures:

* the **engine in-process**: :meth:`Matcher.match` called in a loop in this process, one after
  the other;
* the **service**: ``uvicorn service.app:create_app --factory`` started on 127.0.0.1 in its own
  process, with 20 concurrent clients (keep-alive connections, a lean HTTP/1.1 client so that
  the load generator takes little CPU from the service) calling ``POST /api/match``;

each for ``--seconds`` in all (30 by default), in alternating slices (``--rounds``) so that
other work on the machine weighs on both alike.

It prints requests/s, p50 and p99 latency, errors, and the ratio of service throughput to
in-process engine throughput (how little the HTTP layer costs). Registries and their embedding
cache live in ``bench/results/`` (git-ignored): the first run embeds the 10,000 profiles (a few
minutes), later runs reuse them. Results are also written to ``bench/results/load.json``.
Everything stays on the loopback interface; every request loop is bounded by time and count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench.common import RESULTS, ROOT, SAMPLE, iati_csv, require_shared_file
from matcher import __version__
from matcher.encoders import Encoder, load_encoder
from matcher.engine import Matcher
from matcher.errors import ValidationError
from matcher.places import gazetteer
from matcher.profile import KINDS, ActorProfile, validate_record
from matcher.progress import ProgressBar
from matcher.settings import Settings
from service.app import limit_blas_threads, service_settings

FALLBACK_SAMPLE = ROOT / "tests" / "service" / "actors.jsonl"
LOOPBACK = "127.0.0.1"
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a bound on every loop, far above what 30 s allows

# Initiative-sized requests in French, Dutch and English, asked in turn by every loop.
QUERIES = [
    "Nous voulons améliorer l'accès à l'eau potable à Kintambo (Kinshasa) avec une commune "
    "bruxelloise et la diaspora congolaise.",
    "Projet de formation professionnelle des jeunes à Mbour, au Sénégal, avec une association "
    "de la diaspora sénégalaise.",
    "Wij zoeken partners voor een project rond afvalbeheer en lokaal bestuur in Marokko.",
    "Modernisation de l'état civil et numérisation des registres en République démocratique "
    "du Congo.",
    "We want to support women's cooperatives and fair trade in Peru and Ecuador.",
    "Appui aux agriculteurs et à la sécurité alimentaire au Burkina Faso et au Mali.",
    "Een uitwisseling tussen scholen in Brussel en Rwanda over klimaat en duurzaamheid.",
    "Health centre equipment and training of nurses in rural Burundi.",
    "Soutien aux petites entreprises et au microcrédit pour les femmes en Guinée.",
    "Culturele festivals en sensibilisering over internationale solidariteit in Brussel.",
    "Emergency food assistance and resilience for displaced families in Syria and Lebanon.",
    "Renforcement des capacités des communes partenaires au Bénin en gestion des déchets.",
    "Drinkwater en sanitatie in dorpen in het Rifgebergte met de Marokkaanse diaspora.",
    "HIV prevention and community health workers in Kenya and Tanzania.",
    "Protection de l'environnement et reboisement à Madagascar avec des ONG locales.",
    "Digital skills and coding workshops for young people in Palestine.",
]


# -- registries ---------------------------------------------------------------------------
def sample_bytes() -> tuple[bytes, str]:
    """The sample registry's JSONL bytes and its path relative to the repository (the test
    fixture ``tests/service/actors.jsonl`` when ``data/actors.sample.jsonl`` is missing)."""
    path = SAMPLE if SAMPLE.exists() else FALLBACK_SAMPLE
    return path.read_bytes(), str(path.relative_to(ROOT))


def find_iati() -> Path:
    """The IATI sample under ``SOLIRIS_SHARED_DIR`` (default ``../shared``, next to the
    repository), where ``bench.engine``, ``bench.report`` and ``bench.eval`` read it too.
    Stops with a message (``SystemExit``) naming the path when it is not there."""
    return require_shared_file(iati_csv(), "bench.load")


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _clean(text: str | None) -> str:
    """``text`` on one line, whitespace collapsed and U+FFFD replacement characters dropped."""
    return " ".join((text or "").replace("\ufffd", "").split())


def _clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters: after the last full sentence when that
    keeps more than half, else at the last space."""
    if len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit)
    return text[: cut + 1] if cut > limit // 2 else text[:limit].rsplit(" ", 1)[0]


def synthetic_profiles(count: int, seed: int = 7) -> list[ActorProfile]:
    """``count`` valid profiles from the IATI activities: each activity's title and description,
    then variants that mix a description with another activity's sentences, countries and kind,
    until there are enough."""
    path = find_iati()
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if _clean(r.get("title"))]
    places = gazetteer()
    rng = random.Random(seed)
    activities = []
    for row in rows:
        title = _clean(row.get("title"))
        description = _clean(row.get("description")) or title
        sectors = [s for s in (_clean(x) for x in (row.get("sector") or "").split(";")) if s]
        countries = [c for c in (row.get("recipient.country.code") or "").split(";")
                     if c and places.country_code(c)]
        org = _clean(row.get("participating.org..Implementing.") or row.get("reporting.org"))
        activities.append((title, description, sectors, countries, org.split(";")[0]))
    profiles: list[ActorProfile] = []
    variant = 0
    while len(profiles) < count:
        for i, (title, description, sectors, countries, org) in enumerate(activities):
            if len(profiles) >= count:
                break
            if variant == 0:
                name, text, kind = title, description, KINDS[i % len(KINDS)]
                where, themes = countries, sectors
            else:
                other = activities[rng.randrange(len(activities))]
                sentences = _SENTENCE.split(description)
                rng.shuffle(sentences)
                extra = _SENTENCE.split(other[1])[0]
                name = f"{org or title} ({variant + 1})"
                text = " ".join(sentences + [extra])
                kind = KINDS[(i + 3 * variant) % len(KINDS)]
                where = sorted(set(countries) | set(other[3][:1]))
                themes = sorted(set(sectors) | set(other[2][:1]))
            record = {
                "id": f"iati-{i:05d}-{variant}", "name": _clip(name, 200) or f"Actor {i}",
                "kind": kind, "description": _clip(text, 2000),
                "countries": where[:10], "themes": [t[:80] for t in themes[:5]],
            }
            try:
                profiles.append(validate_record(record))
            except ValidationError:
                continue
        variant += 1
        if variant > 10:
            break
    return profiles[:count]


def prepare(name: str, encoder: Encoder, profiles: int) -> tuple[Path, int, str]:
    """The registry database for ``name`` ('sample' or 'large'), embedded and cached under
    ``bench/results/load-<name>.db``: the sample is imported (only what changed is embedded),
    the large one rebuilt from ``profiles`` synthetic profiles unless it already holds that
    many. Returns the database, its number of actors and a description of its source."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    db = RESULTS / f"load-{name}.db"
    matcher = Matcher(Settings(db_path=db), encoder=encoder)
    if name == "sample":
        data, source = sample_bytes()
        summary = matcher.import_bytes(data, "jsonl", ProgressBar("embedding sample"))
        if summary.created or summary.updated:
            print(f"  sample registry: {summary.created} created, {summary.updated} updated",
                  file=sys.stderr)
        return db, matcher.store.count(), source
    if matcher.store.count() != profiles:
        started = time.perf_counter()
        print(f"  building {profiles} synthetic profiles from the IATI sample "
              f"(embedded once, cached in {db})", file=sys.stderr)
        built = synthetic_profiles(profiles)
        with matcher.store.transaction(actors_changed=True) as db_:
            db_.execute("DELETE FROM actors")  # the embedding cache stays
        matcher.upsert(built, ProgressBar(f"embedding {len(built)} profiles"))
        print(f"  embedded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    else:
        matcher.index(ProgressBar("loading"))
    return db, matcher.store.count(), "IATI activities sample (synthetic)"


# -- measurements -------------------------------------------------------------------------
@dataclass
class Run:
    """One measured mode on one registry: a row of the table and of ``load.json``. Latencies
    are in milliseconds, ``rps`` in requests per second; ``requests`` counts the successful
    ones only."""

    registry: str
    actors: int
    mode: str
    clients: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # CPU time per request of the process doing the work (all its threads)


def summarise(registry: str, actors: int, mode: str, clients: int, latencies: list[float],
              errors: int, seconds: float, cpu: float) -> Run:
    """The :class:`Run` of ``latencies`` (seconds, successful requests only) measured over
    ``seconds`` of wall time with ``cpu`` seconds of CPU: p50 and p99 by nearest rank (NaN
    without any request), requests/s and CPU milliseconds per request, rounded."""
    ordered = sorted(latencies) or [float("nan")]

    def pct(q: float) -> float:
        """The ``q`` quantile (0 to 1) of the latencies, nearest rank, in milliseconds."""
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return Run(registry, actors, mode, clients, len(latencies), errors, round(seconds, 2),
               round(len(latencies) / seconds, 2) if seconds else 0.0,
               round(pct(0.50), 1), round(pct(0.99), 1),
               round(cpu / len(latencies) * 1000, 1) if latencies else float("nan"))


def engine_loop(matcher: Matcher, seconds: float, top: int, offset: int = 0
                ) -> tuple[list[float], int]:
    """``Matcher.match`` called in a loop for ``seconds``, cycling through :data:`QUERIES`
    from ``offset``: the latencies (seconds) of the calls that succeeded and the number of
    those that raised."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    for i in range(offset, offset + MAX_REQUESTS_PER_CLIENT):
        if time.perf_counter() >= deadline:
            break
        started = time.perf_counter()
        try:
            matcher.match(QUERIES[i % len(QUERIES)], top=top)
        except Exception:  # counted, the loop goes on
            errors += 1
            continue
        latencies.append(time.perf_counter() - started)
    return latencies, errors


def free_port() -> int:
    """A TCP port that is free on the loopback interface now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


class ServiceProcess:
    """``uvicorn service.app:create_app --factory`` on the loopback interface, started as a
    subprocess on construction with ``SOLIRIS_DB`` and ``SOLIRIS_THREADS`` set, offline."""

    def __init__(self, db: Path, threads: int) -> None:
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        env = {**os.environ, "SOLIRIS_DB": str(db), "SOLIRIS_THREADS": str(threads),
               "HF_HUB_OFFLINE": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.app:create_app", "--factory",
             "--host", LOOPBACK, "--port", str(self.port), "--log-level", "warning",
             "--no-access-log"], cwd=ROOT, env=env)

    def wait(self, timeout: float = 600) -> None:
        """Wait until ``GET /api/health`` answers 200; stop the benchmark (``SystemExit``) if
        the process exits or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench.load: the service exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + "/api/health", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise SystemExit("bench.load: the service did not start in time")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the service process, all threads (Linux; else NaN)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Terminate the service, and kill it if it has not exited within 30 seconds."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Connection:
    """A minimal HTTP/1.1 keep-alive client for ``POST /api/match``: the load generator shares
    the machine with the service, so it must cost as little CPU as possible (httpx costs about
    3 ms of CPU per request here, a quarter of a whole match)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> tuple[int, bytes]:
        """Send one raw request (connecting on first use) and read the answer: its status and
        its body, read by ``Content-Length`` (chunked bodies are not supported)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(LOOPBACK, self.port)
        assert self.reader is not None
        self.writer.write(request)
        await self.writer.drain()
        status = int((await self.reader.readline()).split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        """Close the connection, if open; the next :meth:`post` opens a new one."""
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.reader = self.writer = None


def _requests(top: int) -> list[bytes]:
    """The raw ``POST /api/match`` request of each of :data:`QUERIES` with ``top``, built once
    so that the clients only send bytes."""
    out = []
    for text in QUERIES:
        body = json.dumps({"text": text, "top": top}).encode()
        out.append(b"POST /api/match HTTP/1.1\r\nHost: " + LOOPBACK.encode() + b"\r\n"
                   b"Content-Type: application/json\r\nContent-Length: "
                   + str(len(body)).encode() + b"\r\n\r\n" + body)
    return out


async def _clients(url: str, clients: int, seconds: float, top: int
                   ) -> tuple[list[float], int, float]:
    """``clients`` concurrent clients, one keep-alive connection each, for ``seconds``: the
    latencies (seconds) of the successful requests (200 with at least one result), the number
    of failed ones and the wall seconds spent."""
    port = int(url.rsplit(":", 1)[1])
    requests = _requests(top)
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def client(number: int) -> None:
        """One client's request loop, starting at request ``number`` so clients differ."""
        nonlocal errors
        connection = _Connection(port)
        try:
            for i in range(MAX_REQUESTS_PER_CLIENT):
                if time.perf_counter() >= deadline:
                    return
                sent = time.perf_counter()
                try:
                    status, payload = await connection.post(
                        requests[(number + i) % len(requests)])
                    ok = status == 200 and json.loads(payload)["count"] > 0
                except (OSError, asyncio.IncompleteReadError, ValueError, KeyError,
                        IndexError):
                    ok = False
                    await connection.close()  # a fresh connection for the next request
                if ok:
                    latencies.append(time.perf_counter() - sent)
                else:
                    errors += 1
        finally:
            await connection.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, errors, time.perf_counter() - started


def measure(db: Path, encoder: Encoder, args: argparse.Namespace, threads: int
            ) -> tuple[dict[str, list[float]], dict[str, int], dict[str, float],
                       dict[str, float]]:
    """Engine and service measured in alternating slices (``--rounds``), so that a change of
    load on the machine during the run affects both alike. The service process is idle while
    the engine runs in this process, and the other way round. Returns, each keyed by
    ``engine`` and ``service``: the latencies (seconds), the error counts, the wall seconds and
    the CPU seconds (this process for the engine, the service process for the service)."""
    matcher = Matcher(Settings(db_path=db), encoder=encoder)
    matcher.match(QUERIES[0], top=args.top)  # index and model ready, as in the service
    latencies: dict[str, list[float]] = {"engine": [], "service": []}
    errors = {"engine": 0, "service": 0}
    elapsed = {"engine": 0.0, "service": 0.0}
    cpu = {"engine": 0.0, "service": 0.0}
    piece = args.seconds / args.rounds
    service = ServiceProcess(db, threads)
    try:
        service.wait()
        # One request per client first, so that connections are open and code paths warm.
        asyncio.run(_clients(service.url, args.clients, 0.5, args.top))
        for round_ in range(args.rounds):
            started, cpu_started = time.perf_counter(), time.process_time()
            lat, err = engine_loop(matcher, piece, args.top, offset=round_ * 997)
            elapsed["engine"] += time.perf_counter() - started
            cpu["engine"] += time.process_time() - cpu_started
            latencies["engine"] += lat
            errors["engine"] += err
            cpu_started = service.cpu_seconds()
            lat, err, spent = asyncio.run(_clients(service.url, args.clients, piece, args.top))
            cpu["service"] += service.cpu_seconds() - cpu_started
            elapsed["service"] += spent
            latencies["service"] += lat
            errors["service"] += err
    finally:
        service.stop()
    return latencies, errors, elapsed, cpu


# -- report ---------------------------------------------------------------------------------
def table(runs: list[Run]) -> str:
    """The runs as a plain-text table with fixed-width columns."""
    head = (f"{'registry':<10} {'actors':>6}  {'mode':<22} {'clients':>7} {'requests':>8} "
            f"{'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'errors':>6}")
    lines = [head, "-" * len(head)]
    for r in runs:
        lines.append(f"{r.registry:<10} {r.actors:>6}  {r.mode:<22} {r.clients:>7} "
                     f"{r.requests:>8} {r.rps:>7.2f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
                     f"{r.cpu_ms:>7.1f} {r.errors:>6}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure each registry (engine in-process, then the service over HTTP), print the table
    and the service / engine ratios on stdout and write ``bench/results/load.json``. Returns 1
    when any request failed, else 0."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0,
                        help="duration of each measurement (default 30)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent HTTP clients "
                        "(default 20)")
    parser.add_argument("--profiles", type=int, default=10_000, help="size of the large "
                        "synthetic registry (default 10000)")
    parser.add_argument("--top", type=int, default=10, help="results per request (default 10)")
    parser.add_argument("--threads", type=int, help="BLAS threads per query, for the engine "
                        "and the service alike (default: as `soliris serve`, SOLIRIS_THREADS "
                        "or 1)")
    parser.add_argument("--rounds", type=int, default=3, help="alternate engine and service "
                        "measurements this many times (default 3)")
    parser.add_argument("--only", choices=("sample", "large"), help="run one registry only")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or min(args.clients, args.profiles, args.rounds, args.threads or 1) < 1:
        parser.error("--seconds, --clients, --profiles, --rounds and --threads must be positive")

    threads = args.threads or service_settings().threads
    limit_blas_threads(threads)  # as the service does, so that both run alike
    load_before = os.getloadavg()[0]
    encoder = load_encoder("use", threads=threads)
    registries = [r for r in ("sample", "large") if args.only in (None, r)]
    runs: list[Run] = []
    ratios: dict[str, float] = {}
    cpu_ratios: dict[str, float] = {}
    sources: dict[str, str] = {}
    for name in registries:
        print(f"[{name}] preparing the registry", file=sys.stderr)
        db, actors, sources[name] = prepare(name, encoder, args.profiles)
        print(f"[{name}] {actors} actors: engine in-process, then the service with "
              f"{args.clients} clients, {args.rounds} x {args.seconds / args.rounds:g} s each",
              file=sys.stderr)
        latencies, errors, elapsed, cpu = measure(db, encoder, args, threads)
        engine = summarise(name, actors, "engine (in-process)", 1, latencies["engine"],
                           errors["engine"], elapsed["engine"], cpu["engine"])
        service = summarise(name, actors, "service (HTTP, 1 proc)", args.clients,
                            latencies["service"], errors["service"], elapsed["service"],
                            cpu["service"])
        runs += [engine, service]
        ratios[name] = round(service.rps / engine.rps, 3) if engine.rps else float("nan")
        cpu_ratios[name] = round(service.cpu_ms / engine.cpu_ms, 3) if engine.cpu_ms else \
            float("nan")

    print()
    print(table(runs))
    print()
    for name, ratio in ratios.items():
        print(f"service / engine throughput ({name}): {ratio:.2f}; CPU per request, service / "
              f"engine: {cpu_ratios[name]:.2f}")
    load_after = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs; load average {load_before:.1f} before, {load_after:.1f} "
          "after (other work on the machine makes both figures lower and noisier)")
    report = {
        "version": __version__, "model": encoder.name, "seconds": args.seconds,
        "clients": args.clients, "top": args.top, "threads": threads,
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "registries": sources, "runs": [asdict(r) for r in runs], "ratios": ratios,
        "cpu_ratios": cpu_ratios,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"(written to {(RESULTS / 'load.json').relative_to(ROOT)})", file=sys.stderr)
    return 1 if any(r.errors for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
