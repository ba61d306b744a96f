"""Fixtures of the report tests: the sample registry (or a small one when the sample file is
absent), one report written from it, and a helper to build tiny registries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.profile import validate_record
from matcher.report import ReportResult, write_report
from matcher.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "actors.sample.jsonl"
TOP = 4
FIXED_TIME = "2025-01-01T00:00:00+00:00"

SMALL_REGISTRY: list[dict[str, Any]] = [
    {"id": "commune-ixelles", "name": "Commune d'Ixelles", "kind": "commune",
     "description": "La commune d'Ixelles coopère avec Kalamu, à Kinshasa, sur l'état civil et "
                    "la gestion des déchets ménagers.",
     "countries": ["CD"], "themes": ["état civil", "déchets"], "languages": ["fr", "nl"],
     "needs": "Une association de la diaspora congolaise pour suivre les projets à Kalamu."},
    {"id": "commune-jette", "name": "Gemeente Jette", "kind": "commune",
     "description": "Jette werkt samen met de gemeente Mbour in Senegal rond onderwijs en "
                    "beroepsopleiding voor jongeren.",
     "countries": ["SN"], "themes": ["onderwijs", "jongeren"], "languages": ["nl", "fr"]},
    {"id": "commune-schaerbeek", "name": "Commune de Schaerbeek", "kind": "commune",
     "description": "Schaerbeek soutient des coopératives de femmes à Al Hoceima au Maroc et "
                    "l'accès à l'eau potable dans le Rif.",
     "countries": ["MA"], "themes": ["femmes", "eau potable"], "languages": ["fr"]},
    {"id": "diaspora-kalamu", "name": "Collectif Matonge-Kalamu", "kind": "diaspora",
     "description": "Association de Congolais de Bruxelles qui relaie des projets de quartier à "
                    "Kalamu : propreté, collecte des déchets et activités culturelles.",
     "countries": ["CD"], "themes": ["déchets", "culture"], "languages": ["fr", "ln"],
     "offers": "Des relais de confiance à Kalamu et une connaissance fine des quartiers."},
    {"id": "diaspora-rif", "name": "Rif Solidariteit vzw", "kind": "diaspora",
     "description": "Vereniging van Brusselaars uit de Rif die waterprojecten en "
                    "vrouwencoöperaties in Al Hoceima ondersteunt.",
     "countries": ["MA"], "themes": ["water", "vrouwen"], "languages": ["nl", "ar"]},
    {"id": "diaspora-benin", "name": "Cercle des Béninois de Bruxelles", "kind": "diaspora",
     "description": "Association de la diaspora béninoise qui soutient des écoles à Cotonou.",
     "countries": ["BJ"], "themes": ["éducation"], "languages": ["fr"]},
    {"id": "ngo-eau-vive", "name": "Eau Vive Kinshasa", "kind": "ngo",
     "description": "ONG qui construit des bornes-fontaines et forme des comités d'usagers de "
                    "l'eau dans les quartiers de Kinshasa.",
     "countries": ["CD"], "themes": ["eau potable", "assainissement"], "languages": ["fr"],
     "offers": "Ingénieurs hydrauliciens et formation des comités de gestion de l'eau."},
    {"id": "ngo-dakar-digital", "name": "Dakar Digital Skills", "kind": "ngo",
     "description": "We train young people in Dakar and Thiès in web development and help them "
                    "find their first job.",
     "countries": ["SN"], "themes": ["digital", "youth employment"], "languages": ["en", "fr"],
     "needs": "Laptops and volunteer mentors from Brussels."},
    {"id": "ngo-groene-rif", "name": "Groene Rif vzw", "kind": "ngo",
     "description": "Ngo die met boeren in de Rif werkt aan compostering, afvalbeheer en "
                    "duurzame landbouw.",
     "countries": ["MA"], "themes": ["afvalbeheer", "landbouw"], "languages": ["nl"]},
    {"id": "assoc-teachers-bridge", "name": "Teachers Bridge Brussels-Kigali",
     "kind": "association",
     "description": "Teachers from Brussels schools pair up with colleagues in Kigali to share "
                    "teaching methods for science and mathematics.",
     "countries": ["RW"], "themes": ["education", "teachers"], "languages": ["en", "nl"]},
    {"id": "assoc-ballon", "name": "Ballon Solidaire asbl", "kind": "association",
     "description": "Des tournois de football pour les jeunes à Dakar et à Bruxelles, avec des "
                    "formations d'entraîneurs bénévoles.",
     "countries": ["SN"], "themes": ["sport", "jeunesse"], "languages": ["fr"],
     "offers": "Entraîneurs bénévoles et matériel de sport."},
    {"id": "council-ixelles", "name": "Conseil consultatif ixellois de la coopération",
     "kind": "advisory_council",
     "description": "Le conseil consultatif rassemble les associations ixelloises actives en "
                    "solidarité internationale et donne son avis sur les subsides communaux.",
     "countries": ["CD"], "themes": ["gouvernance locale"], "languages": ["fr"]},
    {"id": "expert-water", "name": "Onafhankelijk waterexpert", "kind": "expert",
     "description": "Hydraulisch ingenieur met twintig jaar ervaring in drinkwaterprojecten in "
                    "Centraal-Afrika; begeleidt gemeenten bij de opvolging.",
     "themes": ["water", "drinkwater"], "languages": ["nl", "fr", "en"],
     "offers": "Technische opvolging van waterprojecten en evaluaties."},
    {"id": "regional-fonds-eau", "name": "Fonds de solidarité internationale de l'eau",
     "kind": "regional_body",
     "description": "Le fonds régional finance des projets d'accès à l'eau potable et à "
                    "l'assainissement portés par des acteurs bruxellois.",
     "themes": ["eau potable", "financement"], "languages": ["fr", "nl"]},
    {"id": "other-makerspace", "name": "Makerspace Zuidstation", "kind": "other",
     "description": "Een makerspace in Brussel dat computers herstelt en naar scholen in "
                    "Senegal en Rwanda stuurt.",
     "countries": ["SN", "RW"], "themes": ["hergebruik", "digital"], "languages": ["nl"]},
]


def registry(matcher: Matcher, records: Sequence[dict[str, Any]]) -> Matcher:
    """Fill ``matcher``'s (empty) registry with ``records``."""
    matcher.upsert([validate_record(r) for r in records])
    return matcher


@pytest.fixture(scope="session")
def report_matcher(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Matcher:
    """The sample registry (data/actors.sample.jsonl), or a small one if it is absent."""
    if SAMPLE.exists():
        return request.getfixturevalue("sample_matcher")
    path = tmp_path_factory.mktemp("small") / "soliris.db"
    return registry(Matcher(Settings(db_path=path), encoder=encoder), SMALL_REGISTRY)


@pytest.fixture(scope="session")
def sample_report(report_matcher: Matcher, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, ReportResult]:
    """One report of the sample registry (written once per session; do not modify)."""
    out = tmp_path_factory.mktemp("report")
    return out, write_report(report_matcher, out, top=TOP, lang="fr", now=FIXED_TIME)


@pytest.fixture
def small_registry(matcher: Matcher) -> Callable[[Sequence[dict[str, Any]]], Matcher]:
    """Build a registry from records in the test's empty temporary registry."""
    return lambda records: registry(matcher, records)
