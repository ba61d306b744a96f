"""Partner countries × kinds of actors, and the gaps in that table.

A country counts for an actor when the engine would match on it: the structured ``countries``
field plus countries and towns named in the actor's texts (``Index.places``).

Gaps named:

- ``commune_no_diaspora``: communes work in the country, no diaspora organisation does;
- ``commune_no_ngo``: communes work in the country, no NGO or association does;
- ``diaspora_no_commune``: diaspora organisations work in the country, no commune does;

and, per actor, the diaspora organisations none of whose countries any commune works in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matcher.index import Index
from matcher.profile import KINDS

CIVIL_SOCIETY = ("ngo", "association")
# The cells a gap points at (highlighted in the table).
GAP_CELLS = {"commune_no_diaspora": ("diaspora",), "commune_no_ngo": CIVIL_SOCIETY,
             "diaspora_no_commune": ("commune",)}


@dataclass(frozen=True)
class CountryRow:
    """One partner country of the gap table: actors per kind, and the gaps found there."""

    code: str
    counts: dict[str, int]
    total: int  # actors working in the country (each counted once)
    gaps: tuple[str, ...]

    def is_gap_cell(self, kind: str) -> bool:
        """Whether the cell of ``kind`` is one a gap of this country points at."""
        return any(kind in GAP_CELLS[gap] for gap in self.gaps)


@dataclass(frozen=True)
class LonelyActor:
    """A diaspora organisation (its index row) none of whose countries a commune works in."""

    row: int
    countries: tuple[str, ...]


@dataclass
class GapTable:
    """Partner countries × kinds of actors, with the gaps found (see the module docstring)."""

    kinds: list[str]  # the columns: kinds with at least one actor in some country
    rows: list[CountryRow]  # most actors first, ties by country code
    diaspora_without_commune: list[LonelyActor] = field(default_factory=list)
    without_country: int = 0

    @property
    def gap_count(self) -> int:
        """The number of gaps over all countries."""
        return sum(len(r.gaps) for r in self.rows)


def country_gaps(counts: dict[str, int]) -> tuple[str, ...]:
    """The gap codes of one country's counts per kind."""
    communes = counts.get("commune", 0)
    diaspora = counts.get("diaspora", 0)
    civil = sum(counts.get(k, 0) for k in CIVIL_SOCIETY)
    gaps = []
    if communes and not diaspora:
        gaps.append("commune_no_diaspora")
    if communes and not civil:
        gaps.append("commune_no_ngo")
    if diaspora and not communes:
        gaps.append("diaspora_no_commune")
    return tuple(gaps)


def gap_table(index: Index) -> GapTable:
    """The gap table of ``index``: a country counts for an actor when the engine would match
    on it (``Index.places``)."""
    per_country: dict[str, dict[str, int]] = {}
    without = 0
    for row, places in enumerate(index.places):
        if not places.countries:
            without += 1
        kind = index.profiles[row].kind
        for code in places.countries:
            counts = per_country.setdefault(code, {})
            counts[kind] = counts.get(kind, 0) + 1
    rows = [CountryRow(code, {k: counts.get(k, 0) for k in KINDS}, sum(counts.values()),
                       country_gaps(counts))
            for code, counts in per_country.items()]
    rows.sort(key=lambda r: (-r.total, r.code))
    kinds = [k for k in KINDS if any(r.counts[k] for r in rows)]
    commune_countries = {r.code for r in rows if r.counts["commune"]}
    lonely = [LonelyActor(row, tuple(sorted(places.countries)))
              for row, places in enumerate(index.places)
              if index.profiles[row].kind == "diaspora" and places.countries
              and not places.countries & commune_countries]
    return GapTable(kinds, rows, lonely, without)
