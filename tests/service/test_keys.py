"""Coordinator keys (``matcher.keys``) and the ``soliris keys`` commands."""

from __future__ import annotations

import hashlib

import pytest

from matcher import cli, keys
from matcher.errors import ConflictError, NotFoundError, ValidationError
from matcher.store import Store


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "keys.db")


def test_create_returns_a_secret_stored_only_as_a_hash(store, tmp_path):
    secret = keys.create_key(store, "alice")
    assert secret.startswith("sk_") and len(secret) > 40
    assert keys.create_key(store, "bob") != secret
    with store._connect() as db:
        rows = db.execute("SELECT name, key_hash FROM api_keys ORDER BY name").fetchall()
    assert rows[0] == ("alice", hashlib.sha256(secret.encode()).hexdigest())
    for path in tmp_path.iterdir():  # the secret is nowhere on disk, WAL included
        assert secret.encode() not in path.read_bytes()


def test_authenticate(store):
    secret = keys.create_key(store, "alice")
    info = keys.authenticate(store, secret)
    assert info is not None and info.name == "alice" and info.revoked_at is None
    assert info.created_at
    assert keys.authenticate(store, secret + "x") is None
    assert keys.authenticate(store, "") is None
    assert keys.authenticate(store, "x" * 10_000) is None


def test_revoke(store):
    secret = keys.create_key(store, "alice")
    revoked = keys.revoke_key(store, "alice")
    assert revoked.revoked_at is not None
    assert keys.authenticate(store, secret) is None
    looked_up = keys.lookup_key(store, secret)
    assert looked_up is not None and not looked_up.active
    # Revoking again keeps the first date; the name stays taken.
    assert keys.revoke_key(store, "alice").revoked_at == revoked.revoked_at
    with pytest.raises(ConflictError):
        keys.create_key(store, "alice")
    with pytest.raises(NotFoundError):
        keys.revoke_key(store, "nobody")


def test_list_keys(store):
    assert keys.list_keys(store) == []
    keys.create_key(store, "b.key")
    keys.create_key(store, "a_key-1")
    keys.revoke_key(store, "b.key")
    listed = keys.list_keys(store)
    assert [k.name for k in listed] == ["a_key-1", "b.key"]
    assert listed[0].revoked_at is None and listed[1].revoked_at is not None


def test_duplicate_name_is_a_conflict(store):
    keys.create_key(store, "alice")
    with pytest.raises(ConflictError):
        keys.create_key(store, "alice")
    assert len(keys.list_keys(store)) == 1


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "é", "a/b", None, 3, "-dash", ".dot"])
def test_bad_names(store, name):
    with pytest.raises(ValidationError) as caught:
        keys.create_key(store, name)  # type: ignore[arg-type]
    assert caught.value.issues[0].field == "name"
    assert keys.list_keys(store) == []


def test_cli_keys_commands(tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    assert cli.main(["--db", db, "keys", "create", "coordinator-1"]) == 0
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("sk_") and "shown only once" in err
    assert keys.authenticate(Store(tmp_path / "cli.db"), secret) is not None
    assert cli.main(["--db", db, "keys", "create", "coordinator-1"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["--db", db, "keys", "list"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("coordinator-1\tcreated ") and "active" in out
    assert secret not in out
    assert cli.main(["--db", db, "keys", "revoke", "coordinator-1"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", db, "keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert keys.authenticate(Store(tmp_path / "cli.db"), secret) is None
    assert cli.main(["--db", db, "keys", "revoke", "nobody"]) == 1
    assert "unknown key name 'nobody'" in capsys.readouterr().err
    assert cli.main(["--db", db, "keys", "revoke", "coordinator-1"]) == 0
    assert "was already revoked on " in capsys.readouterr().err


def test_cli_keys_list_says_when_there_is_none(tmp_path, capsys):
    Store(tmp_path / "k.db")
    assert cli.main(["--db", str(tmp_path / "k.db"), "keys", "list"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "no keys yet" in err and "soliris keys create NAME" in err
