"""Unit tests of matcher.evaluation.sts: the STS loader and scoring with a lookup encoder (no
real model is loaded here)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from matcher.errors import InputFormatError
from matcher.evaluation import StsSet, load_sts, sts_language_gap, sts_spearman


def test_load_sts(tmp_path: Path) -> None:
    (tmp_path / "stsb-en-test.csv").write_text('a,b,5.0\n"c, d",e,1.5\n', encoding="utf-8")
    (tmp_path / "stsb-fr-test.csv").write_text("a,b,5.0\nc,e,1.5\n", encoding="utf-8")
    data = load_sts(tmp_path)
    assert set(data) == {"en", "fr"}
    assert data["en"].first == ["a", "c, d"] and list(data["en"].scores) == [5.0, 1.5]
    (tmp_path / "stsb-nl-test.csv").write_text("a,b,5.0\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="not aligned"):
        load_sts(tmp_path)


class LookupEncoder:
    """Vectors from a table: lets us choose the cosine of every pair."""

    def __init__(self, table: dict[str, np.ndarray]):
        self.table = table
        self.roles: set[str] = set()

    def encode(self, texts, role="passage"):
        self.roles.add(role)
        return np.vstack([self.table[t] for t in texts])


def _unit(angle: float) -> np.ndarray:
    return np.array([math.cos(angle), math.sin(angle)], dtype=np.float32)


def test_sts_spearman_monolingual_and_cross() -> None:
    # three pairs whose cosines decrease with the angle; gold scores decrease too
    gold = np.array([5.0, 3.0, 1.0])
    data = {
        "en": StsSet(["e1", "e2", "e3"], ["f1", "f2", "f3"], gold),
        "fr": StsSet(["x1", "x2", "x3"], ["y1", "y2", "y3"], gold),
    }
    table = {}
    for i, angle in enumerate([0.1, 0.8, 1.4], start=1):
        table[f"e{i}"] = table[f"x{i}"] = _unit(0.0)
        table[f"f{i}"] = _unit(angle)
        table[f"y{i}"] = _unit(-angle if i != 3 else 0.05)  # fr pair 3 looks most similar
    encoder = LookupEncoder(table)
    scores = sts_spearman(encoder, data, [("en", "en"), ("fr", "fr"), ("fr", "en"),
                                          ("nl", "en")], chunk_size=2)
    assert scores["en"] == pytest.approx(100.0)
    assert scores["fr"] == pytest.approx(-50.0)  # ranks (2,1,3) vs (1,2,3)
    assert scores["fr-en"] == pytest.approx(100.0)  # x_i with f_i
    assert "nl-en" not in scores  # no Dutch data loaded
    assert encoder.roles == {"query"}


def test_sts_language_gap_measures_and_removes_a_language_direction() -> None:
    # Random meanings; French sentences all carry the same extra direction.
    rng = np.random.default_rng(5)
    meaning = rng.normal(size=(40, 6)).astype(np.float32)
    table = {}
    for i in range(40):
        english = meaning[i].copy()
        french = meaning[i] + np.array([0, 0, 0, 0, 0, 2.5], dtype=np.float32)
        table[f"e{i}"] = english / np.linalg.norm(english)
        table[f"f{i}"] = french / np.linalg.norm(french)
    gold = np.zeros(40)
    data = {"en": StsSet([f"e{i}" for i in range(40)], ["-"] * 40, gold),
            "fr": StsSet([f"f{i}" for i in range(40)], ["-"] * 40, gold)}
    gaps = sts_language_gap(LookupEncoder(table), data, sample=40)
    assert gaps[0.0] > 0.1  # same-language sentences look alike
    assert abs(gaps[1.0]) < gaps[0.0] / 4  # much less once the direction is taken out
    assert sts_language_gap(LookupEncoder(table), {"en": data["en"]}) == {}
