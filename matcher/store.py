"""SQLite registry: actor profiles, the embedding cache and coordinator keys.

One connection per operation keeps the store safe to share between threads (the HTTP
service) and processes (a CLI import while the service runs); WAL mode lets readers go on
while a writer commits. Every write is one transaction: a failed import leaves nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from matcher.errors import ConfigError, NotFoundError
from matcher.profile import ActorProfile, profile_from_dict

# The features table (a cache, created if missing) came after version 1 without changing it:
# older programs ignore it.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actors (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
CREATE TABLE IF NOT EXISTS features (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    name TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""


# The columns of each table of _SCHEMA: a file whose tables differ is not a registry.
_TABLES = {"meta": ("key", "value"),
           "actors": ("id", "data", "content_hash", "created_at", "updated_at"),
           "embeddings": ("model", "text_hash", "vector"), "features": ("key", "data"),
           "api_keys": ("name", "key_hash", "created_at", "revoked_at")}


def database_files(path: Path) -> tuple[Path, ...]:
    """The registry database ``path`` and the files SQLite keeps beside it (write-ahead log,
    its index, a rollback journal): what belongs to the registry on disk."""
    return (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm",
                                                                      "-journal")))


def _has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


@dataclass(frozen=True)
class StoredActor:
    profile: ActorProfile
    created_at: str
    updated_at: str
    content_hash: str = ""  # profile_hash(profile), as stored


@dataclass(frozen=True)
class UpsertSummary:
    created: int
    updated: int
    unchanged: int
    changed: tuple[str, ...] = ()
    ignored_fields: tuple[str, ...] = ()  # keys of an imported file that are not profile fields


@dataclass(frozen=True)
class PruneSummary:
    """What :meth:`Store.prune_cache` removed from the caches, and what it kept."""

    vectors: int  # the model's cached vectors that no registered profile uses
    features: int  # cached text features (places, themes) that no registered profile uses
    other_models: dict[str, int]  # vectors of other models: removed, or kept (see below)
    other_models_removed: bool
    bytes_before: int  # the registry's files on disk (database_files)
    bytes_after: int
    compacted: bool  # False: another process was reading the file (see prune_cache)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def profile_hash(profile: ActorProfile) -> str:
    return hashlib.sha256(json.dumps(profile.to_dict(), sort_keys=True,
                                     ensure_ascii=False).encode()).hexdigest()


#: Seconds a write waits for another process's write to finish before giving up.
LOCK_TIMEOUT_S = 30


class ReadOnlyRegistryError(ConfigError):
    """The registry file (or its folder) cannot be written."""


def unavailable(path: Path, exc: sqlite3.Error) -> ConfigError:
    """A plain-words error for a registry file that cannot be read or written now."""
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return ReadOnlyRegistryError(f"cannot write to the registry database {path}: the file "
                                     f"or its folder is read-only (check its permissions); "
                                     f"nothing was changed")
    if any(sign in text for sign in ("not a database", "malformed", "no such table",
                                     "file is empty")):
        # The file at the path is not a whole registry (any longer): a copy still being
        # written over it, a damaged file, or another file put in its place.
        return ConfigError(f"the registry database {path} cannot be read as a registry ({text}): "
                           f"a copy still being written, a damaged file or another file in its "
                           f"place; put a complete copy back; nothing was changed")
    if "locked" in text or "busy" in text:
        return ConfigError(f"the registry database {path} is locked by another process (waited "
                           f"{LOCK_TIMEOUT_S} s); nothing was changed, try again when it is done")
    return ConfigError(f"cannot use the registry database {path}: {text}; nothing was changed")


def missing(path: Path) -> ConfigError:
    """The error for a registry file that was there when the store was opened and is gone
    now (deleted, moved, its disk unmounted): said as such, not as SQLite's "no such table"
    of the empty file it would otherwise create in its place."""
    return MissingRegistryError(f"the registry database {path} is missing: it was deleted or "
                                f"moved, or its disk is not mounted; put it back (or import "
                                f"into a new one there) and try again; nothing was changed")


#: Values bound in one ``IN (...)`` list: under SQLite's limit on bound parameters.
IN_CHUNK = 900


def _rows_in(db: sqlite3.Connection, query: str, values: Sequence[str],
             *leading: object) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` for every one of ``values``, run in chunks of :data:`IN_CHUNK`;
    ``{marks}`` in the query stands for the chunk's ``IN`` list, ``leading`` for the
    parameters before it."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start:start + IN_CHUNK])
        yield from db.execute(query.format(marks=",".join("?" * len(chunk))),
                              [*leading, *chunk])


def _content_hashes(db: sqlite3.Connection, ids: Sequence[str]) -> dict[str, str]:
    """Stored content hash of each of ``ids`` that is registered."""
    return dict(_rows_in(db, "SELECT id, content_hash FROM actors WHERE id IN ({marks})", ids))


class MissingRegistryError(ConfigError):
    """A command that only reads was pointed at a registry file that does not exist."""


class Store:
    """The registry database at ``path``, created with its folder on first use unless
    ``create`` is false: then a missing file is a :class:`MissingRegistryError`, so that a
    mistyped ``--db`` path is reported instead of read as an empty registry (and left
    behind as a stray file)."""

    def __init__(self, path: Path | str, *, create: bool = True):
        self.path = Path(path)
        if self.path.is_dir():
            raise ConfigError(f"the registry path {self.path} is a folder: give the database "
                              f"file, such as {self.path / 'soliris.db'}")
        if not create and not self.path.exists():
            raise MissingRegistryError(
                f"there is no registry database at {self.path}: create it with `soliris "
                f"import FILE`, or point --db (or SOLIRIS_DB) at an existing one")
        # SQLite writes its -wal and -shm files beside the database, even to read it: in a
        # folder that cannot be written (a read-only mount) the file is opened as immutable.
        self._immutable = self._read_only_folder()
        self._created = False  # once the schema is there, connections never create the file
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._refuse_foreign()
            with self._connect() as db:
                db.executescript(_SCHEMA)
                row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if row is None:
                    db.execute("INSERT INTO meta VALUES ('schema_version', ?)",
                               (str(SCHEMA_VERSION),))
                    db.execute("INSERT INTO meta VALUES ('revision', '0')")
                elif not str(row[0]).isdigit():
                    raise ConfigError(f"cannot open the registry database {self.path}: its "
                                      f"schema version {str(row[0])[:20]!r} is not a number "
                                      f"(the file is damaged or was not written by soliris)")
                elif int(row[0]) > SCHEMA_VERSION:
                    raise ConfigError(f"database {self.path} has schema version {row[0]}, newer "
                                      f"than this program's {SCHEMA_VERSION}; upgrade soliris")
                if not self._immutable and db.execute(
                        "SELECT 1 FROM meta WHERE key='generation'").fetchone() is None:
                    # A registry of an earlier version gets its generation now (see state());
                    # a read-only file keeps going without one. OR IGNORE: another process
                    # opening it at the same moment may have added one since the check.
                    with contextlib.suppress(sqlite3.OperationalError):
                        db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', ?)",
                                   (_new_generation(),))
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(f"cannot open the registry database {self.path}: {exc}") from exc
        self._created = True

    def _read_only_folder(self) -> bool:
        """Whether the registry is an existing file in a folder that cannot be written now (a
        read-only mount, also one remounted read-only while the service runs), with no
        write-ahead log to read: then it can only be read, and is opened as immutable."""
        return self.path.exists() and not os.access(self.path.parent, os.W_OK) \
            and not _has_content(database_files(self.path)[1])  # its write-ahead log

    def _refuse_foreign(self) -> None:
        """Refuse, untouched, an SQLite file of another application: creating the registry's
        tables in it (and switching it to WAL) would change a file that is not ours."""
        if not _has_content(self.path):
            return
        with closing(self._open()) as db:
            tables = {name: tuple(column for (column,) in db.execute(
                          "SELECT name FROM pragma_table_info(?)", (name,)))
                      for (name,) in db.execute("SELECT name FROM sqlite_master WHERE "
                                                "type='table' AND name NOT LIKE 'sqlite_%'")}
            meta_rows = 0
            if tables.get("meta") == _TABLES["meta"]:
                # A registry of any version says so (a newer one is reported as such, after).
                if db.execute("SELECT 1 FROM meta WHERE key='schema_version'").fetchone():
                    return
                meta_rows = db.execute("SELECT count(*) FROM meta").fetchone()[0]
        if any(_TABLES.get(name) != columns for name, columns in tables.items()):
            listed = ", ".join(sorted(tables)[:8]) + (", ..." if len(tables) > 8 else "")
            raise ConfigError(f"{self.path} is an SQLite database of another application (its "
                              f"tables: {listed}), not a Soliris registry; nothing was changed: "
                              f"give --db (or SOLIRIS_DB) a new file or a Soliris registry")
        # The registry's first write is its schema version: a meta table with other rows and
        # none of it is another program's, or a damaged registry. Only an empty one (a
        # creation cut short before that write) is completed.
        if meta_rows:
            raise ConfigError(f"{self.path} has a meta table without a schema version: it is "
                              f"not a Soliris registry, or a damaged one; nothing was changed "
                              f"(restore a copy, or give --db a new file)")

    def _open(self, immutable: bool = False) -> sqlite3.Connection:
        if immutable or self._immutable:
            return sqlite3.connect(f"{self.path.resolve().as_uri()}?immutable=1", uri=True,
                                   isolation_level=None)
        if self._created:
            # mode=rw: a registry deleted or moved under a running service is reported as
            # missing, instead of SQLite creating an empty file in its place (which a later
            # command would then read as an empty registry).
            return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True,
                                   timeout=LOCK_TIMEOUT_S, isolation_level=None)
        return sqlite3.connect(self.path, timeout=LOCK_TIMEOUT_S, isolation_level=None)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A folder made read-only after the store was opened (a disk remounted read-only):
        # reads go on from the file as it is, writes are refused as read-only.
        immutable = self._immutable or (self._created and self._read_only_folder())
        try:
            db = self._open(immutable)
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from exc
        try:
            if not immutable:
                self._wal(db)
                db.execute("PRAGMA synchronous=NORMAL")
            yield db
        except sqlite3.DatabaseError as exc:
            # A read-only file, another process's lock, a file replaced by a damaged or
            # partial copy: the user's to fix, not a bug. Constraint and programming errors
            # are the caller's (a duplicate key name is a conflict, for one).
            if type(exc) not in (sqlite3.OperationalError, sqlite3.DatabaseError):
                raise
            raise self._unavailable(exc) from exc
        finally:
            db.close()

    def _wal(self, db: sqlite3.Connection) -> None:
        """Put the registry in WAL mode, which it keeps in its file: once created, only a
        registry that is not in it yet (a copy restored from a rollback-journal backup) is
        switched. Switching writes the file's first page, and an empty file is then made an
        empty database: a registry being overwritten by ``cp`` (truncated, then written from
        the start) could get that page over the copy's, damaged for good."""
        if self._created:
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            if mode == "wal":
                return
            if db.execute("PRAGMA page_count").fetchone()[0] == 0:
                raise sqlite3.DatabaseError("the file is empty")
        db.execute("PRAGMA journal_mode=WAL")

    def _unavailable(self, exc: sqlite3.Error) -> ConfigError:
        if self._created and not self.path.exists():
            return missing(self.path)
        return unavailable(self.path, exc)

    @contextmanager
    def transaction(self, *, actors_changed: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction; ``actors_changed`` bumps the registry revision on commit."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                if actors_changed and db.total_changes:
                    db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                               "WHERE key='revision'")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)",
                               (_new_generation(),))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- actors ---------------------------------------------------------------------------
    def upsert(self, profiles: Sequence[ActorProfile], hashes: Sequence[str] | None = None
               ) -> UpsertSummary:
        """Insert or replace profiles by id, all in one transaction (``hashes``: their
        :func:`profile_hash`, when the caller has them already)."""
        stamp = now_iso()
        changed: list[str] = []
        created = updated = unchanged = 0
        digests = hashes if hashes is not None else [profile_hash(p) for p in profiles]
        with self.transaction(actors_changed=True) as db:
            known = _content_hashes(db, [p.id for p in profiles])
            for profile, digest in zip(profiles, digests, strict=True):
                previous = known.get(profile.id)
                if previous == digest:
                    unchanged += 1
                    continue
                data = json.dumps(profile.to_dict(), ensure_ascii=False)
                if previous is None:
                    db.execute("INSERT INTO actors VALUES (?,?,?,?,?)",
                               (profile.id, data, digest, stamp, stamp))
                    created += 1
                else:
                    db.execute("UPDATE actors SET data=?, content_hash=?, updated_at=? WHERE id=?",
                               (data, digest, stamp, profile.id))
                    updated += 1
                changed.append(profile.id)
        return UpsertSummary(created, updated, unchanged, tuple(changed))

    def changed(self, profiles: Sequence[ActorProfile], hashes: Sequence[str] | None = None
                ) -> list[ActorProfile]:
        """The profiles that are new or differ from the stored ones (what an upsert would
        write; ``hashes`` as for :meth:`upsert`)."""
        digests = hashes if hashes is not None else [profile_hash(p) for p in profiles]
        with self._connect() as db:
            known = _content_hashes(db, [p.id for p in profiles])
        return [p for p, digest in zip(profiles, digests, strict=True)
                if known.get(p.id) != digest]

    def insert_new(self, profile: ActorProfile) -> bool:
        """Insert a profile whose id must be new; returns False when the id exists."""
        stamp = now_iso()
        with self.transaction(actors_changed=True) as db:
            try:
                db.execute("INSERT INTO actors VALUES (?,?,?,?,?)",
                           (profile.id, json.dumps(profile.to_dict(), ensure_ascii=False),
                            profile_hash(profile), stamp, stamp))
            except sqlite3.IntegrityError:
                return False
        return True

    def get(self, actor_id: str) -> StoredActor:
        with self._connect() as db:
            row = db.execute("SELECT data, created_at, updated_at, content_hash FROM actors "
                             "WHERE id=?", (actor_id,)).fetchone()
        if row is None:
            raise NotFoundError("actor", actor_id)
        return _stored(row)

    def many(self, ids: Sequence[str]) -> list[StoredActor]:
        """The registered profiles of ``ids``, in that order; ids not registered are left
        out."""
        with self._connect() as db:
            found = {row[0]: _stored(row[1:]) for row in _rows_in(
                db, "SELECT id, data, created_at, updated_at, content_hash FROM actors "
                "WHERE id IN ({marks})", ids)}
        return [found[actor_id] for actor_id in ids if actor_id in found]

    def content_hashes(self) -> dict[str, str]:
        """Every registered id, in id order, with its content hash."""
        with self._connect() as db:
            return dict(db.execute("SELECT id, content_hash FROM actors ORDER BY id"))

    def all(self) -> list[StoredActor]:
        with self._connect() as db:
            rows = db.execute("SELECT data, created_at, updated_at, content_hash FROM actors "
                              "ORDER BY id")
            return [_stored(row) for row in rows]

    def delete(self, actor_id: str) -> None:
        with self.transaction(actors_changed=True) as db:
            if db.execute("DELETE FROM actors WHERE id=?", (actor_id,)).rowcount == 0:
                raise NotFoundError("actor", actor_id)

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM actors").fetchone()[0])

    def content_hash(self) -> str:
        """One hash of every profile's content: equal registries give equal hashes."""
        digest = hashlib.sha256()
        with self._connect() as db:
            for actor_id, content in db.execute(
                    "SELECT id, content_hash FROM actors ORDER BY id"):
                digest.update(f"{actor_id}:{content}\n".encode())
        return digest.hexdigest()

    def revision(self) -> int:
        """A counter bumped by every write to actors."""
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key='revision'").fetchone()
        return int(row[0]) if row else 0

    def state(self) -> tuple[int, str]:
        """A cheap "has anything changed?" token: the revision and the generation, a random
        value drawn anew by every write to actors. The revision alone is not enough when the
        file is replaced under a running service (a backup restored, a registry exported and
        imported into a new file): another registry may have reached the same count with
        other actors, whereas equal generations mean the same write, so the same actors."""
        with self._connect() as db:
            return self._state(db)

    @staticmethod
    def _state(db: sqlite3.Connection) -> tuple[int, str]:
        rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN "
                               "('revision', 'generation')"))
        return int(rows.get("revision", 0)), str(rows.get("generation", ""))

    # -- embedding cache -----------------------------------------------------------------
    def cache_holds(self, model: str) -> tuple[bool, bool]:
        """Whether the embedding cache holds vectors of ``model``, and of any other model (two
        index lookups: the cache's key starts with the model)."""
        with self._connect() as db:
            own = db.execute("SELECT 1 FROM embeddings WHERE model = ? LIMIT 1",
                             (model,)).fetchone() is not None
            others = any(db.execute(f"SELECT 1 FROM embeddings WHERE model {op} ? LIMIT 1",
                                    (model,)).fetchone() for op in ("<", ">"))
        return own, others

    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        with self._connect() as db:
            return {text_hash: np.frombuffer(blob, dtype=np.float32)
                    for text_hash, blob in _rows_in(
                        db, "SELECT text_hash, vector FROM embeddings WHERE model=? "
                        "AND text_hash IN ({marks})", hashes, model)}

    def _write_cache(self, statement: str, rows: Iterable[tuple[object, ...]]) -> None:
        """A write to a cache table. A registry that cannot be written (a read-only copy
        served as is) skips the cache instead of failing the query that filled it."""
        try:
            with self.transaction() as db:
                db.executemany(statement, rows)
        except ReadOnlyRegistryError:
            pass

    def cache_vectors(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        self._write_cache("INSERT OR REPLACE INTO embeddings VALUES (?,?,?)",
                          ((model, h, np.asarray(v, dtype=np.float32).tobytes())
                           for h, v in items))

    def prune_cache(self, model: str, vectors: set[str], features: set[str], *,
                    other_models: bool, state: tuple[int, str]) -> PruneSummary | None:
        """Remove ``model``'s cached vectors whose key is not in ``vectors``, the cached text
        features not in ``features`` and, with ``other_models``, every other model's vectors;
        then give the space back to the file system. ``vectors`` and ``features`` are what
        the registry needs at ``state``: if it changed since, nothing is removed and the
        answer is ``None`` (the caller computes them again).

        Space is given back by ``VACUUM``. While another process is reading the file (a
        running service in the middle of a request), the entries are removed all the same and
        the rewritten file waits in the write-ahead log: the file shrinks when the last
        connection to it closes (a service holds none between requests)."""
        before = self._size()
        with self.transaction() as db:
            if self._state(db) != state:
                return None
            db.execute("CREATE TEMP TABLE keep (key TEXT PRIMARY KEY)")
            try:
                removed = _delete_unkept(db, vectors, "DELETE FROM embeddings WHERE model = ? "
                                         "AND text_hash NOT IN (SELECT key FROM keep)", model)
                dropped = _delete_unkept(db, features, "DELETE FROM features WHERE key NOT IN "
                                         "(SELECT key FROM keep)")
            finally:
                db.execute("DROP TABLE keep")
            others = dict(db.execute("SELECT model, COUNT(*) FROM embeddings WHERE model != ? "
                                     "GROUP BY model ORDER BY model", (model,)))
            if other_models:
                db.execute("DELETE FROM embeddings WHERE model != ?", (model,))
        compacted = self._compact() if removed or dropped or (other_models and others) \
            else True
        return PruneSummary(removed, dropped, others, other_models, before, self._size(),
                            compacted)

    def _size(self) -> int:
        return sum(path.stat().st_size for path in database_files(self.path) if path.exists())

    def _compact(self) -> bool:
        """Rewrite the file without its free pages; ``False`` when another process reading it
        kept the rewrite in the write-ahead log (the file shrinks when the log is next
        checkpointed, at the latest when the last connection to it closes)."""
        try:
            with self._connect() as db:
                db.execute("PRAGMA busy_timeout = 2000")
                db.execute("VACUUM")
                busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except ConfigError:  # locked by another process: the freed pages are reused later
            return False
        return busy == 0

    # -- text features cache (matcher.features) ---------------------------------------------
    def cached_features(self, keys: Sequence[str]) -> dict[str, str]:
        with self._connect() as db:
            return dict(_rows_in(db, "SELECT key, data FROM features WHERE key IN ({marks})",
                                 keys))

    def cache_features(self, items: Sequence[tuple[str, str]]) -> None:
        self._write_cache("INSERT OR REPLACE INTO features VALUES (?,?)", items)

    # -- coordinator keys -----------------------------------------------------------------
    @contextmanager
    def keys(self) -> Iterator[sqlite3.Connection]:
        """A transaction on the ``api_keys`` table (used by :mod:`matcher.keys`)."""
        with self.transaction() as db:
            yield db

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads outside a transaction (:mod:`matcher.keys` looks keys up
        with it); the registry's errors are said as for every other read."""
        with self._connect() as db:
            yield db


def _delete_unkept(db: sqlite3.Connection, keys: set[str], statement: str,
                   *params: object) -> int:
    """Fill the temporary table ``keep`` with ``keys`` alone, then run ``statement`` (a
    ``DELETE`` of the rows not in it); returns how many rows it removed."""
    db.execute("DELETE FROM keep")
    db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((key,) for key in keys))
    return db.execute(statement, params).rowcount


def _new_generation() -> str:
    return secrets.token_hex(8)


def _stored(row: tuple[str, str, str, str]) -> StoredActor:
    # Rows were validated when written; rebuilding them skips the checks (fast at 100k).
    return StoredActor(profile_from_dict(json.loads(row[0])), row[1], row[2], row[3])
