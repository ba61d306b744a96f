"""Actors added since the previous report: read the previous ``report.json`` of the folder and
compare actor ids and creation times (an actor removed and registered again counts as new).

``report.json`` lists its actors last, one per line (see :mod:`matcher.report.output`), so the
previous report is read a line at a time, even for 100,000 actors; any other valid layout is
read whole. A missing or unreadable previous report means "no previous report": so does one
nested too deep for the JSON parser (a RecursionError), since the folder may hold anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

ACTORS_LINE = '  "actors": ['


@dataclass(frozen=True)
class PreviousReport:
    """What the previous ``report.json`` of the folder says: when, of which registry, and
    its actors."""

    created_at: str
    registry_hash: str
    actors: dict[str, str]  # id -> created_at
    model: str = ""  # the encoder it was made with ("" in a report that does not say)

    @property
    def actor_count(self) -> int:
        """How many actors the previous report held."""
        return len(self.actors)

    def made_with_another_model(self, model: str) -> bool:
        """Whether this earlier report says it used an encoder other than ``model`` (its
        suggestions then differ for that reason too)."""
        return bool(self.model) and self.model != model

    def to_dict(self) -> dict[str, object]:
        """The previous report as ``report.json`` names it (its actors counted, not listed)."""
        return {"created_at": self.created_at, "registry_hash": self.registry_hash,
                "actor_count": self.actor_count, "model": self.model}


@dataclass(frozen=True)
class History:
    """What changed since the previous report: the actors added and removed."""

    previous: PreviousReport | None
    added: list[int] = field(default_factory=list)  # rows, newest first, ties by id
    removed: list[str] = field(default_factory=list)  # ids, sorted


def read_previous(path: Path) -> PreviousReport | None:
    """The report ``path`` (a ``report.json``), or ``None`` when it is missing or unreadable
    (see the module docstring)."""
    try:
        return _read_by_lines(path) or _read_whole(path)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError,
            RecursionError):
        return None


def _read_by_lines(path: Path) -> PreviousReport | None:
    head: list[str] = []
    actors: dict[str, str] = {}
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.rstrip("\n") == ACTORS_LINE:
                break
            head.append(line)
        else:
            return None
        for line in stream:
            text = line.strip().rstrip(",")
            if text == "]":
                break
            entry = json.loads(text)
            actors[str(entry["id"])] = str(entry.get("created_at", ""))
        else:
            return None
    header = json.loads("".join(head).rstrip().rstrip(",") + "}")
    return PreviousReport(str(header["created_at"]), str(header.get("registry_hash", "")),
                          actors, str(header.get("model", "")))


def _read_whole(path: Path) -> PreviousReport | None:
    data = json.loads(path.read_text(encoding="utf-8"))
    actors = {str(a["id"]): str(a.get("created_at", "")) for a in data["actors"]}
    return PreviousReport(str(data["created_at"]), str(data.get("registry_hash", "")), actors,
                          str(data.get("model", "")))


def compare(previous: PreviousReport | None, ids: list[str], created: dict[str, str]
            ) -> History:
    """Rows of ``ids`` (the index order) that the previous report did not have."""
    if previous is None:
        return History(None)
    added = [row for row, actor_id in enumerate(ids)
             if previous.actors.get(actor_id) != created.get(actor_id)]
    added.sort(key=lambda row: (_reverse(created.get(ids[row], "")), ids[row]))
    current = set(ids)
    removed = sorted(a for a in previous.actors if a not in current)
    return History(previous, added, removed)


def _reverse(stamp: str) -> tuple[int, ...]:
    """Sort key putting later ISO timestamps first."""
    return tuple(-ord(ch) for ch in stamp)
