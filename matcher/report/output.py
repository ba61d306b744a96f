"""Writing the report files: temporary files renamed at the end, CSV and JSON layout.

Nothing in the output folder is touched until every file is complete: each file is written
under a hidden temporary name in the same folder, then renamed over the old one
(``os.replace`` is atomic on one file system); ``report.json`` goes last. A failed run leaves
the previous report as it was and removes its temporary files. A run killed outright cannot,
so temporary names carry the process id, and the next run removes those of processes that
are gone (never those of a run still going, nor any other file). One run at a time writes
into a folder (a lock on the folder, :func:`folder_lock`): two runs at once would otherwise
rename their files in turn and leave ``pairs.csv`` of one next to ``report.json`` of the other;
the second is refused, with nothing written.

``report.json`` keeps its per-actor entries last, one per line (``ACTORS_LINE`` then one
entry a line), so that the next run can read a 100,000-actor report line by line.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from matcher.errors import SolirisError
from matcher.ranking import SCORE_PARTS, rounded
from matcher.report.history import ACTORS_LINE

FILE_NAMES = ("pairs.csv", "report.html", "report.json")  # in the order they are renamed
SCRATCH_LABELS = ("actors-html", "actors-json")  # parts of report.html and report.json
# ".LABEL.PID.RANDOM.tmp" (tempfile's 8 random characters); earlier versions had no PID.
_LABELS = "|".join(map(re.escape, (*FILE_NAMES, *SCRATCH_LABELS)))
TEMP_NAME = re.compile(rf"\.(?:{_LABELS})\.(?:(\d{{1,10}})\.)?[a-z0-9_]{{8}}\.tmp")
CSV_DELIMITER = ";"
CSV_DECIMAL = ","  # Belgian spreadsheet programs read 0,7123 as a number with a ';' separator
REASON_SEPARATOR = " | "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # text a spreadsheet would evaluate
# Columns of pairs.csv: these, then the engine's other score parts (in its order), then
# "reasons": the same columns whether the report has pairs or not.
PAIR_COLUMNS = ("source_id", "source_name", "target_id", "target_name", "rank", "score",
                "semantic", "geography", "complementarity", "diversity")
MAIN_PARTS = PAIR_COLUMNS[6:]
PART_COLUMNS = (*MAIN_PARTS, *(p for p in SCORE_PARTS if p not in MAIN_PARTS))


def folder_lock(out_dir: Path) -> int | None:
    """Lock ``out_dir`` (an existing folder) for one report run, or refuse with an error that
    says another run is writing there. Returns the descriptor to give to :func:`unlock`
    (``None`` where the platform has no ``flock``); the lock goes with the process, so a run
    that is killed leaves none behind."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        fd = os.open(out_dir, os.O_RDONLY)
    except OSError as exc:  # a folder that can be written but not read: said, no traceback
        raise SolirisError(f"cannot open the report folder {out_dir}: "
                           f"{exc.strerror or exc}; nothing was written") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SolirisError(f"another `soliris report` is writing into {out_dir} now; nothing "
                           "was written: run this one again when it is done, or give another "
                           "--out") from None
    except OSError:  # a file system without locks: go on unlocked, as before
        os.close(fd)
        return None
    return fd


def unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases the lock


class ReportFiles:
    """Temporary files in ``out_dir``: :meth:`final` ones renamed by :meth:`commit`,
    :meth:`scratch` ones always deleted.

    Entering creates ``out_dir`` if needed: only now, so that a run that fails earlier (a
    model that does not load, an empty registry) leaves no empty folder behind.
    """

    def __init__(self, out_dir: Path, *, locked: bool = False):
        self.out_dir = out_dir
        self.locked = locked  # the caller holds the folder's lock (folder_lock) already
        self._final: dict[str, Path] = {}
        self._scratch: list[Path] = []
        self._lock: int | None = None

    def _temp(self, label: str) -> Path:
        if label not in (*FILE_NAMES, *SCRATCH_LABELS):  # TEMP_NAME must know every label
            raise ValueError(f"unknown report file label {label!r}")
        fd, name = tempfile.mkstemp(dir=self.out_dir, prefix=f".{label}.{os.getpid()}.",
                                    suffix=".tmp")
        os.close(fd)
        return Path(name)

    def final(self, name: str) -> Path:
        path = self._temp(name)
        self._final[name] = path
        return path

    def scratch(self, label: str) -> Path:
        path = self._temp(label)
        self._scratch.append(path)
        return path

    def commit(self) -> list[Path]:
        """Rename the final files over the previous ones, ``report.json`` last.

        Every target is checked before the first rename, so that a folder in the way fails
        the run with the previous report whole; if a rename fails anyway, the temporary files
        not yet renamed stay listed for :meth:`cleanup`.
        """
        names = [name for name in FILE_NAMES if name in self._final]
        self._check_targets(names)
        done = []
        for name in names:
            target = self.out_dir / name
            os.chmod(self._final[name], 0o644)
            os.replace(self._final[name], target)
            del self._final[name]
            done.append(target)
        return done

    def _check_targets(self, names: Iterable[str]) -> None:
        """Refuse a target that is there but not a regular file: ``os.replace`` cannot put a
        file over a folder, and replacing a link or a device is not the report's call."""
        for name in names:
            target = self.out_dir / name
            try:
                mode = os.lstat(target).st_mode
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(mode):
                what = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
                raise SolirisError(f"cannot replace {target}: it is {what}; move it out of "
                                   "the way and run the report again")

    def cleanup(self) -> None:
        for path in [*self._final.values(), *self._scratch]:
            path.unlink(missing_ok=True)
        self._final.clear()
        self._scratch.clear()

    def __enter__(self) -> ReportFiles:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SolirisError(f"cannot create the report folder {self.out_dir}: "
                               f"{exc.strerror or exc}") from exc
        if not self.locked:
            self._lock = folder_lock(self.out_dir)
        try:
            self._check_targets(FILE_NAMES)  # now rather than after the long part of the run
            self._remove_stale()
        except BaseException:
            unlock(self._lock)
            raise
        return self

    def _remove_stale(self) -> None:
        """Remove the temporary files of earlier runs that were killed (SIGKILL, power loss)
        before they could clean up; their names say which process made them."""
        with os.scandir(self.out_dir) as entries:
            stale = [entry.path for entry in entries
                     if (match := TEMP_NAME.fullmatch(entry.name))
                     and not (match[1] and _running(int(match[1])))]
        for path in stale:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def __exit__(self, *exc: object) -> None:
        try:
            self.cleanup()
        finally:
            unlock(self._lock)
            self._lock = None


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists, i.e. may still be writing its temporary files."""
    if pid == os.getpid() or os.name != "posix":  # elsewhere signal 0 is no mere probe
        return True
    if pid <= 0:  # no process; os.kill(0, ...) would probe our own process group
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def spreadsheet_text(text: str) -> str:
    """``text`` for a cell that a spreadsheet shows rather than runs: one that begins like a
    formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading apostrophe, as
    OWASP advises against CSV injection. Only for ``pairs.csv``, which is opened in
    spreadsheets; ``soliris export`` writes values as they are, to be imported again."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_number(value: float) -> str:
    return f"{rounded(value):.4f}".replace(".", CSV_DECIMAL)


class PairsCsv:
    """``pairs.csv``: UTF-8 with BOM, ';' separator, decimal comma, CRLF lines, one row per
    suggested pair; text that a spreadsheet would take for a formula is escaped
    (:func:`spreadsheet_text`). The header is ``PAIR_COLUMNS``, the engine's other score parts
    (``matcher.ranking.SCORE_PARTS``) and ``reasons``, with or without pairs."""

    def __init__(self, path: Path):
        self._stream = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._stream, delimiter=CSV_DELIMITER,
                                  quoting=csv.QUOTE_MINIMAL)
        self._writer.writerow([*PAIR_COLUMNS[:6], *PART_COLUMNS, "reasons"])

    def write(self, source: Mapping[str, Any], suggestions: Iterable[Mapping[str, Any]]
              ) -> None:
        """Rows of one actor's suggestions (dicts as in ``report.json``)."""
        for s in suggestions:
            self._writer.writerow([
                *map(spreadsheet_text, (source["id"], source["name"], s["id"], s["name"])),
                str(s["rank"]), csv_number(s["score"]),
                *(csv_number(s["parts"][p]) if p in s["parts"] else "" for p in PART_COLUMNS),
                spreadsheet_text(REASON_SEPARATOR.join(s["reasons"]))])

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> PairsCsv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_json(path: Path, head: Mapping[str, Any], actors_part: Path) -> None:
    """``report.json``: the header and sections (pretty-printed), then the actor entries that
    were streamed to ``actors_part`` (one per line, each ending with ',\\n' but the last)."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("{\n")
        for key, value in head.items():
            text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            out.write(f"  {json.dumps(key)}: {text},\n")
        out.write(ACTORS_LINE + "\n")
        with actors_part.open(encoding="utf-8") as part:
            shutil.copyfileobj(part, out, 1 << 20)
        out.write("  ]\n}\n")


class ActorLines:
    """Streams per-actor JSON entries to a scratch file in the layout :func:`write_json`
    expects."""

    def __init__(self, path: Path):
        self._stream = path.open("w", encoding="utf-8", newline="\n")
        self._first = True

    def write(self, entry: Mapping[str, Any]) -> None:
        self._stream.write(("" if self._first else ",\n") + "    " + dumps(entry))
        self._first = False

    def close(self) -> None:
        if not self._first:
            self._stream.write("\n")
        self._stream.close()

    def __enter__(self) -> ActorLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
