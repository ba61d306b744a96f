"""What :meth:`matcher.engine.Matcher.list` filters on, kept in memory in step with the registry.

Listing used to read, parse and fold every profile at every request: 1.7 s to list the first
100 of 100,000 actors, 5.4 s to search them, at each keystroke of the web page's actor picker.
:class:`ActorListing` keeps one small row per actor (its kind and content hash; its folded search
text and its partner countries once a request needs them). When the registry changes, only the
actors whose content hash changed are read again; a page's actors are then read by id.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from matcher.features import text_features
from matcher.places import fold_any_script
from matcher.profile import ActorProfile
from matcher.store import Store


def search_text(profile: ActorProfile) -> str:
    """What a text search of the registry reads (its id, name, description and themes),
    before folding."""
    return " ".join([profile.id, profile.name, profile.description, *profile.themes])


@dataclass
class _Row:
    content_hash: str
    kind: str
    raw: str | None  # search_text, until a search folds it
    folded: str | None = None
    countries: frozenset[str] | None = None  # worked in, named in the texts too; on demand

    def text(self) -> str:
        if self.folded is None:
            self.folded = fold_any_script(self.raw or "")
            self.raw = None
        return self.folded


class ActorListing:
    """The registry's actors as :meth:`select` filters them, refreshed from the store when its
    state changes (another process's writes included). Thread-safe."""

    def __init__(self) -> None:
        self._rows: dict[str, _Row] = {}  # by id, in id order
        self._state: tuple[int, str] | None = None
        self._lock = threading.Lock()

    def select(self, store: Store, kind: str | None = None,
               countries: frozenset[str] | None = None, needle: str | None = None
               ) -> list[str]:
        """Ids, in id order, of the actors of ``kind`` that work in one of ``countries`` and
        whose folded search text holds ``needle`` (each filter ignored when ``None``)."""
        with self._lock:
            self._refresh(store)
            if countries:
                self._fill_countries(store)
            return [actor_id for actor_id, row in self._rows.items()
                    if (kind is None or row.kind == kind)
                    and (not countries or countries & (row.countries or frozenset()))
                    and (needle is None or needle in row.text())]

    def _refresh(self, store: Store) -> None:
        # The state is read first: a write after it changes it, so the next call reads again.
        state = store.state()
        if state == self._state:
            return
        hashes = store.content_hashes()
        stale = [actor_id for actor_id, digest in hashes.items()
                 if (old := self._rows.get(actor_id)) is None or old.content_hash != digest]
        # Reading everybody in one scan is faster than by id when most rows are stale.
        read = store.all() if len(stale) > len(hashes) // 2 else store.many(stale)
        fresh = {a.profile.id: a for a in read}
        rows: dict[str, _Row] = {}
        for actor_id, digest in hashes.items():
            old = self._rows.get(actor_id)
            if old is not None and old.content_hash == digest:
                rows[actor_id] = old
            elif (actor := fresh.get(actor_id)) is not None:  # else removed meanwhile
                rows[actor_id] = _Row(actor.content_hash, actor.profile.kind,
                                      search_text(actor.profile))
        self._rows, self._state = rows, state

    def _fill_countries(self, store: Store) -> None:
        """The partner countries of the rows that lack them: places named in the texts count
        too (found once per profile content, cached in the registry)."""
        missing = [actor_id for actor_id, row in self._rows.items() if row.countries is None]
        if not missing:
            return
        stored = store.many(missing)
        features = text_features([a.profile for a in stored], store,
                                 [a.content_hash for a in stored])
        for actor, found in zip(stored, features, strict=True):
            row = self._rows.get(actor.profile.id)
            if row is not None and row.content_hash == actor.content_hash:
                row.countries = found.places.countries
