"""Coordinator API keys: created once, stored hashed, sent as ``Authorization: Bearer <key>``.

A key is a random secret shown once at creation; the registry keeps only its SHA-256 hash, so
a copy of the database gives no usable key. Revoking keeps the row (and its name) so that the
name cannot be reused by mistake and the date of the revocation stays visible.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass, replace

from matcher.errors import ConflictError, Issue, NotFoundError, ValidationError, clip
from matcher.store import Store, now_iso

KEY_PREFIX = "sk_"
# A name starts with a letter or a digit: "-x" would read as an option on the command line.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# A secret longer than this is not one of ours: do not even hash it.
MAX_SECRET_CHARS = 256


@dataclass(frozen=True)
class KeyInfo:
    """What the registry knows about a key (never the secret itself)."""

    name: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        """Whether the key still opens the coordinator routes (it is not revoked)."""
        return self.revoked_at is None


def hash_secret(secret: str) -> str:
    """What the registry stores of a secret: its SHA-256, never the secret itself. A lone
    surrogate is hashed as it is rather than refused: such a secret matches no key."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def check_name(name: object) -> str:
    """The key name, or a :class:`ValidationError` saying what is wrong with it."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValidationError([Issue(
            f"{clip(repr(name))} is not a valid key name: use 1-64 ASCII letters, digits, '_', "
            "'.' or '-', starting with a letter or a digit",
            field="name", value=name)])
    return name


def create_key(store: Store, name: str) -> str:
    """Create the key ``name`` and return its secret (the only time it is ever shown)."""
    check_name(name)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        with store.keys() as db:
            db.execute("INSERT INTO api_keys (name, key_hash, created_at, revoked_at) "
                       "VALUES (?, ?, ?, NULL)", (name, hash_secret(secret), now_iso()))
    except sqlite3.IntegrityError as exc:
        raise ConflictError(f"a key named '{name}' already exists (revoked keys keep their "
                            "name); choose another name") from exc
    return secret


def list_keys(store: Store) -> list[KeyInfo]:
    """Every key, active or revoked, by name."""
    with store.reading() as db:
        rows = db.execute("SELECT name, created_at, revoked_at FROM api_keys ORDER BY name")
        return [KeyInfo(*row) for row in rows]


def get_key(store: Store, name: str) -> KeyInfo:
    """The key named ``name``, active or revoked; unknown names are an error."""
    with store.reading() as db:
        return _named(db, name)


def revoke_key(store: Store, name: str) -> KeyInfo:
    """Revoke ``name`` (revoking twice keeps the first date); unknown names are an error."""
    with store.keys() as db:
        info = _named(db, name)
        if info.active:
            info = replace(info, revoked_at=now_iso())
            db.execute("UPDATE api_keys SET revoked_at=? WHERE name=?", (info.revoked_at, name))
    return info


def _named(db: sqlite3.Connection, name: str) -> KeyInfo:
    row = db.execute("SELECT name, created_at, revoked_at FROM api_keys WHERE name=?",
                     (name,)).fetchone()
    if row is None:
        raise NotFoundError("key", name, label="name")
    return KeyInfo(*row)


def lookup_key(store: Store, secret: str) -> KeyInfo | None:
    """The key whose secret is ``secret``, revoked or not; ``None`` for an unknown secret."""
    if not isinstance(secret, str) or not secret or len(secret) > MAX_SECRET_CHARS:
        return None
    with store.reading() as db:
        row = db.execute("SELECT name, created_at, revoked_at FROM api_keys WHERE key_hash=?",
                         (hash_secret(secret),)).fetchone()
    return KeyInfo(*row) if row else None


def authenticate(store: Store, secret: str) -> KeyInfo | None:
    """The active key whose secret is ``secret``; ``None`` when unknown or revoked."""
    info = lookup_key(store, secret)
    return info if info is not None and info.active else None
