"""Quality with the real default model (USE multilingual): the engine beats a TF-IDF baseline
on the labelled cases and on the case sets written blind to it, and a Dutch query finds a
partner described only in French."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import CASES, HELD_OUT_SETS, SAMPLE
from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.evaluation import (
    TfidfBaseline,
    check_cases,
    load_cases,
    registry_profiles,
    run_cases,
)
from matcher.profile import validate_record
from matcher.settings import Settings

#: The project must beat TF-IDF by this factor on nDCG@5 (the issue's target is 1.6×) ...
MIN_RATIO = 1.6
#: ... and stay above this nDCG@5: a floor against regressions, not the goal. Measured 0.84 on
#: ours and 0.85 / 0.95 / 0.84 / 0.88 / 0.84 / 0.74 on the six blind sets; the issue aims at
#: 0.90 on unseen cases, which is not reached (see the README).
MIN_NDCG = 0.70

pytestmark = pytest.mark.slow


def _assert_beats_tfidf(matcher: Matcher, cases_path: Path) -> None:
    cases = load_cases(cases_path)
    profiles = registry_profiles(matcher)
    assert not check_cases(cases, profiles), f"{cases_path} names unknown actors"
    project = run_cases(matcher, cases, k=5, profiles=profiles)
    baseline = run_cases(TfidfBaseline(profiles), cases, k=5, profiles=profiles)
    p, b = project.overall.ndcg, baseline.overall.ndcg
    weakest = sorted(project.results, key=lambda r: r.ndcg)[:5]
    detail = (f"{cases_path.name}: project nDCG@5 {p:.3f}, TF-IDF {b:.3f} (ratio "
              f"{p / max(b, 1e-9):.2f}); weakest: "
              + ", ".join(f"{r.case.id}={r.ndcg:.2f}" for r in weakest))
    assert p >= MIN_RATIO * b, detail
    assert p >= MIN_NDCG, detail
    cross_p = project.groups().get("cross-lingual")
    cross_b = baseline.groups().get("cross-lingual")
    if cross_p and cross_b:
        assert cross_p.ndcg >= MIN_RATIO * cross_b.ndcg, detail


def test_project_beats_tfidf_on_labelled_cases(sample_matcher: Matcher) -> None:
    _assert_beats_tfidf(sample_matcher, CASES)


@pytest.mark.parametrize("name", sorted(HELD_OUT_SETS))
def test_project_beats_tfidf_on_cases_written_blind(name: str, sample_matcher: Matcher,
                                                    tmp_path: Path, encoder: Encoder) -> None:
    registry, cases = HELD_OUT_SETS[name]
    if registry.resolve() == SAMPLE.resolve():
        matcher = sample_matcher
    else:
        matcher = Matcher(Settings(db_path=tmp_path / "soliris.db"), encoder=encoder)
        matcher.import_bytes(registry.read_bytes(), "jsonl")
    _assert_beats_tfidf(matcher, cases)


def _profile(**fields: object):
    return validate_record({"kind": "association", **fields})


def test_dutch_query_finds_partner_described_only_in_french(matcher: Matcher) -> None:
    """The partner's whole profile is French; the distractors are Dutch (same language as the
    query) or French on other subjects, so neither language nor a shared word decides."""
    matcher.upsert([
        _profile(id="apiculteurs-solidaires", name="Apiculteurs solidaires",
                 description="Nous formons des femmes d'un village à l'apiculture : construction "
                             "de ruches, récolte et vente du miel sur les marchés locaux. Nos "
                             "bénévoles bruxellois partagent leur savoir-faire d'apiculteurs.",
                 themes=["apiculture", "femmes", "revenus"],
                 offers="Formation à l'apiculture et matériel pour les ruches."),
        _profile(id="fietsherstel", name="Fietsatelier Noord", kind="ngo",
                 description="Wij herstellen tweedehands fietsen en sturen ze naar scholen, "
                             "zodat leerlingen niet meer urenlang te voet moeten gaan.",
                 themes=["mobiliteit", "onderwijs"]),
        _profile(id="computerklas", name="Digitale Brug", kind="ngo",
                 description="Wij richten computerklassen in en leren leerkrachten werken met "
                             "laptops en educatieve software.",
                 themes=["digitalisering", "onderwijs"]),
        _profile(id="waterputten", name="Putten voor Dorpen", kind="ngo",
                 description="Wij boren waterputten in dorpen en leiden lokale comités op "
                             "voor het onderhoud van de pompen.",
                 themes=["water", "dorpen"]),
        _profile(id="theatre-jeunes", name="Théâtre des jeunes",
                 description="Ateliers de théâtre pour les jeunes du quartier et échanges "
                             "culturels avec des troupes étrangères.",
                 themes=["culture", "jeunesse"]),
        _profile(id="etat-civil", name="Expertise état civil", kind="expert",
                 description="Appui aux communes partenaires pour moderniser les registres de "
                             "l'état civil et former les agents.",
                 themes=["état civil", "gouvernance locale"]),
    ])
    results = matcher.match("Een vrouwengroep wil bijenkasten bouwen en honing verkopen om "
                            "een eigen inkomen te hebben; wie kan ons de imkerij leren?", top=3)
    ids = [r.profile.id for r in results]
    assert ids[0] == "apiculteurs-solidaires", ids
    assert results[0].reasons, "a match must say why"
