"""SQL injection in every filter, sort and property parameter, on each surface that builds a query from one: the
OGC API's items (queryables, CQL2 text and JSON, sortby, properties, bbox, datetime and the CRS parameters),
Open311's filters, map search, CKAN actions, the planner's queries, the dispatch and incident lists.

Each attempt is refused with a 4xx or answered as the honest value would be: never more rows than the honest
query, never a delay asked for with pg_sleep, and afterwards the same tables holding the same row counts."""

import json
import time

import pytest
from django.db import connection
from django.test import Client
from hostile_helpers import count_cases

pytestmark = pytest.mark.django_db

# Appended to an honest value, or standing in for it.
TAILS = [
    "' OR '1'='1", "' OR 1=1 --", "') OR ('1'='1", "\" OR \"1\"=\"1", "'; DROP TABLE layers_layer; --",
    "'; DELETE FROM incidents_incident; --", "' UNION SELECT username, password FROM accounts_user --",
    "'||(SELECT password FROM accounts_user LIMIT 1)||'", "$$; DROP TABLE accounts_user; $$", "\\'; DROP TABLE x; --",
    "' AND 1=CAST((SELECT password FROM accounts_user LIMIT 1) AS int) --", " OR 1=1", "; DROP TABLE layers_layer",
]
SLEEP = "' OR pg_sleep(3) IS NULL --"
SECRETS = ("pbkdf2_", "md5$", "argon2", "CCCD-", "rtsp://")


def _snapshot() -> dict[str, int]:
    """Every table of the public schema with its exact row count."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1")
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (names read from pg_class just above)
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def unchanged(world):
    before = _snapshot()
    yield
    assert _snapshot() == before, "a hostile request changed the tables or their row counts"


def _rows(response, key: str) -> int | None:
    """How many rows an answer holds (None for a refusal); no answer may leak a secret."""
    assert response.status_code < 500, response.content[:500]
    for secret in SECRETS:
        assert secret.encode() not in response.content, f"{secret} leaked"
    if response.status_code >= 400:
        return None
    body = json.loads(response.content)
    if key == "list":
        return len(body)
    if key == "numberMatched":
        return body["numberMatched"]
    if key == "count":
        return body["count"]
    if key == "ckan":
        return body["result"]["count"]
    return len(body[key])


def _attempts(client: Client, url: str, name: str, honest: str, key: str, *, params=None, headers=None,
              must_match: bool = True) -> int:
    """The honest value, then each tail after it: no attempt answers more rows than the honest one."""
    params, headers = params or {}, headers or {}
    baseline = _rows(client.get(url, {**params, name: honest}, **headers), key)
    assert baseline is not None, (url, name, honest)
    if must_match:
        assert baseline > 0, (url, name, honest)
    for tail in TAILS:
        for value in (honest + tail, tail.lstrip("'\" ;")):
            got = _rows(client.get(url, {**params, name: value}, **headers), key)
            count_cases("sql injection")
            assert got is None or got <= baseline, (url, name, value, got, baseline)
    started = time.monotonic()
    _rows(client.get(url, {**params, name: honest + SLEEP}, **headers), key)
    count_cases("sql injection")
    assert time.monotonic() - started < 2.5, (url, name, "pg_sleep ran")
    return baseline


def test_ogc_items_queryables_and_parameters(world, unchanged):
    client, url = Client(), f"/ogcapi/collections/{world.parcels.slug}/items"
    _attempts(client, url, "sheet_no", "10", "numberMatched")
    _attempts(client, url, "parcel_no", "7", "numberMatched")
    _attempts(client, url, "filter", "sheet_no = '10'", "numberMatched")
    _attempts(client, url, "filter", "sheet_no LIKE '1%'", "numberMatched")
    for name, honest in (("sortby", "-sheet_no"), ("properties", "sheet_no,parcel_no"), ("datetime", "../2100-01-01"),
                         ("bbox", "108.9,11.5,109.1,11.7"), ("limit", "10"), ("offset", "0"),
                         ("crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
                         ("bbox-crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
                         ("filter-crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84")):
        _attempts(client, url, name, honest, "numberMatched", params={"filter": "sheet_no = '10'"}
                  if name == "filter-crs" else None)


def test_ogc_cql2_json_values_and_property_names(world, unchanged):
    client, url = Client(), f"/ogcapi/collections/{world.parcels.slug}/items"

    def cql(prop: str, value: str) -> dict:
        return {"filter-lang": "cql2-json", "filter": json.dumps({"op": "=", "args": [{"property": prop}, value]})}

    baseline = _rows(client.get(url, cql("sheet_no", "10")), "numberMatched")
    assert baseline == 6
    for tail in TAILS:
        for params in (cql("sheet_no", "10" + tail), cql("sheet_no" + tail, "10"),
                       {"filter-lang": "cql2-text", "filter": "sheet_no = '10" + tail.replace("'", "''") + "'"},
                       {"filter": "sheet_no = '10'" + tail}, {"filter": f'"sheet_no{tail}" = \'10\''}):
            got = _rows(client.get(url, params), "numberMatched")
            count_cases("sql injection")
            assert got is None or got <= baseline, (params, got)


def test_ogc_feature_ids(world, unchanged):
    client = Client()
    base = f"/ogcapi/collections/{world.parcels.slug}/items/"
    assert client.get(base + "NT%2F0001").status_code == 200
    for tail in TAILS:
        response = client.get(base + "NT%2F0001" + tail.replace("/", "%2F"))
        count_cases("sql injection")
        assert response.status_code in (404, 400, 422), (tail, response.status_code)


def test_open311_filters(world, unchanged):
    client = Client()
    _attempts(client, "/open311/v2/requests.json", "service_code", "pothole", "list")
    _attempts(client, "/open311/v2/requests.json", "service_request_id", world.incident_code, "list")
    _attempts(client, "/open311/v2/requests.json", "status", "open", "list")
    _attempts(client, "/open311/v2/requests.json", "start_date", "2020-01-01T00:00:00+07:00", "list")


def test_map_search(world, unchanged):
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {world.token}"}
    _attempts(client, "/api/map/search", "q", "tờ 10 thửa 1", "results", headers=auth)
    _attempts(client, "/api/map/search", "q", "Phan Rang", "results", headers=auth)
    _attempts(client, "/api/planning/communes", "q", "Phước", "list", headers=auth, must_match=False)


def test_ckan_actions(world, unchanged):
    client = Client()
    _attempts(client, "/opendata/api/3/action/package_search", "q", "", "ckan", must_match=False)
    _attempts(client, "/opendata/api/3/action/package_search", "rows", "10", "ckan", must_match=False)
    for tail in TAILS:
        response = client.get("/opendata/api/3/action/package_show", {"id": world.parcels.slug + tail})
        count_cases("sql injection")
        assert response.status_code in (400, 404), (tail, response.status_code)
        response = client.get("/opendata/api/3/action/package_list" + tail.replace(" ", "%20").replace("#", ""))
        count_cases("sql injection")
        assert response.status_code < 500


def test_planner_queries(world, unchanged):
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {world.token}"}
    polygon = "POLYGON((108.9 11.5, 109.1 11.5, 109.1 11.7, 108.9 11.7, 108.9 11.5))"
    _attempts(client, "/api/queries/plan-vs-current", "within", polygon, "features", headers=auth,
              must_match=False, params={"format": "geojson"})
    _attempts(client, "/api/queries/underground-conflicts", "network", "water", "features", headers=auth,
              must_match=False, params={"format": "geojson"})
    for tail in TAILS:  # no network here: every node is unknown, however it is spelt
        response = client.get("/api/queries/trace", {"format": "geojson", "network": "water", "node": "N-1" + tail},
                              **auth)
        count_cases("sql injection")
        assert response.status_code in (400, 404, 422), (tail, response.content[:300])
    honest = client.post("/api/queries/parcels?format=geojson", {"sheet_no": "10"}, content_type="application/json",
                         **auth)
    baseline = _rows(honest, "features")
    assert baseline == 6
    for tail in TAILS:
        for body in ({"sheet_no": "10" + tail}, {"commune": "Phước Mỹ" + tail}, {"land_use": ["ODT" + tail]},
                     {"planned_land_use": [tail]}, {"zone": {"zone_code": "A" + tail}},
                     {"near": {"layer": world.parcels.slug + tail, "ext_id": "NT/0001", "distance_m": 10}},
                     {"near": {"layer": world.parcels.slug, "ext_id": "NT/0001" + tail, "distance_m": 10}}):
            got = _rows(client.post("/api/queries/parcels?format=geojson", body, content_type="application/json",
                                    **auth), "features")
            count_cases("sql injection")
            assert got is None or got <= baseline, (body, got)


def test_dispatch_and_incident_lists(world, unchanged):
    client, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {world.token}"}
    for name, honest in (("category", "pothole"), ("status", "submitted"), ("channel", "web"), ("ids", "1")):
        _attempts(client, "/api/dispatch/incidents", name, honest, "features", headers=auth,
                  must_match=name != "ids")
    _attempts(client, "/api/dispatch/incidents", "bbox", "108.9,11.5,109.1,11.7", "features", headers=auth)
    for url, key in (("/api/incidents/public", "numberMatched"), ("/api/incidents/staff", "count")):
        _attempts(client, url, "category", "pothole", key, headers=auth)
        _attempts(client, url, "status", "submitted", key, headers=auth)
        _attempts(client, url, "bbox", "108.9,11.5,109.1,11.7", key, headers=auth)
    _attempts(client, "/api/reports/", "kind", "weekly", "list", headers=auth, must_match=False)
