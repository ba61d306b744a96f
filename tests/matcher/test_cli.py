"""The `soliris` command line: the --json contract, bad input, exit codes."""

from __future__ import annotations

import json
import re

import pytest

from matcher import cli, engine
from matcher.store import Store

PROFILES = [
    {"id": "commune-uccle", "name": "Commune d'Uccle", "kind": "commune",
     "description": "Partenariat avec Kintambo (Kinshasa) : état civil et eau potable.",
     "countries": ["CD"], "contact_email": "cooperation@example.org"},
    {"id": "diaspora-kintambo", "name": "Bana Kintambo", "kind": "diaspora",
     "description": "Congolezen uit Kintambo in Brussel: culturele activiteiten en inzamelingen.",
     "countries": ["DR Congo"]},
    {"id": "ngo-rif", "name": "Water for Rif", "kind": "ngo",
     "description": "Drinking water and sanitation in Al Hoceima.", "countries": ["Marokko"]},
]


@pytest.fixture
def run(tmp_path, monkeypatch, encoder, capsys):
    """Run `soliris --db tmp ...` in-process with the session's encoder."""
    monkeypatch.setattr(engine, "load_encoder", lambda spec, threads=2: encoder)
    db = tmp_path / "cli.db"

    def invoke(*args: str) -> tuple[int, str, str]:
        code = cli.main(["--db", str(db), *args])
        out, err = capsys.readouterr()
        return code, out, err

    invoke.db = db  # type: ignore[attr-defined]
    return invoke


@pytest.fixture
def profiles_file(tmp_path):
    path = tmp_path / "actors.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PROFILES), encoding="utf-8")
    return path


def test_import_then_match_json_contract(run, profiles_file):
    code, _, err = run("import", str(profiles_file))
    assert code == 0 and "3 created" in err
    code, out, _ = run("match", "Drinkwater voor Kinshasa", "--json", "--top", "3")
    assert code == 0
    results = json.loads(out)  # exactly one JSON document on stdout
    assert isinstance(results, list) and len(results) == 3
    for item in results:
        assert {"id", "name", "kind", "score", "reasons"} <= item.keys()
        assert isinstance(item["score"], float)
        assert all(isinstance(r, str) for r in item["reasons"])
        assert "contact_email" not in item
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_match_filters_and_suggest(run, profiles_file):
    run("import", str(profiles_file))
    code, out, _ = run("match", "eau", "--json", "--kind", "diaspora", "--country", "RDC")
    assert code == 0 and [r["id"] for r in json.loads(out)] == ["diaspora-kintambo"]
    code, out, _ = run("suggest", "commune-uccle", "--json")
    ids = [r["id"] for r in json.loads(out)]
    assert code == 0 and "commune-uccle" not in ids and ids[0] == "diaspora-kintambo"


def test_table_output_is_readable(run, profiles_file):
    run("import", str(profiles_file))
    code, out, _ = run("match", "Eau potable à Kintambo", "--top", "2", "--lang", "fr")
    assert code == 0
    assert out.lstrip().startswith("1.") and "Commune d'Uccle" in out
    assert "Même localité ou région partenaire : Kintambo" in out


def test_an_empty_answer_says_why(run, profiles_file, tmp_path):
    Store(run.db)  # an empty registry
    code, out, err = run("match", "eau potable")
    assert code == 0 and out == "" and "is empty: import profiles first" in err
    solo = tmp_path / "solo.jsonl"
    solo.write_text(json.dumps(PROFILES[0]) + "\n", encoding="utf-8")
    run("import", str(solo))
    code, out, err = run("suggest", "commune-uccle")
    assert code == 0 and "only actor in the registry" in err
    run("import", str(profiles_file))
    code, out, err = run("match", "eau", "--kind", "expert")
    assert code == 0 and out == "" and "no actor matches these filters" in err
    code, out, err = run("match", "eau", "--kind", "expert", "--json")
    assert code == 0 and json.loads(out) == []
    assert "no actor matches these filters" in err  # said on stderr: stdout stays one array


def test_one_bad_row_imports_nothing(run, profiles_file, tmp_path):
    run("import", str(profiles_file))
    before = Store(run.db).content_hash()
    bad = tmp_path / "bad.jsonl"
    rows = [{**PROFILES[0], "name": "Renamed"}, {**PROFILES[1], "kind": "club"}]
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, _, err = run("import", str(bad))
    assert code == 1
    assert "nothing was changed" in err
    assert "line 2: field 'kind': 'club' is not a known kind" in err
    assert Store(run.db).content_hash() == before


def test_import_names_the_columns_it_skipped(run, tmp_path):
    path = tmp_path / "other-tool.jsonl"
    path.write_text(json.dumps({**PROFILES[0], "source": "old directory"}) + "\n",
                    encoding="utf-8")
    code, _, err = run("import", str(path))
    assert code == 0
    assert "skipped column(s) that are not profile fields: source" in err
    assert "1 created" in err


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"\xff\xfe{}", "not valid UTF-8"),
    (b'{"id": "x"\n', "malformed JSON"),
])
def test_unreadable_files(run, tmp_path, content, message):
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    code, _, err = run("import", str(path))
    assert code == 1 and message in err


def test_missing_file_and_unknown_extension(run, tmp_path):
    code, _, err = run("import", str(tmp_path / "nope.jsonl"))
    assert code == 1 and "cannot read" in err
    other = tmp_path / "a.xlsx"
    other.write_bytes(b"x")
    code, _, err = run("import", str(other))
    assert code == 1 and ".jsonl, .json, .csv" in err


@pytest.mark.parametrize("command", [["show", "nobody"], ["remove", "nobody"],
                                     ["suggest", "nobody"]])
def test_unknown_actor_id(run, profiles_file, command):
    run("import", str(profiles_file))
    code, out, err = run(*command)
    assert code == 1 and out == "" and "unknown actor id 'nobody'" in err


@pytest.mark.parametrize("args, message", [
    (["match", "   "], "field 'text': is empty"),
    (["match", "x" * 10_001], "the limit is 10000"),
    (["match", "eau", "--top", "0"], "field 'top'"),
    (["match", "eau", "--country", "Atlantis"], "'Atlantis' is not a known country"),
])
def test_bad_match_input(run, profiles_file, args, message):
    run("import", str(profiles_file))
    code, out, err = run(*args)
    assert code == 1 and out == "" and message in err
    assert "nothing was changed" not in err  # a query changes nothing anyway


def test_usage_error_exit_code(run):
    with pytest.raises(SystemExit) as info:
        run("match", "eau", "--kind", "bank")
    assert info.value.code == 2


@pytest.mark.parametrize("args", [["--db", "", "list"], ["--db", " ", "list"], ["import", ""],
                                  ["export", "--out", ""]])
def test_an_empty_path_is_a_usage_error_naming_the_option(tmp_path, monkeypatch, capsys, args):
    # Path("") would quietly mean the current folder ("the registry path . is a folder").
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "an empty path: give a file name" in err and "'.'" not in err
    assert list(tmp_path.iterdir()) == []


def test_export_reimports_to_the_same_registry(run, profiles_file, tmp_path):
    run("import", str(profiles_file))
    for fmt in ("jsonl", "csv"):
        out_file = tmp_path / f"export.{fmt}"
        assert run("export", "--format", fmt, "--out", str(out_file))[0] == 0
        copy = tmp_path / f"copy-{fmt}.db"
        assert cli.main(["--db", str(copy), "import", str(out_file)]) == 0
        assert Store(copy).content_hash() == Store(run.db).content_hash()


def test_show_list_remove(run, profiles_file):
    run("import", str(profiles_file))
    code, out, _ = run("show", "commune-uccle", "--json")
    assert code == 0 and json.loads(out)["contact_email"] == "cooperation@example.org"
    code, out, _ = run("list", "--country", "Maroc", "--json")
    assert [p["id"] for p in json.loads(out)] == ["ngo-rif"]
    assert "contact_email" not in out
    assert run("remove", "ngo-rif")[0] == 0
    code, out, _ = run("list", "--json")
    assert [p["id"] for p in json.loads(out)] == ["commune-uccle", "diaspora-kintambo"]


def test_reimport_uses_the_embedding_cache(run, profiles_file, encoder, monkeypatch):
    run("import", str(profiles_file))
    calls = []
    original = type(encoder).encode
    monkeypatch.setattr(type(encoder), "encode",
                        lambda self, texts, role="passage": calls.append(len(texts))
                        or original(self, texts, role))
    code, _, err = run("import", str(profiles_file))
    assert code == 0 and "3 unchanged" in err
    assert calls == []


@pytest.mark.parametrize("target", ["registry", "wal", "journal", "folder", "missing-folder",
                                    "file-as-folder", "root"])
def test_export_refuses_a_path_it_cannot_write_and_keeps_the_registry(run, profiles_file,
                                                                     tmp_path, target):
    assert run("import", str(profiles_file))[0] == 0
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    out = {"registry": str(run.db), "wal": f"{run.db}-wal", "journal": f"{run.db}-journal",
           "folder": str(tmp_path), "missing-folder": str(tmp_path / "no" / "such" / "x.jsonl"),
           "file-as-folder": str(tmp_path / "afile" / "x.jsonl"), "root": "/"}[target]
    code, stdout, err = run("export", "--out", out)
    assert code == 1 and stdout == ""
    assert "field '--out': cannot write" in err and "Traceback" not in err
    assert not list(tmp_path.rglob("*.tmp"))
    code, out_json, _ = run("list", "--json")
    assert code == 0 and len(json.loads(out_json)) == 3


def test_list_says_when_the_registry_is_empty(run):
    Store(run.db)
    code, out, err = run("list")
    assert code == 0 and out == ""
    assert "is empty" in err and "soliris import FILE" in err


@pytest.mark.parametrize("text", ["!!!???", "\u0001\u0002", "… — «»"])
def test_a_text_without_words_is_refused(run, profiles_file, text):
    assert run("import", str(profiles_file))[0] == 0
    code, out, err = run("match", text, "--json")
    assert code == 1 and out == ""
    assert "field 'text': has no words" in err


def test_an_empty_country_filter_is_refused(run, profiles_file):
    assert run("import", str(profiles_file))[0] == 0
    code, _, err = run("list", "--country", "")
    assert code == 1 and "field 'country': is empty" in err


def test_a_file_with_many_bad_rows_shows_the_first_problems_and_a_count(run, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps({"id": f"a-{i}", "name": "A", "kind": "alien",
                                       "description": "Texte."}) + "\n" for i in range(250)),
                   encoding="utf-8")
    code, _, err = run("import", str(bad))
    assert code == 1 and "250 problem(s) found; nothing was changed" in err
    assert err.count("is not a known kind") == cli.MAX_ISSUES_SHOWN
    assert f"and {250 - cli.MAX_ISSUES_SHOWN} more" in err


def test_export_never_touches_a_file_named_like_its_temporary_one(run, profiles_file, tmp_path):
    assert run("import", str(profiles_file))[0] == 0
    (tmp_path / "out.jsonl.tmp").mkdir()  # someone's own folder, in the way of a fixed name
    code, _, err = run("export", "--out", str(tmp_path / "out.jsonl"))
    assert code == 0, err
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    assert (tmp_path / "out.jsonl.tmp").is_dir()


def test_a_long_unknown_id_is_cut_in_the_message(run, profiles_file):
    assert run("import", str(profiles_file))[0] == 0
    code, _, err = run("show", "a" * 5000)
    assert code == 1 and "(5000 characters)" in err and len(err) < 400


@pytest.mark.parametrize("command", [
    ["list"], ["show", "commune-uccle"], ["match", "eau potable"], ["suggest", "commune-uccle"],
    ["export"], ["remove", "commune-uccle"], ["report"], ["prune"]])
def test_reading_a_missing_registry_is_an_error_that_creates_nothing(run, tmp_path, command):
    # A mistyped --db path must not read as an empty registry and leave a stray file behind.
    code, out, err = run(*command)
    assert code == 1 and out == ""
    assert f"there is no registry database at {run.db}" in err and "soliris import" in err
    assert not run.db.exists() and list(tmp_path.iterdir()) == []


def test_a_missing_registry_in_a_missing_folder_is_not_created(tmp_path, capsys):
    db = tmp_path / "typo" / "soliris.db"
    assert cli.main(["--db", str(db), "list"]) == 1
    assert "there is no registry database" in capsys.readouterr().err
    assert not db.parent.exists()


def test_match_exclude_names_an_unknown_id(run, profiles_file):
    run("import", str(profiles_file))
    code, out, _ = run("match", "eau", "--json", "--exclude", "commune-uccle")
    assert code == 0 and "commune-uccle" not in [r["id"] for r in json.loads(out)]
    code, out, err = run("match", "eau", "--exclude", "commune-ucle", "--exclude", "ngo-rif")
    assert code == 1 and out == ""
    assert "field 'exclude': 'commune-ucle' is not a registered actor id" in err
    assert "ngo-rif" not in err


def test_lang_is_read_whatever_its_case(run, profiles_file):
    run("import", str(profiles_file))
    assert run("match", "eau", "--lang", "FR") == run("match", "eau", "--lang", "fr")


def test_serve_says_when_it_cannot_listen_before_serving(run, profiles_file):
    import socket

    run("import", str(profiles_file))
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, out, err = run("serve", "--host", "127.0.0.1", "--port", str(port))
    assert code == 1 and "cannot listen on 127.0.0.1:" in err and "serving" not in err
    code, _, err = run("serve", "--host", "no-such-host.invalid", "--port", "8000")
    assert code == 1 and "cannot listen on no-such-host.invalid:8000" in err


@pytest.mark.parametrize("command", [
    ["import", "missing.jsonl"], ["keys", "create", "-- bad"], ["keys", "list"],
    ["keys", "revoke", "bob"], ["serve", "--host", "no-such-host.invalid", "--port", "8000"]])
def test_a_failed_command_leaves_no_new_registry(tmp_path, capsys, command):
    db = tmp_path / "new" / "deeper" / "soliris.db"
    assert cli.main(["--db", str(db), *command]) == 1
    assert "soliris: error:" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # neither the file nor the folders made for it


def test_a_failed_import_into_a_new_registry_leaves_nothing(run, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**PROFILES[0], "kind": "club"}) + "\n", encoding="utf-8")
    code, _, err = run("import", str(bad))
    assert code == 1 and "nothing was changed" in err and not run.db.exists()
    code, _, _ = run("import", str(bad.with_name("good.jsonl")))
    assert code == 1 and not run.db.exists()


def _subparsers(parser):
    """Every (name, parser) below ``parser``: commands and the actions of `keys`."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                for inner, deeper in _subparsers(sub):
                    yield f"{name} {inner}", deeper


def test_every_option_and_argument_has_a_help_text():
    """The README says `soliris COMMAND -h` documents every option: none may be bare."""
    import argparse

    parser = cli.build_parser()
    for name, sub in [("soliris", parser), *_subparsers(parser)]:
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
                continue
            assert action.help, f"{name}: {action.option_strings or action.dest} has no help"


def test_help_names_the_defaults_the_code_uses(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "$XDG_DATA_HOME/soliris/soliris.db" in text
    for variable in ("SOLIRIS_DB", "SOLIRIS_MODEL", "SOLIRIS_THREADS", "SOLIRIS_MAX_TOP",
                     "SOLIRIS_REPORT_DIR", "SOLIRIS_MAX_UPLOAD", "SOLIRIS_WORKERS"):
        assert variable in text
    with pytest.raises(SystemExit):
        cli.main(["match", "--help"])
    assert "language of the reasons (default en)" in " ".join(capsys.readouterr().out.split())


def test_match_json_holds_only_the_fields_the_readme_names(run, profiles_file):
    """README, Output: id, name, kind, score, parts, reasons, and the actor's languages,
    countries, themes, commune and website (empty ones left out; never contact_email)."""
    run("import", str(profiles_file))
    code, out, _ = run("match", "Drinkwater voor Kinshasa", "--json")
    assert code == 0
    allowed = {"id", "name", "kind", "score", "parts", "reasons", "languages", "countries",
               "themes", "commune", "website"}
    for item in json.loads(out):
        assert {"id", "name", "kind", "score", "parts", "reasons"} <= item.keys() <= allowed


def test_prune_removes_what_an_edit_left_behind(run, profiles_file, tmp_path):
    assert run("import", str(profiles_file))[0] == 0
    edited = tmp_path / "edited.jsonl"
    edited.write_text(json.dumps({**PROFILES[0], "description": "Écoles à Kintambo."}) + "\n",
                      encoding="utf-8")
    assert run("import", str(edited))[0] == 0
    code, out, err = run("prune")
    assert code == 0 and out == ""
    removed = int(re.search(r"removed (\d+) cached vectors of model use", err).group(1))
    assert removed > 0 and re.search(r"the registry file: [\d,.]+ [KM]iB before", err)
    code, _, err = run("prune")
    assert code == 0 and "removed 0 cached vectors" in err
    code, out, _ = run("match", "écoles Kintambo", "--json", "--top", "1")
    assert code == 0 and json.loads(out)[0]["id"] == "commune-uccle"
