"""The multilingual thesaurus: one concept for the same theme in French, Dutch and English,
and no concept for look-alike words (a commune's name, a generic word)."""

from __future__ import annotations

import pytest

from matcher.themes import SCOPES, thesaurus


def keys(text: str) -> set[str]:
    found = thesaurus().find(text)
    return {thesaurus().concepts[i].key for i in found}


@pytest.mark.parametrize("text", ["des puits et des bornes-fontaines", "drinkwaterputten",
                                  "hand pumps for drinking water"])
def test_the_same_theme_in_three_languages(text: str) -> None:
    assert "water" in keys(text)


# English and French names of the same OECD-DAC sectors (IATI code lists) name the same
# theme; the Dutch equivalents too.
@pytest.mark.parametrize("texts, concept", [
    (("Malaria control", "Lutte contre le paludisme", "medische apparatuur"), "health"),
    (("Livestock", "Bétail", "bijenteelt"), "agriculture"),
    (("Human rights", "Droits de la personne", "mensenrechten"), "peace"),
    (("Education in emergencies", "Éducation dans les situations d'urgence",
      "noodsituaties"), "humanitarian"),
    (("Energy policy", "Politique énergétique", "elektrificatie"), "climate"),
    (("Early childhood education", "Éducation de la petite enfance", "kleuters"), "children"),
    (("asylum seekers", "demandeurs d'asile", "asielzoekers"), "migration"),
    (("Cottage industries and handicraft", "Artisanat", "ambachtelijke producten"), "economy"),
])
def test_the_same_sector_in_three_languages(texts: tuple[str, ...], concept: str) -> None:
    assert all(concept in keys(text) for text in texts), [keys(t) for t in texts]


@pytest.mark.parametrize("text, concept", [
    ("L'émergence de nouvelles associations", "humanitarian"),  # emergence, not emergency
    ("Syrian refugee families", "violence"),  # refugees, not a refuge (shelter)
    ("La commune de Watermael-Boitsfort", "water"),  # a commune, not water
    ("Projecten in mijn geboortestad in Congo", "civil_registration"),  # birthplace
    ("la coopération internationale des communes", "processing"),  # cooperation, not co-ops
    ("a programme of municipal cooperation", "digital"),
    ("la commune de Forest et ses habitants forestois", "climate"),
    ("hospitality and catering", "health"),
    ("une médiation interculturelle", "media"),
    ("as well as our partners, we put them in touch", "water"),
    ("qui maîtrise le cadre légal de l'état civil", "association_admin"),
    ("en République démocratique du Congo", "peace"),
    ("des femmes en milieu rural", "climate"),
    ("integrated water resource management", "migration"),
])
def test_look_alike_words_name_no_concept(text: str, concept: str) -> None:
    assert concept not in keys(text)


@pytest.mark.parametrize("text, concept", [
    ("enregistrement des naissances et actes de naissance", "civil_registration"),
    ("geboorteakten voor kinderen", "civil_registration"),
    ("des coopératives de femmes transformatrices", "processing"),
    ("vrouwencoöperaties en landbouwcoöperaties", "processing"),
    ("cours de programmation informatique", "digital"),
    ("reforestation and forests", "climate"),
    ("bescherming van het milieu", "climate"),
])
def test_the_real_theme_is_still_found(text: str, concept: str) -> None:
    assert concept in keys(text)


def test_association_management_is_a_service_rendered_in_brussels() -> None:
    t = thesaurus()
    assert all(c.scope in SCOPES for c in t.concepts)
    services = {t.concepts[i].key for i in t.brussels_services}
    assert services == {"association_admin"}
    assert "association_admin" in keys("Onze nieuwe vzw moet statuten schrijven en een "
                                       "boekhouding opzetten")
