import numpy as np
import pytest

from matcher.errors import NotFoundError
from matcher.profile import validate_record
from matcher.store import Store


def profile(i, text="Texte"):
    return validate_record({"id": f"a-{i}", "name": f"A {i}", "kind": "ngo", "description": text})


def test_upsert_counts_and_revision(tmp_path):
    store = Store(tmp_path / "db" / "s.db")
    assert store.revision() == 0
    assert store.upsert([profile(1), profile(2)]).created == 2
    rev = store.revision()
    summary = store.upsert([profile(1), profile(2, "Autre")])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert store.revision() == rev + 1
    assert store.get("a-2").profile.description == "Autre"


def test_failed_transaction_writes_nothing(tmp_path):
    store = Store(tmp_path / "s.db")
    with pytest.raises(RuntimeError):
        with store.transaction(actors_changed=True) as db:
            db.execute("INSERT INTO actors VALUES ('x','{}','h','t','t')")
            raise RuntimeError("boom")
    assert store.count() == 0 and store.revision() == 0


def test_delete_and_unknown_ids(tmp_path):
    store = Store(tmp_path / "s.db")
    store.upsert([profile(1)])
    store.delete("a-1")
    with pytest.raises(NotFoundError, match="a-1"):
        store.get("a-1")
    with pytest.raises(NotFoundError):
        store.delete("a-1")


def test_insert_new_refuses_existing_id(tmp_path):
    store = Store(tmp_path / "s.db")
    assert store.insert_new(profile(1))
    assert not store.insert_new(profile(1, "autre"))


def test_embedding_cache_round_trip(tmp_path):
    store = Store(tmp_path / "s.db")
    vector = np.arange(4, dtype=np.float32)
    store.cache_vectors("m", [("h1", vector)])
    found = store.cached_vectors("m", ["h1", "h2"])
    assert list(found) == ["h1"] and np.array_equal(found["h1"], vector)
    assert store.cached_vectors("other-model", ["h1"]) == {}


def test_content_hash_depends_on_content_only(tmp_path):
    a, b = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
    a.upsert([profile(1), profile(2)])
    b.upsert([profile(2)])
    b.upsert([profile(1)])
    assert a.content_hash() == b.content_hash()
    b.upsert([profile(1, "changed")])
    assert a.content_hash() != b.content_hash()
