"""The engine facade with the real default model: how a text query is built and ranked."""

from __future__ import annotations

import dataclasses
import os

import pytest

from matcher.engine import Matcher
from matcher.profile import ActorProfile, validate_record
from matcher.store import Store

pytestmark = pytest.mark.slow


def test_text_query_finds_actors_that_need_what_its_authors_bring(matcher: Matcher) -> None:
    """An initiative text also says what its authors offer: an actor whose ``needs`` it
    answers gets the complementarity part and says so."""
    matcher.upsert([
        validate_record({
            "id": "femmes-transformatrices", "name": "Groupement de transformatrices",
            "kind": "association",
            "description": "Des groupements de femmes sèchent des mangues et fument du poisson "
                           "sur la côte au sud de Dakar.",
            "needs": "Des débouchés à Bruxelles pour vendre les produits séchés et fumés des "
                     "groupements de femmes."}),
        validate_record({
            "id": "ecoles-numeriques", "name": "Écoles numériques", "kind": "ngo",
            "description": "Nous équipons des écoles de salles informatiques au Sénégal.",
            "needs": "Des ordinateurs portables reconditionnés et des formateurs bénévoles."}),
        *(validate_record({"id": f"autre-{i}", "name": f"Autre {i}", "kind": "ngo",
                           "description": description, "needs": needs})
          for i, (description, needs) in enumerate([
              ("Wij boren waterputten in dorpen in Burkina Faso.",
               "Ingenieurs die pompen op zonne-energie kunnen onderhouden."),
              ("We train midwives in rural health centres in Rwanda.",
               "Medical equipment for delivery rooms."),
              ("Nous accompagnons les communes pour l'état civil à Kinshasa.",
               "Des archivistes pour numériser les registres."),
              ("Wij organiseren jeugduitwisselingen met Marokko.",
               "Gastgezinnen en begeleiders voor de uitwisselingen.")]))
    ])
    results = matcher.match("We run an organic shop in Brussels and would like to sell "
                            "dried fruit and smoked fish made by women's groups.", top=2)
    best = results[0]
    assert best.profile.id == "femmes-transformatrices"
    assert best.parts["complementarity"] > results[1].parts["complementarity"]
    assert any("need" in reason.lower() for reason in best.to_dict("en")["reasons"]), \
        best.to_dict("en")["reasons"]


def test_a_dutch_word_meets_its_french_counterpart(matcher: Matcher) -> None:
    """"boekhouding" is not "comptabilité" for exact-word matching; their word vectors are
    close, so the word counts in the ``lexical`` part and the reason names the pair."""
    matcher.upsert([
        validate_record({
            "id": "compta-asbl", "name": "Bénévoles du Bilan", "kind": "association",
            "description": "Des bénévoles retraités tiennent la comptabilité des petites asbl "
                           "de la diaspora et préparent leurs comptes annuels."}),
        *(validate_record({"id": f"autre-{i}", "name": f"Autre {i}", "kind": "ngo",
                           "description": description})
          for i, description in enumerate([
              "Wij boren waterputten in dorpen in Burkina Faso.",
              "We train midwives in rural health centres in Rwanda.",
              "Nous accompagnons les communes pour l'état civil à Kinshasa.",
              "Wij organiseren jeugduitwisselingen met Marokko."]))
    ])
    text = "Onze jonge vzw zoekt iemand die kan helpen met de boekhouding."
    best = matcher.match(text, top=1)[0]
    assert best.profile.id == "compta-asbl"
    assert any("boekhouding ≈ comptabilité" in reason
               for reason in best.to_dict("nl")["reasons"]), best.to_dict("nl")["reasons"]
    without = dataclasses.replace(matcher.weights, close_words=0.0)
    matcher.weights, weights = without, matcher.weights
    try:
        exact_only = matcher.match(text, top=1)[0]
    finally:
        matcher.weights = weights
    assert exact_only.profile.id == "compta-asbl"
    assert best.parts["lexical"] > exact_only.parts["lexical"]
    assert not any("≈" in reason for reason in exact_only.to_dict("nl")["reasons"])


def test_an_import_embeds_everything_the_index_needs(matcher: Matcher) -> None:
    """Passages and words are embedded at import, with its progress; building the index and a
    second import of the same profiles embed nothing."""
    profiles = [validate_record({"id": f"a{i}", "name": f"Actor {i}", "kind": "ngo",
                                 "description": text})
                for i, text in enumerate(["Wij boren waterputten in dorpen in Burkina Faso.",
                                          "Nous formons des sages-femmes au Rwanda."])]
    matcher.upsert(profiles)
    after_import = matcher.encoder.encoded_count
    assert after_import > 0
    index = matcher.index()
    assert "waterputten" in index.words.position and "sages" in index.words.position
    matcher.upsert(profiles)
    assert matcher.encoder.encoded_count == after_import


def test_a_registry_file_replaced_under_the_engine_is_read_again(matcher: Matcher,
                                                                 tmp_path) -> None:
    # Exported, deleted, imported into a new file: the same revision, other actors. The index
    # of the old file must not answer for the new one.
    def record(ident: str, text: str) -> ActorProfile:
        return validate_record({"id": ident, "name": ident, "kind": "ngo", "description": text})

    matcher.upsert([record("old-water", "Puits et eau potable à Kinshasa.")])
    assert matcher.index().row_of.keys() == {"old-water"}
    other = Store(tmp_path / "other.db")
    other.upsert([record("new-school", "Écoles primaires au Sénégal.")])
    assert other.revision() == matcher.store.revision()
    os.replace(other.path, matcher.store.path)
    assert matcher.index().row_of.keys() == {"new-school"}
    assert [m.profile.id for m in matcher.match("eau potable")] == ["new-school"]
