"""`soliris serve` as operators run it, a process of its own, while other processes change its
registry: writes and key revocations seen at the next request, a registry file replaced,
deleted and put back, a stop with SIGTERM, and a log that says when and what."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from matcher import keys
from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.profile import validate_record
from matcher.settings import Settings
from matcher.store import Store, database_files
from tests.service.conftest import copy_registry

pytestmark = pytest.mark.slow

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", re.M)


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


def record(ident: str, text: str):
    return validate_record({"id": ident, "name": ident, "kind": "association",
                            "description": text})


def test_serve_follows_its_registry_and_logs_what_happens(registry_template: Path,
                                                          tmp_path: Path,
                                                          encoder: Encoder) -> None:
    db = copy_registry(registry_template, tmp_path / "soliris.db")
    outside = Matcher(Settings(db_path=db), encoder=encoder)  # another process's CLI, say
    secret = keys.create_key(outside.store, "admin")
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SOLIRIS_THREADS": "1"}
    with log_path.open("w") as log:
        server = subprocess.Popen([sys.executable, "-m", "matcher.cli", "--db", str(db),
                                   "serve", "--port", str(port)], stdout=log,
                                  stderr=subprocess.STDOUT, env=env)
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                if client.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)

        # Written by another process: matched on at the next request; a revoked key refused.
        outside.upsert([record("zanzibar-seaweed", "Culture d'algues à Zanzibar avec des "
                                                   "coopératives de femmes.")])
        top = client.post("/api/match", json={"text": "algues Zanzibar", "top": 1}).json()
        assert top["results"][0]["id"] == "zanzibar-seaweed"
        auth = {"Authorization": f"Bearer {secret}"}
        assert client.get("/api/actors/export", headers=auth).status_code == 200
        keys.revoke_key(outside.store, "admin")
        assert client.get("/api/actors/export", headers=auth).status_code == 403

        # Replaced by a registry of the same revision with other actors (exported, deleted,
        # imported into a new file): the new actors are served, not the old index.
        fresh = tmp_path / "fresh.db"
        Store(fresh).upsert([record("only-one", "Bibliothèques de quartier à Cotonou.")])
        while Store(fresh).revision() < Store(db).revision():
            Store(fresh).upsert([record("only-one", f"Bibliothèques {time.time()}")])
        assert Store(fresh).revision() == Store(db).revision()
        os.replace(fresh, db)
        assert client.get("/api/health").json()["actors"] == 1
        assert client.get("/api/actors/zanzibar-seaweed/suggestions").status_code == 404
        top = client.post("/api/match", json={"text": "algues Zanzibar", "top": 5}).json()
        assert [r["id"] for r in top["results"]] == ["only-one"]

        # Deleted: a 503 that says so, no empty file made in its place; back: served again.
        shutil.move(db, tmp_path / "away.db")
        for path in database_files(db):
            path.unlink(missing_ok=True)
        response = client.get("/api/health")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "unavailable"
        assert "is missing" in response.json()["error"]["message"]
        assert client.post("/api/match", json={"text": "algues"}).status_code == 503
        assert not db.exists()
        shutil.move(tmp_path / "away.db", db)
        assert client.get("/api/health").json()["actors"] == 1

        # Overwritten by a copy still being written: a 503 that says so, not a 500.
        whole = db.read_bytes()
        db.write_bytes(whole[:5000])
        response = client.get("/api/health")
        assert response.status_code == 503
        assert "cannot be read as a registry" in response.json()["error"]["message"]
        db.write_bytes(whole)
        assert client.get("/api/health").json()["actors"] == 1
        client.close()
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    log = log_path.read_text()
    # Stopped gracefully, then ended by the signal itself, as uvicorn does (systemd reads
    # that as a clean stop).
    assert code in (0, -signal.SIGTERM), log
    assert "Traceback" not in log
    # Every line of the service's log has its time; the registry error its level.
    lines = [line for line in log.splitlines() if line.strip()]
    assert all(STAMP.match(line) for line in lines if not line.startswith("Soliris Match "
                                                                          "serving")), log
    assert re.search(r"ERROR: .*registry database .* is missing", log), log
    assert '"GET /api/health HTTP/1.1" 503' in log
    assert "Shutting down" in log
