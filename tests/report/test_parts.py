"""Pieces of the report: blocks, history reading, clusters and the map on edge cases, putting
the files in place."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import matcher.report.pairs as pairs
import matcher.report.render_html as render_html
from matcher.engine import Matcher
from matcher.errors import SolirisError
from matcher.progress import ProgressBar
from matcher.report import write_report
from matcher.report.clusters import Cluster, cluster_actors
from matcher.report.history import ACTORS_LINE, PreviousReport, compare, read_previous
from matcher.report.i18n import STRINGS, colon, date_text, number, tr
from matcher.report.layout import fixed_sample, map_layout
from matcher.report.output import FILE_NAMES, ReportFiles, folder_lock, unlock
from matcher.report.pairs import iter_suggestions
from matcher.settings import usable_cores
from tests.report.conftest import SMALL_REGISTRY


def test_block_size_does_not_change_suggestions(small_registry, tmp_path: Path) -> None:
    matcher: Matcher = small_registry(SMALL_REGISTRY)
    index = matcher.index()
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))

    one_block = [(row, [(m.profile.id, round(m.score, 6)) for m in matches])
                 for row, matches in iter_suggestions(matcher, index, 3)]
    small_blocks = [(row, [(m.profile.id, round(m.score, 6)) for m in matches])
                    for row, matches in iter_suggestions(matcher, index, 3, progress,
                                                         block_rows=4)]
    forked = [(row, [(m.profile.id, round(m.score, 6)) for m in matches])
              for row, matches in iter_suggestions(matcher, index, 3, block_rows=4, workers=2)]
    assert [row for row, _ in one_block] == list(range(len(index)))
    assert [[i for i, _ in s] for _, s in small_blocks] == [[i for i, _ in s]
                                                            for _, s in one_block]
    assert forked == small_blocks  # worker processes compute exactly the same
    n = len(index)
    assert seen == [(0, n), *((min(stop, n), n) for stop in range(4, n + 4, 4))]


def test_previous_report_read_by_lines_or_whole(small_registry, tmp_path: Path) -> None:
    matcher: Matcher = small_registry(SMALL_REGISTRY[:5])
    write_report(matcher, tmp_path, top=2, now="2025-02-03T04:05:06+00:00")
    path = tmp_path / "report.json"
    previous = read_previous(path)
    assert previous is not None and previous.created_at == "2025-02-03T04:05:06+00:00"
    ids = [a.profile.id for a in matcher.store.all()]
    assert sorted(previous.actors) == ids

    data = json.loads(path.read_text(encoding="utf-8"))
    other = tmp_path / "reformatted.json"
    other.write_text(json.dumps(data, indent=1), encoding="utf-8")  # not our layout
    again = read_previous(other)
    assert again is not None and again.actors == previous.actors

    broken = tmp_path / "broken.json"
    broken.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    assert read_previous(broken) is None
    assert read_previous(tmp_path / "missing.json") is None
    for name, text in (("deep.json", "[" * 200_000),  # read whole: too deep for the parser
                       ("deep-lines.json", f'{{\n{ACTORS_LINE}\n{"[" * 200_000}\n  ]\n}}\n')):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert read_previous(tmp_path / name) is None, name

    created = {a.profile.id: a.created_at for a in matcher.store.all()}
    created[ids[0]] = "2099-01-01T00:00:00+00:00"  # removed and registered again
    history = compare(previous, [*ids, "new-one"], {**created, "new-one": "2098-01-01"})
    assert history.added == [0, len(ids)]  # newest first
    assert compare(previous, ids[1:], created).removed == [ids[0]]


@pytest.mark.parametrize(("model", "other"), [("use@1", True), ("use@2", False), ("", False)])
def test_a_previous_report_says_whether_another_model_made_it(model: str, other: bool) -> None:
    # "" is a report of a version that did not record its model: nothing can be said.
    previous = PreviousReport("2026-01-01T00:00:00Z", "hash", {}, model=model)
    assert previous.made_with_another_model("use@2") is other


def test_clusters_cover_everyone_once_and_are_stable(small_registry) -> None:
    matcher: Matcher = small_registry(SMALL_REGISTRY)
    index = matcher.index()
    first = cluster_actors(index)
    second = cluster_actors(index)
    rows = sorted(r for c in first.clusters for r in c.rows)
    assert rows == list(range(len(index)))
    assert [c.rows for c in first.clusters] == [c.rows for c in second.clusters]
    assert [c.keywords for c in first.clusters] == [c.keywords for c in second.clusters]
    sizes = [c.size for c in first.clusters]
    assert sizes == sorted(sizes, reverse=True)
    for cluster in first.clusters:
        assert all(first.labels[r] == cluster.number - 1 for r in cluster.rows)


def test_clusters_are_named_by_their_themes_in_the_report_language(small_registry) -> None:
    # Members write in three languages; the name is the thesaurus's, in the report's.
    water = ["Puits et eau potable à Kayes.", "Drinkwater en waterputten in Goma.",
             "Drinking water kiosks in Kisumu.", "Forages d'eau potable au Niger."]
    schools = ["Écoles primaires et enseignants au Bénin.", "Scholen en leraren in Rwanda.",
               "Primary schools and teacher training in Uganda.",
               "Lagere scholen bouwen in Burundi."]
    records = [{"id": f"{topic}-{i}", "name": f"{topic} {i}", "kind": "ngo", "description": text}
               for topic, texts in (("water", water), ("school", schools))
               for i, text in enumerate(texts)]
    clustering = cluster_actors(small_registry(records).index())
    names = {lang: {c.name(lang) for c in clustering.clusters} for lang in ("fr", "nl", "en")}
    assert any(name.startswith("Eau potable") for name in names["fr"]), names
    assert any(name.startswith("Drinkwater") for name in names["nl"]), names
    assert any(name.startswith("Education and schools") for name in names["en"]), names


def test_a_cluster_without_themes_is_named_by_its_words() -> None:
    cluster = Cluster(1, [0, 1], keywords=["kora", "griots"], themes=[("musique", 2)])
    assert cluster.name("fr") == "kora · griots"
    assert Cluster(2, [2], themes=[("musique", 1)]).name("nl") == "musique"


def test_tiny_inputs() -> None:
    assert map_layout(np.zeros((0, 8), dtype=np.float32)).coords.shape == (0, 2)
    assert map_layout(np.ones((1, 8), dtype=np.float32)).coords.shape == (1, 2)
    assert map_layout(np.eye(2, 8, dtype=np.float32)).coords.tolist() == [[0.25, 0.5],
                                                                          [0.75, 0.5]]
    sample = fixed_sample(1000, 10)
    assert len(sample) == 10 and list(sample) == sorted(sample)
    assert list(fixed_sample(1000, 10)) == list(sample)
    assert list(fixed_sample(5, 10)) == [0, 1, 2, 3, 4]


def test_commit_checks_every_target_before_renaming(tmp_path: Path) -> None:
    (tmp_path / "pairs.csv").write_text("old", encoding="utf-8")
    with pytest.raises(SolirisError, match="report.json: it is a folder"):
        with ReportFiles(tmp_path) as files:
            for name in FILE_NAMES:
                files.final(name).write_text("new", encoding="utf-8")
            files.scratch("actors-json")
            (tmp_path / "report.json").mkdir()  # appears while the report runs
            files.commit()
    assert (tmp_path / "pairs.csv").read_text(encoding="utf-8") == "old"  # nothing renamed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs.csv", "report.json"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    replace = os.replace

    def second_fails(source: str | Path, target: str | Path) -> None:
        if Path(target).name == FILE_NAMES[1]:
            raise OSError(5, "Input/output error")
        replace(source, target)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(OSError), ReportFiles(tmp_path) as files:
        for name in FILE_NAMES:
            files.final(name).write_text("new", encoding="utf-8")
        files.commit()
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAMES[0]]


def test_a_folder_in_the_way_fails_the_run_before_it_starts(small_registry,
                                                           tmp_path: Path) -> None:
    matcher: Matcher = small_registry(SMALL_REGISTRY[:4])
    out = tmp_path / "out"
    write_report(matcher, out, top=2)
    (out / "report.json").unlink()
    (out / "report.json").mkdir()
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(SolirisError, match="report.json: it is a folder"):
        write_report(matcher, out, top=3)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(FILE_NAMES)


def test_temporary_files_of_killed_runs_are_removed(small_registry, tmp_path: Path) -> None:
    matcher: Matcher = small_registry(SMALL_REGISTRY[:4])
    out = tmp_path / "out"
    out.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = [f".pairs.csv.{gone.pid}.abcd1234.tmp",  # a run killed with SIGKILL
             ".report.json.x1y2z3w4.tmp"]  # an earlier version's name, without the process
    kept = [f".actors-json.{os.getppid()}.abcd1234.tmp",  # a run still going
            ".pairs.csv.tmp", ".notes.abcd1234.tmp", "pairs.csv.abcd1234.tmp"]  # not ours
    for name in [*stale, *kept]:
        (out / name).write_text("x", encoding="utf-8")
    write_report(matcher, out, top=2)
    assert sorted(p.name for p in out.iterdir()) == sorted([*FILE_NAMES, *kept])


forks = pytest.mark.skipif(usable_cores() < 2 or not sys.platform.startswith("linux"),
                           reason="worker processes need two cores and fork")


@forks
def test_worker_processes_leave_interruption_to_the_parent(small_registry,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    matcher: Matcher = small_registry(SMALL_REGISTRY)
    index = matcher.index()
    parent = os.getpid()
    rank_block = pairs._rank_block

    def interrupted(*args: Any) -> Any:
        if os.getpid() != parent:  # in a worker; Ctrl-C signals the whole process group
            if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
                raise RuntimeError("a worker would not stop when the parent terminates it")
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
            except KeyboardInterrupt:
                raise RuntimeError("a worker was interrupted by Ctrl-C") from None
        return rank_block(*args)

    monkeypatch.setattr(pairs, "_rank_block", interrupted)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)  # as `soliris report`
    try:
        rows = [row for row, _ in iter_suggestions(matcher, index, 3, block_rows=4, workers=2)]
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert rows == list(range(len(index)))


@forks
def test_no_more_processes_than_cores_or_blocks(small_registry) -> None:
    matcher: Matcher = small_registry(SMALL_REGISTRY)
    index = matcher.index()
    suggestions = iter_suggestions(matcher, index, 3, block_rows=2, workers=200)
    next(suggestions)
    blocks = -(-len(index) // 2)
    assert 2 <= len(multiprocessing.active_children()) <= min(usable_cores(), blocks)
    assert len(list(suggestions)) == len(index) - 1
    assert multiprocessing.active_children() == []


@forks
def test_a_failed_run_stops_its_worker_processes(small_registry, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    matcher: Matcher = small_registry(SMALL_REGISTRY)
    monkeypatch.setattr(pairs, "BLOCK_ROWS", 2)

    def interrupted(*args: Any) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(render_html, "actor", interrupted)
    with pytest.raises(KeyboardInterrupt) as info:
        write_report(matcher, tmp_path / "out", top=2, workers=2)
    assert info.traceback  # still held: the workers did not wait for it to be freed
    assert multiprocessing.active_children() == []


def test_progress_is_timed_from_the_start_of_its_count(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr("matcher.progress.time", SimpleNamespace(monotonic=lambda: clock[0]))
    out = io.StringIO()
    bar = ProgressBar("report", stream=out, enabled=True)
    clock[0] = 50.0  # the model loaded, the actors grouped: nothing to count
    bar(0, 100)
    clock[0] = 51.0
    bar(10, 100)
    assert out.getvalue().split("\r")[-1] == \
        "report [###...........................] 10/100    1.0s elapsed, ~   9s left "


def test_a_second_run_into_the_same_folder_is_refused(small_registry, tmp_path: Path) -> None:
    # Two runs at once would rename their files in turn: pairs.csv of one next to report.json
    # of the other. The second is refused (at once when the folder exists), the first wins.
    matcher: Matcher = small_registry(SMALL_REGISTRY[:4])
    out = tmp_path / "out"
    write_report(matcher, out, top=2)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    running = folder_lock(out)  # another run, holding the folder
    try:
        with pytest.raises(SolirisError, match="another `soliris report` is writing into"):
            write_report(matcher, out, top=3)
        with pytest.raises(SolirisError, match="another `soliris report`"), ReportFiles(out):
            pass  # the folder made by a first run that has not taken it yet
    finally:
        unlock(running)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    write_report(matcher, out, top=3)  # the lock went with the run



def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended: absent, or a zombie whose threads have all ended
    (its files are closed then)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return all((task / "stat").read_text().split(") ")[1].startswith("Z") for task in tasks)
    except (FileNotFoundError, IndexError):
        return True


def _locked(out: Path) -> bool:
    try:
        unlock(folder_lock(out))
    except SolirisError:
        return True
    return False


@forks
def test_a_run_killed_outright_leaves_no_worker_and_no_lock(small_registry, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    # `kill -9` of a report while its workers rank: the workers used to wait for ever (each
    # held a copy of its own pipe's other end), orphans holding the folder's lock, inherited
    # through the fork, so that every later run into the folder was refused.
    matcher: Matcher = small_registry(SMALL_REGISTRY)
    out = tmp_path / "out"
    out.mkdir()  # locked from the start, before the workers are forked
    rank_block = pairs._rank_block

    def slow(*args: Any) -> Any:
        time.sleep(0.2)
        return rank_block(*args)

    monkeypatch.setattr(pairs, "_rank_block", slow)
    monkeypatch.setattr(pairs, "BLOCK_ROWS", 1)
    read, write = os.pipe()
    run = os.fork()
    if run == 0:  # the report run, killed outright once its workers rank
        try:
            os.close(read)

            def progress(done: int, total: int) -> None:
                if done:
                    workers = [p.pid for p in multiprocessing.active_children()]
                    os.write(write, json.dumps(workers).encode() + b"\n")
                    os.kill(os.getpid(), signal.SIGKILL)

            write_report(matcher, out, top=2, workers=2, progress=progress)
        finally:
            os._exit(1)  # never back into pytest
    os.close(write)
    with os.fdopen(read) as answer:
        workers = json.loads(answer.readline() or "[]")
    os.waitpid(run, 0)
    assert len(workers) == 2
    deadline = time.monotonic() + 10
    while (_locked(out) or not all(_gone(pid) for pid in workers)) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if not _gone(pid)]
    for pid in left:  # the test's own orphans, not to be left running
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the workers of a killed run kept running"
    assert not _locked(out)  # the next run may write there
    write_report(matcher, out, top=2)


def test_a_report_folder_that_cannot_be_opened_is_a_clear_error(small_registry, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    # A folder with write but no read permission (chmod 300): its lock cannot be taken; an
    # error that names the folder, not a traceback.
    matcher: Matcher = small_registry(SMALL_REGISTRY[:4])
    out = tmp_path / "out"
    out.mkdir()
    real_open = os.open

    def refused(path: Any, flags: int, *args: Any) -> int:
        if Path(path) == out:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(SolirisError, match="cannot open the report folder .*Permission denied"):
        write_report(matcher, out, top=2)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("lang", "count", "expected"), [
    ("fr", 0, "0 acteur sans pays partenaire identifié."),
    ("fr", 1, "1 acteur sans pays partenaire identifié."),
    ("fr", 2, "2 acteurs sans pays partenaire identifié."),
    ("nl", 1, "1 actor zonder herkend partnerland."),
    ("nl", 3, "3 actoren zonder herkend partnerland."),
    ("en", 0, "0 actors without an identified partner country."),
    ("en", 1, "1 actor without an identified partner country."),
])
def test_counts_agree_in_number(lang: str, count: int, expected: str) -> None:
    assert tr(lang, "no_country", count=count) == expected


def test_no_string_hedges_its_number() -> None:
    # "1 acteur(s)": a count chooses its form instead (a (singular, plural) pair).
    for key, entry in STRINGS.items():
        assert set(entry) == {"fr", "nl", "en"}, key
        for text in entry.values():
            assert not isinstance(text, tuple) or len(text) == 2, key
            for form in text if isinstance(text, tuple) else (text,):
                assert "(s)" not in form and "(en)" not in form, (key, form)


@pytest.mark.parametrize(("lang", "expected", "day"), [
    ("fr", "3 août 2026 à 09:05 UTC", "3 août 2026"),
    ("nl", "3 augustus 2026 om 09:05 UTC", "3 augustus 2026"),
    ("en", "3 August 2026, 09:05 UTC", "3 August 2026")])
def test_dates_are_written_as_the_language_writes_them(lang: str, expected: str,
                                                        day: str) -> None:
    assert date_text("2026-08-03T09:05:41+00:00", lang) == expected
    assert date_text("2026-08-03T09:05:41+00:00", lang, with_time=False) == day
    assert date_text("2026-08-03T09:05:41+02:00", lang).endswith("09:05 UTC+0200")
    assert date_text("not a date", lang) == "not a date"


def test_numbers_and_colons_follow_the_language() -> None:
    assert number(0.4125, "fr") == "0,412" or number(0.4125, "fr") == "0,413"
    assert number(0.15, "nl", sign=True) == "+0,150"
    assert number(-0.15, "en", sign=True) == "-0.150"
    assert tr("fr", "registry_hash") + colon("fr") == "Empreinte du registre : "
    assert colon("en") == ": "
