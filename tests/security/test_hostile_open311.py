"""Open311 (GeoReport v2) publishes no OpenAPI document, so its endpoints are described here as the spec words
them and fuzzed like the others, then met with a fixed list of hostile values in every parameter: never a 5xx,
and every refusal in the spec's error document."""

import json

import pytest
import schemathesis
from defusedxml import ElementTree
from django.test import Client
from hostile_helpers import PHAN_RANG, count_cases, fuzz_operations

from incidents.models import Incident

pytestmark = pytest.mark.django_db

EXAMPLES = 25


def _query(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}}


_FMT = {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]}}
_ANSWER = {"default": {"description": "a GeoReport document"}}
_JURISDICTION = _query("jurisdiction_id")
_FORM = {
    "type": "object",
    "properties": {name: {"type": "string"} for name in (
        "api_key", "service_code", "address_string", "description", "first_name", "last_name", "phone", "email",
        "media_url", "device_id", "account_id", "address_id", "jurisdiction_id", "attribute[size]")} | {
        "lat": {"type": "number"}, "long": {"type": "number"}},
}


def _get(*parameters: dict) -> dict:
    return {"get": {"parameters": [_FMT, _JURISDICTION, *parameters], "responses": _ANSWER}}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


OPEN311 = {
    "openapi": "3.0.3",
    "info": {"title": "GeoReport v2 as served at /open311/v2/", "version": "2"},
    "servers": [{"url": "/open311/v2"}],
    "paths": {
        "/discovery.{fmt}": _get(),
        "/services.{fmt}": _get(),
        "/services/{code}.{fmt}": _get(_path("code")),
        "/requests.{fmt}": {
            **_get(_query("service_request_id"), _query("service_code"), _query("start_date"),
                   _query("end_date"), _query("status", {"type": "string", "enum": ["open", "closed"]}),
                   _query("limit", {"type": "integer", "minimum": 0, "maximum": 1000}),
                   _query("offset", {"type": "integer", "minimum": 0})),
            "post": {"parameters": [_FMT], "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": _FORM}}}, "responses": _ANSWER},
        },
        "/requests/{request_id}.{fmt}": _get(_path("request_id")),
        "/tokens/{token_id}.{fmt}": _get(_path("token_id")),
    },
}


def test_open311_generated_requests_never_answer_5xx(wsgi_app, world):
    schema = schemathesis.openapi.from_dict(OPEN311)
    schema.app = wsgi_app
    assert len(list(schema.get_all_operations())) == 7
    failures = fuzz_operations(schema, label="open311 generated", examples=EXAMPLES)
    # With a real api_key the POSTs get past the key check to the report's own checks.
    failures += fuzz_operations(schema.include(method="POST"), label="open311 generated", examples=EXAMPLES,
                                body_extra={"api_key": world.token})
    assert not failures, "\n\n".join(failures)


# Values no honest client sends: SQL, markup, NUL and control bytes, huge and negative numbers, long strings.
HOSTILE = [
    "' OR 1=1 --", "1; DROP TABLE incidents_incident; --", "') UNION SELECT username, password FROM accounts_user--",
    "%", "_", "\\", "\x00", "a\x00b", "\u202e\ufeff", "<script>alert(1)</script>", "]]><x/>", "{{7*7}}", "${7*7}",
    "-1", "0", "99999999999999999999999", "1e309", "NaN", "-Infinity", "0x10", " ", ",,,", "x" * 5000,
    "2026-02-30T00:00:00Z", "9999-12-31T23:59:59+14:00", "0000-00-00", "../../etc/passwd", "http://127.0.0.1:1/",
]
LIST_PARAMETERS = ["service_request_id", "service_code", "start_date", "end_date", "status", "limit", "offset",
                   "jurisdiction_id"]
POST_FIELDS = ["service_code", "lat", "long", "address_string", "description", "first_name", "last_name", "phone",
               "email", "media_url", "device_id", "account_id", "address_id", "attribute[size]", "jurisdiction_id"]


def _refusal(response) -> None:
    """GeoReport's error document (a list of {code, description}, the status as code), or, for a NUL refused at
    the door before Open311 sees the request, the portal's own {code, message, errors}."""
    if response["Content-Type"].startswith("application/json"):
        body = json.loads(response.content)
        if isinstance(body, dict):
            assert response.status_code == 422 and body["code"] == "invalid_input" and body["errors"], body
            return
        assert body and body[0]["code"] == response.status_code and body[0]["description"]
    else:
        root = ElementTree.fromstring(response.content)
        assert root.tag == "errors" and root.find("error/code").text == str(response.status_code)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_hostile_values_in_every_list_filter(world, fmt):
    client = Client()
    honest = len(json.loads(client.get("/open311/v2/requests.json").content))
    assert honest == 1
    for name in LIST_PARAMETERS:
        for value in HOSTILE:
            response = client.get(f"/open311/v2/requests.{fmt}", {name: value})
            count_cases("open311 list")
            assert response.status_code < 500, (name, value, response.content[:500])
            if response.status_code >= 400:
                _refusal(response)
            elif fmt == "json":
                assert len(json.loads(response.content)) <= honest, (name, value)


@pytest.mark.parametrize("path", ["services/{}.json", "requests/{}.json", "tokens/{}.xml"])
def test_hostile_values_in_every_path(world, path):
    client = Client()
    for value in HOSTILE:
        response = client.get("/open311/v2/" + path.format(value))
        count_cases("open311 path")
        assert response.status_code < 500, (path, value)
        assert response.status_code in (200, 404, 422), (path, value, response.content[:300])
        if response.status_code != 200 and not response["Content-Type"].startswith("text/html"):
            _refusal(response)  # (a value the URL pattern does not match is Django's own 404 page)


def test_hostile_values_in_every_posted_field(world):
    client = Client()
    before = Incident.objects.count()
    honest = {"api_key": world.token, "service_code": "pothole", "lat": str(PHAN_RANG[1]), "long": str(PHAN_RANG[0]),
              "description": "Ổ gà trước nhà"}
    accepted = 0
    for name in POST_FIELDS:
        for value in HOSTILE:
            response = client.post("/open311/v2/requests.json", {**honest, name: value})
            count_cases("open311 post")
            assert response.status_code < 500, (name, value, response.content[:500])
            if response.status_code >= 400:
                _refusal(response)
            else:
                assert response.status_code == 201
                accepted += 1
    # One row per accepted request and no other: what went in was stored as text, never run.
    assert Incident.objects.count() - before == accepted
