"""What a caller on the network can and cannot make the service do: keys checked before a
body is read, files served from the report folder only, no server path in an error, the
security headers on every answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from matcher import keys
from matcher.report import render_html
from service.app import MAX_JSON_BODY, create_app
from tests.service.conftest import ACTOR_COUNT, WRONG_KEY, assert_error, make_matcher

MULTIPART = {"Content-Type": "multipart/form-data; boundary=b0undary"}
JSON = {"Content-Type": "application/json"}


# -- keys before bodies ----------------------------------------------------------------------
@pytest.mark.parametrize("method, path, headers", [
    ("POST", "/api/actors", JSON),
    ("PUT", "/api/actors/commune-uccle", JSON),
    ("POST", "/api/actors/import", MULTIPART),
])
@pytest.mark.parametrize("key, status", [({}, 401), (WRONG_KEY, 403)])
def test_a_coordinator_route_refuses_a_caller_before_reading_the_body(
        client, service_matcher, method, path, headers, key, status):
    read: list[bytes] = []

    def body() -> Iterator[bytes]:
        for chunk in (b"--b0undary\r\n", b"not json, not multipart " * 1000):
            read.append(chunk)
            yield chunk

    response = client.request(method, path, content=body(), headers={**headers, **key})
    assert_error(response, status, "unauthorized" if status == 401 else "forbidden")
    assert read == []  # not a byte received: neither parsed nor spooled to a temporary file
    assert service_matcher.store.count() == ACTOR_COUNT


def test_an_anonymous_write_with_an_unreadable_body_is_401_not_422(client):
    # The key first: an anonymous caller learns nothing from the route's body rules.
    assert_error(client.post("/api/actors", content=b"{", headers=JSON), 401, "unauthorized")
    assert_error(client.post("/api/actors/import", content=b"garbage", headers=MULTIPART), 401,
                 "unauthorized")
    assert_error(client.get("/api/actors/export", params={"fromat": "csv"}), 401,
                 "unauthorized")


# -- report files ----------------------------------------------------------------------------
def test_a_report_file_linked_outside_the_report_folder_is_not_served(
        client, coordinator, service_matcher, tmp_path):
    folder = service_matcher.settings.report_dir
    folder.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0", encoding="utf-8")
    (folder / "pairs.csv").symlink_to(secret)
    (folder / "report.json").symlink_to(service_matcher.settings.db_path)
    for name in ("pairs.csv", "report.json"):
        response = client.get(f"/api/reports/latest/{name}", headers=coordinator)
        error = assert_error(response, 404, "not_found")
        assert "outside" in error["message"]
        assert "root:x" not in response.text
    # A link inside the folder, and a folder that is itself a link, are served.
    (folder / "v1.html").write_text("<h1>Rapport</h1>", encoding="utf-8")
    (folder / "report.html").symlink_to("v1.html")
    assert client.get("/api/reports/latest/report.html", headers=coordinator).text \
        == "<h1>Rapport</h1>"


def test_the_report_folder_may_be_a_link(registry_template, tmp_path, encoder):
    real = tmp_path / "real-reports"
    real.mkdir()
    (real / "report.json").write_text('{"pairs": []}', encoding="utf-8")
    (tmp_path / "linked").symlink_to(real)
    (tmp_path / "m").mkdir()
    matcher = make_matcher(registry_template, tmp_path / "m", encoder,
                           report_dir=tmp_path / "linked")
    secret = keys.create_key(matcher.store, "c")
    with TestClient(create_app(matcher=matcher)) as client:
        response = client.get("/api/reports/latest/report.json",
                              headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.json() == {"pairs": []}


# -- what errors say -------------------------------------------------------------------------
def test_a_503_does_not_name_the_folder_of_the_registry(client, service_matcher, tmp_path,
                                                         caplog):
    db = service_matcher.store.path
    db.rename(tmp_path / "away.db")
    for path in tmp_path.glob(f"{db.name}-*"):
        path.unlink()
    response = client.get("/api/actors")
    error = assert_error(response, 503, "unavailable")
    assert "registry database soliris.db is missing" in error["message"]
    assert str(tmp_path) not in response.text
    assert str(db) in caplog.text  # the operators' log says where
    (tmp_path / "away.db").rename(db)
    db.write_bytes(db.read_bytes()[:5000])  # damaged: another message, no folder either
    response = client.post("/api/match", json={"text": "eau potable"})
    error = assert_error(response, 503, "unavailable")
    assert "soliris.db cannot be read as a registry" in error["message"]
    assert str(tmp_path) not in response.text


# -- headers ---------------------------------------------------------------------------------
def test_every_answer_says_nosniff_and_api_answers_forbid_everything(client):
    answers = {
        "page": client.get("/"),
        "script": client.get("/static/app.js"),
        "json": client.get("/api/health"),
        "404": client.get("/api/<b>nothing</b>"),
        "413": client.post("/api/match", content=b"x" * (MAX_JSON_BODY + 1), headers=JSON),
        "head": client.head("/api/actors"),
    }
    for what, response in answers.items():
        assert response.headers["x-content-type-options"] == "nosniff", what
    for what in ("json", "404", "413", "head"):
        policy = answers[what].headers["content-security-policy"]
        assert policy == "default-src 'none'; frame-ancestors 'none'", what
    # The page keeps its own policy (its script and styles come from the service).
    assert answers["page"].headers["content-security-policy"].startswith("default-src 'self'")
    assert answers["page"].headers.get_list("content-security-policy") == [
        answers["page"].headers["content-security-policy"]]


def test_the_html_report_is_served_with_its_policy_and_never_framed(client, coordinator,
                                                                    service_matcher):
    folder = service_matcher.settings.report_dir
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<h1>Rapport</h1>", encoding="utf-8")
    response = client.get("/api/reports/latest/report.html", headers=coordinator)
    assert response.status_code == 200
    assert response.headers.get_list("content-security-policy") == [
        f"{render_html.CSP}; frame-ancestors 'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
