"""``soliris``: the command line for newcomers and coordinators (a thin layer over the engine).

Exit codes: 0 success, 1 a problem with the input or the registry (explained on stderr),
2 a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from matcher import __version__
from matcher.engine import Matcher
from matcher.errors import (
    ConfigError,
    EmptyRegistryError,
    Issue,
    SolirisError,
    ValidationError,
    clip,
)
from matcher.formats import FORMATS, detect_format
from matcher.profile import ALL_FIELDS, KINDS, ActorProfile, normalise_kind
from matcher.progress import ProgressBar
from matcher.ranking import Match
from matcher.reasons import LANGS, kind_label
from matcher.settings import REPORT_HTML_ACTORS, Settings
from matcher.store import Store, database_files


def build_parser() -> argparse.ArgumentParser:
    """The ``soliris`` command line: every command, option and its help text."""
    parser = argparse.ArgumentParser(
        prog="soliris",
        description="Soliris Match: find partners among the actors of international solidarity "
                    "in Brussels (communes, NGOs, associations, diaspora organisations...).",
        epilog="Environment: SOLIRIS_DB (registry path), SOLIRIS_MODEL (encoder), "
               "SOLIRIS_THREADS, SOLIRIS_MAX_TOP, SOLIRIS_REPORT_DIR; the service also reads "
               "SOLIRIS_MAX_UPLOAD and SOLIRIS_WORKERS. See README.md, Configuration.",
    )
    parser.add_argument("--version", action="version", version=f"soliris {__version__}")
    parser.add_argument("--db", metavar="PATH", type=_path_arg, help="registry database "
                        "(default: $SOLIRIS_DB or $XDG_DATA_HOME/soliris/soliris.db, "
                        "~/.local/share/soliris/soliris.db without XDG_DATA_HOME)")
    parser.add_argument("--model", metavar="NAME", help="encoder: use (default), e5, minilm, "
                        "or a sentence-transformers model name or folder ($SOLIRIS_MODEL)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("import", help="import profiles from .jsonl, .json or .csv (all or "
                       "nothing; upsert by id)")
    p.add_argument("file", type=_path_arg, help="profiles to import: .jsonl (or .ndjson), .json "
                   "(an array) or .csv")
    p.add_argument("--format", choices=FORMATS, help="override the format given by the "
                   "file extension")

    p = sub.add_parser("export", help="write every profile as JSONL (default) or CSV")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl",
                   help="file format (default jsonl); both re-import with `soliris import`")
    p.add_argument("--out", type=_path_arg, metavar="FILE", help="file to write (default: standard "
                   "output)")

    p = sub.add_parser("list", help="list actors")
    p.add_argument("--kind", choices=KINDS, type=_kind_arg, help="only actors of this kind "
                   "(NGO, asbl, gemeente... are accepted)")
    p.add_argument("--country", metavar="CC", help="only actors working in this country: "
                   "code, name, region (Sahel) or town")
    p.add_argument("--json", action="store_true", help="print a JSON array of the public "
                   "profiles")

    p = sub.add_parser("show", help="show one actor's profile")
    p.add_argument("id", help="the actor's id")
    p.add_argument("--json", action="store_true", help="print the profile as a JSON object "
                   "(contact_email included)")

    p = sub.add_parser("remove", help="remove an actor from the registry")
    p.add_argument("id", help="the actor's id")

    p = sub.add_parser("prune", help="remove what the caches hold for no registered profile "
                       "(left by edits and removals) and shrink the registry file")
    p.add_argument("--other-models", action="store_true",
                   help="also remove the vectors of every model but the one in use "
                        "(--model or $SOLIRIS_MODEL); switching back to one embeds every "
                        "text again")

    p = sub.add_parser("match", help="find partners for an initiative described in TEXT")
    p.add_argument("text", help="the initiative, in French, Dutch or English")
    _ranking_options(p)
    p.add_argument("--exclude", action="append", default=[], metavar="ID",
                   help="leave this actor out (repeatable)")

    p = sub.add_parser("suggest", help="suggest partners for a registered actor")
    p.add_argument("id", help="the registered actor's id")
    _ranking_options(p)

    p = sub.add_parser("serve", help="start the HTTP service and web page")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                   "127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")

    p = sub.add_parser("keys", help="manage coordinator API keys")
    keys = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    key_name = ("the key's name: 1-64 ASCII letters, digits, '_', '.' or '-', starting with a "
                "letter or a digit")
    keys.add_parser("create", help="create a key and print it once").add_argument(
        "name", help=key_name)
    keys.add_parser("list", help="list keys (never their secret)")
    keys.add_parser("revoke", help="revoke a key").add_argument("name", help=key_name)

    p = sub.add_parser("report", help="write the platform matching report (HTML, CSV, JSON)")
    p.add_argument("--out", type=_folder_arg, metavar="FOLDER", help="output folder (default: "
                   "$SOLIRIS_REPORT_DIR or reports/latest)")
    p.add_argument("--top", type=int, default=5, help="suggestions per actor (default 5; at "
                   "most $SOLIRIS_MAX_TOP, 100 by default)")
    p.add_argument("--lang", choices=LANGS, default="fr", type=str.lower,
                   help="report language (default fr)")
    p.add_argument("--html-actors", type=int, default=REPORT_HTML_ACTORS, metavar="N",
                   help="actors whose suggestions report.html unfolds, the first N by id "
                        f"(default {REPORT_HTML_ACTORS:,}; the CSV and JSON hold every actor)")
    return parser


def _path_arg(value: str, wanted: str = "a file name") -> Path:
    """A file path; an empty one is refused here, where ``Path("")`` would quietly mean the
    current folder."""
    if not value.strip():
        raise argparse.ArgumentTypeError(f"an empty path: give {wanted}")
    return Path(value)


def _folder_arg(value: str) -> Path:
    """A folder path, refused when empty as :func:`_path_arg` refuses an empty file path."""
    return _path_arg(value, "a folder, such as reports/latest")


def _kind_arg(value: str) -> str:
    """Accept kinds as people write them ("NGO", "asbl", "gemeente"); argparse then checks
    the result against the allowed kinds."""
    return normalise_kind(value) or value


def _ranking_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--top", type=int, default=10, help="number of results (default 10; at "
                   "most $SOLIRIS_MAX_TOP, 100 by default)")
    p.add_argument("--kind", action="append", default=[], choices=KINDS, type=_kind_arg,
                   help="only actors of this kind (repeatable; NGO, asbl, gemeente... are "
                        "accepted)")
    p.add_argument("--country", action="append", default=[], metavar="CC",
                   help="only actors working in this country: code, name, region (Sahel) or town "
                        "(repeatable)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON array of "
                   "results, best first")
    p.add_argument("--lang", choices=LANGS, default="en", type=str.lower,
                   help="language of the reasons (default en)")


_WRITING_COMMANDS = {"import", "remove", "prune", "keys", "report"}
#: A file with thousands of bad rows usually has one mistake repeated: show the first ones.
MAX_ISSUES_SHOWN = 100


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``soliris`` with ``argv`` (the process's arguments by default) and return its exit
    code; a registry the run created is removed again when the run fails."""
    args = build_parser().parse_args(argv)
    created: list[Path] = []
    code = _main(args, created)
    if code != 0 and created:
        _discard(created)
    return code


def _notice(text: str) -> None:
    """A long step about to start (a model's first use on this registry), said on stderr."""
    print(f"soliris: {text}", file=sys.stderr, flush=True)


def _creates_registry(args: argparse.Namespace) -> bool:
    """Whether the command may create the registry: the others only read it (a missing one
    is an error, not a new empty file). `serve` may start empty, as profiles can be added
    over HTTP."""
    return args.command in ("import", "serve") or (
        args.command == "keys" and args.keys_command == "create")


def _discard(created: list[Path]) -> None:
    """Remove a registry this run created (and the folders made for it) when the run
    failed: "nothing was changed" includes leaving no empty registry at a new path, which a
    later read command would take for a real one."""
    for path in database_files(created[-1]):
        path.unlink(missing_ok=True)
    for folder in reversed(created[:-1]):
        with contextlib.suppress(OSError):  # not empty: something else is there now
            folder.rmdir()


def _main(args: argparse.Namespace, created: list[Path]) -> int:
    try:
        settings = Settings.from_env().with_(db_path=args.db, model=args.model)
        creating = _creates_registry(args)
        path = Path(settings.db_path)
        if creating and not path.exists():
            created.extend(folder for folder in reversed(path.parents)
                           if not folder.exists())
            created.append(path)
        store = Store(path, create=creating)
        return _run(args, Matcher(settings, store=store, notice=_notice))
    except ValidationError as exc:
        # Only commands that write say so; a refused query has nothing to change.
        unchanged = "; nothing was changed" if args.command in _WRITING_COMMANDS else ""
        print(f"soliris: error: {len(exc.issues)} problem(s) found{unchanged}:",
              file=sys.stderr)
        for issue in exc.issues[:MAX_ISSUES_SHOWN]:
            print(f"  {issue.describe()}", file=sys.stderr)
        if len(exc.issues) > MAX_ISSUES_SHOWN:
            print(f"  ... and {len(exc.issues) - MAX_ISSUES_SHOWN} more (the first "
                  f"{MAX_ISSUES_SHOWN} are shown)", file=sys.stderr)
        return 1
    except SolirisError as exc:
        print(f"soliris: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `soliris export | head`
        return 0
    except KeyboardInterrupt:
        print("soliris: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, matcher: Matcher) -> int:
    command = args.command
    if command == "import":
        return _import(args, matcher)
    if command == "export":
        text = matcher.export(args.format)
        if args.out is not None:
            _write_file(args.out, text, matcher.settings.db_path)
            print(f"wrote {matcher.store.count()} profiles to {args.out}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    if command == "list":
        page = matcher.list(kind=args.kind, country=args.country)
        if args.json:
            print(json.dumps([a.profile.to_dict(private=False) for a in page.items],
                             ensure_ascii=False, indent=2))
        elif page.items:
            _print_list([a.profile for a in page.items])
        elif matcher.store.count() == 0:
            print(f"the registry {matcher.settings.db_path} is empty: add profiles with "
                  "`soliris import FILE`", file=sys.stderr)
        else:
            print("no actor matches", file=sys.stderr)
        return 0
    if command == "show":
        stored = matcher.get(args.id)
        if args.json:
            print(json.dumps(stored.profile.to_dict(), ensure_ascii=False, indent=2))
        else:
            _print_profile(stored.profile)
        return 0
    if command == "remove":
        matcher.remove(args.id)
        print(f"removed '{args.id}'", file=sys.stderr)
        return 0
    if command == "prune":
        return _prune(args, matcher)
    if command in ("match", "suggest"):
        if command == "match":
            results = matcher.match(args.text, top=args.top, kinds=args.kind,
                                    countries=args.country, exclude=args.exclude)
        else:
            results = matcher.suggest(args.id, top=args.top, kinds=args.kind,
                                      countries=args.country)
        if args.json:
            print(json.dumps([m.to_dict(args.lang) for m in results], ensure_ascii=False,
                             indent=2))
        elif results:
            _print_matches(results, args.lang)
        if not results:
            # On stderr, so that --json output stays exactly one array.
            print(_why_no_match(matcher, command, args), file=sys.stderr)
        return 0
    if command == "serve":
        return _serve(args, matcher)
    if command == "keys":
        return _keys(args, matcher)
    if command == "report":
        return _report(args, matcher)
    raise AssertionError(command)  # argparse only lets known commands through


def _import(args: argparse.Namespace, matcher: Matcher) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise ValidationError([_file_issue(args.file, exc)]) from exc
    fmt = args.format or detect_format(args.file.name)
    summary = matcher.import_bytes(data, fmt, ProgressBar("embedding"))
    if summary.ignored_fields:
        print(f"note: skipped column(s) that are not profile fields: "
              f"{', '.join(clip(name) for name in summary.ignored_fields)} (profile fields: "
              f"{', '.join(ALL_FIELDS)})", file=sys.stderr)
    print(f"imported {args.file}: {summary.created} created, {summary.updated} updated, "
          f"{summary.unchanged} unchanged ({matcher.store.count()} actors in "
          f"{matcher.settings.db_path})", file=sys.stderr)
    return 0


def _prune(args: argparse.Namespace, matcher: Matcher) -> int:
    summary = matcher.prune(other_models=args.other_models)
    print(f"pruned {matcher.settings.db_path}: removed {summary.vectors:,} cached vectors of "
          f"model {matcher.model_name} and {summary.features:,} cached text features that no "
          "profile uses", file=sys.stderr)
    if summary.other_models:
        count = sum(summary.other_models.values())
        models = ", ".join(f"{name} ({n:,})" for name, n in summary.other_models.items())
        if summary.other_models_removed:
            print(f"removed the {count:,} vectors of other models: {models}", file=sys.stderr)
        else:
            print(f"kept the {count:,} vectors of other models: {models}; --other-models "
                  "removes them", file=sys.stderr)
    if summary.compacted:
        print(f"the registry file: {_file_size(summary.bytes_before)} before, "
              f"{_file_size(summary.bytes_after)} now", file=sys.stderr)
    else:
        print(f"the registry file ({_file_size(summary.bytes_before)} before) was being read by "
              "another process (a running service?): it shrinks when that process lets go of "
              "it", file=sys.stderr)
    return 0


def _file_size(size: int) -> str:
    """A file size for a reader: KiB under one MiB, MiB with one decimal above."""
    return f"{size / 2**10:,.0f} KiB" if size < 2**20 else f"{size / 2**20:,.1f} MiB"


def _write_file(path: Path, text: str, registry: Path | str) -> None:
    """Write ``text`` to ``path`` whole or not at all (through a temporary file), refusing
    paths that are not a file to write or that are the registry database itself."""
    def refuse(reason: str) -> ValidationError:
        return ValidationError([Issue(f"cannot write '{path}': {reason}", field="--out")])

    if not path.name:
        raise refuse("it does not name a file")
    if path.is_dir():
        raise refuse("it is a folder; give a file name such as registry.jsonl")
    if path.resolve() in database_files(Path(registry).resolve()):
        raise refuse("it is the registry database itself; choose another file")
    tmp: Path | None = None
    try:
        # A fresh temporary name next to the target: never someone's own "x.jsonl.tmp".
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        tmp = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        tmp.replace(path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise refuse(exc.strerror or str(exc)) from exc


def _file_issue(path: Path, exc: OSError) -> Issue:
    return Issue(f"cannot read '{path}': {exc.strerror or exc}")


def _serve(args: argparse.Namespace, matcher: Matcher) -> int:
    import uvicorn

    if not 0 < args.port < 65536:
        raise ConfigError(f"--port {args.port} is not a TCP port (1-65535)")
    # Listen first, so that a wrong host or a port in use is said before "serving".
    try:
        family = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((args.host, args.port), family=family)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: "
                          f"{exc.strerror or exc}") from exc
    print(f"Soliris Match serving http://{args.host}:{args.port}/ "
          f"(API docs: http://{args.host}:{args.port}/docs; registry "
          f"{matcher.settings.db_path}, {matcher.store.count()} actors)", file=sys.stderr)
    # The app factory reads the environment: pass on what --db / --model chose.
    os.environ["SOLIRIS_DB"] = str(matcher.settings.db_path)
    os.environ["SOLIRIS_MODEL"] = matcher.settings.model
    # The service is named by string so that the engine package never imports the web layer.
    config = uvicorn.Config("service.app:create_app", factory=True, host=args.host,
                            port=args.port, log_level="info", log_config=_log_config())
    server = uvicorn.Server(config)
    with sock:
        server.run(sockets=[sock])
    # A start-up that failed (the model, the registry) has been logged by uvicorn.
    return 0 if server.started else 1


def _log_config() -> dict[str, Any]:
    """uvicorn's logging with the time on every line (a service runs for weeks: an error is
    read next to what else happened then), and the service's own logger (``soliris.*``: a
    registry that is missing or read-only, an unexpected error) through the same handler,
    with its level, instead of Python's bare last-resort output."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["fmt"] = "%(asctime)s " + formatter["fmt"]
        formatter["datefmt"] = "%Y-%m-%d %H:%M:%S"
    config["loggers"]["soliris"] = {"handlers": ["default"], "level": "INFO",
                                    "propagate": False}
    return config


def _keys(args: argparse.Namespace, matcher: Matcher) -> int:
    from matcher import keys

    if args.keys_command == "create":
        secret = keys.create_key(matcher.store, args.name)
        print(secret)
        print(f"created key '{args.name}'; it is shown only once: send it as "
              "'Authorization: Bearer <key>'", file=sys.stderr)
    elif args.keys_command == "list":
        found = keys.list_keys(matcher.store)
        for info in found:
            state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
            print(f"{info.name}\tcreated {info.created_at}\t{state}")
        if not found:
            print("no keys yet: create one with `soliris keys create NAME`", file=sys.stderr)
    else:
        before = keys.get_key(matcher.store, args.name)
        info = keys.revoke_key(matcher.store, args.name)
        if before.revoked_at:
            print(f"key '{args.name}' was already revoked on {info.revoked_at}", file=sys.stderr)
        else:
            print(f"revoked key '{args.name}'", file=sys.stderr)
    return 0


#: The report's parameters as its options are spelt, for its error messages.
_REPORT_OPTIONS = {"out_dir": "--out", "top": "--top", "lang": "--lang",
                   "html_actors": "--html-actors"}


def _report(args: argparse.Namespace, matcher: Matcher) -> int:
    from matcher.report import write_report

    out = matcher.settings.report_dir if args.out is None else args.out
    try:
        with _terminate_as_interrupt():
            result = write_report(matcher, out, top=args.top, lang=args.lang,
                                  progress=ProgressBar("report"),
                                  html_actors=args.html_actors, phase=_report_phase)
    except ValidationError as exc:  # name the options, not the engine's parameters
        raise ValidationError([
            dataclasses.replace(issue, field=_REPORT_OPTIONS.get(issue.field or "", issue.field))
            for issue in exc.issues]) from exc
    for path in result.paths:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _report_phase(text: str) -> None:
    """One line per step, so that the seconds before the progress bar are not silent."""
    print(f"report: {text}…", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Make SIGTERM (``kill``, a systemd stop, a timeout) stop the report like Ctrl-C: the
    report removes its temporary files on KeyboardInterrupt and exits with 130, whereas the
    default action ends the process on the spot and leaves them behind."""
    if threading.current_thread() is not threading.main_thread():  # signals reach main only
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _width() -> int:
    return shutil.get_terminal_size((110, 24)).columns


def _print_list(profiles: list[ActorProfile]) -> None:
    id_width = max(len(p.id) for p in profiles)
    for p in profiles:
        countries = ",".join(p.countries)
        line = f"{p.id:<{id_width}}  {p.kind:<16} {countries:<12} {p.name}"
        print(line[: _width()])
    print(f"{len(profiles)} actor(s)", file=sys.stderr)


def _print_profile(p: ActorProfile) -> None:
    rows = [("id", p.id), ("name", p.name), ("kind", p.kind),
            ("languages", ", ".join(p.languages)), ("countries", ", ".join(p.countries)),
            ("themes", ", ".join(p.themes)), ("commune", p.commune), ("website", p.website),
            ("contact_email", p.contact_email), ("description", p.description),
            ("offers", p.offers), ("needs", p.needs)]
    width = max(40, _width() - 16)
    for key, value in rows:
        if value:
            wrapped = textwrap.wrap(value, width) or [""]
            print(f"{key:<14}  {wrapped[0]}")
            for more in wrapped[1:]:
                print(f"{'':<14}  {more}")


def _why_no_match(matcher: Matcher, command: str, args: argparse.Namespace) -> str:
    """Why a query returned nobody: an empty registry, nobody but the actor, or the filters."""
    registered = matcher.store.count()
    if registered == 0:
        return str(EmptyRegistryError(matcher.settings.db_path))
    if command == "suggest" and registered == 1:
        return f"'{args.id}' is the only actor in the registry: nobody else to suggest"
    return "no actor matches these filters"


def _print_matches(results: list[Match], lang: str) -> None:
    width = _width()
    for rank, match in enumerate(results, start=1):
        p = match.profile
        print(f"{rank:>2}. {match.score:.3f}  {p.name}  [{kind_label(p.kind, lang)}; {p.id}]"
              [:width])
        # Parts that are zero at this precision (no requested kind, nobody lowered) are noise.
        parts = "  ".join(f"{k} {v:+.2f}" for k, v in match.parts.items() if round(v, 2))
        print(f"      {parts}")
        for reason in match.reasons:
            for i, line in enumerate(textwrap.wrap(reason.render(lang), width - 10)):
                print(f"      {'- ' if i == 0 else '  '}{line}")


if __name__ == "__main__":
    sys.exit(main())
