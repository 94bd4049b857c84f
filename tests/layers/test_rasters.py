"""Rasters on real GeoTIFFs: WorldPop 2020 population of Ninh Thuận and an SRTM DEM of Zion.

Values, sums and means are checked against rasterio and numpy reading the same pixels directly;
the API is checked for who may see what (a hidden raster is a 404 like a missing one) and for bad input.
"""

import json
import math
import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasterio.mask
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from pyproj import Transformer
from rasterio.warp import Resampling, calculate_default_transform, reproject
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box, mapping, shape

from geoprocessing import rasters as core
from layers.errors import BadRasterOption, NoCrs, UnreadableFile
from layers.models import Layer, RasterLayer
from layers.rasters import do_register_raster
from portal.accounts.models import User
from portal.accounts.services import do_issue_token

ROOT = Path(__file__).resolve().parents[2]
CENSUS_2009_PHAN_RANG = 160_270
PO_KLONG_GARAI = (108.9497, 11.5992)  # the Cham towers in Phan Rang-Tháp Chàm
ZION_CANYON = (-113.0, 37.3)


@pytest.fixture(scope="session")
def pop_tif(boundaries) -> Path:
    return boundaries.parent / "raster" / "ninhthuan_ppp_2020_1km_clip.tif"


@pytest.fixture(scope="session")
def dem_tif(boundaries) -> Path:
    return boundaries.parent / "raster" / "zion_srtm_90m.tif"


@pytest.fixture(scope="session")
def districts(boundaries) -> list[dict]:
    return json.loads((boundaries / "ninhthuan_districts_census2009.geojson").read_text())["features"]


@pytest.fixture(scope="session")
def phan_rang(districts):
    return next(shape(f["geometry"]) for f in districts
                if f["properties"]["district_vn"] == "Thành phố Phan Rang-Tháp Chàm")


@pytest.fixture(scope="session")
def dem_utm(dem_tif, tmp_path_factory) -> Path:
    """The DEM warped to UTM zone 12N, to exercise the reprojection of points and polygons."""
    out = tmp_path_factory.mktemp("utm") / "zion_utm12n.tif"
    with rasterio.open(dem_tif) as src:
        transform, width, height = calculate_default_transform(src.crs, "EPSG:32612", src.width, src.height,
                                                               *src.bounds)
        profile = {**src.profile, "crs": "EPSG:32612", "transform": transform, "width": width, "height": height}
        with rasterio.open(out, "w", **profile) as dst:
            reproject(rasterio.band(src, 1), rasterio.band(dst, 1), resampling=Resampling.nearest)
    return out


def _pixel(src, x: float, y: float) -> tuple[int, int]:
    col, row = ~src.transform @ (x, y)
    return math.floor(row), math.floor(col)


def _centre(src, row: int, col: int) -> tuple[float, float]:
    return src.transform @ (col + 0.5, row + 0.5)


# --- the core, without Django -------------------------------------------------------------------------------


def test_describe_matches_numpy(pop_tif):
    info = core.describe(pop_tif)
    with rasterio.open(pop_tif) as src:
        band = src.read(1, masked=True)
        assert info.bounds == pytest.approx(tuple(src.bounds))
    assert (info.crs, info.width, info.height, info.count, info.dtype) == ("EPSG:4326", 96, 114, 1, "float32")
    assert info.nodata == -99999
    assert info.valid_count == band.count()
    assert info.min == pytest.approx(float(band.min()))
    assert info.max == pytest.approx(float(band.max()))
    assert info.mean == pytest.approx(float(band.sum(dtype=np.float64)) / band.count(), rel=1e-9)


@pytest.mark.parametrize(("tif", "lonlat"), [("pop_tif", PO_KLONG_GARAI), ("dem_tif", ZION_CANYON)])
def test_value_at_equals_the_pixel_rasterio_reads(request, tif, lonlat):
    path = request.getfixturevalue(tif)
    with rasterio.open(path) as src:
        row, col = _pixel(src, *lonlat)
        expected = src.read(1)[row, col]
        assert expected != src.nodata
    assert core.value_at(path, *lonlat) == float(expected)


def test_nodata_and_outside_are_none(pop_tif):
    with rasterio.open(pop_tif) as src:
        rows, cols = np.nonzero(src.read(1) == src.nodata)
        nodata_lonlat = _centre(src, int(rows[0]), int(cols[0]))
        right_edge = src.bounds.right
    assert core.value_at(pop_tif, *nodata_lonlat) is None
    assert core.value_at(pop_tif, 0.0, 0.0) is None
    assert core.value_at(pop_tif, right_edge + 1e-6, 11.6) is None


def test_value_at_in_a_projected_raster(dem_utm):
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32612", always_xy=True)
    with rasterio.open(dem_utm) as src:
        row, col = _pixel(src, *to_utm.transform(*ZION_CANYON))
        expected = src.read(1)[row, col]
    assert core.value_at(dem_utm, *ZION_CANYON) == float(expected)
    info = core.describe(dem_utm)
    assert info.crs == "EPSG:32612" and info.crs_name == "WGS 84 / UTM zone 12N"
    assert info.bounds == pytest.approx((-113.24, 37.13, -112.85, 37.51), abs=0.02)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"lon": 200, "lat": 11.6}, core.RasterError),
    ({"lon": 108.9, "lat": float("nan")}, core.RasterError),
    ({"lon": "108.9", "lat": 11.6}, core.RasterError),
    ({"lon": 108.9, "lat": 11.6, "band": 2}, core.BadBand),
    ({"lon": 108.9, "lat": 11.6, "band": 0}, core.BadBand),
])
def test_bad_arguments_are_value_errors(pop_tif, kwargs, error):
    with pytest.raises(error) as caught:
        core.value_at(pop_tif, **kwargs)
    assert isinstance(caught.value, ValueError)


def test_a_vector_file_is_not_a_raster(boundaries):
    with pytest.raises(core.NotARaster, match="not a raster GDAL can read"):
        core.describe(boundaries / "ninhthuan_districts_census2009.geojson")


def test_phan_rang_population_is_of_the_census_order(pop_tif, phan_rang):
    [stats] = core.zonal_stats(pop_tif, [phan_rang])
    print(f"\nWorldPop 2020 in Thành phố Phan Rang-Tháp Chàm: {stats.sum:,.0f} people over {stats.count} pixels "
          f"(census 2009: {CENSUS_2009_PHAN_RANG:,})")
    assert 0.5 * CENSUS_2009_PHAN_RANG <= stats.sum <= 2 * CENSUS_2009_PHAN_RANG
    assert stats.mean == pytest.approx(stats.sum / stats.count)
    # The census gives 7 904.41 ha; the geodesic area of the same polygon must agree.
    assert stats.area_m2 / 10_000 == pytest.approx(7904.41, rel=0.02)


def test_a_polygon_over_the_whole_clip_sums_every_valid_pixel(pop_tif, monkeypatch):
    with rasterio.open(pop_tif) as src:
        band = src.read(1, masked=True)
        everything = box(*src.bounds).buffer(0.1)
    expected = float(band.sum(dtype=np.float64))
    [whole] = core.zonal_stats(pop_tif, [everything])
    assert whole.sum == pytest.approx(expected, rel=1e-9)
    assert (whole.count, whole.nodata_count) == (band.count(), int(np.ma.count_masked(band)))
    monkeypatch.setattr(core, "CHUNK_PIXELS", 500)  # read in strips of 5 rows: same answer
    [in_strips] = core.zonal_stats(pop_tif, [everything])
    assert (in_strips.count, in_strips.sum) == (whole.count, pytest.approx(whole.sum, rel=1e-12))


@pytest.mark.parametrize("all_touched", [False, True])
def test_zion_mean_in_a_small_polygon_equals_numpy_over_the_masked_window(dem_tif, all_touched):
    lon, lat = ZION_CANYON
    pentagon = Polygon([(lon - 0.01, lat - 0.01), (lon + 0.012, lat - 0.008), (lon + 0.015, lat + 0.006),
                        (lon + 0.002, lat + 0.013), (lon - 0.012, lat + 0.004)])
    with rasterio.open(dem_tif) as src:
        window, _ = rasterio.mask.mask(src, [mapping(pentagon)], crop=True, filled=False, all_touched=all_touched)
    [stats] = core.zonal_stats(dem_tif, [pentagon], all_touched=all_touched)
    assert stats.count == window.count() > 100
    assert stats.mean == pytest.approx(float(window.mean(dtype=np.float64)), rel=1e-12)
    assert (stats.min, stats.max) == (float(window.min()), float(window.max()))


def test_zonal_stats_in_a_projected_raster_agree_with_the_geographic_one(dem_tif, dem_utm):
    area = box(-113.05, 37.28, -113.0, 37.32)
    [geographic] = core.zonal_stats(dem_tif, [area])
    [projected] = core.zonal_stats(dem_utm, [area])
    assert projected.mean == pytest.approx(geographic.mean, rel=0.01)
    assert projected.area_m2 == geographic.area_m2


def test_polygons_outside_holes_and_empties(pop_tif):
    lon, lat = PO_KLONG_GARAI
    ring = box(lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05)
    hole = box(lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02)
    outside, donut, full, hole_only, empty = core.zonal_stats(
        pop_tif, [box(100, 10, 100.5, 10.5), Polygon(ring.exterior, [hole.exterior]), ring, hole, Polygon()])
    assert (outside.count, outside.sum, outside.mean, outside.nodata_count) == (0, 0.0, None, 0)
    assert outside.area_m2 > 0
    assert donut.count + hole_only.count == full.count
    assert donut.sum + hole_only.sum == pytest.approx(full.sum)
    assert donut.area_m2 + hole_only.area_m2 == pytest.approx(full.area_m2)
    assert (empty.count, empty.area_m2) == (0, 0.0)
    [two_parts] = core.zonal_stats(pop_tif, [MultiPolygon([ring, box(100, 10, 100.5, 10.5)])])
    assert (two_parts.count, two_parts.sum) == (full.count, pytest.approx(full.sum))


@pytest.mark.parametrize("geometries", [[Point(108.9, 11.6)], [LineString([(108.9, 11.6), (109, 11.7)])],
                                        [box(170, 80, 190, 95)], box(108.9, 11.6, 109, 11.7)])
def test_zonal_stats_refuses_what_is_not_a_list_of_lonlat_polygons(pop_tif, geometries):
    with pytest.raises(core.RasterError):
        core.zonal_stats(pop_tif, geometries)


# --- registration ---------------------------------------------------------------------------------------------


@pytest.fixture
def population(db, pop_tif):
    return do_register_raster(path=pop_tif, slug="population-2020", title_vi="Dân số 2020 (WorldPop)",
                              title_en="Population 2020 (WorldPop)", unit="people", attribution="WorldPop",
                              licence="CC-BY-4.0")


@pytest.fixture
def elevation(db, dem_tif):
    return do_register_raster(path=dem_tif, slug="zion-dem", title_vi="Độ cao Zion", title_en="Zion elevation",
                              unit="m", visibility="restricted", allowed_roles=["planner"])


@pytest.fixture
def planner(db):
    user = User.objects.create_user("planner-rasters", password="a-long-password-1")
    user.groups.add(Group.objects.get(name="planner"))
    return user


def test_register_catalogs_the_raster_and_bumps_its_version(population, pop_tif):
    layer = population.layer
    assert (layer.kind, layer.theme, layer.visibility, layer.version) == ("raster", "raster", "public", 1)
    assert (population.crs, population.width, population.height, population.unit) == ("EPSG:4326", 96, 114, "people")
    assert population.path == str(pop_tif.resolve())
    assert population.nodata == -99999
    assert population.bounds.extent == pytest.approx(core.describe(pop_tif).bounds)
    assert population.stats["valid_count"] == 8687
    again = do_register_raster(path=pop_tif, slug="population-2020", title_vi="Dân số 2020",
                               title_en="Population 2020")
    assert again.pk == population.pk and again.layer.pk == layer.pk
    assert again.layer.version == 2 and Layer.objects.get(pk=layer.pk).version == 2
    assert (again.unit, again.layer.attribution, again.layer.visibility) == ("people", "WorldPop", "public")
    assert Layer.objects.get(pk=layer.pk).title_vi == "Dân số 2020"
    assert RasterLayer.objects.filter(layer=layer).count() == 1


def test_registering_a_non_raster_fails_cleanly(db, boundaries, tmp_path):
    fake = tmp_path / "population.tif"
    fake.write_text("not a GeoTIFF")
    for path in (boundaries / "ninhthuan_districts_census2009.geojson", fake):
        with pytest.raises(UnreadableFile, match="not a raster GDAL can read") as caught:
            do_register_raster(path=path, slug="broken", title_vi="Hỏng", title_en="Broken")
        assert caught.value.field == "path"
    with pytest.raises(UnreadableFile, match="There is no file"):
        do_register_raster(path=tmp_path / "missing.tif", slug="broken", title_vi="Hỏng", title_en="Broken")
    assert not Layer.objects.filter(slug="broken").exists()
    assert not RasterLayer.objects.exists()


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_a_raster_without_crs_or_band_or_with_a_taken_slug_is_refused(db, pop_tif, tmp_path):
    no_crs = tmp_path / "no_crs.tif"
    with rasterio.open(no_crs, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8") as dst:
        dst.write(np.ones((1, 4, 4), dtype="uint8"))
    with pytest.raises(NoCrs):
        do_register_raster(path=no_crs, slug="no-crs", title_vi="x", title_en="x")
    with pytest.raises(BadRasterOption, match="band"):
        do_register_raster(path=pop_tif, slug="pop", title_vi="x", title_en="x", band=2)
    with pytest.raises(BadRasterOption, match="Unknown roles: wizard"):
        do_register_raster(path=pop_tif, slug="pop", title_vi="x", title_en="x", allowed_roles=["wizard"])
    Layer.objects.create(slug="plan-zones", kind="plan_zone", theme="planning", title_vi="Quy hoạch",
                         title_en="Plan zones")
    with pytest.raises(BadRasterOption, match="already names a layer of kind"):
        do_register_raster(path=pop_tif, slug="plan-zones", title_vi="x", title_en="x")
    assert Layer.objects.get(slug="plan-zones").version == 1
    assert not RasterLayer.objects.exists()
    assert list(Layer.objects.values_list("slug", flat=True)) == ["plan-zones"]


def test_register_raster_command(db, pop_tif, tmp_path):
    out = StringIO()
    call_command("register_raster", str(pop_tif), "--slug", "pop", "--title-vi", "Dân số", "--title-en",
                 "Population", "--unit", "people", "--visibility", "restricted", "--role", "planner", stdout=out)
    assert out.getvalue().startswith("pop v1 (restricted): 96×114 px, EPSG:4326")
    assert Layer.objects.get(slug="pop").allowed_roles == ["planner"]
    with pytest.raises(CommandError, match="not a raster GDAL can read"):
        call_command("register_raster", str(ROOT / "manage.py"), "--slug", "nope", "--title-vi", "x",
                     "--title-en", "x")
    assert not Layer.objects.filter(slug="nope").exists()


def test_register_raster_command_exit_code_and_one_line(db, tmp_path):
    cfg = connection.settings_dict
    password = f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else ""
    url = f"postgres://{cfg['USER']}{password}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"
    fake = tmp_path / "dem.tif"
    fake.write_bytes(b"II*\x00garbage")
    done = subprocess.run(
        [sys.executable, "manage.py", "register_raster", str(fake), "--slug", "dem", "--title-vi", "x",
         "--title-en", "x"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings.test", DATABASE_URL=url))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("CommandError: dem.tif is not a raster"), done.stderr


# --- API ------------------------------------------------------------------------------------------------------


def _post(client, slug: str, doc, **extra):
    return client.post(f"/api/rasters/{slug}/zonal-stats", data=json.dumps(doc), content_type="application/json",
                       **extra)


def test_list_shows_what_the_caller_may_see(client, population, elevation, planner):
    anonymous = client.get("/api/rasters/")
    assert anonymous.status_code == 200
    assert [r["slug"] for r in anonymous.json()] == ["population-2020"]
    [pop] = anonymous.json()
    assert pop["unit"] == "people" and pop["title_vi"] == "Dân số 2020 (WorldPop)" and pop["version"] == 1
    assert pop["bounds"] == pytest.approx(list(population.bounds.extent))
    assert pop["stats"]["valid_count"] == 8687 and "path" not in pop
    client.force_login(planner)
    assert [r["slug"] for r in client.get("/api/rasters/").json()] == ["population-2020", "zion-dem"]


def test_value_endpoint(client, population, pop_tif):
    response = client.get("/api/rasters/population-2020/value", {"lon": PO_KLONG_GARAI[0], "lat": PO_KLONG_GARAI[1]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["value"] == core.value_at(pop_tif, *PO_KLONG_GARAI) and body["unit"] == "people"
    outside = client.get("/api/rasters/population-2020/value", {"lon": 10, "lat": 10})
    assert outside.status_code == 200 and outside.json()["value"] is None


def test_a_restricted_raster_is_a_404_like_a_missing_one(client, elevation, planner, db):
    point = {"lon": ZION_CANYON[0], "lat": ZION_CANYON[1]}
    hidden = client.get("/api/rasters/zion-dem/value", point)
    missing = client.get("/api/rasters/no-such-raster/value", point)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"code": "not_found", "message": "No raster layer with this name."}
    polygon = mapping(box(-113.01, 37.29, -113.0, 37.3))
    assert _post(client, "zion-dem", polygon).json() == _post(client, "no-such-raster", polygon).json()
    other = User.objects.create_user("citizen-rasters", password="a-long-password-1")
    other.groups.add(Group.objects.get(name="citizen"))
    client.force_login(other)
    assert client.get("/api/rasters/zion-dem/value", point).status_code == 404

    client.force_login(planner)
    allowed = client.get("/api/rasters/zion-dem/value", point)
    assert allowed.status_code == 200 and allowed.json()["value"] == core.value_at(elevation.path, *ZION_CANYON)
    browser = Client(enforce_csrf_checks=True)  # a logged-in browser sends its CSRF token, as for every POST
    browser.force_login(planner)
    assert _post(browser, "zion-dem", polygon).status_code == 403
    browser.get("/accounts/login/")
    with_csrf = _post(browser, "zion-dem", polygon, HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
    assert with_csrf.status_code == 200
    key = do_issue_token(user=planner, name="qgis").key
    by_token = Client().get("/api/rasters/zion-dem/value", point, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert by_token.status_code == 200
    by_token = _post(Client(), "zion-dem", polygon, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert by_token.status_code == 200 and by_token.json()["results"][0]["count"] > 0
    wrong_token = Client().get("/api/rasters/population-2020/value", point, HTTP_AUTHORIZATION="Bearer gp_nope")
    assert wrong_token.status_code == 401


@pytest.mark.parametrize(("params", "field"), [
    ({"lon": "abc", "lat": 11.5}, "lon"),
    ({"lon": 108.9, "lat": 91}, "lat"),
    ({"lon": -181, "lat": 11.5}, "lon"),
    ({"lon": "nan", "lat": 11.5}, "lon"),
    ({"lat": 11.5}, "lon"),
])
def test_bad_coordinates_are_422_with_field_and_reason(client, population, params, field):
    response = client.get("/api/rasters/population-2020/value", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert field in [error["field"] for error in body["errors"]]
    assert all(error["reason"] for error in body["errors"])


def test_zonal_stats_per_feature_with_ids_echoed(population, districts, pop_tif, phan_rang):
    features = []
    for index, feature in enumerate(districts):
        feature = {**feature, "properties": dict(feature["properties"])}
        if index % 2:
            feature["properties"]["id"] = feature["properties"]["gso_district_code"]
        else:
            feature["id"] = int(feature["properties"]["gso_district_code"])
        features.append(feature)
    client = Client(enforce_csrf_checks=True)  # an anonymous API client sends no CSRF token
    response = _post(client, "population-2020", {"type": "FeatureCollection", "features": features})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["layer"], body["unit"], body["version"]) == ("population-2020", "people", 1)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["id"] for r in results] == [582, "585", 584, "586", 588, "587", 589]
    expected = core.zonal_stats(pop_tif, [shape(f["geometry"]) for f in districts])
    assert [r["sum"] for r in results] == pytest.approx([e.sum for e in expected])
    assert [r["count"] for r in results] == [e.count for e in expected]
    assert results[0]["sum"] == pytest.approx(core.zonal_stats(pop_tif, [phan_rang])[0].sum)


def test_zonal_stats_takes_a_bare_geometry_or_a_feature(client, population, phan_rang):
    bare = _post(client, "population-2020", mapping(phan_rang))
    feature = _post(client, "population-2020", {"type": "Feature", "properties": {"id": "PRTC"},
                                                 "geometry": mapping(phan_rang)})
    touched = client.post("/api/rasters/population-2020/zonal-stats?all_touched=true",
                          data=json.dumps(mapping(phan_rang)), content_type="application/json")
    assert bare.status_code == feature.status_code == touched.status_code == 200
    [b], [f], [t] = bare.json()["results"], feature.json()["results"], touched.json()["results"]
    assert (b["id"], f["id"]) == (None, "PRTC")
    assert b["sum"] == f["sum"] and t["count"] > b["count"]


def _ring(lon=108.9, lat=11.6, size=0.05):
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def _fc(*geometries):
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": g} for g in geometries]}


POLYGON = {"type": "Polygon", "coordinates": [_ring()]}


@pytest.mark.parametrize(("doc", "field"), [
    ({"type": "Point", "coordinates": [108.9, 11.6]}, "type"),
    (_fc(POLYGON, {"type": "LineString", "coordinates": [[108.9, 11.6], [109, 11.7]]}), "features.1.geometry.type"),
    (_fc(POLYGON, None), "features.1.geometry"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": POLYGON}] * 1001}, "features"),
    ({"type": "FeatureCollection", "features": "all of them"}, "features"),
    ({"type": "Polygon", "coordinates": [[[108.9, 11.6], [109, 11.7]]]}, "coordinates"),
    ({"type": "Polygon", "coordinates": [[["a", "b"], [1, 2], [3, 4], [1, 2]]]}, "coordinates"),
    ({"type": "Polygon", "coordinates": [_ring(lon=500000, lat=1280000, size=1000)]}, "coordinates"),
    ({**POLYGON, "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::9217"}}}, "crs"),
    ({"type": "Feature", "id": {"a": 1}, "geometry": POLYGON}, "id"),
    ({"type": "Topology"}, "type"),
    ([POLYGON], "body"),
])
def test_bad_zonal_input_is_422_with_field(client, population, doc, field):
    response = _post(client, "population-2020", doc)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid_input"
    assert [e["field"] for e in body["errors"]] == [field] and body["errors"][0]["reason"]


def test_zonal_body_that_is_not_json_or_too_large(client, population):
    for raw in (b"{not json", b'{"type": "Polygon", "coordinates": [[[NaN, 1]]]}', b"[" * 100_000):
        response = client.post("/api/rasters/population-2020/zonal-stats", data=raw, content_type="application/json")
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body"
    huge = {**POLYGON, "padding": "x" * 2_100_000}
    response = _post(client, "population-2020", huge)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_self_intersecting_polygon_is_repaired(client, population):
    lon, lat = PO_KLONG_GARAI
    bowtie = {"type": "Polygon", "coordinates": [[[lon - 0.1, lat - 0.1], [lon + 0.1, lat + 0.1],
                                                  [lon + 0.1, lat - 0.1], [lon - 0.1, lat + 0.1],
                                                  [lon - 0.1, lat - 0.1]]]}
    response = _post(client, "population-2020", bowtie)
    assert response.status_code == 200, response.content
    [zone] = response.json()["results"]
    assert zone["count"] > 0 and zone["area_m2"] > 2e8  # two triangles of ~ 122 km² each


def test_a_raster_whose_file_went_away_is_a_503_without_the_path(client, db, pop_tif, tmp_path, caplog):
    copy = tmp_path / "pop_copy.tif"
    shutil.copy(pop_tif, copy)
    do_register_raster(path=copy, slug="gone", title_vi="Mất", title_en="Gone")
    copy.unlink()
    response = client.get("/api/rasters/gone/value", {"lon": PO_KLONG_GARAI[0], "lat": PO_KLONG_GARAI[1]})
    assert response.status_code == 503
    assert response.json()["code"] == "raster_unavailable" and str(tmp_path) not in response.content.decode()
    assert "gone" in caplog.text and str(copy) in caplog.text


def test_openapi_documents_the_raster_routes(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/rasters/", "/api/rasters/{slug}/value", "/api/rasters/{slug}/zonal-stats"} <= set(paths)
    body = paths["/api/rasters/{slug}/zonal-stats"]["post"]["requestBody"]
    assert "FeatureCollection" in body["content"]["application/json"]["schema"]["description"]
