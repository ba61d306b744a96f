"""Concurrent clients on a real server: reads and writes together lose nothing, rankings stay
the same under load, and encoding does not block the event loop."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from matcher import keys
from service.app import create_app
from service.server import serve_in_thread
from tests.service.conftest import ACTOR_COUNT

pytestmark = pytest.mark.slow

WRITES = 5
QUERIES = [
    "Accès à l'eau potable à Kinshasa avec la diaspora congolaise",
    "Jongeren opleiden in Mbour met een Senegalese vereniging",
    "Fair trade awareness in Brussels schools",
    "Modernisation de l'état civil en RDC",
]


def test_concurrent_reads_and_writes(service_matcher):
    secret = keys.create_key(service_matcher.store, "load")
    auth = {"Authorization": f"Bearer {secret}"}
    with serve_in_thread(create_app(matcher=service_matcher)) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            expected = {q: client.post("/api/match", json={"text": q, "top": 5}).json()
                        for q in QUERIES}

        def read(i: int) -> tuple[str, dict]:
            query = QUERIES[i % len(QUERIES)]
            with httpx.Client(base_url=url, timeout=60) as client:
                response = client.post("/api/match", json={"text": query, "top": 5})
                assert response.status_code == 200, response.text
                return query, response.json()

        def write(i: int) -> int:
            profile = {"id": f"load-{i}", "name": f"Load test {i}", "kind": "association",
                       "description": f"Association numéro {i} : ateliers de couture à Dakar."}
            with httpx.Client(base_url=url, timeout=60, headers=auth) as client:
                return client.post("/api/actors", json=profile).status_code

        # Concurrent reads give exactly the sequential answers (the engine is thread-safe).
        with ThreadPoolExecutor(max_workers=8) as pool:
            for query, body in pool.map(read, range(12)):
                assert body == expected[query]

        # Reads and writes together: every request succeeds and no write is lost.
        with ThreadPoolExecutor(max_workers=10) as pool:
            writes = [pool.submit(write, i) for i in range(WRITES)]
            reads = [pool.submit(read, i) for i in range(8)]
            assert [w.result() for w in writes] == [201] * WRITES
            for future in reads:
                assert future.result()[1]["count"] == 5

        with httpx.Client(base_url=url, timeout=60) as client:
            assert client.get("/api/health").json()["actors"] == ACTOR_COUNT + WRITES
            ids = {a["id"] for a in client.get("/api/actors", params={"limit": 100}
                                               ).json()["items"]}
            assert {f"load-{i}" for i in range(WRITES)} <= ids
            top = client.post("/api/match", json={"text": "ateliers de couture à Dakar",
                                                  "top": WRITES}).json()["results"]
            assert all(r["id"].startswith("load-") for r in top)


def test_encoding_does_not_block_the_event_loop(service_matcher):
    long_text = ("Nous voulons améliorer l'accès à l'eau potable à Kinshasa, former des "
                 "comités d'usagers et travailler avec la diaspora congolaise de Bruxelles. ")
    long_text = (long_text * 80)[:5_000]
    with serve_in_thread(create_app(matcher=service_matcher)) as url:
        def heavy(_: int) -> float:
            with httpx.Client(base_url=url, timeout=120) as client:
                started = time.perf_counter()
                assert client.post("/api/match", json={"text": long_text}).status_code == 200
                return time.perf_counter() - started

        with httpx.Client(base_url=url, timeout=120) as client:
            single = heavy(0)
            with ThreadPoolExecutor(max_workers=3) as pool:
                futures = [pool.submit(heavy, i) for i in range(3)]
                time.sleep(min(0.2, single / 4))
                started = time.perf_counter()
                assert client.get("/openapi.json").status_code == 200  # an async route
                waited = time.perf_counter() - started
                total = sum(f.result() for f in futures)
        # A blocked loop would answer only after the heavy requests; it answers during them.
        assert waited < max(total / 2, 0.5), (waited, total, single)


def test_worker_lanes_come_from_the_settings(service_matcher, monkeypatch):
    from matcher.errors import ConfigError
    from matcher.settings import Settings
    from service.deps import Engine, default_workers

    # Counted from the cores this process may use (a container may allow fewer than exist).
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3, 4}, raising=False)
    assert default_workers(Settings(threads=2)) == 2
    assert default_workers(Settings(threads=8)) == 1
    assert Engine(service_matcher).workers == default_workers(service_matcher.settings)
    assert default_workers(Settings(threads=2, workers=3)) == 3
    monkeypatch.setenv("SOLIRIS_WORKERS", "3")
    assert Settings.from_env().workers == 3
    for bad in ("0", "many"):
        monkeypatch.setenv("SOLIRIS_WORKERS", bad)
        with pytest.raises(ConfigError, match="SOLIRIS_WORKERS"):
            Settings.from_env()


def test_engine_lanes_bound_the_work(service_matcher):
    import anyio

    from service.deps import Engine

    engine = Engine(service_matcher, workers=2)
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    async def main() -> None:
        nonlocal peak
        peak = 0
        async with anyio.create_task_group() as group:
            for _ in range(8):
                group.start_soon(engine.run, work)
        assert peak == 2  # reads: two lanes
        peak = 0
        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(engine.write, work)
        assert peak == 1  # writes: one at a time

    anyio.run(main)
    anyio.run(main)  # a second event loop gets limiters of its own


class GatedEncoder:
    """The session's encoder, held at each call while ``go`` is clear: a long import that the
    test can stop in the middle of its embedding."""

    def __init__(self, inner):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.called, self.go = threading.Event(), threading.Event()
        self.go.set()

    def encode(self, texts, role="passage"):
        self.called.set()
        assert self.go.wait(60)
        return self.inner.encode(texts, role)


def test_a_forced_stop_during_an_import_writes_nothing_and_answers_503(
        registry_template, tmp_path, encoder):
    # A second Ctrl-C while an upload is embedding: the import was answered with uvicorn's
    # plain 500 (and a traceback) while its thread went on. Now it stops before writing and
    # says so; the lifespan's cancellation is one log line, not a traceback.
    import logging
    import socket

    import uvicorn

    from tests.service.conftest import make_matcher

    gated = GatedEncoder(encoder)
    matcher = make_matcher(registry_template, tmp_path, gated)
    secret = keys.create_key(matcher.store, "stop")
    app = create_app(matcher=matcher)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    logged: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = logged.append
    for name in ("uvicorn.error", "soliris"):
        logging.getLogger(name).addHandler(handler)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.05)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        lines = [json.dumps({"id": f"stop-{i}", "name": f"Stop {i}", "kind": "ngo",
                             "description": f"Atelier numéro {i} de reliure à Ziguinchor."})
                 for i in range(20)]
        gated.go.clear()
        gated.called.clear()
        with ThreadPoolExecutor(max_workers=1) as pool:
            upload = pool.submit(httpx.post, url + "/api/actors/import", timeout=60,
                                 headers={"Authorization": f"Bearer {secret}"},
                                 files={"file": ("new.jsonl", "\n".join(lines).encode())})
            assert gated.called.wait(60)  # the import is embedding
            server.should_exit = server.force_exit = True  # Ctrl-C twice
            deadline = time.monotonic() + 30
            while not any("stopping during a write" in r.getMessage() for r in logged):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            gated.go.set()
            response = upload.result()
        thread.join(timeout=30)
    finally:
        gated.go.set()
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        for name in ("uvicorn.error", "soliris"):
            logging.getLogger(name).removeHandler(handler)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "unavailable"
    assert "nothing was changed" in response.json()["error"]["message"]
    assert not [a for a in matcher.store.all() if a.profile.id.startswith("stop-")]
    assert not [r for r in logged if r.exc_info or "Traceback" in r.getMessage()]
