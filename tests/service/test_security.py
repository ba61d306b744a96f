"""What a caller on the network can and cannot make the service do: keys checked before a
body is read, files served from the report folder only, no server path in an error, the
security headers on every answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.service.conftest import ACTOR_COUNT, WRONG_KEY, assert_error

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
