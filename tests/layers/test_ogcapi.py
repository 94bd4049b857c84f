"""OGC API Features at /ogcapi/: Parts 1-3 as the spec words them, the portal's visibility rule, and real
clients (GDAL's OAPIF driver, OWSLib) reading a served portal."""

import json
import random
import re
import subprocess
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import F
from django.test import Client

from layers.models import Camera, LandParcel, Layer
from layers.ogcapi import items as items_module
from layers.ogcapi.items import DEFAULT_LIMIT, MAX_LIMIT
from layers.registry import get_kind
from portal.accounts.models import OrgUnit
from portal.accounts.services import do_create_user, do_issue_token

ORIGIN = (108.99, 11.56)  # Phan Rang-Tháp Chàm
STEP = 0.0004  # degrees between parcels
PRIVATE = ("holder_name", "holder_id", "stream_url")
PRIVATE_TOKENS = ("Hạnh", "CCCD-", "rtsp://")
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
CODES = ("ODT", "CLN", "ONT")
POLYGON_WKT = "POLYGON((108.9899 11.5599, 108.9913 11.5599, 108.9913 11.5613, 108.9899 11.5613, 108.9899 11.5599))"


# --- data ----------------------------------------------------------------------------------------------------


def _layer(slug: str, kind: str = "land_parcel", visibility: str = "public", **extra) -> Layer:
    return Layer.objects.create(slug=slug, kind=kind, title_vi=f"Lớp {slug}", title_en=f"Layer {slug}",
                                theme=get_kind(kind).theme if kind != "raster" else "raster",
                                visibility=visibility, licence="CC BY 4.0", attribution="Sở TN&MT Ninh Thuận",
                                **extra)


def _parcels(layer: Layer, count: int, *, columns: int = 6) -> list[LandParcel]:
    rng = random.Random(7)
    parcels = []
    for i in range(count):
        x, y = ORIGIN[0] + (i % columns) * STEP, ORIGIN[1] + (i // columns) * STEP
        box = Polygon.from_bbox((x, y, x + STEP * 0.8, y + STEP * 0.8))
        parcels.append(LandParcel(
            layer=layer, ext_id=f"NT/{i:04d}", sheet_no=str(10 + i % 4), parcel_no=str(i + 1),
            legal_area_m2=round(rng.uniform(100, 900), 1), land_use_code_id=CODES[i % 3],
            address=f"{i} đường Thống Nhất, phường Kinh Dinh" if i % 5 else "",
            holder_name=f"Nguyễn Thị Hạnh {i}", holder_id=f"CCCD-{i:08d}",
            geom=f"SRID=4326;MULTIPOLYGON((({','.join(f'{px} {py}' for px, py in box.coords[0])})))"))
    return LandParcel.objects.bulk_create(parcels)


def _cameras(layer: Layer, count: int = 4) -> list[Camera]:
    return Camera.objects.bulk_create([Camera(
        layer=layer, ext_id=f"CAM-{i}", name=f"Ngã tư {i}", kind="traffic", heading_deg=45 * i,
        stream_url=f"rtsp://10.0.0.{i}/live", geom=f"SRID=4326;POINT({ORIGIN[0] + i * 0.001} {ORIGIN[1] + i * 0.0007})")
        for i in range(count)])


@pytest.fixture
def parcels(db):
    layer = _layer("thua-dat-ogc")
    _parcels(layer, 30)
    return layer


@pytest.fixture
def cameras(db):
    layer = _layer("camera-ogc", "camera")
    _cameras(layer)
    return layer


def _items(client: Client, slug: str, **params):
    return client.get(f"/ogcapi/collections/{slug}/items", params)


def _ids(response) -> list[str]:
    return [feature["id"] for feature in response.json()["features"]]


def _link(document: dict, rel: str) -> str | None:
    return next((link["href"] for link in document["links"] if link["rel"] == rel), None)


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


# --- Part 1: core, JSON and HTML -------------------------------------------------------------------------------


def test_landing_conformance_and_openapi(client, parcels):
    landing = client.get("/ogcapi/")
    assert landing.status_code == 200 and landing["Content-Type"] == "application/json"
    rels = {(link["rel"], link["type"]) for link in landing.json()["links"]}
    assert {("self", "application/json"), ("alternate", "text/html"), ("conformance", "application/json"),
            ("data", "application/json"), ("service-desc", "application/vnd.oai.openapi+json;version=3.0"),
            ("service-doc", "text/html")} <= rels
    assert all(link.get("title") for link in landing.json()["links"])
    conforms = set(client.get("/ogcapi/conformance").json()["conformsTo"])
    for uri in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/oas30",
                "ogcapi-features-1/1.0/conf/html", "ogcapi-features-1/1.0/conf/geojson",
                "ogcapi-features-2/1.0/conf/crs", "ogcapi-features-3/1.0/conf/queryables",
                "ogcapi-features-3/1.0/conf/queryables-query-parameters", "ogcapi-features-3/1.0/conf/filter",
                "ogcapi-features-3/1.0/conf/features-filter", "cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json",
                "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/advanced-comparison-operators",
                "cql2/1.0/conf/basic-spatial-functions"):
        assert f"http://www.opengis.net/spec/{uri}" in conforms
    api = client.get("/ogcapi/api")
    assert api["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    spec = api.json()
    assert spec["openapi"].startswith("3.0")
    items = spec["paths"][f"/collections/{parcels.slug}/items"]["get"]
    names = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in items["parameters"]}
    assert {"limit", "bbox", "crs", "filter", "filter-lang", "sortby", "land_use_code"} <= names
    assert not names & set(PRIVATE)
    assert spec["components"]["parameters"]["limit"]["schema"]["maximum"] == MAX_LIMIT


def test_collections_are_the_visible_vector_layers(client, parcels, cameras):
    _layer("noi-bo", visibility="internal")
    _layer("dan-so", "raster")
    body = client.get("/ogcapi/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert sorted(ids) == sorted([parcels.slug, cameras.slug])
    parcel = next(c for c in body["collections"] if c["id"] == parcels.slug)
    assert parcel["itemType"] == "feature" and parcel["title"] == parcels.title_vi
    assert {CRS84, EPSG.format(4326), EPSG.format(3857), EPSG.format(9217)} <= set(parcel["crs"])
    assert parcel["storageCrs"] == CRS84
    minx, miny, maxx, maxy = parcel["extent"]["spatial"]["bbox"][0]
    assert minx == pytest.approx(ORIGIN[0]) and miny == pytest.approx(ORIGIN[1]) and maxx > minx and maxy > miny
    rels = {(link["rel"], link["type"]) for link in parcel["links"]}
    assert {("items", "application/geo+json"), ("items", "text/html"),
            ("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json")} <= rels
    one = client.get(f"/ogcapi/collections/{parcels.slug}")
    assert one.status_code == 200 and one.json()["id"] == parcels.slug
    assert _link(one.json(), "self").endswith(f"/ogcapi/collections/{parcels.slug}?f=json")


def test_items_and_item_are_geojson_without_private_fields(client, parcels, cameras):
    response = _items(client, parcels.slug, limit=100)
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert response["Content-Crs"] == f"<{CRS84}>"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == body["numberReturned"] == 30
    assert datetime.fromisoformat(body["timeStamp"])
    feature = body["features"][0]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "MultiPolygon"
    assert set(feature["properties"]) == set(get_kind("land_parcel").public_paths)
    for slug in (parcels.slug, cameras.slug):
        text = _items(client, slug, limit=100).content.decode()
        html = _items(client, slug, f="html", limit=100).content.decode()
        queryables = client.get(f"/ogcapi/collections/{slug}/queryables")
        assert queryables["Content-Type"] == "application/schema+json"
        assert "geometry" in queryables.json()["properties"]
        for token in (*PRIVATE, *PRIVATE_TOKENS):
            assert token not in text and token not in html and token not in queryables.content.decode()
    one = client.get(f"/ogcapi/collections/{parcels.slug}/items/NT%2F0007")  # the id holds a '/'
    assert one.status_code == 200 and one["Content-Type"] == "application/geo+json"
    assert one.json()["id"] == "NT/0007" and one["Content-Crs"] == f"<{CRS84}>"
    assert {"self", "alternate", "collection"} <= {link["rel"] for link in one.json()["links"]}
    assert "holder_name" not in one.json()["properties"]
    missing = client.get(f"/ogcapi/collections/{parcels.slug}/items/NT%2F9999")
    assert missing.status_code == 404 and missing.json()["code"] == "NotFound"


def test_html_by_f_or_accept_and_bad_formats(client, parcels):
    pages = ["/ogcapi/", "/ogcapi/conformance", "/ogcapi/api", "/ogcapi/collections",
             f"/ogcapi/collections/{parcels.slug}", f"/ogcapi/collections/{parcels.slug}/queryables",
             f"/ogcapi/collections/{parcels.slug}/items", f"/ogcapi/collections/{parcels.slug}/items/NT%2F0001"]
    for page in pages:
        by_f = client.get(page, {"f": "html"})
        by_accept = client.get(page, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
        for response in (by_f, by_accept):
            assert response.status_code == 200, (page, response.content[:300])
            assert response["Content-Type"].startswith("text/html")
            assert "<html" in response.content.decode()
        assert client.get(page, HTTP_ACCEPT="application/json")["Content-Type"] != "text/html"
    assert "NT/0003" in client.get(f"/ogcapi/collections/{parcels.slug}/items", {"f": "html"}).content.decode()
    assert client.get("/ogcapi/collections", {"f": "xml"}).status_code == 400
    refused = client.get("/ogcapi/collections", HTTP_ACCEPT="application/xml")
    assert refused.status_code == 406 and refused.json()["code"] == "NotAcceptable"
    assert client.post("/ogcapi/collections").status_code == 405


# --- paging, bbox, datetime, properties, sortby ---------------------------------------------------------------


def test_paging_follows_next_and_prev(client, parcels):
    first = _items(client, parcels.slug).json()
    assert first["numberReturned"] == DEFAULT_LIMIT and first["numberMatched"] == 30
    assert _link(first, "prev") is None
    seen, page = [], first
    while True:
        seen += [f["id"] for f in page["features"]]
        following = _link(page, "next")
        if following is None:
            break
        page = client.get(_local(following)).json()
    assert len(seen) == len(set(seen)) == 30
    second = client.get(_local(_link(first, "next"))).json()
    back = client.get(_local(_link(second, "prev"))).json()
    assert [f["id"] for f in back["features"]] == [f["id"] for f in first["features"]]
    for bad in ("0", "-3", "ten"):
        assert _items(client, parcels.slug, limit=bad).status_code == 400
    assert _items(client, parcels.slug, offset="-1").status_code == 400


def test_limit_over_the_maximum_is_clamped_with_a_next_link(client, parcels, monkeypatch):
    assert (DEFAULT_LIMIT, MAX_LIMIT) == (10, 10_000)
    assert _items(client, parcels.slug, limit=MAX_LIMIT + 1).json()["numberReturned"] == 30
    monkeypatch.setattr(items_module, "MAX_LIMIT", 12)
    body = _items(client, parcels.slug, limit=500).json()
    assert body["numberReturned"] == 12 and body["numberMatched"] == 30
    query = parse_qs(urlsplit(_link(body, "next")).query)
    assert query["limit"] == ["12"] and query["offset"] == ["12"]


def test_bbox_in_any_crs_and_refused_boxes(client, parcels):
    lon0, lat0, lon1, lat1 = ORIGIN[0], ORIGIN[1], ORIGIN[0] + 2.5 * STEP, ORIGIN[1] + 1.5 * STEP
    expected = LandParcel.objects.filter(layer=parcels,
                                         geom__intersects=Polygon.from_bbox((lon0, lat0, lon1, lat1))).count()
    assert 0 < expected < 30
    assert _items(client, parcels.slug, bbox=f"{lon0},{lat0},{lon1},{lat1}").json()["numberMatched"] == expected
    as_4326 = _items(client, parcels.slug, bbox=f"{lat0},{lon0},{lat1},{lon1}", **{"bbox-crs": EPSG.format(4326)})
    assert as_4326.json()["numberMatched"] == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Transform("
                       "ST_MakeEnvelope(%s, %s, %s, %s, 4326), 3857) AS b) AS t", [lon0, lat0, lon1, lat1])
        mercator = cursor.fetchone()
    as_3857 = _items(client, parcels.slug, bbox=",".join(map(str, mercator)), **{"bbox-crs": "EPSG:3857"})
    assert as_3857.json()["numberMatched"] == expected
    three_d = _items(client, parcels.slug, bbox=f"{lon0},{lat0},0,{lon1},{lat1},100")
    assert three_d.json()["numberMatched"] == expected
    for bad in (f"{lon1},{lat0},{lon0},{lat1}", f"{lon0},{lat1},{lon1},{lat0}", "1,2,3", "a,b,c,d", "0,0,200,10",
                "nan,1,2,3"):
        response = _items(client, parcels.slug, bbox=bad)
        assert response.status_code == 400 and response.json()["code"] == "InvalidParameterValue", bad
    assert _items(client, parcels.slug, bbox="1,2,3,4", **{"bbox-crs": "EPSG:2154"}).status_code == 400


def test_datetime_against_the_time_of_change(client, parcels):
    ids = list(LandParcel.objects.filter(layer=parcels).order_by("pk").values_list("pk", flat=True))
    LandParcel.objects.filter(pk__in=ids[:10]).update(updated_at=datetime(2024, 3, 1, 8, tzinfo=UTC))
    LandParcel.objects.filter(pk__in=ids[10:]).update(updated_at=datetime(2025, 6, 1, 8, tzinfo=UTC))
    count = {value: _items(client, parcels.slug, datetime=value).json()["numberMatched"]
             for value in ("2024-01-01T00:00:00Z/2024-12-31T00:00:00Z", "../2024-12-31", "2025-01-01/..",
                           "2024-03-01", "2024-03-01T08:00:00Z", "2023-01-01/2023-02-01")}
    assert count == {"2024-01-01T00:00:00Z/2024-12-31T00:00:00Z": 10, "../2024-12-31": 10, "2025-01-01/..": 20,
                     "2024-03-01": 10, "2024-03-01T08:00:00Z": 10, "2023-01-01/2023-02-01": 0}
    for bad in ("yesterday", "2025-01-01/2024-01-01", ".."):
        assert _items(client, parcels.slug, datetime=bad).status_code == 400, bad


def test_properties_selection_and_sortby(client, parcels):
    chosen = _items(client, parcels.slug, properties="land_use_code,ext_id").json()["features"][0]
    assert set(chosen["properties"]) == {"land_use_code", "ext_id"} and chosen["geometry"]
    assert _items(client, parcels.slug, properties="holder_name").status_code == 400
    descending = _items(client, parcels.slug, sortby="-legal_area_m2", limit=30).json()["features"]
    areas = [f["properties"]["legal_area_m2"] for f in descending]
    assert areas == sorted(areas, reverse=True)
    expected = list(LandParcel.objects.filter(layer=parcels).order_by("land_use_code", "-parcel_no", "pk")
                    .values_list("ext_id", flat=True))
    # An unencoded '+' arrives as a space; both mean ascending.
    for sortby in ("+land_use_code,-parcel_no", " land_use_code,-parcel_no"):
        assert _ids(_items(client, parcels.slug, sortby=sortby, limit=30)) == expected
    for bad in ("holder_name", "-holder_id", "nope", "geometry"):
        response = _items(client, parcels.slug, sortby=bad)
        assert response.status_code == 400 and bad.strip("-") in response.json()["description"]


def test_queryables_as_query_parameters_and_unknown_parameters(client, parcels):
    assert _items(client, parcels.slug, land_use_code="ODT").json()["numberMatched"] == 10
    assert _items(client, parcels.slug, land_use_code="ODT", sheet_no="10").json()["numberMatched"] == \
        LandParcel.objects.filter(layer=parcels, land_use_code="ODT", sheet_no="10").count()
    assert _items(client, parcels.slug, legal_area_m2="abc").status_code == 400
    for unknown in ({"holder_name": "x"}, {"colour": "red"}):
        response = _items(client, parcels.slug, **unknown)
        assert response.status_code == 400 and response.json()["code"] == "InvalidParameterValue"


# --- Part 2: CRS ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("srid", [3857, 9217])
def test_projected_output_matches_postgis(client, cameras, parcels, srid):
    response = _items(client, cameras.slug, crs=EPSG.format(srid))
    assert response["Content-Crs"] == f"<{EPSG.format(srid)}>"
    with connection.cursor() as cursor:
        cursor.execute("SELECT ext_id, ST_X(ST_Transform(geom, %s)), ST_Y(ST_Transform(geom, %s)) "
                       "FROM layers_camera WHERE layer_id = %s", [srid, srid, cameras.pk])
        expected = {ext_id: (x, y) for ext_id, x, y in cursor.fetchall()}
    got = {f["id"]: f["geometry"]["coordinates"] for f in response.json()["features"]}
    assert got.keys() == expected.keys()
    for ext_id, (x, y) in expected.items():
        assert got[ext_id] == [pytest.approx(x, abs=1e-3), pytest.approx(y, abs=1e-3)]
    if srid == 9217:  # Ninh Thuận's own zone: false easting 500 km, about 1 280 km north of the equator
        assert all(500_000 < x < 600_000 and 1_270_000 < y < 1_290_000 for x, y in got.values())
    one = client.get(f"/ogcapi/collections/{parcels.slug}/items/NT%2F0004", {"crs": f"EPSG:{srid}"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_X(p.geom), ST_Y(p.geom) FROM layers_landparcel, ST_DumpPoints(ST_Transform(geom, %s))"
                       " AS p WHERE layer_id = %s AND ext_id = %s", [srid, parcels.pk, "NT/0004"])
        corners = {(round(x, 3), round(y, 3)) for x, y in cursor.fetchall()}
    ring = one.json()["geometry"]["coordinates"][0][0]
    assert {(round(x, 3), round(y, 3)) for x, y in ring} == corners
    assert one["Content-Crs"] == f"<{EPSG.format(srid)}>"


def test_epsg_4326_is_latitude_first_and_unknown_crs_refused(client, cameras):
    plain = {f["id"]: f["geometry"]["coordinates"] for f in _items(client, cameras.slug).json()["features"]}
    swapped = _items(client, cameras.slug, crs=EPSG.format(4326))
    assert swapped["Content-Crs"] == f"<{EPSG.format(4326)}>"
    assert {f["id"]: f["geometry"]["coordinates"][::-1] for f in swapped.json()["features"]} == plain
    for bad in ("EPSG:2154", "whatever", EPSG.format(99999)):
        response = _items(client, cameras.slug, crs=bad)
        assert response.status_code == 400 and "crs" in response.json()["description"]


# --- Part 3: CQL2 --------------------------------------------------------------------------------------------


def _count(client: Client, slug: str, text: str, lang: str = "cql2-text", **extra) -> int:
    response = _items(client, slug, filter=text, **{"filter-lang": lang}, **extra)
    assert response.status_code == 200, response.content
    return response.json()["numberMatched"]


def test_cql2_text_and_json_give_the_orm_counts(client, parcels):
    area = Polygon.from_bbox((108.9899, 11.5599, 108.9913, 11.5613))
    area.srid = 4326
    features = LandParcel.objects.filter(layer=parcels)
    expected = features.filter(land_use_code="ODT", geom__intersects=area).count()
    assert 0 < expected < 10
    text = f"land_use_code = 'ODT' AND S_INTERSECTS(geometry, {POLYGON_WKT})"
    as_json = {"op": "and", "args": [
        {"op": "=", "args": [{"property": "land_use_code"}, "ODT"]},
        {"op": "s_intersects", "args": [{"property": "geometry"}, json.loads(area.json)]}]}
    assert _count(client, parcels.slug, text) == expected
    assert _count(client, parcels.slug, json.dumps(as_json), "cql2-json") == expected
    cases = {
        "legal_area_m2 BETWEEN 200 AND 500.5": features.filter(legal_area_m2__range=(200, 500.5)),
        "land_use_code IN ('CLN', 'ONT') OR sheet_no = '12'": features.filter(land_use_code__in=["CLN", "ONT"])
        | features.filter(sheet_no="12"),
        "address LIKE '%Thống Nhất%' AND NOT sheet_no <> '10'": features.filter(
            address__contains="Thống Nhất", sheet_no="10"),
        "CASEI(address) LIKE CASEI('1_ %KINH DINH')": features.filter(address__iregex=r"^1. .*kinh dinh$"),
        "address = ''": features.filter(address=""),
        "area_m2 > 1000 AND legal_area_m2 < area_m2": features.filter(area_m2__gt=1000, legal_area_m2__lt=F("area_m2")),
        "legal_area_m2 >= area_m2": features.filter(legal_area_m2__gte=F("area_m2")),
        "S_WITHIN(geometry, BBOX(108.98, 11.55, 108.9915, 11.57))": features.filter(
            geom__within=Polygon.from_bbox((108.98, 11.55, 108.9915, 11.57))),
        "S_DISJOINT(geometry, POINT(108.9901 11.5601))": features.exclude(geom__intersects="POINT(108.9901 11.5601)"),
        "NOT (land_use_code = 'ODT' OR sheet_no = '10') AND parcel_no NOT IN ('1', '2')": features.exclude(
            land_use_code="ODT").exclude(sheet_no="10").exclude(parcel_no__in=["1", "2"]),
        "ext_id IS NULL": features.none(),
        "parcel_no = ext_id": features.none(),
    }
    for text, queryset in cases.items():
        assert _count(client, parcels.slug, text) == queryset.count(), text
    json_cases = {
        '{"op":"between","args":[{"property":"legal_area_m2"},200,500.5]}': features.filter(
            legal_area_m2__range=(200, 500.5)),
        '{"op":"in","args":[{"property":"land_use_code"},["CLN","ONT"]]}': features.filter(
            land_use_code__in=["CLN", "ONT"]),
        '{"op":"like","args":[{"op":"casei","args":[{"property":"address"}]},{"op":"casei","args":["%KINH DINH"]}]}':
            features.filter(address__iendswith="kinh dinh"),
        '{"op":"not","args":[{"op":"isNull","args":[{"property":"legal_area_m2"}]}]}': features,
        '{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[108.9899,11.5599,108.9913,11.5613]}]}':
            features.filter(geom__intersects=area),
    }
    for text, queryset in json_cases.items():
        assert _count(client, parcels.slug, text, "cql2-json") == queryset.count(), text
    # The literal in EPSG:9217, as filter-crs says.
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_AsText(ST_Transform(ST_GeomFromText(%s, 4326), 9217))", [POLYGON_WKT])
        projected = cursor.fetchone()[0]
    in_area = features.filter(geom__intersects=area).count()
    assert _count(client, parcels.slug, f"S_INTERSECTS(geometry, {projected})",
                  **{"filter-crs": EPSG.format(9217)}) == in_area
    assert _count(client, parcels.slug, f"S_INTERSECTS(geometry, SRID=9217;{projected})") == in_area


@pytest.mark.parametrize(("text", "lang", "position"), [
    ("land_use_code = 'ODT' AND (", "cql2-text", 28),
    ("land_use_code == 'ODT'", "cql2-text", 16),
    ("S_INTERSECTS(geometry, POLYGON((1 2, 3 4))", "cql2-text", 43),
    ('{"op": "=", "args": [{"property": "sheet_no"} "10"]}', "cql2-json", 47),
])
def test_malformed_cql2_is_400_with_the_position(client, parcels, text, lang, position):
    response = _items(client, parcels.slug, filter=text, **{"filter-lang": lang})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidFilter" and body["position"] == position, body
    assert f"character {position}" in body["description"]


@pytest.mark.parametrize(("text", "lang"), [
    ("holder_name = 'Nguyễn Thị Hạnh 1'", "cql2-text"),
    ("stream_url IS NULL", "cql2-text"),
    ("legal_area_m2 = 'big'", "cql2-text"),
    ("land_use_code > 3", "cql2-text"),
    ("legal_area_m2 LIKE '1%'", "cql2-text"),
    ("geometry = 'x'", "cql2-text"),
    ("'a' = 'a'", "cql2-text"),
    ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "cql2-text"),
    ("T_AFTER(updated_at, TIMESTAMP('2024-01-01T00:00:00Z'))", "cql2-text"),
    ('{"op": "=", "args": [{"property": "holder_id"}, "x"]}', "cql2-json"),
    ('{"op": "frobnicate", "args": []}', "cql2-json"),
    ('{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [3, 2, 1, 0]}]}', "cql2-json"),
    ("sheet_no = '10'", "cql2-xml"),
    ("NOT (" * 60 + "sheet_no = '10'" + ")" * 60, "cql2-text"),
    ('{"op": "not", "args": [' * 3000 + '{"op": "isNull", "args": [{"property": "sheet_no"}]}' + "]}" * 3000,
     "cql2-json"),
    (" OR ".join(f"parcel_no = '{i}'" for i in range(2000)), "cql2-text"),
])
def test_refused_filters_are_400_never_500(client, parcels, cameras, text, lang):
    for slug in (parcels.slug, cameras.slug):
        response = _items(client, slug, filter=text, **{"filter-lang": lang})
        assert response.status_code == 400, (text, response.content)
        assert response.json()["code"] in ("InvalidFilter", "InvalidParameterValue")


# --- visibility ----------------------------------------------------------------------------------------------


def _endpoints(slug: str) -> list[str]:
    base = f"/ogcapi/collections/{slug}"
    return [base, f"{base}/items", f"{base}/items/NT%2F0001", f"{base}/queryables"]


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_internal_and_restricted_layers_are_404_to_those_without_rights(client, db):
    water = OrgUnit.objects.create(code="cap-nuoc-ogc", name="Công ty Cấp nước", kind="agency")
    internal = _layer("mang-noi-bo", visibility="internal")
    restricted = _layer("quy-hoach-han-che", visibility="restricted", allowed_roles=["planner"])
    for layer in (internal, restricted):
        _parcels(layer, 3)
    dispatcher = _as(do_create_user(username="dispatcher-ogc", password="a-long-password-1", roles=["dispatcher"],
                                    org_unit=water))
    planner_user = do_create_user(username="planner-ogc", password="a-long-password-1", roles=["planner"])
    planner = _as(planner_user)
    token = do_issue_token(user=planner_user, name="QGIS").key
    by_token = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    for url in _endpoints(internal.slug):
        assert client.get(url).status_code == 404, url
        assert dispatcher.get(url).status_code == 200, url
    for url in _endpoints(restricted.slug):
        assert dispatcher.get(url).status_code == 404, url
        assert planner.get(url).status_code == 200, url
        assert by_token.get(url).status_code == 200, url
        hidden, missing = client.get(url), client.get(url.replace(restricted.slug, "khong-co-lop-nay"))
        assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)
    anonymous_ids = {c["id"] for c in client.get("/ogcapi/collections").json()["collections"]}
    assert not anonymous_ids & {internal.slug, restricted.slug}
    assert restricted.slug not in client.get("/ogcapi/api").content.decode()
    assert restricted.slug in planner.get("/ogcapi/api").content.decode()
    assert {c["id"] for c in dispatcher.get("/ogcapi/collections").json()["collections"]} == {internal.slug}
    refused = Client(HTTP_AUTHORIZATION="Bearer gp_not-a-real-token").get("/ogcapi/collections")
    assert refused.status_code == 401 and refused.json()["code"] == "NotAuthenticated"


# --- real clients against the served portal -------------------------------------------------------------------


@pytest.fixture
def served_parcels(committed):
    """A public parcel layer and an internal one, committed so the uvicorn process sees them."""
    public = _layer("ogc-served-parcels")
    committed.append(public)
    _parcels(public, 23)
    hidden = _layer("ogc-served-internal", visibility="internal")
    committed.append(hidden)
    _parcels(hidden, 2)
    return public


def _ogrinfo(*args: str) -> str:
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gdal_oapif_driver_lists_and_reads(portal_server, served_parcels):
    source = f"OAPIF:{portal_server}/ogcapi"
    listing = _ogrinfo(source)
    assert served_parcels.slug in listing and "ogc-served-internal" not in listing
    summary = _ogrinfo("-so", source, served_parcels.slug)
    assert "Feature Count: 23" in summary
    assert "land_use_code: String" in summary and "holder_name" not in summary and "holder_id" not in summary
    extent = re.search(r"Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)", summary)
    assert extent and float(extent.group(1)) == pytest.approx(ORIGIN[0], abs=1e-6)
    everything = _ogrinfo("-al", "-q", source, served_parcels.slug)
    assert everything.count("OGRFeature(") == 23  # three pages of 10
    assert "Hạnh" not in everything and "CCCD" not in everything
    odt = _ogrinfo("-al", "-q", "-where", "land_use_code = 'ODT'", source, served_parcels.slug)
    assert odt.count("OGRFeature(") == 8


def test_owslib_pages_and_filters(portal_server, served_parcels):
    from owslib.ogcapi.features import Features

    api = Features(f"{portal_server}/ogcapi/")
    assert served_parcels.slug in api.feature_collections()
    assert "ogc-served-internal" not in api.feature_collections()
    queryables = api.collection_queryables(served_parcels.slug)["properties"]
    assert "land_use_code" in queryables and not set(queryables) & set(PRIVATE)
    seen, offset = [], 0
    while True:
        page = api.collection_items(served_parcels.slug, limit=7, offset=offset)
        seen += [feature["id"] for feature in page["features"]]
        assert page["numberMatched"] == 23
        assert all(not set(feature["properties"]) & set(PRIVATE) for feature in page["features"])
        following = _link(page, "next")
        if following is None:
            break
        offset = int(parse_qs(urlsplit(following).query)["offset"][0])
    assert len(seen) == len(set(seen)) == 23
    filtered = api.collection_items(served_parcels.slug, limit=100, filter="land_use_code = 'CLN' AND sheet_no = '11'",
                                    **{"filter-lang": "cql2-text"})
    expected = [p for i, p in enumerate(range(23)) if CODES[i % 3] == "CLN" and 10 + i % 4 == 11]
    assert filtered["numberMatched"] == filtered["numberReturned"] == len(expected) > 0
    as_json = json.dumps({"op": "=", "args": [{"property": "land_use_code"}, "ONT"]})
    assert api.collection_items(served_parcels.slug, filter=as_json,
                                **{"filter-lang": "cql2-json"})["numberMatched"] == 7
