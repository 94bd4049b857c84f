"""Vector tiles from PostGIS: decodable MVT inside the tile's extent, public columns only, cached by version."""

import gzip

import geopandas as gpd
import mapbox_vector_tile
import pytest
import redis
import shapely
from django.contrib.auth.models import Group
from django.test import Client

from layers.importing import ImportOptions, import_file
from layers.models import Layer
from layers.tiles import service
from layers.tiles.service import tile_of
from layers.tiles.tile_sql import BUFFER, EXTENT
from portal.accounts.models import OrgUnit, User
from portal.accounts.services import do_issue_token

pytestmark = pytest.mark.django_db

CENTRE = (108.99, 11.565)


def _parcels(tmp_path, n=120, name="p.gpkg", land_use="ODT", seed_shift=0.0):
    cells = [shapely.box(CENTRE[0] + (i % 12) * 3e-4 + seed_shift, CENTRE[1] + (i // 12) * 3e-4,
                         CENTRE[0] + (i % 12) * 3e-4 + 2.5e-4 + seed_shift, CENTRE[1] + (i // 12) * 3e-4 + 2.5e-4)
             for i in range(n)]
    frame = gpd.GeoDataFrame({"ext_id": [f"T{i}" for i in range(n)], "sheet_no": ["9"] * n,
                              "parcel_no": [str(i) for i in range(n)], "land_use_code": [land_use] * n,
                              "holder_name": ["Lê Văn Riêng"] * n, "holder_id": ["079123456789"] * n},
                             geometry=cells, crs=4326)
    frame.to_file(tmp_path / name)
    return tmp_path / name


@pytest.fixture
def parcels(tmp_path):
    layer = Layer.objects.create(slug="tile-parcels", kind="land_parcel", title_vi="Thửa", title_en="Parcels",
                                 theme="planning", visibility="public", min_zoom=10, max_zoom=22)
    import_file(layer, _parcels(tmp_path))
    layer.refresh_from_db()
    redis.Redis.from_url(service.settings.REDIS_URL).flushdb()
    return layer


def _get(client, path, **headers):
    return client.get(path, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})


def _decode(response) -> dict:
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return mapbox_vector_tile.decode(body)


def _all_coordinates(geometry) -> list[tuple[float, float]]:
    def walk(value):
        if isinstance(value, list | tuple) and value and isinstance(value[0], int | float):
            yield value
        elif isinstance(value, list | tuple):
            for item in value:
                yield from walk(item)
    return list(walk(geometry["coordinates"]))


def test_every_tile_of_a_set_decodes_inside_its_extent(client, parcels):
    seen = 0
    for z in (14, 15, 16, 17):
        _, x0, y0 = tile_of(CENTRE[0], CENTRE[1] + 0.003, z)
        _, x1, y1 = tile_of(CENTRE[0] + 0.004, CENTRE[1], z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                response = client.get(f"/tiles/tile-parcels/{z}/{x}/{y}.mvt")
                assert response.status_code in (200, 204)
                if response.status_code == 204:
                    continue
                layer = _decode(response)["tile-parcels"]
                assert layer["extent"] == EXTENT
                for feature in layer["features"]:
                    seen += 1
                    assert set(feature["properties"]) <= {"ext_id", "sheet_no", "parcel_no", "land_use_code"}
                    for cx, cy in _all_coordinates(feature["geometry"]):
                        assert -BUFFER <= cx <= EXTENT + BUFFER and -BUFFER <= cy <= EXTENT + BUFFER
                assert b"079123456789" not in response.content and "Riêng".encode() not in response.content
    assert seen >= 120


def test_private_fields_never_reach_tiles(client, parcels):
    _, x, y = tile_of(*CENTRE, 16)
    raw = client.get(f"/tiles/tile-parcels/16/{x}/{y}.mvt").content
    assert b"holder" not in raw and b"079123456789" not in raw and "Riêng".encode() not in raw
    decoded = mapbox_vector_tile.decode(raw)["tile-parcels"]["features"]
    assert decoded and all("holder_name" not in f["properties"] for f in decoded)


def test_gzip_etag_304_and_cache_headers(client, parcels):
    _, x, y = tile_of(*CENTRE, 16)
    url = f"/tiles/tile-parcels/16/{x}/{y}.mvt"
    zipped = _get(client, url, accept_encoding="gzip, br")
    assert zipped["Content-Encoding"] == "gzip" and zipped["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert zipped["Cache-Control"].startswith("public")
    assert _decode(zipped)["tile-parcels"]["features"]
    assert _get(client, url, if_none_match=zipped["ETag"]).status_code == 304


def test_import_bumps_the_version_so_no_stale_tile_is_served(client, parcels, tmp_path):
    _, x, y = tile_of(*CENTRE, 16)
    url = f"/tiles/tile-parcels/16/{x}/{y}.mvt"
    first = client.get(url)
    assert redis.Redis.from_url(service.settings.REDIS_URL).keys("portal:tile:*")
    import_file(parcels, _parcels(tmp_path, name="q.gpkg", land_use="TMD"))
    second = client.get(url)
    assert second["ETag"] != first["ETag"]
    codes = {f["properties"]["land_use_code"] for f in mapbox_vector_tile.decode(second.content)["tile-parcels"][
        "features"]}
    assert codes == {"TMD"}


def test_empty_and_out_of_zoom_tiles_are_204(client, parcels):
    assert client.get("/tiles/tile-parcels/16/0/0.mvt").status_code == 204
    _, x, y = tile_of(*CENTRE, 8)
    assert client.get(f"/tiles/tile-parcels/8/{x}/{y}.mvt").status_code == 204  # below the layer's min zoom


def test_feature_cap_keeps_the_biggest(client, parcels, monkeypatch):
    monkeypatch.setattr(service, "FEATURE_CAP", 5)
    _, x, y = tile_of(*CENTRE, 14)
    features = mapbox_vector_tile.decode(client.get(f"/tiles/tile-parcels/14/{x}/{y}.mvt").content)[
        "tile-parcels"]["features"]
    assert len(features) == 5


@pytest.mark.parametrize(("path", "status"), [
    ("/tiles/tile-parcels/16/abc/1.mvt", 400),
    ("/tiles/tile-parcels/25/0/0.mvt", 400),
    ("/tiles/tile-parcels/2/4/0.mvt", 400),
    ("/tiles/tile-parcels/-1/0/0.mvt", 400),
    ("/tiles/no-such-layer/1/0/0.mvt", 404),
    ("/tiles/tile-parcels,no-such-layer/1/0/0.mvt", 404),
])
def test_bad_requests(client, parcels, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["message"]


def test_restricted_layer_is_a_404_like_a_missing_one(parcels, tmp_path):
    parcels.visibility = Layer.Visibility.RESTRICTED
    parcels.allowed_roles = ["planner"]
    parcels.save()
    _, x, y = tile_of(*CENTRE, 16)
    url = f"/tiles/tile-parcels/16/{x}/{y}.mvt"
    hidden, missing = Client().get(url), Client().get("/tiles/nothing-here/16/0/0.mvt")
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content) == (404, missing.content)
    org = OrgUnit.objects.create(code="so-xd", name="Sở Xây dựng", kind="agency")
    planner = User.objects.create_user("planner-t", password="a-long-password-1", org_unit=org)
    planner.groups.add(Group.objects.get(name="planner"))
    dispatcher = User.objects.create_user("dispatcher-t", password="a-long-password-1")
    dispatcher.groups.add(Group.objects.get(name="dispatcher"))
    allowed = Client()
    allowed.force_login(planner)
    refused = Client()
    refused.force_login(dispatcher)
    assert allowed.get(url).status_code == 200
    assert allowed.get(url)["Cache-Control"].startswith("private")
    assert refused.get(url).status_code == 404
    key = do_issue_token(user=planner, name="qgis").key
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert Client().get(url, HTTP_AUTHORIZATION="Bearer gp_wrong").status_code == 401


def test_composite_tile_and_tilejson(client, parcels, tmp_path):
    zones = Layer.objects.create(slug="tile-zones", kind="plan_zone", title_vi="Ô", title_en="Zones",
                                 theme="planning", visibility="public")
    import_file(zones, _parcels(tmp_path, n=4, name="z.gpkg"), ImportOptions(
        constants={"plan_level": "1/2000", "zone_code": "Z1"}, mapping={"ext_id": "ext_id",
                                                                         "land_use_code": "land_use_code"}))
    _, x, y = tile_of(*CENTRE, 16)
    decoded = mapbox_vector_tile.decode(client.get(f"/tiles/tile-parcels,tile-zones/16/{x}/{y}.mvt").content)
    assert set(decoded) == {"tile-parcels", "tile-zones"}
    doc = client.get("/tiles/tile-parcels,tile-zones.json").json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"][0].endswith("/tiles/tile-parcels,tile-zones/{z}/{x}/{y}.mvt?v=2-2")
    assert [layer["id"] for layer in doc["vector_layers"]] == ["tile-parcels", "tile-zones"]
    assert "holder_name" not in str(doc)
    assert doc["bounds"][0] == pytest.approx(CENTRE[0], abs=1e-6)


def test_raster_png_tiles(settings):
    import io

    from PIL import Image

    from layers.rasters import do_register_raster

    do_register_raster(path=settings.SHARED_DATA_DIR / "raster" / "ninhthuan_ppp_2020_1km_clip.tif",
                       slug="dan-so", title_vi="Dân số", title_en="Population", unit="people")
    _, x, y = tile_of(*CENTRE, 9)
    response = Client().get(f"/tiles/raster/dan-so/9/{x}/{y}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (256, 256) and image.mode == "RGBA"
    alpha = image.getchannel("A")
    assert alpha.getextrema() == (0, 210)  # data coloured, the sea around the clip transparent
    assert len(set(image.getdata())) > 10  # a ramp, not a flat fill
    assert Client().get(f"/tiles/raster/dan-so/9/{x}/{y}.png", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert Client().get("/tiles/raster/dan-so/9/0/0.png").status_code == 204
    assert Client().get("/tiles/raster/no-such/9/0/0.png").status_code == 404
    Layer.objects.filter(slug="dan-so").update(visibility="internal")
    assert Client().get(f"/tiles/raster/dan-so/9/{x}/{y}.png").status_code == 404


def test_style_served_and_edited_by_the_layer_steward(client, parcels):
    doc = client.get("/tiles/tile-parcels/style.json").json()
    assert doc["version"] == 8 and doc["layers"][0]["type"] == "fill"
    assert doc["sources"]["tile-parcels"]["url"].endswith("/tiles/tile-parcels.json")
    assert doc["layers"][0]["source-layer"] == "tile-parcels"
    org = OrgUnit.objects.create(code="ioc-style", name="IOC", kind="province_ioc")
    steward = User.objects.create_user("steward-style", password="a-long-password-1", org_unit=org)
    steward.groups.add(Group.objects.get(name="data_steward"))
    planner = User.objects.create_user("planner-style", password="a-long-password-1", org_unit=org)
    planner.groups.add(Group.objects.get(name="planner"))
    new = {"type": "fill", "paint": {"fill-color": ["match", ["get", "land_use_code"], "ODT", "#e76f51", "#cccccc"],
                                     "fill-opacity": 0.6}}
    as_steward, as_planner = Client(), Client()
    as_steward.force_login(steward)
    as_planner.force_login(planner)
    saved = as_steward.put("/api/layers/tile-parcels/style", new, content_type="application/json")
    assert saved.status_code == 200, saved.content
    assert client.get("/tiles/tile-parcels/style.json").json()["layers"][0]["paint"] == new["paint"]
    deep: dict = {"i": 1}
    for key in "hgfedcba":
        deep = {key: deep}
    for bad in ({"type": "sparkle"}, {"type": "fill", "paint": {"line-width": 3}},
                {"type": "fill", "paint": {"fill-color": deep}}):
        refused = as_steward.put("/api/layers/tile-parcels/style", bad, content_type="application/json")
        assert refused.status_code == 422, bad
    assert as_planner.put("/api/layers/tile-parcels/style", new, content_type="application/json").status_code == 403
    assert Client().put("/api/layers/tile-parcels/style", new, content_type="application/json").status_code == 403
    parcels.refresh_from_db()
    assert parcels.style == {**new, "layout": {}}


def test_ogc_api_tiles_point_at_the_same_tiles(client, parcels):
    conformance = client.get("/ogcapi/conformance?f=json").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conformance
    tms = client.get("/ogcapi/tileMatrixSets/WebMercatorQuad").json()
    assert tms["tileMatrices"][0]["matrixWidth"] == 1 and tms["tileMatrices"][16]["matrixWidth"] == 2**16
    tilesets = client.get("/ogcapi/collections/tile-parcels/tiles").json()["tilesets"]
    template = next(x["href"] for x in tilesets[0]["links"] if x["rel"] == "item")
    _, x, y = tile_of(*CENTRE, 16)
    ogc = client.get(template.split("testserver")[1].format(tileMatrix=16, tileRow=y, tileCol=x))
    ours = client.get(f"/tiles/tile-parcels/16/{x}/{y}.mvt")
    assert ogc.status_code == 200 and ogc.content == ours.content
    tileset = client.get("/ogcapi/collections/tile-parcels/tiles/WebMercatorQuad").json()
    assert tileset["tileMatrixSetLimits"][0]["tileMatrix"] == "10"
    assert client.get("/ogcapi/collections/tile-parcels/tiles/WorldCRS84Quad").status_code == 404
    assert client.get("/ogcapi/collections/nothing/tiles").status_code == 404
