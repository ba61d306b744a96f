"""The report on small registries built for each test: the gap table, the actors added since
the previous report, escaping, an empty registry, a failed run, and the command line."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import matcher.report.pairs as pairs
import matcher.report.render_html as render_html
from matcher import engine
from matcher.cli import main
from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.errors import ConfigError, EmptyRegistryError
from matcher.profile import validate_record
from matcher.ranking import SCORE_PARTS
from matcher.report import write_report

Build = Callable[[Sequence[dict[str, Any]]], Matcher]


def actor(actor_id: str, kind: str, countries: list[str], text: str) -> dict[str, Any]:
    return {"id": actor_id, "name": actor_id.replace("-", " ").title(), "kind": kind,
            "countries": countries, "description": text}


# Descriptions name no place, so each actor's countries are exactly its structured field.
GAP_REGISTRY = [
    actor("commune-a", "commune", ["CD", "SN"], "Jumelage communal sur l'état civil."),
    actor("commune-b", "commune", ["CD"], "Appui aux services communaux de la population."),
    actor("diaspora-cd", "diaspora", ["CD"], "Association de ressortissants pour l'école."),
    actor("ngo-sn", "ngo", ["SN"], "Organisation de formation professionnelle des jeunes."),
    actor("diaspora-bj", "diaspora", ["BJ"], "Association culturelle et d'entraide."),
    actor("diaspora-ml", "diaspora", ["ML", "CD"], "Association de soutien aux cantines."),
    actor("assoc-none", "association", [], "Association de sensibilisation des élèves."),
]


def test_gap_table(small_registry: Build, tmp_path: Path) -> None:
    matcher = small_registry(GAP_REGISTRY)
    write_report(matcher, tmp_path, top=3)
    gaps = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["gaps"]
    rows = {row["code"]: row for row in gaps["countries"]}
    assert set(rows) == {"CD", "SN", "BJ", "ML"}
    assert rows["CD"]["counts"] == {"commune": 2, "ngo": 0, "diaspora": 2}
    assert rows["CD"]["total"] == 4
    assert rows["CD"]["gaps"] == ["commune_no_ngo"]  # communes, diaspora, but no NGO
    assert rows["SN"]["gaps"] == ["commune_no_diaspora"]  # communes and an NGO, no diaspora
    assert rows["BJ"]["gaps"] == ["diaspora_no_commune"]
    assert rows["ML"]["gaps"] == ["diaspora_no_commune"]
    assert [r["code"] for r in gaps["countries"]] == ["CD", "SN", "BJ", "ML"]  # most actors
    assert gaps["kinds"] == ["commune", "ngo", "diaspora"]  # the association has no country
    # diaspora-ml shares DR Congo with the communes; only diaspora-bj is alone
    assert gaps["diaspora_without_commune"] == [
        {"id": "diaspora-bj", "name": "Diaspora Bj", "countries": ["BJ"]}]
    assert gaps["actors_without_country"] == 1

    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    section = html.split('<section id="gaps">')[1].split("</section>")[0]
    assert section.count("aucune organisation de la diaspora") == 1
    assert section.count("aucune ONG ni association") == 1
    assert section.count("des organisations de la diaspora y travaillent") == 2
    assert 'href="#a-diaspora-bj"' in section and 'href="#a-diaspora-ml"' not in section


def test_actors_added_since_previous_report(small_registry: Build, tmp_path: Path) -> None:
    matcher = small_registry(GAP_REGISTRY[:5])
    write_report(matcher, tmp_path, top=2)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["history"] == {"previous": None, "added": [], "removed": []}
    first_time = data["created_at"]

    matcher.upsert([validate_record(GAP_REGISTRY[5])])
    matcher.remove("ngo-sn")
    write_report(matcher, tmp_path, top=2)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    history = data["history"]
    assert history["previous"]["created_at"] == first_time
    assert history["previous"]["actor_count"] == 5
    assert [a["id"] for a in history["added"]] == ["diaspora-ml"]
    assert history["removed"] == ["ngo-sn"]
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    section = html.split('<section id="newcomers">')[1].split("</section>")[0]
    assert 'href="#a-diaspora-ml"' in section
    best = [s["id"] for a in data["actors"] if a["id"] == "diaspora-ml"
            for s in a["suggestions"]]
    assert all(f'href="#a-{i}"' in section for i in best)  # its best matches are listed

    write_report(matcher, tmp_path, top=2)  # nothing new since
    history = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["history"]
    assert history["added"] == [] and history["removed"] == []


def test_user_text_is_escaped(small_registry: Build, tmp_path: Path) -> None:
    evil = {"id": "assoc-evil", "name": '<script>alert("x")</script> & <b>Co</b>',
            "kind": "association", "countries": ["CD"],
            "description": 'Voir <img src="https://tracker.example/p.png"> et '
                           "https://example.org/page pour l'état civil à Kinshasa.",
            "themes": ["<i>état civil</i>"]}
    matcher = small_registry([*GAP_REGISTRY[:4], evil])
    write_report(matcher, tmp_path, top=3)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<b>Co</b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert 'src="https://' not in html
    assert html.count("<script>") == 1  # our own filter script only


def test_pairs_csv_text_cannot_run_as_a_formula(small_registry: Build, tmp_path: Path) -> None:
    names = ['=HYPERLINK("http://evil.example/","x")', "+32 Entraide", "-Moins",
             "@Bruxelles", "Ordinary name"]
    records = [{**actor(f"assoc-f{i}", "association", ["CD"],
                        "Soutien scolaire et cantines pour les écoles de Kinshasa."),
                "name": name} for i, name in enumerate(names)]
    matcher = small_registry([*GAP_REGISTRY[:3], *records])
    write_report(matcher, tmp_path, top=3)
    text = (tmp_path / "pairs.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    expected = {f"assoc-f{i}": name if name[0].isalpha() else "'" + name
                for i, name in enumerate(names)}
    cells = {row["source_id"]: row["source_name"] for row in rows}
    cells.update((row["target_id"], row["target_name"]) for row in rows)
    assert {key: cells[key] for key in expected} == expected
    for row in rows:  # numbers stay numbers
        for column in ("score", "semantic", "geography", "complementarity", "diversity"):
            float(row[column].replace(",", "."))
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {a["name"] for a in data["actors"]} >= set(names)  # only the CSV is escaped


def test_an_unreadable_previous_report_is_said_not_fatal(small_registry: Build,
                                                         tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("{not json", encoding="utf-8")
    steps: list[str] = []
    write_report(small_registry(GAP_REGISTRY[:3]), tmp_path, top=2, phase=steps.append)
    assert any("cannot be read as a previous report" in step for step in steps)
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["actor_count"] == 3
    steps.clear()
    write_report(small_registry(GAP_REGISTRY[:3]), tmp_path, top=2, phase=steps.append)
    assert not any("cannot be read" in step for step in steps)  # now a real previous one


def test_pairs_csv_has_the_same_columns_with_or_without_pairs(small_registry: Build,
                                                               tmp_path: Path) -> None:
    def header(records: Sequence[dict[str, Any]], out: Path) -> list[str]:
        write_report(small_registry(records), out, top=2)
        text = (out / "pairs.csv").read_text(encoding="utf-8-sig")
        return next(csv.reader(io.StringIO(text), delimiter=";"))

    alone = header(GAP_REGISTRY[:1], tmp_path / "alone")  # one actor: no pair to list
    assert alone == header(GAP_REGISTRY, tmp_path / "all")
    assert set(SCORE_PARTS) <= set(alone) and alone[-1] == "reasons"


def test_an_empty_registry_is_refused_and_touches_nothing(
        small_registry: Build, matcher: Matcher, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # A scheduled run on an emptied registry must not replace last week's report by an
    # empty one (nor create a folder).
    with pytest.raises(EmptyRegistryError):
        write_report(matcher, tmp_path / "new")
    assert not (tmp_path / "new").exists()

    out = tmp_path / "out"
    write_report(small_registry(GAP_REGISTRY[:3]), out, top=2)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for record in GAP_REGISTRY[:3]:
        matcher.remove(record["id"])
    db = matcher.settings.db_path
    assert main(["--db", str(db), "report", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (f"soliris: error: the registry {db} is empty: import profiles first "
                   "(soliris import FILE)\n")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_model_that_does_not_load_creates_no_folder(small_registry: Build, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    db = small_registry(GAP_REGISTRY[:3]).settings.db_path

    def no_model(spec: str, threads: int = 2) -> Encoder:
        raise ConfigError(f"cannot load model '{spec}'")

    monkeypatch.setattr(engine, "load_encoder", no_model)
    out = tmp_path / "reports" / "latest"
    assert main(["--db", str(db), "report", "--out", str(out)]) == 1
    assert "cannot load model" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()


def test_failed_run_keeps_the_previous_report(small_registry: Build, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    matcher = small_registry(GAP_REGISTRY[:4])
    write_report(matcher, tmp_path, top=2)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(*args: object) -> str:
        raise RuntimeError("disk full while writing")

    monkeypatch.setattr(render_html, "tail", broken)
    with pytest.raises(RuntimeError):
        write_report(matcher, tmp_path, top=3)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


class Terminated(Exception):
    """What SIGTERM raises in the test, unless the report handles it."""


def test_sigterm_stops_the_report_like_ctrl_c(small_registry: Build, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              encoder: Encoder,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    matcher = small_registry(GAP_REGISTRY)
    out = tmp_path / "out"
    write_report(matcher, out, top=2)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(engine, "load_encoder", lambda spec, threads=2: encoder)
    monkeypatch.setattr(pairs, "BLOCK_ROWS", 2)  # worker processes too, with 2 cores
    monkeypatch.setenv("SOLIRIS_THREADS", "2")
    capfd.readouterr()
    render_actor = render_html.actor

    def terminated(*args: Any) -> str:  # `systemctl stop` while actors are written
        os.kill(os.getpid(), signal.SIGTERM)
        return render_actor(*args)

    def unhandled(signum: int, frame: object) -> None:
        raise Terminated

    monkeypatch.setattr(render_html, "actor", terminated)
    previous = signal.signal(signal.SIGTERM, unhandled)
    try:
        code = main(["--db", str(matcher.settings.db_path), "report", "--out", str(out)])
        assert signal.getsignal(signal.SIGTERM) is unhandled  # restored afterwards
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert code == 130
    err = capfd.readouterr().err  # the workers' output too
    assert err.endswith("soliris: interrupted\n") and "Traceback" not in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temporary file


def test_command_line(small_registry: Build, tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    matcher = small_registry(GAP_REGISTRY)
    out = tmp_path / "cli-report"
    code = main(["--db", str(matcher.settings.db_path), "report", "--out", str(out), "--top",
                 "2", "--lang", "en"])
    assert code == 0
    err = capsys.readouterr().err
    for name in ("pairs.csv", "report.html", "report.json"):
        assert f"wrote {out / name}" in err
    # The steps before the progress bar say what they do.
    assert err.startswith("report: loading the registry and the model…\n"
                          "report: grouping actors by theme and drawing the map…\n")
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["parameters"]["top"] == 2 and data["parameters"]["lang"] == "en"
    assert '<html lang="en">' in (out / "report.html").read_text(encoding="utf-8")


def test_page_unfolds_the_first_actors_only_when_asked(small_registry: Build,
                                                       tmp_path: Path) -> None:
    matcher = small_registry(GAP_REGISTRY)
    write_report(matcher, tmp_path, top=2, html_actors=2, lang="en")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count('<details class="actor"') == 2
    assert f"unfolds the first 2 of {len(GAP_REGISTRY)} actors" in html
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert len(data["actors"]) == len(GAP_REGISTRY)  # the files keep every actor
    rows = (tmp_path / "pairs.csv").read_text(encoding="utf-8-sig").splitlines()
    assert {row.split(";")[0] for row in rows[1:]} == {a["id"] for a in GAP_REGISTRY}

    write_report(matcher, tmp_path, top=2, lang="en")  # the default shows a small registry
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count('<details class="actor"') == len(GAP_REGISTRY)
    assert "unfolds the first" not in html


def test_page_actor_limit_must_be_a_count(small_registry: Build, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    matcher = small_registry(GAP_REGISTRY[:3])
    code = main(["--db", str(matcher.settings.db_path), "report", "--out", str(tmp_path),
                 "--html-actors", "-1"])
    assert code == 1
    assert "field '--html-actors': must be a whole number of 0 or more, got -1" in \
        capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


def test_out_option(small_registry: Build, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    db = str(small_registry(GAP_REGISTRY[:3]).settings.db_path)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["--db", db, "report", "--out", ".", "--top", "2"]) == 0
    assert sorted(p.name for p in here.iterdir()) == ["pairs.csv", "report.html", "report.json"]
    capsys.readouterr()

    # "/" is a folder too: only --top is refused here (so that nothing is written there).
    assert main(["--db", db, "report", "--out", "/", "--top", "0"]) == 1
    err = capsys.readouterr().err
    assert "field '--top': must be a whole number from 1 to" in err and "--out" not in err

    with pytest.raises(SystemExit) as info:  # a usage error, like every empty path option
        main(["--db", db, "report", "--out", ""])
    assert info.value.code == 2
    assert "--out: an empty path: give a folder, such as reports/latest" in \
        capsys.readouterr().err

    note = tmp_path / "notes.md"
    note.write_text("mine", encoding="utf-8")
    for out in (note, note / "sub"):
        assert main(["--db", db, "report", "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert f"field '--out': {note} is a file, not a folder" in err, err
    assert note.read_text(encoding="utf-8") == "mine"


def test_a_previous_report_of_another_model_is_said(small_registry: Build, tmp_path: Path
                                                    ) -> None:
    # The actors added since compare as usual; the suggestions come from another model, and
    # the report says so (stderr, report.json, report.html) instead of passing it in silence.
    matcher = small_registry(GAP_REGISTRY[:5])
    write_report(matcher, tmp_path, top=2)
    path = tmp_path / "report.json"
    text = path.read_text(encoding="utf-8")
    model = json.loads(text)["model"]
    path.write_text(text.replace(f'"model": "{model}"', '"model": "other-model@1"', 1),
                    encoding="utf-8")
    said: list[str] = []
    write_report(matcher, tmp_path, top=2, phase=said.append)
    assert any("made with model other-model@1" in line and model in line for line in said)
    history = json.loads(path.read_text(encoding="utf-8"))["history"]
    assert history["previous"]["model"] == "other-model@1"
    assert history["added"] == [] and history["removed"] == []
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "avec le modèle other-model@1" in html
    said.clear()
    write_report(matcher, tmp_path, top=2, phase=said.append)  # the same model: nothing said
    assert not any("made with model" in line for line in said)
