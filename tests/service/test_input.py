"""Input handling at the HTTP edge: the API accepts what ``soliris import`` accepts, and bad
input gets a precise 4xx (which field, which value, what is allowed), never a 500, with short
echoes of what was sent and nothing written."""

from __future__ import annotations

import json

import pytest

from matcher.formats import parse_profiles
from matcher.profile import ID_RULE
from matcher.settings import MAX_TEXT_CHARS
from service.errors import error_response
from tests.service.conftest import ACTOR_COUNT, assert_error

JSON = {"Content-Type": "application/json"}
# Values a hand-written profile file may hold: the import reads and normalises each of them.
LOOSE = {"kind": "NGO", "languages": ["French", "nl"], "offers": ["Forages", "formation"],
         "countries": "CD; MA", "themes": "eau; assainissement",
         "website": "www.example.org/loose"}
LOOSE_ACTOR = {"id": "loose-ong", "name": "Loose ONG",
               "description": "ONG qui fore des puits au Kivu et au Maroc.", **LOOSE}
DRAFT = {"kind": "diaspora", "description": "Association de la diaspora sénégalaise qui forme "
         "des jeunes à Mbour."}


def post_raw(client, path: str, content: bytes, headers: dict | None = None):
    return client.post(path, content=content, headers={**JSON, **(headers or {})})


# -- 1. the API accepts what the import accepts -------------------------------------------
def test_create_accepts_and_normalises_what_the_import_accepts(client, coordinator):
    response = client.post("/api/actors", json=LOOSE_ACTOR, headers=coordinator)
    assert response.status_code == 201, response.text
    created = response.json()
    imported = parse_profiles(json.dumps(LOOSE_ACTOR).encode(), "jsonl")[0].to_dict()
    assert {k: created[k] for k in imported} == imported
    assert created["kind"] == "ngo" and created["languages"] == ["fr", "nl"]
    assert created["countries"] == ["CD", "MA"] and created["offers"] == "Forages; formation"
    assert created["themes"] == ["eau", "assainissement"]
    assert client.get("/api/actors/loose-ong").json()["kind"] == "ngo"


def test_replace_accepts_what_the_import_accepts(client, coordinator):
    body = {k: v for k, v in LOOSE_ACTOR.items() if k != "id"}
    response = client.put("/api/actors/commune-uccle", json=body, headers=coordinator)
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "ngo" and response.json()["countries"] == ["CD", "MA"]


def test_draft_accepts_what_the_import_accepts(client):
    response = client.post("/api/suggestions", json={"profile": {**DRAFT, **LOOSE}, "top": 3})
    assert response.status_code == 200, response.text
    assert response.json()["count"] == 3


def test_kind_filters_accept_the_spellings_profiles_accept(client):
    body = client.post("/api/match", json={"text": "Forages et eau potable", "kinds": ["NGO"]})
    assert body.status_code == 200, body.text
    assert body.json()["results"] and {r["kind"] for r in body.json()["results"]} == {"ngo"}
    listed = client.get("/api/actors", params={"kind": "NGO"})
    assert listed.status_code == 200, listed.text
    assert listed.json() == client.get("/api/actors", params={"kind": "ngo"}).json()
    suggested = client.get("/api/actors/commune-uccle/suggestions", params={"kinds": "ONG"})
    assert suggested.status_code == 200, suggested.text
    assert {r["kind"] for r in suggested.json()["results"]} == {"ngo"}


def test_invalid_profile_values_still_name_field_and_value(client, coordinator,
                                                           service_matcher):
    bad = {**LOOSE_ACTOR, "kind": "club", "languages": ["Klingon"], "countries": "CD; Atlantis"}
    error = assert_error(client.post("/api/actors", json=bad, headers=coordinator), 422,
                         "invalid", "kind")
    messages = {d["field"]: d["message"] for d in error["details"]}
    assert "'club'" in messages["kind"] and "ngo" in messages["kind"]
    assert "'Klingon'" in messages["languages"]
    assert "'Atlantis'" in messages["countries"]
    assert service_matcher.store.count() == ACTOR_COUNT


def test_typo_of_a_profile_field_is_named(client, coordinator):
    error = assert_error(client.post("/api/actors", json={**LOOSE_ACTOR, "countires": ["CD"]},
                                     headers=coordinator), 422, "invalid", "countires")
    assert "countries" in error["message"]


def test_openapi_request_schema_documents_the_accepted_forms(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    request = schemas["ActorCreate"]["properties"]
    assert "enum" not in request["kind"] and "NGO" in request["kind"]["description"]
    assert {"array", "string"} <= {option["type"] for option in request["countries"]["anyOf"]}
    assert {"array", "string"} <= {option["type"] for option in request["offers"]["anyOf"]}
    assert set(schemas["ActorCreate"]["required"]) == {"id", "name", "kind", "description"}
    # Responses hold the normalised profile.
    assert schemas["ActorPublic"]["properties"]["kind"]["enum"][0] == "commune"
    assert schemas["ActorPublic"]["properties"]["countries"]["type"] == "array"


# -- 2. fields inside the draft profile are named profile.<field> ---------------------------
@pytest.mark.parametrize("change, field", [
    ({"id": "export"}, "profile.id"),
    ({"id": "not an id"}, "profile.id"),
    ({"name": "   "}, "profile.name"),
    ({"name": "x" * 201}, "profile.name"),
    ({"description": "   "}, "profile.description"),
    ({"website": "ftp://example.org"}, "profile.website"),
    ({"contact_email": "nobody"}, "profile.contact_email"),
    ({"countries": ["Atlantis"]}, "profile.countries"),
    ({"kind": "club"}, "profile.kind"),
    ({"colour": "blue"}, "profile.colour"),
])
def test_draft_profile_errors_are_prefixed(client, change, field):
    error = assert_error(client.post("/api/suggestions", json={"profile": {**DRAFT, **change}}),
                         422, "invalid", field)
    assert [d["field"] for d in error["details"]] == [field]
    assert error["message"].startswith(f"field '{field}': ")


def test_draft_and_request_countries_are_told_apart(client):
    request = assert_error(client.post("/api/suggestions", json={
        "profile": DRAFT, "countries": ["Atlantis"]}), 422, "invalid", "countries")
    assert "Atlantis" in request["message"]
    draft = assert_error(client.post("/api/suggestions", json={
        "profile": {**DRAFT, "countries": ["Atlantis"]}, "countries": ["CD"]}), 422,
        "invalid", "profile.countries")
    assert "Atlantis" in draft["message"]


# -- 3. messages that say what is wrong -----------------------------------------------------
def test_empty_body_says_the_body_is_required(client):
    error = assert_error(post_raw(client, "/api/match", b""), 422, "invalid", "body")
    assert "body is required" in error["message"] and "JSON object" in error["message"]
    assert error["details"][0]["field"] == "body"


def test_body_not_utf8_says_so(client):
    error = assert_error(post_raw(client, "/api/match", '{"text": "café"}'.encode("latin-1")),
                         422, "invalid", "body")
    assert "not valid UTF-8" in error["message"] and "0xe9" in error["message"]
    assert "offset 13" in error["message"]


def test_malformed_json_gives_its_position(client):
    error = assert_error(post_raw(client, "/api/match", b'{"text": "eau",\n "top": }'), 422,
                         "invalid", "body")
    assert "not valid JSON" in error["message"] and "line 2, column 9" in error["message"]


def test_overlong_number_in_body_is_named(client):
    body = b'{"text": "eau", "top": ' + b"1" * 5000 + b"}"
    error = assert_error(post_raw(client, "/api/match", body), 422, "invalid", "body")
    assert "5000 digits" in error["message"]


def test_deep_nesting_in_body_is_named(client):
    body = b'{"text": "eau", "exclude": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    error = assert_error(post_raw(client, "/api/match", body), 422, "invalid", "body")
    assert "deep" in error["message"] and "line 1, column" in error["message"]


def test_non_json_constants_are_refused(client):
    error = assert_error(post_raw(client, "/api/match", b'{"text": "eau", "top": NaN}'), 422,
                         "invalid", "body")
    assert "NaN" in error["message"]


def test_invalid_id_gives_the_readable_rule(client, coordinator):
    for response in (
        client.post("/api/actors", json={**LOOSE_ACTOR, "id": "bad id!"}, headers=coordinator),
        client.post("/api/suggestions", json={"profile": {**DRAFT, "id": "bad id!"}}),
    ):
        error = assert_error(response, 422, "invalid")
        assert ID_RULE in error["message"], error
        assert "pattern" not in error["message"] and "^[" not in error["message"]


# -- 4. a text over the limit is a 413, as the README says ---------------------------------
def test_match_text_over_the_limit_is_413(client):
    error = assert_error(client.post("/api/match", json={"text": "x" * (MAX_TEXT_CHARS + 1)}),
                         413, "too_large", "text")
    assert str(MAX_TEXT_CHARS + 1) in error["message"] and str(MAX_TEXT_CHARS) in error["message"]
    assert error["details"] == [{"line": None, "field": "text",
                                 "message": error["message"].split(": ", 1)[1]}]


# -- 5. values are echoed short ------------------------------------------------------------
LONG = "a" * 60_000


@pytest.mark.parametrize("method, path, kwargs", [
    ("get", f"/api/actors/{LONG}", {}),
    ("get", f"/api/actors/{LONG}/suggestions", {}),
    ("get", "/api/actors", {"params": {"country": LONG[:100]}}),
    ("get", "/api/actors/commune-uccle/suggestions", {"params": {"countries": LONG}}),
    ("get", "/api/actors", {"params": {"kind": LONG}}),
    ("post", "/api/match", {"json": {"text": "eau", "countries": [LONG[:100]]}}),
    ("post", "/api/match", {"json": {"text": "eau", LONG: 1}}),
    ("post", "/api/suggestions", {"json": {"profile": {**DRAFT, LONG: 1}}}),
    ("get", f"/api/{LONG}", {}),
])
def test_long_values_are_echoed_short(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert 400 <= response.status_code < 500, response.text[:300]
    assert len(response.content) < 2000, response.text[:300]
    error = response.json()["error"]
    assert "…" in error["message"] and " characters)" in error["message"]


# -- 6. whole numbers in JSON bodies are strict ---------------------------------------------
@pytest.mark.parametrize("top, shown", [(True, "true"), ("5", '"5"'), (5.5, "5.5"),
                                        ([5], "an array")])
def test_top_in_a_body_must_be_a_json_number(client, top, shown):
    for path, body in (("/api/match", {"text": "eau", "top": top}),
                       ("/api/suggestions", {"profile": DRAFT, "top": top})):
        error = assert_error(client.post(path, json=body), 422, "invalid", "top")
        assert "whole number" in error["message"] and shown in error["message"], error


def test_top_in_a_query_string_stays_a_string(client):
    response = client.get("/api/actors/commune-uccle/suggestions", params={"top": "2"})
    assert response.status_code == 200 and response.json()["count"] == 2


@pytest.mark.parametrize("path, name, value", [
    ("/api/actors/commune-uccle/suggestions", "top", "2.0"),
    ("/api/actors/commune-uccle/suggestions", "top", "1e1"),
    ("/api/actors/commune-uccle/suggestions", "top", " 2"),
    ("/api/actors/commune-uccle/suggestions", "top", "\u0663"),  # an Arabic-Indic three
    ("/api/actors", "limit", "5.0"),
    ("/api/actors", "offset", "+1"),
])
def test_whole_numbers_in_a_query_string_are_plain_digits(client, path, name, value):
    # As strict as a JSON body, which refuses 2.0: the two ways of asking agree.
    error = assert_error(client.get(path, params={name: value}), 422, "invalid", name)
    shown = json.dumps(value, ensure_ascii=False)
    assert error["message"] == f"field '{name}': must be a whole number, got {shown}"


def test_a_negative_offset_is_named_by_its_bound(client):
    error = assert_error(client.get("/api/actors", params={"offset": "-1"}), 422, "invalid",
                         "offset")
    assert "must be at least 0" in error["message"]


# -- 7. listing filters that filter nothing ------------------------------------------------
@pytest.mark.parametrize("query, field", [
    ("country=", "country"), ("country=%20%20", "country"),
    ("q=%00%ff", "q"), ("q=", "q"), ("q=%21%21%3F", "q"),
])
def test_list_filters_without_content_are_422(client, query, field):
    error = assert_error(client.get(f"/api/actors?{query}"), 422, "invalid", field)
    assert "leave " in error["message"] and "out to list every actor" in error["message"]


def test_list_search_still_ignores_accents_and_punctuation(client):
    found = client.get("/api/actors", params={"q": "état-civil!"}).json()
    assert "expert-etat-civil" in {a["id"] for a in found["items"]}


def test_list_search_finds_names_in_any_script(client, coordinator):
    actor = {"id": "assoc-amal", "name": "جمعية الأمل للتنمية", "kind": "association",
             "description": "Association de la diaspora marocaine : soutien scolaire à Nador."}
    assert client.post("/api/actors", json=actor, headers=coordinator).status_code == 201
    found = client.get("/api/actors", params={"q": "الأمل"}).json()
    assert [a["id"] for a in found["items"]] == ["assoc-amal"]


# -- 8. a text without words ---------------------------------------------------------------
@pytest.mark.parametrize("text", ["\u0001\u0002", "!!!???", "-- ... --", "\u200b\u2028"])
def test_match_text_without_words_is_422(client, text):
    error = assert_error(client.post("/api/match", json={"text": text}), 422, "invalid", "text")
    assert "no words" in error["message"]


def test_match_text_in_any_script_is_accepted(client):
    response = client.post("/api/match", json={"text": "مياه الشرب في الريف", "top": 2})
    assert response.status_code == 200 and response.json()["count"] == 2


# -- 9. lone surrogates never make a 500 ---------------------------------------------------
@pytest.mark.parametrize("path, body", [
    ("/api/match", b'{"text": "eau", "\\ud800": 1}'),
    ("/api/match", b'{"text": "eau", "kinds": ["\\ud800"]}'),
    ("/api/match", b'{"text": "eau", "countries": ["\\udc00x"], "exclude": ["\\ud800"]}'),
    ("/api/suggestions", b'{"profile": {"kind": "ngo", "description": "d", "\\ud800x": 1}}'),
    ("/api/suggestions", b'{"profile": {"kind": "\\ud800", "description": "d\\udfff"}}'),
    ("/api/actors", b'{"id": "s-1", "name": "S", "kind": "ngo", "description": "d", '
                    b'"\\ud800": 1}'),
])
def test_lone_surrogates_get_a_422(client, coordinator, service_matcher, path, body):
    response = post_raw(client, path, body, coordinator)
    error = assert_error(response, 422, "invalid")
    response.content.decode("utf-8")  # the answer itself is valid UTF-8
    # Said in words, or the offending name shown with its escape as visible text.
    assert "surrogate" in error["message"] or "\\ud800" in error["message"], error
    assert service_matcher.store.count() == ACTOR_COUNT


def test_error_response_escapes_lone_surrogates():
    response = error_response(422, "invalid", "field '\ud800': unknown", field="\ud800",
                              details=[{"field": "a\udfff", "message": "bad \ud800"}])
    body = json.loads(response.body.decode("utf-8"))
    assert body["error"]["field"] == "\\ud800"
    assert body["error"]["details"][0] == {"line": None, "field": "a\\udfff",
                                           "message": "bad \\ud800"}


def test_optional_id_or_name_sent_empty_is_named(client, coordinator):
    body = {k: v for k, v in LOOSE_ACTOR.items() if k != "id"}
    error = assert_error(client.put("/api/actors/commune-uccle", json={**body, "id": " "},
                                    headers=coordinator), 422, "invalid", "id")
    assert "empty" in error["message"]
    assert client.get("/api/actors/commune-uccle").json()["name"] == "Commune d'Uccle"
    assert_error(client.post("/api/suggestions", json={"profile": {**DRAFT, "name": ""}}), 422,
                 "invalid", "profile.name")
    left_out = client.post("/api/suggestions", json={"profile": {**DRAFT, "name": None}})
    assert left_out.status_code == 200, left_out.text


@pytest.mark.parametrize("body", [
    b'{"text": "eau potable", "text": "forages"}',
    b'{"text": "eau potable", "top": 3, "top": 5}',
])
def test_a_key_given_twice_in_a_body_is_refused(client, body):
    error = assert_error(post_raw(client, "/api/match", body), 422, "invalid", "body")
    assert "more than once" in error["message"]


def test_a_draft_profile_key_given_twice_is_refused(client):
    body = (b'{"profile": {"name": "A", "kind": "ngo", "kind": "expert", '
            b'"description": "Puits au Mali."}}')
    error = assert_error(post_raw(client, "/api/suggestions", body), 422, "invalid", "body")
    assert "'kind'" in error["message"]


def test_bounds_and_list_types_say_the_rule_and_the_value(client):
    error = assert_error(client.get("/api/actors/commune-uccle/suggestions",
                                    params={"top": "0"}), 422, "invalid", "top")
    assert "must be at least 1, got" in error["message"] and "0" in error["message"]
    error = assert_error(client.post("/api/match", json={"text": "eau", "kinds": "ngo"}), 422,
                         "invalid", "kinds")
    assert 'must be a list (a JSON array), got "ngo"' in error["message"]
