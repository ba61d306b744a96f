"""Places and themes of profiles, and their cache in the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

import matcher.features as features
from matcher.features import TextFeatures, profile_features, text_features
from matcher.profile import validate_record
from matcher.store import Store

PROFILES = [
    validate_record({"id": "uccle", "name": "Commune d'Uccle", "kind": "commune",
                     "description": "Partenariat avec Kintambo pour l'état civil et l'eau.",
                     "countries": ["RDC"]}),
    validate_record({"id": "rif", "name": "Groene Rif", "kind": "ngo",
                     "description": "Afvalsortering in Imzouren, bij Al Hoceima.",
                     "offers": "Opleiding over compost voor gemeentediensten."}),
]


def test_features_round_trip_through_json() -> None:
    for profile in PROFILES:
        computed = profile_features(profile)
        assert TextFeatures.from_json(computed.to_json()) == computed
    uccle = profile_features(PROFILES[0])
    assert uccle.places.countries == {"CD"} and "Kintambo" in uccle.places.towns
    assert uccle.places.brussels == {"Uccle"}
    assert uccle.offer_concepts == frozenset()  # no offers
    rif = profile_features(PROFILES[1])
    assert rif.offer_concepts and rif.offer_concepts <= rif.work_concepts <= rif.concepts


def test_a_new_process_reads_features_from_the_registry(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "soliris.db")
    first = text_features(PROFILES, store)
    assert first == [profile_features(p) for p in PROFILES]

    def not_again(profile: object) -> TextFeatures:
        raise AssertionError("features were computed again instead of read from the cache")

    monkeypatch.setattr(features, "profile_features", not_again)
    assert text_features(PROFILES, Store(tmp_path / "soliris.db")) == first


def test_changed_detection_logic_invalidates_the_cache(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "soliris.db")
    text_features(PROFILES, store)
    key = features.feature_key("some-content")
    monkeypatch.setattr(features, "FEATURES_LOGIC_VERSION", features.FEATURES_LOGIC_VERSION + 1)
    features.features_fingerprint.cache_clear()
    try:
        assert features.feature_key("some-content") != key
        computed = []
        real = features.profile_features
        monkeypatch.setattr(features, "profile_features",
                            lambda p: computed.append(p.id) or real(p))
        text_features(PROFILES, store)
        assert computed == ["uccle", "rif"]
    finally:
        features.features_fingerprint.cache_clear()
