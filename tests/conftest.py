"""Shared fixtures: the real default encoder is loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.encoders import Encoder, load_encoder
from matcher.engine import Matcher
from matcher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "actors.sample.jsonl"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The default model (USE multilingual v3), loaded once."""
    return load_encoder("use", threads=2)


@pytest.fixture
def matcher(tmp_path: Path, encoder: Encoder) -> Matcher:
    """An empty registry in a temporary folder."""
    return Matcher(Settings(db_path=tmp_path / "soliris.db"), encoder=encoder)


@pytest.fixture(scope="session")
def sample_matcher(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Matcher:
    """The sample registry, imported once per session (do not write to it in tests)."""
    path = tmp_path_factory.mktemp("sample") / "soliris.db"
    matcher = Matcher(Settings(db_path=path), encoder=encoder)
    matcher.import_bytes(SAMPLE.read_bytes(), "jsonl")
    return matcher
