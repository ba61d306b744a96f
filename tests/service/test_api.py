"""The JSON API: every route, every error code, status first and then the body."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from matcher import __version__, cli, engine
from matcher.errors import ValidationError
from matcher.formats import parse_profiles
from matcher.settings import MAX_TEXT_CHARS
from service.app import MAX_JSON_BODY, create_app
from tests.service.conftest import ACTOR_COUNT, ACTORS_FILE, WRONG_KEY, assert_error, make_matcher

WATER = ("Nous voulons améliorer l'accès à l'eau potable à Kintambo (Kinshasa) avec une "
         "commune bruxelloise et la diaspora congolaise.")
NEW_ACTOR = {
    "id": "hydro-kivu", "name": "Hydro Kivu", "kind": "ngo",
    "description": "Petite ONG de techniciens qui installe des pompes solaires et forme des "
                   "fontainiers dans les villages du Sud-Kivu, en RDC.",
    "countries": ["RDC"], "themes": ["pompes solaires"], "contact_email": "kivu@example.org",
}


def match(client: TestClient, text: str = WATER, headers: dict | None = None, **options):
    return client.post("/api/match", json={"text": text, **options}, headers=headers or {})


# -- health ---------------------------------------------------------------------------------
def test_health(client, service_matcher):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__,
                               "model": service_matcher.model_name, "actors": ACTOR_COUNT,
                               "max_top": service_matcher.settings.max_top}


# -- reading the registry ------------------------------------------------------------------
def test_list_actors_public_by_id_with_pagination(client):
    response = client.get("/api/actors", params={"limit": 5})
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == ACTOR_COUNT and page["limit"] == 5 and page["offset"] == 0
    ids = [a["id"] for a in page["items"]]
    assert ids == sorted(ids) and len(ids) == 5
    assert all("contact_email" not in a for a in page["items"])
    rest = client.get("/api/actors", params={"limit": 100, "offset": 5}).json()
    assert [a["id"] for a in rest["items"]][0] > ids[-1]
    assert len(ids) + len(rest["items"]) == ACTOR_COUNT


def test_list_actors_filters(client):
    communes = client.get("/api/actors", params={"kind": "commune"}).json()
    assert {a["id"] for a in communes["items"]} == {"commune-uccle", "gemeente-molenbeek"}
    # A country by name in Dutch, folded; the registry stores codes.
    congo = client.get("/api/actors", params={"country": "Democratische Republiek Congo"}).json()
    assert {"commune-uccle", "bana-kintambo", "eau-vive-ong"} <= {a["id"] for a in congo["items"]}
    assert all("CD" in a["countries"] or a["id"] == "schaerbeek-ccsi" for a in congo["items"])
    found = client.get("/api/actors", params={"q": "ETAT civil"}).json()
    assert {a["id"] for a in found["items"]} >= {"commune-uccle", "expert-etat-civil"}


def test_list_actors_coordinator_sees_contact_email(client, coordinator):
    page = client.get("/api/actors", params={"limit": 100}, headers=coordinator).json()
    assert all("contact_email" in a for a in page["items"])
    assert {a["contact_email"] for a in page["items"]} >= {"cooperation@uccle.example.org"}


@pytest.mark.parametrize("params, field", [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset"),
    ({"kind": "club"}, "kind"), ({"limit": "ten"}, "limit"), ({"q": "x" * 201}, "q"),
])
def test_list_actors_bad_parameters(client, params, field):
    assert_error(client.get("/api/actors", params=params), 422, "invalid", field)


def test_list_actors_unknown_country(client):
    error = assert_error(client.get("/api/actors", params={"country": "Atlantis"}), 422,
                         "invalid", "country")
    assert "Atlantis" in error["message"]


def test_get_actor_public_and_private(client, coordinator):
    response = client.get("/api/actors/commune-uccle")
    assert response.status_code == 200
    actor = response.json()
    assert actor["id"] == "commune-uccle" and actor["kind"] == "commune"
    assert actor["countries"] == ["CD"] and "contact_email" not in actor
    assert actor["created_at"] and actor["updated_at"]
    private = client.get("/api/actors/commune-uccle", headers=coordinator).json()
    assert private["contact_email"] == "cooperation@uccle.example.org"
    assert {k: v for k, v in private.items() if k != "contact_email"} == actor


def test_get_unknown_actor_is_404(client):
    error = assert_error(client.get("/api/actors/no-such-actor"), 404, "not_found", None)
    assert "no-such-actor" in error["message"]


# -- access --------------------------------------------------------------------------------
WRITES = [
    ("post", "/api/actors", {"json": NEW_ACTOR}),
    ("put", "/api/actors/commune-uccle", {"json": {k: v for k, v in NEW_ACTOR.items()
                                                    if k != "id"}}),
    ("delete", "/api/actors/commune-uccle", {}),
    ("post", "/api/actors/import", {"files": {"file": ("a.jsonl", json.dumps(NEW_ACTOR))}}),
    ("get", "/api/actors/export", {}),
    ("get", "/api/reports/latest/report.html", {}),
]


@pytest.mark.parametrize("method, path, kwargs", WRITES)
def test_coordinator_routes_refuse_without_key(client, service_matcher, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert_error(response, 401, "unauthorized", None)
    assert response.headers["www-authenticate"] == "Bearer"
    assert service_matcher.store.count() == ACTOR_COUNT


@pytest.mark.parametrize("method, path, kwargs", WRITES)
def test_coordinator_routes_refuse_wrong_key(client, service_matcher, method, path, kwargs):
    response = getattr(client, method)(path, headers=WRONG_KEY, **kwargs)
    error = assert_error(response, 403, "forbidden", None)
    assert "not valid" in error["message"]
    assert service_matcher.store.count() == ACTOR_COUNT


@pytest.mark.parametrize("method, path, kwargs", WRITES)
def test_coordinator_routes_refuse_revoked_key(client, service_matcher, revoked, method, path,
                                               kwargs):
    response = getattr(client, method)(path, headers=revoked, **kwargs)
    error = assert_error(response, 403, "forbidden", None)
    assert "revoked" in error["message"]
    assert service_matcher.store.count() == ACTOR_COUNT


def test_malformed_authorization_counts_as_no_key(client):
    response = client.post("/api/actors", json=NEW_ACTOR, headers={"Authorization": "Basic eA=="})
    assert_error(response, 401, "unauthorized")


def test_public_routes_refuse_a_bad_key_instead_of_ignoring_it(client, revoked):
    assert_error(client.get("/api/actors", headers=WRONG_KEY), 403, "forbidden")
    assert_error(match(client, headers=revoked), 403, "forbidden")
    assert client.get("/api/actors").status_code == 200


def test_contact_email_only_for_coordinators_in_matches(client, coordinator):
    public = match(client, top=5)
    assert public.status_code == 200
    assert all("contact_email" not in r for r in public.json()["results"])
    assert "@" not in public.text
    private = match(client, top=5, headers=coordinator)
    assert private.status_code == 200
    assert all("@" in r["contact_email"] for r in private.json()["results"])
    suggestions = client.get("/api/actors/commune-uccle/suggestions").json()
    assert all("contact_email" not in r for r in suggestions["results"])
    suggestions = client.get("/api/actors/commune-uccle/suggestions", headers=coordinator).json()
    assert all("contact_email" in r for r in suggestions["results"])


# -- writes --------------------------------------------------------------------------------
def test_create_actor_is_matched_at_once(client, coordinator, service_matcher):
    response = client.post("/api/actors", json=NEW_ACTOR, headers=coordinator)
    assert response.status_code == 201
    created = response.json()
    assert created["id"] == "hydro-kivu" and created["countries"] == ["CD"]
    assert created["contact_email"] == "kivu@example.org"
    assert client.get("/api/health").json()["actors"] == ACTOR_COUNT + 1
    results = match(client, "Installer des pompes solaires et former des fontainiers au "
                             "Sud-Kivu", top=3).json()["results"]
    assert "hydro-kivu" in [r["id"] for r in results]
    # The same engine code path as the command line gives the same ranking.
    engine_ids = [m.profile.id for m in service_matcher.match(
        "Installer des pompes solaires et former des fontainiers au Sud-Kivu", top=3)]
    assert [r["id"] for r in results] == engine_ids


def test_create_duplicate_is_409(client, coordinator):
    duplicate = {**NEW_ACTOR, "id": "commune-uccle"}
    error = assert_error(client.post("/api/actors", json=duplicate, headers=coordinator), 409,
                         "conflict")
    assert "commune-uccle" in error["message"]
    # Nothing was overwritten.
    assert client.get("/api/actors/commune-uccle").json()["name"] == "Commune d'Uccle"


@pytest.mark.parametrize("change, field", [
    ({"id": "Not An Id"}, "id"),
    ({"kind": "club"}, "kind"),
    ({"countries": ["Atlantis"]}, "countries"),
    ({"contact_email": "not-an-email"}, "contact_email"),
    ({"website": "ftp://example.org"}, "website"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"description": "   "}, "description"),
    ({"colour": "blue"}, "colour"),
    ({"themes": 5}, "themes"),
    ({"themes": ["x" * 81]}, "themes"),
    ({"languages": ["klingon"]}, "languages"),
])
def test_create_invalid_field_is_422(client, coordinator, service_matcher, change, field):
    response = client.post("/api/actors", json={**NEW_ACTOR, **change}, headers=coordinator)
    error = assert_error(response, 422, "invalid", field)
    assert error["details"] and error["details"][0]["field"] == field
    assert service_matcher.store.count() == ACTOR_COUNT


def test_create_missing_fields_lists_every_problem(client, coordinator):
    response = client.post("/api/actors", json={"id": "x"}, headers=coordinator)
    error = assert_error(response, 422, "invalid")
    assert {d["field"] for d in error["details"]} == {"name", "kind", "description"}


def test_replace_actor_is_matched_at_once(client, coordinator):
    body = {k: v for k, v in NEW_ACTOR.items() if k != "id"}
    body["name"] = "Commune d'Uccle (pompes solaires)"
    response = client.put("/api/actors/commune-uccle", json=body, headers=coordinator)
    assert response.status_code == 200
    assert response.json()["id"] == "commune-uccle"
    assert response.json()["name"] == body["name"]
    assert client.get("/api/actors/commune-uccle").json()["themes"] == ["pompes solaires"]
    results = match(client, "pompes solaires et fontainiers au Sud-Kivu", top=3).json()
    assert "commune-uccle" in [r["id"] for r in results["results"]]


def test_replace_with_same_id_in_body(client, coordinator):
    body = {**NEW_ACTOR, "id": "bana-kintambo"}
    assert client.put("/api/actors/bana-kintambo", json=body, headers=coordinator
                      ).status_code == 200


def test_replace_with_other_id_in_body_is_422(client, coordinator):
    response = client.put("/api/actors/commune-uccle", json=NEW_ACTOR, headers=coordinator)
    error = assert_error(response, 422, "invalid", "id")
    assert "hydro-kivu" in error["message"]
    assert client.get("/api/actors/commune-uccle").json()["name"] == "Commune d'Uccle"


def test_replace_unknown_actor_is_404(client, coordinator):
    body = {k: v for k, v in NEW_ACTOR.items() if k != "id"}
    assert_error(client.put("/api/actors/no-such-actor", json=body, headers=coordinator), 404,
                 "not_found")
    assert client.get("/api/actors/no-such-actor").status_code == 404


def test_replace_invalid_body_is_422(client, coordinator):
    response = client.put("/api/actors/commune-uccle", json={"name": "X", "kind": "ngo"},
                          headers=coordinator)
    assert_error(response, 422, "invalid", "description")


def test_delete_actor_is_no_longer_matched(client, coordinator):
    before = [r["id"] for r in match(client, top=20).json()["results"]]
    assert "commune-uccle" in before and len(before) == ACTOR_COUNT
    response = client.delete("/api/actors/commune-uccle", headers=coordinator)
    assert response.status_code == 200
    assert response.json() == {"id": "commune-uccle", "deleted": True}
    assert_error(client.get("/api/actors/commune-uccle"), 404, "not_found")
    ids = [r["id"] for r in match(client, top=20).json()["results"]]
    assert "commune-uccle" not in ids and len(ids) == ACTOR_COUNT - 1
    assert_error(client.delete("/api/actors/commune-uccle", headers=coordinator), 404,
                 "not_found")


# -- import and export ---------------------------------------------------------------------
def upload(client, content: bytes | str, name: str = "actors.jsonl", headers=None, **data):
    return client.post("/api/actors/import", files={"file": (name, content)}, data=data,
                       headers=headers or {})


def test_import_jsonl_upserts_and_reports(client, coordinator):
    first = json.loads(ACTORS_FILE.read_text(encoding="utf-8").splitlines()[0])
    changed = {**first, "name": "Uccle (renamed)"}
    content = json.dumps({**NEW_ACTOR, "source": "old directory"}) + "\n" \
        + json.dumps(changed) + "\n"
    response = upload(client, content, headers=coordinator)
    assert response.status_code == 200
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 0,
                               "actors": ACTOR_COUNT + 1, "ignored_fields": ["source"]}
    assert client.get("/api/actors/commune-uccle").json()["name"] == "Uccle (renamed)"
    top = match(client, "pompes solaires et fontainiers au Sud-Kivu", top=3).json()
    assert "hydro-kivu" in [r["id"] for r in top["results"]]


def test_import_csv_and_format_override(client, coordinator):
    csv_text = ("id,name,kind,description,countries\n"
                "csv-one,CSV One,association,Alphabétisation des femmes à Labé,Guinée\n")
    response = upload(client, csv_text, name="actors.csv", headers=coordinator)
    assert response.status_code == 200 and response.json()["created"] == 1
    assert client.get("/api/actors/csv-one").json()["countries"] == ["GN"]
    # A file name without a known extension, with the format given.
    response = upload(client, json.dumps([{**NEW_ACTOR, "id": "json-one"}]), name="upload.txt",
                      headers=coordinator, format="json")
    assert response.status_code == 200 and response.json()["created"] == 1


def test_import_is_all_or_nothing_with_the_cli_report(client, coordinator, service_matcher,
                                                     tmp_path, monkeypatch, capsys, encoder):
    content = "\n".join([
        json.dumps(NEW_ACTOR),
        json.dumps({"id": "Bad Id", "name": "x", "kind": "ngo", "description": "y"}),
        "",
        json.dumps({"id": "two", "name": "Two", "kind": "club", "description": "z",
                    "countries": ["Atlantis"]}),
        json.dumps({**NEW_ACTOR}),
    ]) + "\n"
    response = upload(client, content, headers=coordinator)
    error = assert_error(response, 422, "invalid", "id")
    # Same rows as the engine's report...
    with pytest.raises(ValidationError) as caught:
        parse_profiles(content.encode(), "jsonl")
    assert error["details"] == [{"line": i.line, "field": i.field, "message": i.message}
                                for i in caught.value.issues]
    assert [d["line"] for d in error["details"]] == [2, 4, 4, 5]
    # ...and as what `soliris import` prints for the same file.
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setattr(engine, "load_encoder", lambda spec, threads=2: encoder)
    assert cli.main(["--db", str(tmp_path / "cli.db"), "import", str(path)]) == 1
    printed = [line.strip() for line in capsys.readouterr().err.splitlines()[1:]]
    api_lines = [f"line {d['line']}: field '{d['field']}': {d['message']}"
                 for d in error["details"]]
    assert printed == api_lines
    # Nothing was written.
    assert service_matcher.store.count() == ACTOR_COUNT
    assert client.get("/api/actors/hydro-kivu").status_code == 404


@pytest.mark.parametrize("content, name, code", [
    (b"", "empty.jsonl", "bad_format"),
    (b"{not json\n", "broken.jsonl", "bad_format"),
    (b"\xff\xfe\x00", "latin.jsonl", "bad_format"),
    (b'{"id": "a"}', "actors.xlsx", "bad_format"),
    (b"id,name\nx,y\n", "actors.csv", "bad_format"),
    (b'{"id": "zz", "name": "Z", "kind": "ngo", "description": "x \\ud800"}', "s.jsonl",
     "invalid"),
])
def test_import_unreadable_files_are_422(client, coordinator, service_matcher, content, name,
                                         code):
    response = upload(client, content, name=name, headers=coordinator)
    assert_error(response, 422, code)
    assert service_matcher.store.count() == ACTOR_COUNT


def test_import_bad_format_field_is_422(client, coordinator):
    response = upload(client, b"{}", headers=coordinator, format="xml")
    assert_error(response, 422, "invalid", "format")


def test_import_without_file_is_422(client, coordinator):
    response = client.post("/api/actors/import", data={"format": "jsonl"}, headers=coordinator)
    assert_error(response, 422, "invalid", "file")


def test_import_of_two_files_at_once_is_422(client, coordinator, service_matcher):
    one = json.dumps(NEW_ACTOR) + "\n"
    two = json.dumps({**NEW_ACTOR, "id": "other-new"}) + "\n"
    response = client.post("/api/actors/import", headers=coordinator, files=[
        ("file", ("a.jsonl", one, "application/x-ndjson")),
        ("file", ("b.jsonl", two, "application/x-ndjson"))])
    error = assert_error(response, 422, "invalid", "file")
    assert "send one file per import, got 2" in error["message"]
    assert service_matcher.store.count() == ACTOR_COUNT
    files = [("file", ("a.jsonl", one, "application/x-ndjson"))]
    response = client.post("/api/actors/import", headers=coordinator, files=files,
                           data={"format": ["csv", "jsonl"]})
    assert "send one format per import, got 2" in assert_error(response, 422, "invalid",
                                                              "format")["message"]
    response = client.post("/api/actors/import", headers=coordinator, files=files,
                           data={"extra": "1"})
    assert "is not a part of an import upload" in assert_error(response, 422, "invalid",
                                                               "extra")["message"]
    assert service_matcher.store.count() == ACTOR_COUNT


def test_import_over_the_upload_limit_is_413(registry_template, tmp_path, encoder):
    matcher = make_matcher(registry_template, tmp_path, encoder, max_upload_bytes=2000)
    from matcher import keys

    headers = {"Authorization": "Bearer " + keys.create_key(matcher.store, "c")}
    with TestClient(create_app(matcher=matcher)) as client:
        line = json.dumps(NEW_ACTOR) + "\n"
        small = upload(client, line, headers=headers)
        assert small.status_code == 200
        big = "".join(json.dumps({**NEW_ACTOR, "id": f"bulk-{i}"}) + "\n" for i in range(20))
        assert 2000 < len(big.encode()) < 2000 + 64 * 1024  # under the envelope limit
        error = assert_error(upload(client, big, headers=headers), 413, "too_large")
        assert "2000" in error["message"]
        huge = "x" * (200 * 1024)  # over the whole-request limit: refused before parsing
        assert_error(upload(client, huge, headers=headers), 413, "too_large")
        assert matcher.store.count() == ACTOR_COUNT + 1


def test_export_jsonl_round_trips_with_private_fields(client, coordinator):
    response = client.get("/api/actors/export", headers=coordinator)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert "soliris-actors.jsonl" in response.headers["content-disposition"]
    profiles = parse_profiles(response.content, "jsonl")
    assert len(profiles) == ACTOR_COUNT
    assert {p.contact_email for p in profiles} >= {"cooperation@uccle.example.org"}
    reimport = upload(client, response.content, headers=coordinator)
    assert reimport.json() == {"created": 0, "updated": 0, "unchanged": ACTOR_COUNT,
                               "actors": ACTOR_COUNT, "ignored_fields": []}


def test_export_csv(client, coordinator):
    response = client.get("/api/actors/export", params={"format": "csv"}, headers=coordinator)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0].startswith("id,name,kind,description")
    assert len(parse_profiles(response.content, "csv")) == ACTOR_COUNT


def test_export_bad_format_is_422(client, coordinator):
    assert_error(client.get("/api/actors/export", params={"format": "xml"}, headers=coordinator),
                 422, "invalid", "format")


# -- matching ------------------------------------------------------------------------------
def test_match_result_shape(client):
    response = match(client, top=5, lang="fr")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["results"]) == 5 and body["lang"] == "fr"
    first = body["results"][0]
    assert {"commune-uccle", "bana-kintambo", "eau-vive-ong"} & {r["id"] for r in
                                                                 body["results"][:3]}
    assert {"id", "name", "kind", "kind_label", "score", "parts", "reasons", "countries",
            "themes", "languages", "commune", "website"} == set(first)
    assert {"semantic", "geography", "complementarity", "diversity"} <= set(first["parts"])
    assert all(isinstance(v, float) for v in first["parts"].values())
    assert first["reasons"] and all(isinstance(r, str) for r in first["reasons"])
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_match_reasons_follow_lang(client):
    fr = match(client, top=1, lang="fr").json()["results"][0]
    nl = match(client, top=1, lang="nl").json()["results"][0]
    en = match(client, top=1).json()["results"][0]
    assert fr["id"] == nl["id"] == en["id"]
    assert fr["reasons"] != nl["reasons"] != en["reasons"]
    assert any("partenaire" in r for r in fr["reasons"])
    assert any("partner" in r.lower() for r in en["reasons"])


def test_lang_is_read_whatever_its_case(client):
    body = match(client, top=1, lang="FR").json()
    assert body["lang"] == "fr" and body["results"] == match(client, top=1, lang="fr").json()[
        "results"]
    response = client.get("/api/actors/commune-uccle/suggestions", params={"lang": "Nl"})
    assert response.status_code == 200 and response.json()["lang"] == "nl"
    error = assert_error(match(client, lang="fr-BE"), 422, "invalid", "lang")
    assert "'fr', 'nl' or 'en', got \"fr-be\"" in error["message"]


def test_match_filters_and_exclude(client):
    body = match(client, kinds=["diaspora"], top=10).json()
    assert body["results"] and all(r["kind"] == "diaspora" for r in body["results"])
    body = match(client, countries=["Maroc"], top=10).json()
    assert {r["id"] for r in body["results"]} == {"rif-water", "schaerbeek-ccsi"}
    body = match(client, exclude=["commune-uccle"], top=20).json()
    assert "commune-uccle" not in {r["id"] for r in body["results"]}
    error = assert_error(match(client, exclude=["commune-uccle", "unknown-id"]), 422, "invalid",
                         "exclude")
    assert "'unknown-id' is not a registered actor id" in error["message"]
    body = match(client, kinds=["regional_body"], countries=["SN"]).json()
    assert body == {"results": [], "count": 0, "lang": "en"}


def test_match_same_as_engine(client, service_matcher):
    api = match(client, "Drinkwater en sanitatie in Marokko", top=4, lang="nl").json()
    direct = service_matcher.match("Drinkwater en sanitatie in Marokko", top=4)
    assert [r["id"] for r in api["results"]] == [m.profile.id for m in direct]
    assert [r["score"] for r in api["results"]] == [round(m.score, 4) for m in direct]
    assert [r["reasons"] for r in api["results"]] == [[x.render("nl") for x in m.reasons]
                                                      for m in direct]


@pytest.mark.parametrize("body, field", [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"text": "eau", "top": 0}, "top"),
    ({"text": "eau", "top": 101}, "top"),
    ({"text": "eau", "top": "many"}, "top"),
    ({"text": "eau", "kinds": ["club"]}, "kinds[0]"),
    ({"text": "eau", "countries": ["Atlantis"]}, "countries"),
    ({"text": "eau", "lang": "de"}, "lang"),
    ({"text": "eau", "color": "red"}, "color"),
    ({"top": 3}, "text"),
    ({"text": 42}, "text"),
    ({"text": "eau", "exclude": "commune-uccle"}, "exclude"),
])
def test_match_invalid_is_422(client, body, field):
    assert_error(client.post("/api/match", json=body), 422, "invalid", field)


def test_match_text_at_the_limit_is_accepted(client):
    text = ("Eau potable à Kinshasa. " * 500)[:MAX_TEXT_CHARS]
    assert match(client, text, top=1).status_code == 200


def test_match_malformed_bodies_are_422(client):
    assert_error(client.post("/api/match", content=b"{oops",
                             headers={"Content-Type": "application/json"}), 422, "invalid",
                 "body")
    assert_error(client.post("/api/match", content=b'["text"]',
                             headers={"Content-Type": "application/json"}), 422, "invalid")
    assert_error(client.post("/api/match", content=b'{"text": "\\ud800 eau"}',
                             headers={"Content-Type": "application/json"}), 422, "invalid",
                 "text")
    assert_error(client.post("/api/match", content=b"text=eau",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 422, "invalid")


def test_match_body_over_the_limit_is_413(client):
    big = json.dumps({"text": "eau", "exclude": ["x" * 80] * (MAX_JSON_BODY // 80)})
    assert_error(client.post("/api/match", content=big,
                             headers={"Content-Type": "application/json"}), 413, "too_large")

    def chunks():  # no Content-Length: counted while it streams
        for _ in range(40):
            yield b" " * 65536
        yield b'{"text": "eau"}'

    assert_error(client.post("/api/match", content=chunks(),
                             headers={"Content-Type": "application/json"}), 413, "too_large")


def test_suggestions_for_registered_actor(client, service_matcher):
    response = client.get("/api/actors/commune-uccle/suggestions", params={"top": 3,
                                                                          "lang": "nl"})
    assert response.status_code == 200
    body = response.json()
    ids = [r["id"] for r in body["results"]]
    assert len(ids) == 3 and "commune-uccle" not in ids and body["lang"] == "nl"
    assert ids == [m.profile.id for m in service_matcher.suggest("commune-uccle", top=3)]
    assert "bana-kintambo" in ids


def test_suggestions_filters(client):
    body = client.get("/api/actors/commune-uccle/suggestions",
                      params=[("kinds", "ngo"), ("kinds", "expert"), ("countries", "CD")]).json()
    assert body["results"]
    assert all(r["kind"] in ("ngo", "expert") and "CD" in r["countries"]
               for r in body["results"])


def test_suggestions_errors(client):
    assert_error(client.get("/api/actors/no-such-actor/suggestions"), 404, "not_found")
    assert_error(client.get("/api/actors/commune-uccle/suggestions", params={"top": 0}), 422,
                 "invalid", "top")
    assert_error(client.get("/api/actors/commune-uccle/suggestions", params={"top": 1000}),
                 422, "invalid", "top")
    assert_error(client.get("/api/actors/commune-uccle/suggestions",
                            params={"kinds": "club"}), 422, "invalid", "kinds[0]")
    assert_error(client.get("/api/actors/commune-uccle/suggestions",
                            params={"countries": "Atlantis"}), 422, "invalid", "countries")


def test_suggestions_for_draft_profile_are_not_saved(client, service_matcher):
    revision = service_matcher.store.revision()
    with service_matcher.store._connect() as db:
        cached = db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    draft = {"kind": "diaspora", "description": "Association de la diaspora sénégalaise qui "
             "forme des jeunes à Mbour.", "needs": "Une commune partenaire à Bruxelles.",
             "countries": ["Sénégal"]}
    response = client.post("/api/suggestions", json={"profile": draft, "top": 3, "lang": "fr"})
    assert response.status_code == 200
    ids = [r["id"] for r in response.json()["results"]]
    assert {"gemeente-molenbeek", "teranga-bxl"} & set(ids)
    assert service_matcher.store.count() == ACTOR_COUNT
    assert service_matcher.store.revision() == revision
    with service_matcher.store._connect() as db:
        assert db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == cached


def test_suggestions_for_draft_with_registered_id_leaves_it_out(client):
    draft = {"id": "teranga-bxl", "name": "Teranga", "kind": "diaspora",
             "description": "Senegalese diaspora in Brussels, youth training in Mbour."}
    ids = [r["id"] for r in client.post("/api/suggestions",
                                        json={"profile": draft, "top": 20}).json()["results"]]
    assert "teranga-bxl" not in ids and len(ids) == ACTOR_COUNT - 1


@pytest.mark.parametrize("body, field", [
    ({"profile": {"kind": "ngo"}}, "profile.description"),
    ({"profile": {"kind": "club", "description": "x"}}, "profile.kind"),
    ({"profile": {"kind": "ngo", "description": "x", "countries": ["Atlantis"]}},
     "profile.countries"),
    ({"profile": {"kind": "ngo", "description": "x"}, "countries": ["Atlantis"]}, "countries"),
    ({"profile": {"kind": "ngo", "description": "x"}, "top": 0}, "top"),
    ({"profile": {"kind": "ngo", "description": "x", "website": "nope"}}, "profile.website"),
    ({"top": 3}, "profile"),
])
def test_suggestions_for_invalid_draft_is_422(client, body, field):
    assert_error(client.post("/api/suggestions", json=body), 422, "invalid", field)


# -- reports -------------------------------------------------------------------------------
def test_reports_404_until_written_then_served(client, coordinator, service_matcher):
    error = assert_error(client.get("/api/reports/latest/report.html", headers=coordinator),
                         404, "not_found")
    assert "soliris report" in error["message"]
    folder = service_matcher.settings.report_dir
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<h1>Rapport</h1>", encoding="utf-8")
    (folder / "pairs.csv").write_text("actor,partner\na,b\n", encoding="utf-8")
    (folder / "report.json").write_text('{"pairs": []}', encoding="utf-8")
    html = client.get("/api/reports/latest/report.html", headers=coordinator)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert html.text == "<h1>Rapport</h1>"
    pairs = client.get("/api/reports/latest/pairs.csv", headers=coordinator)
    assert pairs.status_code == 200 and pairs.headers["content-type"].startswith("text/csv")
    data = client.get("/api/reports/latest/report.json", headers=coordinator)
    assert data.status_code == 200 and data.json() == {"pairs": []}
    assert_error(client.get("/api/reports/latest/pairs.csv"), 401, "unauthorized")


def test_reports_other_names_are_422(client, coordinator):
    assert_error(client.get("/api/reports/latest/secrets.txt", headers=coordinator), 422,
                 "invalid", "name")
    response = client.get("/api/reports/latest/..%2F..%2Fetc%2Fpasswd", headers=coordinator)
    assert response.status_code in (404, 422)
    assert response.json()["error"]["code"] in ("not_found", "invalid")


# -- query strings -------------------------------------------------------------------------
@pytest.mark.parametrize("path, params, field, hint", [
    ("/api/actors/commune-uccle/suggestions", {"kind": "ngo"}, "kind", "did you mean 'kinds'?"),
    ("/api/actors/commune-uccle/suggestions", {"country": "MA"}, "country",
     "did you mean 'countries'?"),
    ("/api/actors", {"kinds": "ngo"}, "kinds", "did you mean 'kind'?"),
    ("/api/actors", {"bogus": "1"}, "bogus", "allowed: kind, country, q, limit, offset"),
    ("/api/health", {"x": "1"}, "x", "allowed: none"),
])
def test_an_unknown_query_parameter_is_422_not_ignored(client, path, params, field, hint):
    error = assert_error(client.get(path, params=params), 422, "invalid", field)
    assert "is not a query parameter of this route" in error["message"] and hint in error["message"]


def test_a_single_valued_query_parameter_given_twice_is_422(client):
    error = assert_error(client.get("/api/actors?kind=ngo&kind=commune"), 422, "invalid", "kind")
    assert "more than once" in error["message"]
    # List parameters are repeated by design.
    response = client.get("/api/actors/commune-uccle/suggestions?kinds=ngo&kinds=diaspora")
    assert response.status_code == 200
    assert {r["kind"] for r in response.json()["results"]} <= {"ngo", "diaspora"}


# -- the rest of the surface ---------------------------------------------------------------
def test_unknown_address_and_method_use_the_error_shape(client):
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    response = client.delete("/api/health")
    error = assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]
    assert error["message"] == "DELETE is not allowed on /api/health (allowed: GET, HEAD)"


@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/api/actors", "GET, HEAD, POST"),
    ("PATCH", "/api/actors/commune-uccle", "DELETE, GET, HEAD, PUT"),
])
def test_a_405_names_the_methods_of_every_route_at_the_path(client, method, path, allowed):
    response = client.request(method, path)
    error = assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == allowed and f"(allowed: {allowed})" in error["message"]


def test_reading_the_import_address_is_405_not_an_unknown_actor(client):
    response = client.get("/api/actors/import")
    error = assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST" and "(allowed: POST)" in error["message"]


@pytest.mark.parametrize("path", ["/api/health", "/", "/api/actors/commune-uccle"])
def test_head_answers_like_get_without_the_body(client, path):
    got, head = client.get(path), client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]


def test_head_where_get_is_not_allowed_is_405(client):
    response = client.head("/api/match")
    assert response.status_code == 405 and "POST" in response.headers["allow"]
    missing = client.head("/api/nothing-here")
    assert missing.status_code == 404 and missing.content == b""


def test_page_and_assets_are_served_locally(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert asset in page.text
        assert client.get(asset).status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/actors/commune-uccle").text == page.text


def test_api_docs_work_offline(client):
    pytest.importorskip("fastapi_offline", reason="the offline API docs need the package "
                        "fastapi-offline (its Swagger UI and ReDoc files are served locally)")
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.text and "https://" not in docs.text.split("<body>")[0]
    for line in docs.text.splitlines():
        if "src=" in line or "href=" in line:
            assert "//" not in line.split("=", 1)[1][:3], line
    assert client.get("/static-docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/redoc").status_code == 200


def test_openapi_documents_every_route_with_models_and_examples(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    expected = {
        ("/api/health", "get"), ("/api/actors", "get"), ("/api/actors", "post"),
        ("/api/actors/{actor_id}", "get"), ("/api/actors/{actor_id}", "put"),
        ("/api/actors/{actor_id}", "delete"), ("/api/actors/import", "post"),
        ("/api/actors/export", "get"), ("/api/match", "post"),
        ("/api/actors/{actor_id}/suggestions", "get"), ("/api/suggestions", "post"),
        ("/api/reports/latest/{name}", "get"),
    }
    assert {(p, m) for p, ops in paths.items() for m in ops} == expected
    schemas = spec["components"]["schemas"]
    for name in ("MatchRequest", "MatchResponse", "ActorCreate", "ActorPublic", "ActorPrivate",
                 "Health", "ErrorResponse", "SuggestionRequest"):
        assert schemas[name].get("examples"), name
    assert "CoordinatorKey" in spec["components"]["securitySchemes"]
    assert "422" in paths["/api/match"]["post"]["responses"]
    assert "409" in paths["/api/actors"]["post"]["responses"]
    assert "413" in paths["/api/actors/import"]["post"]["responses"]
