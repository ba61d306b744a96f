import sqlite3
from pathlib import Path

import numpy as np
import pytest

import matcher.store as store_module
from matcher.engine import Matcher
from matcher.errors import ConfigError, NotFoundError
from matcher.profile import validate_record
from matcher.settings import Settings
from matcher.store import (
    MissingRegistryError,
    ReadOnlyRegistryError,
    Store,
    database_files,
    unavailable,
)


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


def test_changed_lists_new_and_edited_profiles_only(tmp_path):
    store = Store(tmp_path / "s.db")
    store.upsert([profile(1), profile(2)])
    changed = store.changed([profile(1), profile(2, "Autre"), profile(3)])
    assert [p.id for p in changed] == ["a-2", "a-3"]


def test_a_registry_locked_by_another_process_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("matcher.store.LOCK_TIMEOUT_S", 0.1)
    store = Store(tmp_path / "s.db")
    store.upsert([profile(1)])
    other = sqlite3.connect(tmp_path / "s.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ConfigError, match="locked by another process.*nothing was changed"):
            store.upsert([profile(2)])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [a.profile.id for a in store.all()] == ["a-1"]


def test_a_read_only_registry_is_named_as_such():
    error = unavailable(Path("/srv/soliris.db"),
                        sqlite3.OperationalError("attempt to write a readonly database"))
    assert "/srv/soliris.db" in str(error) and "read-only" in str(error)


class _BrokenModel:
    """An encoder that fails like a model that cannot be loaded or run."""

    name = "broken"
    dim = 4

    def encode(self, texts, role="passage"):
        raise ConfigError("cannot load the model 'broken'")


def test_an_import_whose_embedding_fails_writes_no_profile(tmp_path):
    matcher = Matcher(Settings(db_path=tmp_path / "s.db"), encoder=_BrokenModel())
    data = b'{"id": "a-1", "name": "A", "kind": "ngo", "description": "Puits au Mali."}\n'
    with pytest.raises(ConfigError, match="cannot load"):
        matcher.import_bytes(data, "jsonl")
    with pytest.raises(ConfigError, match="cannot load"):
        matcher.create(profile(2))
    assert matcher.store.count() == 0 and matcher.store.revision() == 0


def test_a_read_only_registry_skips_its_caches_but_refuses_profile_writes(tmp_path,
                                                                         monkeypatch):
    store = Store(tmp_path / "s.db")
    store.upsert([profile(1)])

    def read_only(*args, **kwargs):
        raise unavailable(store.path, sqlite3.OperationalError("attempt to write a readonly "
                                                               "database"))

    monkeypatch.setattr(store, "transaction", read_only)
    store.cache_vectors("m", [("h", np.ones(4, dtype=np.float32))])  # skipped, no error
    store.cache_features([("k", "{}")])
    assert store.cached_vectors("m", ["h"]) == {}
    with pytest.raises(ReadOnlyRegistryError, match="read-only"):
        store.upsert([profile(2)])


def run_sql(path: Path, *statements: str) -> None:
    """Change the file at ``path`` as another program would, behind the store's back."""
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def _foreign_db(path: Path, table: str = "users(id, name)") -> bytes:
    run_sql(path, f"CREATE TABLE {table}",
            "INSERT INTO users VALUES (1, 'x')" if table.startswith("users") else "SELECT 1")
    return path.read_bytes()


@pytest.mark.parametrize("table", ["users(id, name)", "actors(id, name)"])
def test_a_database_of_another_application_is_refused_untouched(tmp_path, table):
    path = tmp_path / "app.db"
    before = _foreign_db(path, table)
    with pytest.raises(ConfigError, match="SQLite database of another application.*not a "
                                          "Soliris registry; nothing was changed"):
        Store(path)
    assert path.read_bytes() == before  # no table added, journal mode unchanged
    assert not path.with_name("app.db-wal").exists()


def test_a_registry_whose_creation_was_cut_short_is_completed(tmp_path):
    path = tmp_path / "s.db"
    run_sql(path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    Store(path).upsert([profile(1)])
    assert Store(path).count() == 1


def test_a_schema_version_that_is_not_a_number_is_a_clear_error(tmp_path):
    path = tmp_path / "s.db"
    Store(path)
    run_sql(path, "UPDATE meta SET value='abc' WHERE key='schema_version'")
    with pytest.raises(ConfigError, match="schema version 'abc' is not a number"):
        Store(path)


def test_a_folder_as_the_registry_path_is_named(tmp_path):
    with pytest.raises(ConfigError, match="is a folder: give the database file"):
        Store(tmp_path)


def test_a_registry_in_a_read_only_folder_is_read_as_immutable(tmp_path, monkeypatch):
    path = tmp_path / "s.db"
    Store(path).upsert([profile(1)])
    monkeypatch.setattr("matcher.store.os.access", lambda p, mode: False)
    store = Store(path, create=False)
    assert [a.profile.id for a in store.all()] == ["a-1"]
    assert not path.with_name("s.db-wal").exists()  # nothing written beside it
    with pytest.raises(ReadOnlyRegistryError, match="read-only"):
        store.upsert([profile(2)])
    store.cache_vectors("m", [("h", np.ones(4, dtype=np.float32))])  # skipped, no error


def test_a_meta_table_without_a_schema_version_is_refused_untouched(tmp_path):
    other = tmp_path / "other.db"
    run_sql(other, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "INSERT INTO meta VALUES ('app', 'x')")
    damaged = tmp_path / "damaged.db"
    Store(damaged).upsert([profile(1)])
    run_sql(damaged, "DELETE FROM meta WHERE key='schema_version'")
    for path in (other, damaged):
        before = path.read_bytes()
        with pytest.raises(ConfigError, match="meta table without a schema version"):
            Store(path)
        assert path.read_bytes() == before


def test_a_folder_made_read_only_while_open_is_read_as_immutable(tmp_path, monkeypatch):
    # A disk remounted read-only under a running service: reads go on, writes are refused.
    path = tmp_path / "s.db"
    store = Store(path)
    store.upsert([profile(1)])
    monkeypatch.setattr("matcher.store.os.access", lambda p, mode: False)
    assert [a.profile.id for a in store.all()] == ["a-1"]
    with pytest.raises(ReadOnlyRegistryError, match="read-only"):
        store.upsert([profile(2)])
    monkeypatch.undo()  # writable again: writes work again
    assert store.upsert([profile(2)]).created == 1


def test_a_registry_deleted_while_open_is_missing_and_not_recreated(tmp_path):
    path = tmp_path / "s.db"
    store = Store(path)
    store.upsert([profile(1)])
    for file in database_files(path):
        file.unlink(missing_ok=True)
    for call in (store.count, store.all, lambda: store.upsert([profile(2)])):
        with pytest.raises(MissingRegistryError, match="is missing: it was deleted or moved"):
            call()
    assert not path.exists()  # no empty file left for a later command to read as a registry
    Store(path).upsert([profile(3)])  # put back (a new import): the open store sees it
    assert [a.profile.id for a in store.all()] == ["a-3"]


def test_the_state_tells_apart_registries_with_the_same_revision(tmp_path):
    first, second = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
    first.upsert([profile(1)])
    second.upsert([profile(2)])
    assert first.revision() == second.revision()
    assert first.state() != second.state()
    before = first.state()
    first.upsert([profile(1)])  # unchanged: the same state
    assert first.state() == before
    first.upsert([profile(1, "Autre")])
    assert first.state()[0] == before[0] + 1 and first.state()[1] != before[1]


def test_a_registry_of_an_earlier_version_gets_a_generation(tmp_path):
    path = tmp_path / "s.db"
    Store(path).upsert([profile(1)])
    _earlier_version(path)
    assert Store(path).state()[1] != ""


@pytest.mark.parametrize("content", [b"not a database\n", b"", "partial"])
def test_a_registry_overwritten_by_a_partial_or_other_file_is_a_clear_error(tmp_path, content):
    # A backup being copied over the registry of a running service: the first bytes only, or
    # another file. A clear error (the service's 503), not an unexpected one (a 500).
    path = tmp_path / "s.db"
    store = Store(path)
    store.upsert([profile(1)])
    whole = path.read_bytes()
    copied = whole[:5000] if content == "partial" else content
    path.write_bytes(copied)
    for call in (store.count, store.all, lambda: store.upsert([profile(2)])):
        with pytest.raises(ConfigError, match="cannot be read as a registry .*put a complete "
                                              "copy back"):
            call()
    # Nothing written into it: the copy going on (cp truncates, then writes from the start)
    # would otherwise have its first page overwritten by an empty database's, for good.
    assert path.read_bytes() == copied
    path.write_bytes(whole)
    assert [a.profile.id for a in store.all()] == ["a-1"]


def _earlier_version(path: Path) -> None:
    """Make ``path`` a registry as an earlier version wrote it: without a generation."""
    run_sql(path, "DELETE FROM meta WHERE key='generation'")


def test_an_earlier_registry_opened_by_two_processes_at_once_opens_in_both(tmp_path,
                                                                           monkeypatch):
    # Two commands (or the service and a command) opening a registry of an earlier version at
    # the same moment both see it without a generation; the one that adds it second must not
    # fail with "UNIQUE constraint failed" ("cannot open the registry database").
    path = tmp_path / "s.db"
    Store(path).upsert([profile(1)])
    _earlier_version(path)
    draw = store_module._new_generation

    def the_other_process_first() -> str:
        run_sql(path, "INSERT INTO meta VALUES ('generation', 'theirs')")
        return draw()

    monkeypatch.setattr(store_module, "_new_generation", the_other_process_first)
    store = Store(path, create=False)
    assert store.state() == (1, "theirs")
    assert [a.profile.id for a in store.all()] == ["a-1"]


def test_an_earlier_registry_in_a_read_only_folder_is_read_unchanged(tmp_path, monkeypatch):
    path = tmp_path / "s.db"
    Store(path).upsert([profile(1)])
    _earlier_version(path)
    before = path.read_bytes()
    monkeypatch.setattr("matcher.store.os.access", lambda p, mode: False)
    store = Store(path, create=False)
    assert [a.profile.id for a in store.all()] == ["a-1"]
    assert store.state() == (1, "")
    assert path.read_bytes() == before


def test_prune_while_another_process_reads_shrinks_the_file_once_it_lets_go(tmp_path):
    store = Store(tmp_path / "r.db")
    store.upsert([profile(1)])
    store.cache_vectors("m", [(f"k{i}", np.ones(512)) for i in range(200)])
    reader = sqlite3.connect(tmp_path / "r.db")
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM embeddings").fetchone()  # holds a read snapshot
    try:
        summary = store.prune_cache("m", {"k0"}, set(), other_models=False,
                                    state=store.state())
    finally:
        reader.close()
    assert summary is not None and summary.vectors == 199 and not summary.compacted
    assert set(store.cached_vectors("m", [f"k{i}" for i in range(200)])) == {"k0"}
    assert (tmp_path / "r.db").stat().st_size < summary.bytes_before / 4  # the reader let go
    again = store.prune_cache("m", {"k0"}, set(), other_models=False, state=store.state())
    assert again is not None and again.compacted and again.vectors == 0
