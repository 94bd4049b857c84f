"""Layer exports and the catalog API: every format reads back whole, private columns never leave, visibility holds."""

import io
import json
import math
import random
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely
from asgiref.sync import async_to_sync
from django.contrib.gis.geos import GEOSGeometry, LineString, Point
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import AsyncClient, Client
from psycopg import sql
from pyproj import Geod

from layers.exporting import FORMATS, shapefile_field_names
from layers.models import Camera, LandParcel, Layer, NetworkSegment
from layers.registry import get_kind
from portal.accounts.models import OrgUnit
from portal.accounts.services import do_create_user, do_issue_token

pytestmark = pytest.mark.django_db

GEOD = Geod(ellps="WGS84")
M_LAT = 1 / 110_610  # degrees of latitude per metre near 11.56° N
M_LON = 1 / 109_080  # degrees of longitude per metre near 11.56° N
ORIGIN = (108.99, 11.56)  # Phan Rang-Tháp Chàm
PRIVATE = ("holder_name", "holder_id", "stream_url")
# Tokens that occur only in private values, so finding one in a file means a private value leaked.
PRIVATE_TOKENS = ("Hạnh", "CCCD-", "rtsp://", "holder_nam", "stream_ur")
STREETS = ("16 Tháng 4", "Thống Nhất", "Lê Duẩn", "Ngô Gia Tự", "Yên Ninh")


# --- data ----------------------------------------------------------------------------------------------------


def _ring(x: float, y: float, width: float, height: float, rng: random.Random) -> list[tuple[float, float]]:
    """A slightly irregular quadrilateral, width × height metres, south-west corner at (x, y) degrees."""
    def jitter() -> float:
        return rng.uniform(-0.8, 0.8)
    corners = [(0, 0), (width, 0), (width + jitter(), height + jitter()), (jitter(), height)]
    points = [(x + dx * M_LON, y + dy * M_LAT) for dx, dy in corners]
    return [*points, points[0]]


def _wkt_ring(points: list[tuple[float, float]]) -> str:
    return "(" + ",".join(f"{x:.9f} {y:.9f}" for x, y in points) + ")"


def _parcel_geometry(i: int, rng: random.Random, *, columns: int = 20) -> str:
    """EWKT of a parcel: GEOS parses text in one call, far faster than building it point by point."""
    col, row = i % columns, i // columns
    x, y = ORIGIN[0] + col * 32 * M_LON, ORIGIN[1] + row * 42 * M_LAT
    width, height = rng.uniform(12, 25), rng.uniform(18, 35)
    rings = [_wkt_ring(_ring(x, y, width, height, rng))]
    if i % 40 == 7:  # a pond inside the lot
        pond = [(4, 4), (4, 8), (8, 8), (8, 4), (4, 4)]
        rings.append(_wkt_ring([(x + dx * M_LON, y + dy * M_LAT) for dx, dy in pond]))
    parts = ["(" + ",".join(rings) + ")"]
    if i % 25 == 3:  # a garden across the lane, same parcel number
        parts.append("(" + _wkt_ring(_ring(x, y + (height + 2) * M_LAT, width / 2, 3.5, rng)) + ")")
    return f"SRID=4326;MULTIPOLYGON({','.join(parts)})"


def _parcels(layer: Layer, count: int, *, seed: int = 1, columns: int = 20) -> list[LandParcel]:
    rng = random.Random(seed)
    return [LandParcel(
        layer=layer, ext_id=f"NT-PR-{i:06d}", sheet_no=str(12 + i // 200), parcel_no=str(i % 200 + 1),
        legal_area_m2=round(rng.uniform(150, 800), 1), land_use_code_id=("ODT", "CLN", "ONT")[i % 3],
        address=f"{i % 90 + 1} đường {STREETS[i % len(STREETS)]}, phường Kinh Dinh",
        holder_name=f"Nguyễn Thị Hạnh {i:04d}", holder_id=f"CCCD-0581900{i:05d}",
        geom=_parcel_geometry(i, rng, columns=columns)) for i in range(count)]


@pytest.fixture
def water_company(db):
    return OrgUnit.objects.create(code="cap-nuoc-nt", name="Công ty Cấp nước Ninh Thuận", kind="agency")


def _layer(slug: str, kind: str, visibility: str = "public", **extra) -> Layer:
    return Layer.objects.create(slug=slug, kind=kind, title_vi=f"Lớp {slug}", title_en=f"Layer {slug}",
                                theme=get_kind(kind).theme if kind in _KINDS else "raster",
                                visibility=visibility, licence="CC BY 4.0", attribution="Sở TN&MT Ninh Thuận",
                                **extra)


_KINDS = ("land_parcel", "network_segment", "camera")


@pytest.fixture
def parcels(db):
    layer = _layer("thua-dat-phan-rang", "land_parcel", min_zoom=13)
    LandParcel.objects.bulk_create(_parcels(layer, 300))
    return layer


@pytest.fixture
def pipes(db, water_company):
    layer = _layer("ong-cap-nuoc", "network_segment")
    rng = random.Random(2)
    segments = []
    for i in range(60):
        x, y = ORIGIN[0] + rng.uniform(0, 800) * M_LON, ORIGIN[1] + rng.uniform(0, 800) * M_LAT
        points = [(x, y)]
        for _ in range(rng.randint(1, 3)):
            angle, step = rng.uniform(0, 2 * math.pi), rng.uniform(30, 120)
            x, y = x + step * math.cos(angle) * M_LON, y + step * math.sin(angle) * M_LAT
            points.append((x, y))
        segments.append(NetworkSegment(
            layer=layer, ext_id=f"W-{i:04d}", network="water", depth_m=round(rng.uniform(0.6, 2.5), 2),
            diameter_mm=rng.choice([110, 160, 225, 315]), material=rng.choice(["HDPE", "gang dẻo", "uPVC"]),
            install_year=rng.randint(1995, 2024), operator=water_company if i % 4 else None,
            condition=rng.choice(["good", "fair", "poor"]), geom=LineString(points, srid=4326)))
    NetworkSegment.objects.bulk_create(segments)
    return layer


@pytest.fixture
def cameras(db):
    layer = _layer("camera-giao-thong", "camera")
    rng = random.Random(3)
    Camera.objects.bulk_create([Camera(
        layer=layer, ext_id=f"CAM-{i:03d}", name=f"Ngã tư {STREETS[i % len(STREETS)]} {i}", kind="traffic",
        heading_deg=rng.uniform(0, 359), stream_url=f"rtsp://10.20.0.{i}/live?token=s{i:03d}",
        geom=Point(ORIGIN[0] + rng.uniform(0, 1500) * M_LON, ORIGIN[1] + rng.uniform(0, 1500) * M_LAT, srid=4326),
    ) for i in range(40)])
    return layer


@pytest.fixture
def catalog(parcels, pipes, cameras):
    return {"land_parcel": parcels, "network_segment": pipes, "camera": cameras}


# --- helpers -------------------------------------------------------------------------------------------------


def _export(client: Client, layer: Layer, fmt: str, **headers) -> StreamingHttpResponse:
    response = client.get(f"/api/layers/{layer.slug}/export", {"format": fmt}, **headers)
    assert response.status_code == 200, response.content if not response.streaming else response
    assert isinstance(response, StreamingHttpResponse)
    return response


def _save(response: StreamingHttpResponse, folder: Path) -> tuple[Path, bytes]:
    data = b"".join(response.streaming_content)
    name = re.fullmatch(r'attachment; filename="([^"]+)"', response["Content-Disposition"]).group(1)
    path = folder / name
    path.write_bytes(data)
    return path, data


def _plain_bytes(path: Path, data: bytes) -> bytes:
    """The bytes a reader would see: zip members decompressed."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return data
    with zipfile.ZipFile(path) as zf:
        return b"\n".join(zf.read(name) for name in zf.namelist())


def _field_map(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        lines = zf.read("fields.txt").decode().splitlines()
    return dict(line.split("\t") for line in lines if not line.startswith("#"))


def _copy_into(model, objects: list) -> None:
    """Load many rows with COPY: bulk_create spends ~25 s compiling 50,000 parcels value by value in Python."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(sql.Identifier(f.column) for f in fields))
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objects:
            values = [f.pre_save(obj, add=True) for f in fields]  # pre_save fills auto_now columns
            copy.write_row([v.hexewkb.decode() if isinstance(v, GEOSGeometry) else v for v in values])


def _measure(geometry) -> float:
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return abs(GEOD.geometry_area_perimeter(geometry)[0])
    return GEOD.geometry_length(geometry)


# --- every format, every geometry type -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", _KINDS)
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_export_reads_back_whole_without_private_columns(client, catalog, tmp_path, fmt, kind):
    layer = catalog[kind]
    model = get_kind(kind).model
    path, data = _save(_export(client, layer, fmt), tmp_path)
    assert path.name == f"{layer.slug}-v1.{FORMATS[fmt].extension}"

    plain = _plain_bytes(path, data)
    for secret in (*PRIVATE, *PRIVATE_TOKENS):
        assert secret.encode() not in plain, f"{secret} leaked into {fmt}"

    frame = pyogrio.read_dataframe(path)
    if fmt == "shp":
        frame = frame.rename(columns=_field_map(path))
    if fmt == "kml":
        assert (frame["Name"] == frame["ext_id"]).all()  # placemarks are named by their ext_id
        # GDAL's field names ignore case, so its reader calls a column `name` "name2" beside <name>.
        frame = frame.rename(columns={"name2": "name"})
    public = set(get_kind(kind).public_paths)
    assert public <= set(frame.columns)
    assert not set(PRIVATE) & set(frame.columns)
    if fmt not in ("csv", "kml"):  # CSV has no CRS; KML is WGS 84 by definition
        assert frame.crs.to_epsg() == 4326

    features = model.objects.filter(layer=layer)
    assert len(frame) == features.count()
    assert sorted(frame["ext_id"]) == sorted(features.values_list("ext_id", flat=True))
    if kind == "camera":
        expected = {c.ext_id: (c.geom.x, c.geom.y) for c in features}
        for ext_id, point in zip(frame["ext_id"], frame.geometry, strict=True):
            assert point.x == pytest.approx(expected[ext_id][0], abs=1e-7)
            assert point.y == pytest.approx(expected[ext_id][1], abs=1e-7)
    else:
        stored = dict(features.values_list("ext_id", "area_m2" if kind == "land_parcel" else "length_m"))
        for ext_id, geometry in zip(frame["ext_id"], frame.geometry, strict=True):
            assert _measure(geometry) == pytest.approx(stored[ext_id], rel=1e-3), ext_id


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_empty_layer_and_awkward_text(client, tmp_path, fmt):
    empty = _layer("chua-co-du-lieu", "camera")
    path, _ = _save(_export(client, empty, fmt), tmp_path)
    assert len(pyogrio.read_dataframe(path)) == 0

    awkward = 'Số 5 "Hẻm" <A&B>, Kinh Dinh; 100% ✓'
    odd = _layer("ten-kho", "camera")
    Camera.objects.create(layer=odd, ext_id="CAM-<&>", name=awkward, kind="security", heading_deg=0,
                          geom=Point(*ORIGIN, srid=4326))
    path, _ = _save(_export(client, odd, fmt), tmp_path)
    frame = pyogrio.read_dataframe(path).rename(columns={"name2": "name"})
    assert list(frame["ext_id"]) == ["CAM-<&>"]
    assert list(frame["name"]) == [awkward]


def test_shapefile_zip_parts_field_map_and_utf8(client, parcels, tmp_path):
    path, _ = _save(_export(client, parcels, "shp"), tmp_path)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        cpg = zf.read(f"{parcels.slug}-v1.cpg").decode().strip()
    base = f"{parcels.slug}-v1"
    assert names == {f"{base}{suffix}" for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg")} | {"fields.txt"}
    assert cpg == "UTF-8"
    fields = _field_map(path)
    assert list(fields.values()) == list(get_kind("land_parcel").public_paths)
    assert all(len(short) <= 10 for short in fields)
    assert fields["legal_area"] == "legal_area_m2" and fields["land_use_c"] == "land_use_code"
    frame = pyogrio.read_dataframe(path).rename(columns=fields).set_index("ext_id")
    assert frame.loc["NT-PR-000001", "address"] == "2 đường Thống Nhất, phường Kinh Dinh"
    assert frame.loc["NT-PR-000001", "land_use_code"] == "CLN"


def test_shapefile_names_are_short_unique_and_stable():
    names = ["max_density_pct", "max_density_ratio", "max_densit", "MAX_DENSIT_x", "ext_id"]
    short = shapefile_field_names(names)
    assert short == shapefile_field_names(names)
    assert len({s.lower() for s in short.values()}) == len(names)
    assert all(len(s) <= 10 for s in short.values())
    assert short["ext_id"] == "ext_id" and short["max_density_pct"] == "max_densit"


def test_geojson_follows_rfc_7946(client, parcels):
    body = json.loads(b"".join(_export(client, parcels, "geojson").streaming_content))
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert len(body["features"]) == 300
    first = body["features"][0]
    assert first["id"] == first["properties"]["ext_id"]
    assert set(first["properties"]) == set(get_kind("land_parcel").public_paths)
    for feature in body["features"]:
        for polygon in shapely.geometry.shape(feature["geometry"]).geoms:
            assert polygon.exterior.is_ccw
            assert not any(ring.is_ccw for ring in polygon.interiors)


def test_csv_has_wkt_and_public_columns(client, pipes):
    response = _export(client, pipes, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header == [*get_kind("network_segment").public_paths, "WKT"]
    assert "LINESTRING" in text and "cap-nuoc-nt" in text


def test_headers_etag_and_not_modified(client, parcels):
    response = _export(client, parcels, "gpkg")
    assert response["ETag"] == f'"{parcels.slug}-v1-gpkg"'
    assert response["Content-Type"] == "application/geopackage+sqlite3"
    assert int(response["Content-Length"]) == len(b"".join(response.streaming_content))
    again = client.get(f"/api/layers/{parcels.slug}/export", {"format": "gpkg"}, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]
    parcels.bump_version()
    fresh = _export(client, parcels, "gpkg", HTTP_IF_NONE_MATCH=response["ETag"])
    assert fresh["ETag"] == f'"{parcels.slug}-v2-gpkg"'
    assert fresh["Content-Disposition"] == f'attachment; filename="{parcels.slug}-v2.gpkg"'
    assert b"".join(fresh.streaming_content).startswith(b"SQLite format 3")


def test_asgi_requests_get_an_async_stream(catalog):
    """Under ASGI a plain iterator would be read whole into memory; the view hands over an async one."""

    async def fetch() -> tuple[bool, list[bytes]]:
        response = await AsyncClient().get(f"/api/layers/{catalog['camera'].slug}/export", {"format": "geojson"})
        assert response.status_code == 200
        return response.is_async, [chunk async for chunk in response.streaming_content]

    is_async, chunks = async_to_sync(fetch)()
    assert is_async
    assert len(json.loads(b"".join(chunks))["features"]) == 40


def test_management_command_writes_the_same_export(parcels, tmp_path):
    out = tmp_path / "parcels.gpkg"
    call_command("export_layer", parcels.slug, "--format", "gpkg", "--out", str(out), stdout=io.StringIO())
    frame = pyogrio.read_dataframe(out)
    assert len(frame) == 300 and not set(PRIVATE) & set(frame.columns)
    assert not list(tmp_path.glob("*.part"))


# --- catalog -------------------------------------------------------------------------------------------------


def test_catalog_lists_visible_layers_with_counts(client, catalog):
    _layer("mang-noi-bo", "network_segment", "internal")
    body = client.get("/api/layers/").json()
    assert {row["slug"] for row in body} == {layer.slug for layer in catalog.values()}
    parcels = next(row for row in body if row["slug"] == "thua-dat-phan-rang")
    assert parcels == {
        "slug": "thua-dat-phan-rang", "kind": "land_parcel", "title_vi": "Lớp thua-dat-phan-rang",
        "title_en": "Layer thua-dat-phan-rang", "theme": "planning", "geometry_type": "Polygon",
        "visibility": "public", "version": 1, "min_zoom": 13, "max_zoom": 22, "licence": "CC BY 4.0",
        "attribution": "Sở TN&MT Ninh Thuận", "feature_count": 300}


def test_catalog_detail_has_public_columns_with_labels(client, cameras):
    body = client.get(f"/api/layers/{cameras.slug}").json()
    names = [column["name"] for column in body["columns"]]
    assert names == list(get_kind("camera").public_paths) and "stream_url" not in json.dumps(body)
    heading = next(column for column in body["columns"] if column["name"] == "heading_deg")
    assert heading == {"name": "heading_deg", "type": "number", "label_vi": "Hướng nhìn (°)",
                       "label_en": "Heading (°)"}
    assert body["feature_count"] == 40
    assert body["exports"]["kml"].endswith(f"/api/layers/{cameras.slug}/export?format=kml")


def test_layer_without_vector_kind_cannot_be_exported(client):
    raster = _layer("dan-so-2024", "population_raster")
    assert client.get(f"/api/layers/{raster.slug}").json()["geometry_type"] is None
    response = client.get(f"/api/layers/{raster.slug}/export", {"format": "gpkg"})
    assert response.status_code == 409 and response.json()["code"] == "not_exportable"


# --- visibility and authentication -----------------------------------------------------------------------------


def _user(name: str, roles: list[str], org_unit: OrgUnit | None = None):
    return do_create_user(username=name, password="a-long-password-1", roles=roles, org_unit=org_unit)


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get_all(client: Client, slug: str, **headers) -> list[int]:
    base = f"/api/layers/{slug}"
    responses = [client.get(base, **headers), client.get(f"{base}/export", {"format": "csv"}, **headers)]
    for response in responses:
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end: the test client then finishes the request
    return [response.status_code for response in responses]


def test_internal_layer_only_for_staff_of_an_organisation(client, water_company):
    layer = _layer("mang-thoat-nuoc", "network_segment", "internal")
    assert _get_all(client, layer.slug) == [404, 404]
    assert _get_all(_as(_user("citizen", ["citizen"])), layer.slug) == [404, 404]
    staff = _as(_user("staff", ["agency_staff"], water_company))
    assert _get_all(staff, layer.slug) == [200, 200]
    assert layer.slug in {row["slug"] for row in staff.get("/api/layers/").json()}


def test_restricted_layer_only_for_named_roles(water_company):
    layer = _layer("quy-hoach-du-thao", "land_parcel", "restricted", allowed_roles=["planner"])
    dispatcher = _user("dispatcher", ["dispatcher"], water_company)
    planner = _user("planner", ["planner"])
    assert _get_all(_as(dispatcher), layer.slug) == [404, 404]
    assert _get_all(_as(planner), layer.slug) == [200, 200]
    token = do_issue_token(user=planner, name="QGIS").key
    assert _get_all(Client(), layer.slug, HTTP_AUTHORIZATION=f"Bearer {token}") == [200, 200]
    assert layer.slug not in {row["slug"] for row in _as(dispatcher).get("/api/layers/").json()}


def test_hidden_layer_is_indistinguishable_from_a_missing_one(client):
    _layer("quy-hoach-mat", "land_parcel", "restricted", allowed_roles=["planner"])
    for suffix, params in (("", {}), ("/export", {"format": "geojson"})):
        hidden = client.get(f"/api/layers/quy-hoach-mat{suffix}", params)
        missing = client.get(f"/api/layers/khong-co{suffix}", params)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content
        assert hidden.headers == missing.headers


def test_invalid_bearer_token_is_401_not_anonymous(client, parcels):
    bad = {"HTTP_AUTHORIZATION": "Bearer gp_not-a-real-token"}
    for url, params in (("/api/layers/", {}), (f"/api/layers/{parcels.slug}", {}),
                        (f"/api/layers/{parcels.slug}/export", {"format": "csv"})):
        response = client.get(url, params, **bad)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("params", [{"format": "xlsx"}, {"format": ""}, {}])
def test_bad_format_is_422_with_field_and_reason(client, parcels, params):
    response = client.get(f"/api/layers/{parcels.slug}/export", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert [error["field"] for error in body["errors"]] == ["format"]
    assert body["errors"][0]["reason"]


def test_openapi_describes_the_catalog(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/layers/", "/api/layers/{slug}", "/api/layers/{slug}/export"} <= set(paths)


# --- streaming at scale --------------------------------------------------------------------------------------------


def test_fifty_thousand_parcels_stream_in_chunks_with_flat_memory(client):
    layer = _layer("thua-dat-toan-tinh", "land_parcel")
    _copy_into(LandParcel, _parcels(layer, 50_000, seed=9, columns=250))
    assert LandParcel.objects.filter(layer=layer).count() == 50_000

    tracemalloc.start()
    started = time.perf_counter()
    response = _export(client, layer, "geojson")
    chunks = size = 0
    for chunk in response.streaming_content:
        chunks, size = chunks + 1, size + len(chunk)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\n50,000-parcel GeoJSON: {size / 1e6:.1f} MB in {chunks} chunks, {elapsed:.2f} s, "
          f"peak traced memory {peak / 1e6:.1f} MB")
    assert chunks > 100
    assert peak < size / 4, "the export should not hold the document in memory"
