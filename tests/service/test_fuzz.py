"""Property-based fuzz of the OpenAPI schema (schemathesis): no input gets a 5xx, and every
error has the stable JSON shape. Bounded: a few dozen examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from matcher.engine import Matcher
from matcher.settings import Settings
from matcher.store import Store
from service.app import create_app

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 20


# The schema does not depend on the registry: build it once at import from an app around an
# in-memory store (no model is loaded), then send every case to the test's own app.
# (schemathesis.pytest.from_fixture would be the natural loader, but it fails on pytest 9.)
schema = schemathesis.openapi.from_dict(
    create_app(matcher=Matcher(Settings(), store=Store(":memory:"))).openapi())


def check(response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:2000])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]
        assert "field" in error and isinstance(error["details"], list)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_for_coordinators(case, app: FastAPI, coordinator):
    """With a valid key every route is reachable, writes included."""
    check(case.call(app=app, headers=coordinator))


@schema.include(method="POST", path="/api/match").parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_for_the_public_match(case, app: FastAPI):
    check(case.call(app=app))

