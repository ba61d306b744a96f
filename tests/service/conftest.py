"""Fixtures of the service tests: a small registry of a dozen profiles (``actors.jsonl``, kept
here so that the assertions do not depend on the demo sample), copied afresh for every test
that writes, an app around it and coordinator keys."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from matcher import keys
from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.settings import Settings
from service.app import create_app

HERE = Path(__file__).resolve().parent
ACTORS_FILE = HERE / "actors.jsonl"
ACTOR_COUNT = sum(1 for line in ACTORS_FILE.read_text(encoding="utf-8").splitlines()
                  if line.strip())


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """A registry with the test profiles imported and embedded once per session."""
    path = tmp_path_factory.mktemp("service-template") / "soliris.db"
    matcher = Matcher(Settings(db_path=path), encoder=encoder)
    matcher.import_bytes(ACTORS_FILE.read_bytes(), "jsonl")
    return path


def copy_registry(template: Path, target: Path) -> Path:
    """A consistent copy of a WAL-mode SQLite registry (embedding cache included)."""
    src = sqlite3.connect(template)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


def make_matcher(template: Path, folder: Path, encoder: Encoder, **settings: object) -> Matcher:
    db = copy_registry(template, folder / "soliris.db")
    base = Settings(db_path=db, report_dir=folder / "reports")
    return Matcher(base.with_(**settings), encoder=encoder)


@pytest.fixture
def service_matcher(registry_template: Path, tmp_path: Path, encoder: Encoder) -> Matcher:
    """A writable copy of the test registry for one test."""
    return make_matcher(registry_template, tmp_path, encoder)


@pytest.fixture
def app(service_matcher: Matcher) -> FastAPI:
    return create_app(matcher=service_matcher)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:  # runs the lifespan: model and index warmed up
        yield test_client


@pytest.fixture
def coordinator(service_matcher: Matcher) -> dict[str, str]:
    """Authorization headers of a valid coordinator key."""
    secret = keys.create_key(service_matcher.store, "test-coordinator")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def revoked(service_matcher: Matcher) -> dict[str, str]:
    """Authorization headers of a revoked key."""
    secret = keys.create_key(service_matcher.store, "old-coordinator")
    keys.revoke_key(service_matcher.store, "old-coordinator")
    return {"Authorization": f"Bearer {secret}"}


WRONG_KEY = {"Authorization": "Bearer sk_this-is-not-a-key"}


def assert_error(response, status: int, code: str, field: object = ...) -> dict:
    """Status first, then the stable error shape; returns the ``error`` object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "field", "details"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    for detail in error["details"]:
        assert set(detail) == {"line", "field", "message"}, detail
    if field is not ...:
        assert error["field"] == field, error
    return error
