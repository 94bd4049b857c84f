"""The map's API: search (places with or without diacritics, tờ/thửa, WGS 84 and VN-2000), identify, styles."""

import gzip
import math
from urllib.parse import urlsplit

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client

from layers.models import AdminUnit, LandParcel, Layer, PlanDecision, PlanZone
from layers.tiles.service import tile_of
from portal.accounts.models import OrgUnit, User

pytestmark = pytest.mark.django_db

# A spot in Phường Phủ Hà, Phan Rang-Tháp Chàm.
LON, LAT = 108.9880, 11.5660


def _square(lon: float, lat: float, size: float = 2e-4) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lon, lat, lon + size, lat + size)), srid=4326)


@pytest.fixture
def parcels(admin_units):
    public = Layer.objects.create(slug="map-thua", kind="land_parcel", title_vi="Thửa đất", title_en="Parcels",
                                  theme="planning", visibility="public", min_zoom=14)
    internal = Layer.objects.create(slug="map-thua-noi-bo", kind="land_parcel", title_vi="Thửa nội bộ",
                                    title_en="Internal parcels", theme="planning", visibility="internal", min_zoom=14)
    commune = AdminUnit.objects.filter(level="commune").containing(f"POINT({LON} {LAT})").first()
    LandParcel.objects.create(layer=public, ext_id="P1", sheet_no="12", parcel_no="345", commune=commune,
                              holder_name="Nguyễn Văn Riêng", holder_id="079123456789", geom=_square(LON, LAT))
    LandParcel.objects.create(layer=internal, ext_id="P2", sheet_no="13", parcel_no="77",
                              geom=_square(LON + 1e-3, LAT))
    return public, internal


def _search(client, q):
    return client.get("/api/map/search", {"q": q})


@pytest.mark.parametrize("query", ["Phan Rang", "phan rang thap cham", "Phan Rang-Tháp Chàm", "TP Phan Rang"])
def test_district_found_with_or_without_diacritics(admin_units, query):
    response = _search(Client(), query)
    assert response.status_code == 200, response.content
    first = response.json()["results"][0]
    assert first["kind"] == "district" and first["title"].endswith("Phan Rang-Tháp Chàm")
    west, south, east, north = first["bbox"]
    assert west < first["lon"] < east and south < first["lat"] < north
    assert 108.8 < first["lon"] < 109.1 and 11.4 < first["lat"] < 11.8


def test_commune_names_without_diacritics_and_with_a_typing_slip(admin_units):
    for query in ("Kinh Dinh", "kinh dinh", "Phường Kinh Dinh", "Kinh Dinhh"):
        results = _search(Client(), query).json()["results"]
        assert any(hit["kind"] == "commune" and hit["title"].endswith("Kinh Dinh") for hit in results), query


def test_no_match_is_an_empty_list_and_bad_queries_say_why(admin_units):
    assert _search(Client(), "Xyzzy Qwerty").json()["results"] == []
    for query, field in (("", "q"), ("x" * 150, "q"), ("95, 200", "q")):
        response = _search(Client(), query)
        assert response.status_code == 422, query
        body = response.json()
        assert body["code"] == "invalid_input" and body["errors"][0]["field"] == field and body["message"]


@pytest.mark.parametrize("query", ["tờ 12 thửa 345", "to 12 thua 345", "Thửa 345 tờ 12", "sheet 12 parcel 345"])
def test_parcel_by_sheet_and_number(parcels, query):
    [hit] = _search(Client(), query).json()["results"]
    assert (hit["kind"], hit["layer"], hit["feature"], hit["title"]) == ("parcel", "map-thua", "P1", "Tờ 12 thửa 345")
    assert hit["subtitle"].startswith("Phường Phủ Hà")
    assert abs(hit["lon"] - (LON + 1e-4)) < 1e-5 and abs(hit["lat"] - (LAT + 1e-4)) < 1e-5


def test_parcels_of_layers_the_caller_may_not_see_are_not_found(parcels):
    assert _search(Client(), "tờ 13 thửa 77").json()["results"] == []
    staff = User.objects.create_user("map-staff", password="x" * 12,
                                     org_unit=OrgUnit.objects.create(code="map-org", name="Sở", kind="agency"))
    client = Client()
    client.force_login(staff)
    [hit] = _search(client, "tờ 13 thửa 77").json()["results"]
    assert hit["layer"] == "map-thua-noi-bo"


@pytest.mark.parametrize("query", ["11.5660, 108.9880", "108.9880 11.5660", "11,5660; 108,9880",
                                   "WGS84 11.566 108.988"])
def test_wgs84_coordinates_in_either_order(db, query):
    [hit] = _search(Client(), query).json()["results"]
    assert hit["kind"] == "coordinates"
    assert (round(hit["lon"], 4), round(hit["lat"], 4)) == (LON, LAT)


def test_vn2000_tm3_coordinates_come_back_to_the_same_place(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 9217) p",
                       [LON, LAT])
        easting, northing = cursor.fetchone()
    assert 1_200_000 < northing < 1_350_000 and 500_000 < easting < 600_000
    for query in (f"{northing:.3f} {easting:.3f}", f"X={northing:.3f} Y={easting:.3f}",
                  f"{easting:.3f}, {northing:.3f}"):
        [hit] = _search(Client(), query).json()["results"]
        metres = math.dist((hit["lon"] * 109_000, hit["lat"] * 110_600), (LON * 109_000, LAT * 110_600))
        assert hit["kind"] == "coordinates" and metres < 0.05, (query, metres)
    far = _search(Client(), "9000000 100000")
    assert far.status_code == 422 and "outside" in far.json()["message"]


def test_identify_labels_public_columns_in_the_page_language(parcels):
    params = {"lon": LON + 1e-4, "lat": LAT + 1e-4, "zoom": 17, "layers": "map-thua,nope,map-thua-noi-bo"}
    [feature] = Client().get("/api/map/identify", params).json()["features"]
    assert feature["layer"] == "map-thua" and feature["id"] == "P1"
    labels = {a["name"]: (a["label"], a["value"]) for a in feature["attributes"]}
    assert labels["parcel_no"] == ("Số thửa", "345") and labels["sheet_no"] == ("Số tờ", "12")
    assert "holder_name" not in labels and "holder_id" not in labels
    assert "Nguyễn" not in str(feature) and "079123456789" not in str(feature)
    assert feature["geometry"]["type"] == "MultiPolygon"
    english = Client(HTTP_COOKIE="django_language=en").get("/api/map/identify", params).json()["features"][0]
    assert {a["name"]: a["label"] for a in english["attributes"]}["parcel_no"] == "Parcel"


def test_identify_misses_far_clicks_and_refuses_bad_input(parcels):
    params = {"lon": LON + 0.01, "lat": LAT, "zoom": 17, "layers": "map-thua"}
    assert Client().get("/api/map/identify", params).json()["features"] == []
    response = Client().get("/api/map/identify", {**params, "lat": 95})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "lon"
    response = Client().get("/api/map/identify", {**params, "layers": ",".join(f"l{i}" for i in range(25))})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "layers"


def test_identify_links_the_decision_document(admin_units):
    decision = PlanDecision.objects.create(number="77/QĐ-UBND", signed_on="2024-05-02", authority="UBND tỉnh",
                                           title="Quy hoạch phân khu", plan_level="1/2000")
    decision.document.save("77-QD-UBND.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    layer = Layer.objects.create(slug="map-zones", kind="plan_zone", title_vi="Ô quy hoạch", title_en="Zones",
                                 theme="planning", visibility="public", min_zoom=10)
    PlanZone.objects.create(layer=layer, ext_id="Z1", plan_level="1/2000", zone_code="OTM-1", decision=decision,
                            geom=_square(LON, LAT, 1e-3))
    [feature] = Client().get("/api/map/identify", {"lon": LON + 5e-4, "lat": LAT + 5e-4, "zoom": 15,
                                                   "layers": "map-zones"}).json()["features"]
    [link] = feature["links"]
    assert link["title"].startswith("77/QĐ-UBND")
    document = Client().get(urlsplit(link["url"]).path)
    assert document.status_code == 200 and b"".join(document.streaming_content).startswith(b"%PDF")
    decision.status = PlanDecision.Status.DRAFT
    decision.save()
    assert Client().get(urlsplit(link["url"]).path).status_code == 404


@pytest.fixture
def basemap(admin_units):
    for slug, kind in (("map-nen-hc", "admin_area"), ("map-nen-ten", "admin_label")):
        Layer.objects.create(slug=slug, kind=kind, title_vi=slug, title_en=slug, theme="admin", visibility="public",
                             min_zoom=4)
    Layer.objects.create(slug="map-nen-kin", kind="basemap_road", title_vi="kín", title_en="hidden", theme="basemap",
                         visibility="internal", min_zoom=10)


@pytest.mark.parametrize("base", ["light", "dark"])
def test_basemap_styles_point_only_at_this_portal(basemap, base):
    response = Client().get(f"/map/style/{base}.json")
    assert response.status_code == 200
    style = response.json()
    urls = [style["glyphs"], style["sprite"], *style["sources"]["basemap"]["tiles"]]
    assert {urlsplit(url).netloc for url in urls} == {"testserver"}
    tiles = urlsplit(style["sources"]["basemap"]["tiles"][0]).path
    assert "map-nen-hc" in tiles and "map-nen-ten" in tiles and "map-nen-kin" not in tiles
    fonts = {font for layer in style["layers"] for font in layer.get("layout", {}).get("text-font", [])}
    assert fonts == {"NotoSans-Regular", "NotoSans-Bold"}
    assert {layer["source-layer"] for layer in style["layers"] if "source-layer" in layer} == {"map-nen-hc",
                                                                                               "map-nen-ten"}


def test_unknown_basemap_is_a_404_with_a_reason(db):
    response = Client().get("/map/style/neon.json")
    assert response.status_code == 404 and "light" in response.json()["message"]


def test_admin_units_reach_the_tile_service_with_their_names(basemap):
    z, x, y = tile_of(LON, LAT, 10)
    response = Client().get(f"/tiles/map-nen-hc,map-nen-ten/{z}/{x}/{y}.mvt", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    tile = mapbox_vector_tile.decode(gzip.decompress(response.content))
    names = {f["properties"]["name"] for f in tile["map-nen-ten"]["features"]}
    assert "Phường Kinh Dinh" in names or "Kinh Dinh" in " ".join(names)
    levels = {f["properties"]["level"] for f in tile["map-nen-hc"]["features"]}
    assert {"province", "district", "commune"} <= levels
    assert {f["geometry"]["type"] for f in tile["map-nen-ten"]["features"]} == {"Point"}
    # Every label point lies inside its own unit, whatever the unit's shape.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FILTER (WHERE NOT ST_Covers(geom_3857, label_3857)), count(*) "
                       "FROM layers_adminunit")
        outside, total = cursor.fetchone()
    assert total > 700 and outside == 0


def test_config_lists_only_the_layers_the_caller_may_see(parcels, basemap):
    config = Client().get("/api/map/config").json()
    slugs = {entry["slug"] for entry in config["overlays"]}
    assert "map-thua" in slugs and "map-thua-noi-bo" not in slugs
    assert not slugs & {"map-nen-hc", "map-nen-ten", "map-nen-kin"}  # the basemap is not an overlay
    entry = next(entry for entry in config["overlays"] if entry["slug"] == "map-thua")
    # The tree shows the catalog's titles, in the page's language.
    assert (entry["title"], entry["title_vi"], entry["title_en"]) == ("Thửa đất", "Thửa đất", "Parcels")
    english = Client(HTTP_COOKIE="django_language=en").get("/api/map/config").json()
    assert next(e["title"] for e in english["overlays"] if e["slug"] == "map-thua") == "Parcels"
    assert urlsplit(entry["tiles"]).path == "/tiles/map-thua/{z}/{x}/{y}.mvt"
    assert entry["style"]["type"] == "fill" and entry["theme"] == "planning"
    assert {theme["key"] for theme in config["themes"]} >= {"planning"}
    assert "OpenStreetMap" in config["attribution"] and "WorldPop" in config["attribution"]


def test_admin_unit_layers_refuse_imports_and_feature_edits(basemap, tmp_path):
    from layers.errors import ReadOnlyLayer
    from layers.importing import ImportOptions
    from layers.imports import check_import

    layer = Layer.objects.get(slug="map-nen-hc")
    path = tmp_path / "x.geojson"
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"A"},'
                    '"geometry":{"type":"Point","coordinates":[108.9,11.5]}}]}')
    with pytest.raises(ReadOnlyLayer):
        check_import(layer, path, ImportOptions())
    from layers.importing import import_file

    with pytest.raises(ReadOnlyLayer):  # the command and the worker call the importer itself
        import_file(layer, path, ImportOptions())
    admin = User.objects.create_superuser("map-root", password="x" * 12)
    client = Client()
    client.force_login(admin)
    before = AdminUnit.objects.count()
    response = client.post("/ogcapi/collections/map-nen-hc/items", data=path.read_text().replace(
        '{"type":"FeatureCollection","features":[', "").removesuffix("]}"), content_type="application/geo+json")
    assert response.status_code == 403 and "administrative units" in response.json()["description"]
    assert AdminUnit.objects.count() == before
