"""The engine facade with the real default model: how a text query is built and ranked."""

from __future__ import annotations

import dataclasses
import os
import sqlite3

import pytest

from matcher.encoders import text_key
from matcher.engine import Matcher, cached_texts
from matcher.features import feature_key
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


def _cache_keys(matcher: Matcher) -> tuple[set[tuple[str, str]], set[str]]:
    with sqlite3.connect(matcher.store.path) as db:
        return (set(db.execute("SELECT model, text_hash FROM embeddings")),
                {key for (key,) in db.execute("SELECT key FROM features")})


def test_prune_keeps_exactly_what_the_registry_needs(matcher: Matcher) -> None:
    def record(ident: str, text: str) -> ActorProfile:
        return validate_record({"id": ident, "name": ident, "kind": "ngo", "description": text,
                                "needs": "Un partenaire pour la comptabilité."})

    matcher.upsert([record("water", "Puits et eau potable à Kinshasa."),
                    record("school", "Écoles primaires au Sénégal.")])
    matcher.index()
    # An edit and a removal leave vectors and features behind; another model's stay apart.
    matcher.upsert([record("water", "Forages et latrines dans les écoles de Goma.")])
    matcher.remove("school")
    matcher.store.cache_vectors("other-model@1", [("k1", [0.0, 1.0]), ("k2", [1.0, 0.0])])
    matcher.index()  # caches the features of the edited profile
    model = matcher.model_name

    summary = matcher.prune()

    stored = matcher.store.all()
    vectors, features = _cache_keys(matcher)
    needed = {text_key(t, "passage") for t in cached_texts([a.profile for a in stored])}
    # The oracle: what the profiles need, computed apart, is what is left of this model.
    assert {h for m, h in vectors if m == model} == needed
    assert features == {feature_key(a.content_hash) for a in stored}
    assert summary.vectors > 0 and summary.features == 2  # the old "water" and "school"
    assert summary.other_models == {"other-model@1": 2} and not summary.other_models_removed
    assert {m for m, _ in vectors} == {model, "other-model@1"}
    assert summary.compacted and summary.bytes_after <= summary.bytes_before
    encoded = matcher.encoder.encoded_count
    assert [m.profile.id for m in matcher.match("latrines à Goma")] == ["water"]
    assert matcher.encoder.encoded_count == encoded  # nothing the index needs was removed

    again = matcher.prune(other_models=True)
    assert (again.vectors, again.features) == (0, 0)
    assert again.other_models == {"other-model@1": 2} and again.other_models_removed
    assert {m for m, _ in _cache_keys(matcher)[0]} == {model}


def test_prune_removes_nothing_when_the_registry_changed_meanwhile(matcher: Matcher) -> None:
    matcher.upsert([validate_record({"id": "a", "name": "A", "kind": "ngo",
                                     "description": "Puits et eau potable à Kinshasa."})])
    stale = matcher.store.state()
    matcher.remove("a")
    before = _cache_keys(matcher)
    assert matcher.store.prune_cache(matcher.model_name, set(), set(), other_models=True,
                                     state=stale) is None
    assert _cache_keys(matcher) == before
