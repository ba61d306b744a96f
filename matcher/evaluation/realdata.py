"""Tasks on real data: IATI and EU Trust Fund for Africa activities.

- :func:`load_iati_activities` reads an old IATI Datastore CSV export (mixed UTF-8 and
  Windows-1252, :func:`decode_mixed`); :func:`load_eutf_activities` reads the EU Trust Fund for
  Africa's activities (French and English), its comma-joined organisations split by
  :func:`split_org_names`; both give :class:`IatiActivity` records;
- :func:`build_heldout_task`, :func:`run_heldout`: rank the implementing organisations of the
  activities from one of their held-out activities;
- :func:`build_consortium_task`, :func:`run_consortia`: their real consortia as ``suggest``
  cases (who worked with whom).
"""

from __future__ import annotations

import codecs
import csv
import io
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.errors import InputFormatError, Issue
from matcher.evaluation.metrics import ndcg_at_k, recall_at_k
from matcher.evaluation.runs import result_ids, system_name
from matcher.profile import ActorProfile, validate_record
from matcher.progress import Progress
from matcher.settings import MAX_TEXT_CHARS

IATI_ORG_COLUMN = "participating.org..Implementing."
#: Implementing-organisation values that name nobody (compared case-insensitively).
IATI_PLACEHOLDER_ORGS = frozenset({"information redacted", "not applicable", "name withheld",
                                   "other", "n/a", "na", "none", "unknown", "not available",
                                   "not provided", "-"})


@dataclass(frozen=True)
class IatiActivity:
    """One IATI activity: its texts and its implementing organisations (placeholders dropped)."""

    title: str
    description: str
    orgs: tuple[str, ...]

    @property
    def text(self) -> str:
        """Title and description (the title alone when the description repeats it)."""
        title, description = self.title, self.description
        if not description or description.startswith(title):
            return description or title
        if not title:
            return description
        return f"{title}. {description}" if title[-1:] not in ".!?:" else f"{title} {description}"


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("soliris-cp1252-fallback", _cp1252_fallback)


def decode_mixed(data: bytes) -> str:
    """UTF-8 with stray Windows-1252 bytes (the IATI export mixes both) decoded as cp1252."""
    return data.decode("utf-8-sig", errors="soliris-cp1252-fallback")


def _clean(text: str) -> str:
    return " ".join(text.split())


def load_iati_activities(path: Path | str) -> list[IatiActivity]:
    """Activities of an old IATI Datastore CSV export (columns ``title``, ``description`` and
    ``participating.org..Implementing.``; several organisations are ``;``-separated)."""
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    missing = {"title", "description", IATI_ORG_COLUMN} - set(reader.fieldnames or [])
    if missing:
        raise InputFormatError([Issue(f"{path}: missing column(s) {', '.join(sorted(missing))}",
                                      line=1)])
    activities = []
    for row in reader:
        orgs = []
        for org in (row[IATI_ORG_COLUMN] or "").split(";"):
            org = _clean(org)
            if org and org.casefold() not in IATI_PLACEHOLDER_ORGS and org not in orgs:
                orgs.append(org)
        activities.append(IatiActivity(_clean(row["title"] or ""),
                                       _clean(row["description"] or ""), tuple(orgs)))
    return activities


EUTF_COLUMNS = ("title", "summary", "partner_implementing")


def split_org_names(joined: str, known: frozenset[str] = frozenset()) -> list[str]:
    """The organisations of a comma-joined list, keeping together the pieces of a ``known``
    name that holds commas ("DAI Global, LLC (DAI)"): the longest known name wins."""
    pieces = joined.split(",")
    names: list[str] = []
    start = 0
    while start < len(pieces):
        end = next((stop for stop in range(len(pieces), start + 1, -1)
                    if ",".join(pieces[start:stop]).strip() in known), start + 1)
        name = _clean(",".join(pieces[start:end]))
        if name and name.casefold() not in IATI_PLACEHOLDER_ORGS and name not in names:
            names.append(name)
        start = end
    return names


def load_eutf_activities(path: Path | str, orgs_path: Path | str | None = None
                         ) -> list[IatiActivity]:
    """Activities of the EU Emergency Trust Fund for Africa as exported from Akvo RSR by DW
    (``EUTF_projects_akvo.csv``: ``title``, ``summary``, ``partner_implementing``, the
    organisations comma-joined). ``orgs_path`` (``EUTF_akvo_orgs.csv``, column ``name``) lists
    the organisation names, so that a name holding a comma is kept whole."""
    known: frozenset[str] = frozenset()
    if orgs_path is not None:
        known = frozenset(row.get("name", "").strip()
                          for row in csv.DictReader(io.StringIO(_read_text(orgs_path))))
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    missing = set(EUTF_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        raise InputFormatError([Issue(f"{path}: missing column(s) {', '.join(sorted(missing))}",
                                      line=1)])
    return [IatiActivity(_clean(row["title"] or ""), _clean(row["summary"] or ""),
                         tuple(split_org_names(row["partner_implementing"] or "", known)))
            for row in reader]


def _read_text(path: Path | str) -> str:
    try:
        return decode_mixed(Path(path).read_bytes())
    except OSError as exc:
        raise InputFormatError([Issue(f"cannot read {path}: {exc.strerror or exc}")]) from exc


@dataclass(frozen=True)
class HeldOutQuery:
    text: str
    org_id: str
    org_name: str


@dataclass(frozen=True)
class HeldOutTask:
    """Organisation profiles built without the held-out activities, and those activities as
    queries (each with the organisation that implemented it)."""

    profiles: list[ActorProfile]
    queries: list[HeldOutQuery]
    eligible_orgs: int


def build_heldout_task(activities: Sequence[IatiActivity], n_queries: int = 300, seed: int = 7,
                       max_chars: int = MAX_TEXT_CHARS) -> HeldOutTask:
    """One ``ngo`` profile per implementing organisation, from the texts of its activities.

    Among organisations with at least two activities with distinct texts, up to ``n_queries``
    (drawn with ``seed``) each get one activity held out; its text is the query and is left out
    of every profile (also a co-implementer's, and exact duplicates of it), so no profile
    contains the query itself. A profile's description is its activities' distinct texts, one
    per line, cut to ``max_chars`` at a line boundary (the engine reads the first passages)."""
    by_org = _texts_by_org(activities)
    ids = _org_ids(by_org)
    eligible = [name for name in sorted(by_org) if len(by_org[name]) >= 2]
    rng = random.Random(seed)
    held: set[str] = set()
    drawn: list[HeldOutQuery] = []
    for name in rng.sample(eligible, len(eligible)):
        if len(drawn) >= n_queries:
            break
        choices = [t for t in by_org[name] if t not in held]
        if len(choices) < 2:  # the rest must still say something that is not the query
            continue
        text = rng.choice(choices)
        held.add(text)
        drawn.append(HeldOutQuery(text[:max_chars], ids[name], name))
    profiles = _org_profiles(by_org, ids, held, max_chars)
    # A text held out for one organisation may have been another one's last text.
    present = {p.id for p in profiles}
    queries = [q for q in drawn if q.org_id in present]
    return HeldOutTask(profiles, queries, len(eligible))


def _texts_by_org(activities: Iterable[IatiActivity]) -> dict[str, list[str]]:
    """Each organisation's distinct activity texts, in file order."""
    by_org: dict[str, list[str]] = {}
    for activity in activities:
        if not activity.text:
            continue
        for org in activity.orgs:
            texts = by_org.setdefault(org, [])
            if activity.text not in texts:
                texts.append(activity.text)
    return by_org


def _org_ids(by_org: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {name: f"org-{n:05d}" for n, name in enumerate(sorted(by_org))}


def _org_profiles(by_org: Mapping[str, Sequence[str]], ids: Mapping[str, str],
                  held: set[str], max_chars: int) -> list[ActorProfile]:
    """One ``ngo`` profile per organisation that has a text outside ``held``."""
    profiles = []
    for name in sorted(by_org):
        texts = [t for t in by_org[name] if t not in held]
        if texts:
            profiles.append(validate_record({"id": ids[name], "name": name[:200], "kind": "ngo",
                                             "description": _join_within(texts, max_chars)}))
    return profiles


@dataclass(frozen=True)
class ConsortiumTask:
    """Organisation profiles built without the activities that several of them carried out
    together, and, for each organisation in such a consortium, its real partners: grade 2 for
    a partner of two consortia or more, 1 for one."""

    profiles: list[ActorProfile]
    partners: dict[str, dict[str, int]]
    consortia: int


def build_consortium_task(activities: Sequence[IatiActivity],
                          max_chars: int = MAX_TEXT_CHARS) -> ConsortiumTask:
    """Real partnerships as `suggest` cases: every activity with two implementing
    organisations or more is left out of every profile (so two partners are not found through
    the text they share), and each consortium member's partners are what ``suggest`` should
    find from what each organisation does elsewhere."""
    consortia = [a for a in activities if a.text and len(a.orgs) >= 2]
    held = {a.text for a in consortia}
    by_org = _texts_by_org(activities)
    ids = _org_ids(by_org)
    profiles = _org_profiles(by_org, ids, held, max_chars)
    present = {p.id for p in profiles}
    shared: dict[str, Counter[str]] = {}
    for activity in consortia:
        members = [ids[o] for o in activity.orgs if ids[o] in present]
        for member in members:
            shared.setdefault(member, Counter()).update(o for o in members if o != member)
    partners = {org: {other: 2 if count >= 2 else 1 for other, count in counts.items()}
                for org, counts in sorted(shared.items()) if counts}
    return ConsortiumTask(profiles, partners, len(consortia))


@dataclass(frozen=True)
class ConsortiumRun:
    system: str
    k: int
    n: int
    ndcg: float
    recall: float

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def run_consortia(ranker: Any, task: ConsortiumTask, k: int = 10, *,
                  system: str | None = None, progress: Progress | None = None) -> ConsortiumRun:
    """nDCG@k and recall@k of each consortium member's real partners in ``ranker.suggest``."""
    ndcg = recall = 0.0
    for done, (org, partners) in enumerate(task.partners.items(), start=1):
        ids = result_ids(ranker.suggest(org, top=k))[:k]
        ndcg += ndcg_at_k(ids, partners, k)
        recall += recall_at_k(ids, partners, k)
        if progress:
            progress(done, len(task.partners))
    n = len(task.partners)
    return ConsortiumRun(system or system_name(ranker), k, n, ndcg / max(n, 1),
                         recall / max(n, 1))


def _join_within(texts: Sequence[str], limit: int) -> str:
    out = texts[0][:limit]
    for text in texts[1:]:
        if len(out) + 1 + len(text) > limit:
            break
        out = f"{out}\n{text}"
    return out


@dataclass(frozen=True)
class HeldOutRun:
    system: str
    k: int
    n: int
    recall: float
    recall_at_1: float
    mrr: float
    #: Per query, in task order: the rank of the true organisation, 0 when not in the top k.
    ranks: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items() if key != "ranks"}

    def subset(self, indices: Sequence[int], system: str | None = None) -> HeldOutRun:
        """The same run scored on the queries at ``indices`` only (e.g. those in French)."""
        ranks = [self.ranks[i] for i in indices]
        n = len(ranks)
        return HeldOutRun(system or self.system, self.k, n,
                          sum(r > 0 for r in ranks) / max(n, 1),
                          sum(r == 1 for r in ranks) / max(n, 1),
                          sum(1 / r for r in ranks if r) / max(n, 1), tuple(ranks))


def run_heldout(ranker: Any, task: HeldOutTask, k: int = 10, *, system: str | None = None,
                progress: Progress | None = None) -> HeldOutRun:
    """Recall@k (and recall@1, MRR@k) of the true implementing organisation when ranking every
    organisation for each held-out activity with ``ranker.match``."""
    ranks = []
    for done, query in enumerate(task.queries, start=1):
        ids = result_ids(ranker.match(query.text, top=k))[:k]
        ranks.append(ids.index(query.org_id) + 1 if query.org_id in ids else 0)
        if progress:
            progress(done, len(task.queries))
    run = HeldOutRun(system or system_name(ranker), k, len(ranks), 0.0, 0.0, 0.0, tuple(ranks))
    return run.subset(range(len(ranks)))
