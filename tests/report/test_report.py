"""The batch report on the sample registry: completeness, agreement of the three files,
self-containment of the HTML, determinism, and equality with `soliris suggest`."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from matcher.engine import Matcher
from matcher.errors import ValidationError
from matcher.report import ReportResult, write_report
from matcher.report.i18n import date_text
from matcher.report.output import PAIR_COLUMNS, REASON_SEPARATOR
from tests.report.conftest import FIXED_TIME, TOP

FILES = ("pairs.csv", "report.html", "report.json")


def load_json(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def load_csv(out: Path) -> list[dict[str, str]]:
    raw = (out / "pairs.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "pairs.csv must start with a UTF-8 BOM"
    text = raw.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    header = tuple(reader.fieldnames or ())
    assert header[:len(PAIR_COLUMNS)] == PAIR_COLUMNS and header[-1] == "reasons"
    return list(reader)


def decimal(cell: str) -> float:
    return float(cell.replace(",", "."))


def test_writes_three_files(sample_report: tuple[Path, ReportResult]) -> None:
    out, result = sample_report
    assert [p.name for p in result.paths] == list(FILES)
    assert all(p.parent == out and p.stat().st_size > 0 for p in result.paths)
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)  # no temporary file left


def test_every_actor_appears_with_its_suggestions(report_matcher: Matcher,
                                                  sample_report: tuple[Path, ReportResult]
                                                  ) -> None:
    out, result = sample_report
    ids = [a.profile.id for a in report_matcher.store.all()]
    data = load_json(out)
    assert data["actor_count"] == len(ids) == result.actor_count
    assert [a["id"] for a in data["actors"]] == ids
    expected = min(TOP, len(ids) - 1)
    html = (out / "report.html").read_text(encoding="utf-8")
    for actor in data["actors"]:
        assert len(actor["suggestions"]) == expected, actor["id"]
        assert [s["rank"] for s in actor["suggestions"]] == list(range(1, expected + 1))
        assert all(s["id"] != actor["id"] and s["reasons"] for s in actor["suggestions"])
        assert f'id="a-{actor["id"]}"' in html
    sources = {row["source_id"] for row in load_csv(out)}
    assert sources == set(ids)


def test_pairs_csv_and_report_json_agree(sample_report: tuple[Path, ReportResult]) -> None:
    out, result = sample_report
    data = load_json(out)
    rows = load_csv(out)
    expected = [(a["id"], a["name"], s["id"], s["name"], s["rank"], s["score"], s["parts"],
                 s["reasons"]) for a in data["actors"] for s in a["suggestions"]]
    assert len(rows) == len(expected) == data["pair_count"] == result.pair_count
    for row, (source, source_name, target, target_name, rank, score, parts, reasons) in zip(
            rows, expected, strict=True):
        assert (row["source_id"], row["source_name"]) == (source, source_name)
        assert (row["target_id"], row["target_name"]) == (target, target_name)
        assert int(row["rank"]) == rank
        assert decimal(row["score"]) == pytest.approx(score, abs=1e-9)
        assert set(parts) >= {"semantic", "geography", "complementarity", "diversity"}
        for part, value in parts.items():  # every part the engine reports has its column
            assert decimal(row[part]) == pytest.approx(value, abs=1e-9)
        assert row["reasons"] == REASON_SEPARATOR.join(reasons)


def test_json_header(report_matcher: Matcher, sample_report: tuple[Path, ReportResult]) -> None:
    out, _ = sample_report
    data = load_json(out)
    assert data["model"] == report_matcher.model_name
    assert data["parameters"]["top"] == TOP and data["parameters"]["lang"] == "fr"
    assert data["parameters"]["weights"]["semantic"] == report_matcher.weights.semantic
    assert data["registry_hash"] == report_matcher.store.content_hash()
    assert data["created_at"] == FIXED_TIME
    assert isinstance(data["version"], int)
    for key in ("overview", "synergies", "clusters", "map", "gaps", "history"):
        assert key in data
    assert sum(data["overview"]["kinds"].values()) == data["actor_count"]
    members = [i for c in data["clusters"]["clusters"] for ids in c["members_by_kind"].values()
               for i in ids]
    assert sorted(members) == sorted(a["id"] for a in data["actors"])


def test_synergies_join_complementary_kinds(sample_report: tuple[Path, ReportResult]) -> None:
    out, _ = sample_report
    data = load_json(out)
    synergies = data["synergies"]
    assert synergies, "the sample registry has commune/NGO/diaspora pairs"
    scores = [s["score"] for s in synergies]
    assert scores == sorted(scores, reverse=True)
    pairs = {frozenset((s["source"], s["target"])) for s in synergies}
    assert len(pairs) == len(synergies)  # each pair once
    suggested = {(a["id"], s["id"]): s for a in data["actors"] for s in a["suggestions"]}
    for s in synergies:
        assert s["source_kind"] != s["target_kind"]
        assert suggested[(s["source"], s["target"])]["score"] == s["score"]
        assert s["mutual"] == ((s["target"], s["source"]) in suggested)


def test_html_has_no_external_reference(sample_report: tuple[Path, ReportResult]) -> None:
    html = (sample_report[0] / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    for attribute in re.findall(r'\b(?:src|href|xlink:href|action|poster|data)\s*=\s*"([^"]*)"',
                                html, flags=re.IGNORECASE):
        assert attribute.startswith("#"), attribute
    assert not re.search(r"(?:src|href)\s*=\s*['\"]?\s*(?:https?:)?//", html, re.IGNORECASE)
    assert not re.search(r"@import|url\s*\(", html, re.IGNORECASE)
    assert not re.search(r"<(?:link|iframe|object|embed|img)\b", html, re.IGNORECASE)
    assert "http://" not in html.split("<main>")[0]  # nothing in the head, not even xmlns
    for section in ("overview", "synergies", "clusters", "map", "network", "gaps", "newcomers",
                    "all_actors"):
        assert f'<section id="{section}">' in html
    assert html.count("<svg") == 2


def test_report_suggestions_equal_suggest(report_matcher: Matcher,
                                          sample_report: tuple[Path, ReportResult]) -> None:
    data = load_json(sample_report[0])
    actors = data["actors"]
    for actor in [actors[0], actors[len(actors) // 2], actors[-1]]:
        expected = report_matcher.suggest(actor["id"], top=TOP)
        got = actor["suggestions"]
        assert [s["id"] for s in got] == [m.profile.id for m in expected]
        for s, m in zip(got, expected, strict=True):
            assert s["score"] == pytest.approx(m.score, abs=2e-4)
            assert s["parts"] == pytest.approx(m.parts, abs=2e-4)
            assert s["reasons"] == [r.render("fr") for r in m.reasons]


def test_two_runs_are_identical_but_for_the_creation_time(report_matcher: Matcher,
                                                          sample_report: tuple[Path,
                                                                               ReportResult],
                                                          tmp_path: Path) -> None:
    first, _ = sample_report
    second = tmp_path / "again"
    result = write_report(report_matcher, second, top=TOP, lang="fr")
    assert result.created_at != FIXED_TIME
    for name in FILES:
        a = (first / name).read_bytes()
        b = (second / name).read_bytes()
        if name == "report.json":
            assert FIXED_TIME.encode() in a and result.created_at.encode() in b
        elif name == "report.html":
            assert date_text(FIXED_TIME, "fr").encode() in a
            assert date_text(result.created_at, "fr").encode() in b
        assert _without_time(a, FIXED_TIME) == _without_time(b, result.created_at), name


def _without_time(data: bytes, stamp: str) -> bytes:
    """A report file with its creation time taken out, as stamped (JSON) and as a French
    reader reads it (HTML: "29 novembre 2026 à 10:00 UTC")."""
    return data.replace(stamp.encode(), b"T").replace(date_text(stamp, "fr").encode(), b"T")


@pytest.mark.parametrize(("lang", "heading"), [("nl", "Matchingrapport Soliris"),
                                               ("en", "Soliris matching report")])
def test_languages(report_matcher: Matcher, tmp_path: Path, lang: str, heading: str) -> None:
    write_report(report_matcher, tmp_path, top=2, lang=lang)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in html and heading in html
    data = load_json(tmp_path)
    actor = data["actors"][0]
    expected = report_matcher.suggest(actor["id"], top=2)
    assert actor["suggestions"][0]["reasons"] == [r.render(lang) for r in expected[0].reasons]


def test_bad_parameters(report_matcher: Matcher, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        write_report(report_matcher, tmp_path, top=0, lang="de")
    assert {i.field for i in info.value.issues} == {"top", "lang"}
    assert not any(tmp_path.iterdir())


def test_synergy_reasons_name_both_actors(sample_report: tuple[Path, ReportResult]) -> None:
    # A coordinator reads the pairs: neither actor is "you".
    out, _ = sample_report
    data = load_json(out)
    html = (out / "report.html").read_text(encoding="utf-8")
    synergies = html.split('<section id="synergies">')[1].split("</section>")[0]
    assert not re.search(r"\b(?:vous|votre)\b", synergies)
    for s in data["synergies"]:
        assert not any(re.search(r"\b(?:vous|votre)\b", r) for r in s["reasons"]), s
    named = [r for s in data["synergies"] for r in s["reasons"]
             if r.startswith(("Le profil de ", "L'action de "))]
    assert named, "the sample's synergies quote a profile"


def test_french_page_reads_as_french(sample_report: tuple[Path, ReportResult]) -> None:
    html = (sample_report[0] / "report.html").read_text(encoding="utf-8")
    main = html.split("<main>")[1]
    assert "Empreinte du registre : " in html  # a space before the colon
    assert not re.search(r"\(s\)|\(en\)", main.split('<section id="all_actors">')[0])
    assert re.search(r'<span class="score">\d,\d{3}</span>', main)  # decimal comma
    assert not re.search(r'<span class="score">\d\.\d{3}</span>', main)
    assert "aux côtés d'un·e " not in main.replace("d'un·e expert·e", "")
    # each actor's cluster is a link to that cluster
    for number in set(re.findall(r'<summary>.*?href="#cluster-(\d+)"', main)):
        assert f'id="cluster-{number}"' in main
