"""The layer importer on real files: every feature accounted for, CRSs honoured, geometry repaired, atomic."""

import re
import subprocess
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from django.db import connection

from layers import partitions
from layers.errors import BadGeometry, BadMapping, NoCrs, UnreadableFile
from layers.importing import ImportOptions, import_file
from layers.importing.references import UnknownReference
from layers.importing.runner import InvalidValue
from layers.importing.source import gdal_path
from layers.importing.writing import side_connection
from layers.models import LandParcel, Layer, NetworkSegment, PlanZone

pytestmark = pytest.mark.django_db

OSM = Path("/work/shared/data/osm")
KIND_FOR = {  # geometry family of the file's layer -> (kind, constants for the kind's required columns)
    "Polygon": ("plan_zone", {"plan_level": "1/2000", "zone_code": "Z"}),
    "LineString": ("network_segment", {"network": "telecom"}),
    "Point": ("network_node", {"network": "telecom", "node_type": "cabinet"}),
}


def make_layer(kind: str, slug: str = "t-layer", **extra) -> Layer:
    return Layer.objects.create(slug=slug, kind=kind, title_vi=slug, title_en=slug, theme="planning", **extra)


def ogr_count(path, layer: str) -> int:
    """What GDAL's ogrinfo says; formats that cannot tell without reading (OSM) are read through."""
    source = gdal_path(path)
    summary = subprocess.run(["ogrinfo", "-ro", "-so", source, layer], capture_output=True, text=True,
                             check=True).stdout
    declared = int(re.search(r"Feature Count: (-?\d+)", summary).group(1))
    if declared >= 0:
        return declared
    listing = subprocess.run(["ogrinfo", "-ro", "-q", source, layer], capture_output=True, text=True,
                             check=True).stdout
    return listing.count("OGRFeature(")


def family(geometry_type: str) -> str:
    return next(f for f in ("Polygon", "LineString", "Point") if f in geometry_type)


def real_layers():
    cases = []
    for path in sorted(OSM.glob("*.gpkg")) + sorted(OSM.glob("*.osm")):
        for name, geometry_type in pyogrio.list_layers(path):
            if geometry_type and geometry_type != "GeometryCollection":
                cases.append((path, name, geometry_type))
    for path in sorted(Path("/work/shared/data/boundaries").glob("*.geojson*")):
        for name, _type in pyogrio.list_layers(gdal_path(path)):
            cases.append((path, name, "MultiPolygon"))  # all boundaries; some mix Polygon and MultiPolygon
    return cases


@pytest.mark.parametrize(("path", "source_layer", "geometry_type"), real_layers(),
                         ids=lambda v: v.name if isinstance(v, Path) else str(v))
def test_every_real_file_imports_every_feature(path, source_layer, geometry_type):
    kind, constants = KIND_FOR[family(geometry_type)]
    layer = make_layer(kind)
    report = import_file(layer, path, ImportOptions(constants=constants, source_layer=source_layer))
    expected = ogr_count(path, source_layer)
    assert report.features_read == expected
    stored = layer_model(kind).objects.filter(layer=layer).values_list("ext_id", flat=True)
    originals = {ext_id.split("-")[0] for ext_id in stored}  # split multi-parts keep their feature's id
    assert len(originals) + report.features_skipped == expected
    assert layer.version == report.version == 2


def layer_model(kind):
    from layers.registry import get_kind

    return get_kind(kind).model


def test_geometry_collections_are_refused_with_a_reason():
    layer = make_layer("network_node")
    with pytest.raises(BadGeometry, match="GeometryCollection"):
        import_file(layer, OSM / "hcmc_district3.osm",
                    ImportOptions(constants={"network": "water", "node_type": "valve"},
                                  source_layer="other_relations"))
    assert layer.version == 1


def _vn2000_file(tmp_path, boundaries) -> tuple[Path, gpd.GeoDataFrame]:
    communes = gpd.read_file(boundaries / "ninhthuan_communes_census2009.geojson")
    projected = communes.to_crs(9217)
    path = tmp_path / "xa_vn2000.gpkg"
    # As surveyors deliver it: projected coordinates and no CRS in the file.
    projected.set_crs(None, allow_override=True).to_file(path)
    return path, communes


def test_vn2000_tm3_file_named_by_province_round_trips(tmp_path, boundaries):
    path, communes = _vn2000_file(tmp_path, boundaries)
    layer = make_layer("plan_zone")
    with pytest.raises(NoCrs, match="vn2000_province"):
        import_file(layer, path, ImportOptions(constants={"plan_level": "1/2000", "zone_code": "Z"}))
    report = import_file(layer, path, ImportOptions(mapping={"ext_id": "commune_id"}, vn2000_province="Ninh Thuận",
                                                     constants={"plan_level": "1/2000", "zone_code": "Z"}))
    assert "9217" in report.crs and any("reprojected" in n for n in report.notes)
    geod = pyproj.Geod(ellps="WGS84")
    for row in communes.itertuples():
        stored = PlanZone.objects.get(layer=layer, ext_id=str(row.commune_id)).geom
        x0, y0 = shapely.get_coordinates(row.geometry)[0]
        x1, y1 = stored.coords[0][0][0]
        assert geod.inv(x0, y0, x1, y1)[2] < 0.5


def test_known_point_round_trips_through_postgis_tm3_within_half_a_metre():
    po_klong_garai = (108.9497, 11.5992)
    x, y = pyproj.Transformer.from_crs(4326, 9217, always_xy=True).transform(*po_klong_garai)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_X(g), ST_Y(g), ST_X(back), ST_Y(back) FROM ("
                       " SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 9217) AS g,"
                       "        ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 9217), 4326) AS back) t",
                       [*po_klong_garai, x, y])
        gx, gy, lon, lat = cursor.fetchone()
    assert np.hypot(gx - x, gy - y) < 0.5
    assert pyproj.Geod(ellps="WGS84").inv(lon, lat, *po_klong_garai)[2] < 0.5


def _parcels_file(tmp_path, geoms, **columns) -> Path:
    n = len(geoms)
    frame = gpd.GeoDataFrame({"ext_id": [f"P{i}" for i in range(n)], "sheet_no": ["12"] * n,
                              "parcel_no": [str(100 + i) for i in range(n)], "land_use_code": ["ODT"] * n,
                              "holder_name": ["Nguyễn Văn A"] * n, **columns}, geometry=geoms, crs=4326)
    path = tmp_path / "parcels.geojson"
    frame.to_file(path)
    return path


SQUARE = shapely.box(108.99, 11.56, 108.9902, 11.5602)
BOWTIE = shapely.Polygon([(108.99, 11.56), (108.991, 11.561), (108.991, 11.56), (108.99, 11.561)])


def test_invalid_polygon_is_repaired_and_reported(tmp_path, admin_units):
    layer = make_layer("land_parcel")
    report = import_file(layer, _parcels_file(tmp_path, [SQUARE, BOWTIE]))
    assert any("P1" in note or "feature 1" in note for note in report.notes if "repaired" in note)
    repaired = LandParcel.objects.get(layer=layer, ext_id="P1")
    assert repaired.geom.valid and repaired.geom.num_geom == 2
    assert LandParcel.objects.get(layer=layer, ext_id="P0").commune.name.startswith("Phường")


def test_upsert_by_key_and_replace(tmp_path):
    layer = make_layer("land_parcel")
    path = _parcels_file(tmp_path, [SQUARE, shapely.box(108.991, 11.56, 108.9912, 11.5602)])
    import_file(layer, path, ImportOptions(mapping={"ext_id": "ext_id", "sheet_no": "sheet_no",
                                                    "parcel_no": "parcel_no"}))
    changed = _parcels_file(tmp_path, [SQUARE], land_use_code=["TMD"])
    report = import_file(layer, changed, ImportOptions(mode="upsert", mapping={
        "ext_id": "ext_id", "sheet_no": "sheet_no", "parcel_no": "parcel_no", "land_use_code": "land_use_code"}))
    assert (report.created, report.updated, report.removed) == (0, 1, 0)
    assert LandParcel.objects.filter(layer=layer).count() == 2
    assert LandParcel.objects.get(layer=layer, ext_id="P0").land_use_code_id == "TMD"
    report = import_file(layer, changed)
    assert (report.created, report.updated, report.removed) == (0, 1, 1)
    assert layer.version == 4


def test_a_duplicate_key_found_while_indexes_are_built_side_by_side_leaves_nothing(tmp_path, settings):
    """The first replace of a transaction loads and indexes its table on connections of its own: a duplicate key
    found there is refused like any other, and the table it had committed is dropped."""
    assert settings.IMPORT_INDEX_WORKERS >= 2
    layer = make_layer("land_parcel")
    loading = partitions.loading_name("layers_landparcel", layer.pk)
    with connection.cursor() as cursor:
        assert not partitions.held_here(cursor.cursor, "layers_landparcel", loading)  # so the side path is taken
    path = _parcels_file(tmp_path, [SQUARE, SQUARE], ext_id=["same", "same"])
    with pytest.raises(BadMapping, match="twice"):
        import_file(layer, path)
    with side_connection() as conn:
        assert conn.execute("SELECT to_regclass(%s)", [loading]).fetchone()[0] is None
    assert not LandParcel.objects.filter(layer=layer).exists()
    layer.refresh_from_db()
    assert layer.version == 1


@pytest.mark.parametrize(("columns", "options", "error", "words"), [
    ({"land_use_code": ["XYZ"]}, ImportOptions(), UnknownReference, "XYZ"),
    ({"legal_area_m2": ["abc"]}, ImportOptions(), InvalidValue, "abc"),
    ({"ext_id": ["same"]}, ImportOptions(), BadMapping, "twice"),
    ({}, ImportOptions(mapping={"sheet_no": "so_to"}), BadMapping, "so_to"),
    ({}, ImportOptions(mapping={"colour": "sheet_no"}), BadMapping, "no column colour"),
    ({}, ImportOptions(mode="upsert", mapping={"sheet_no": "sheet_no", "parcel_no": "parcel_no"}), BadMapping, "key"),
])
def test_bad_files_leave_the_layer_as_it_was(tmp_path, columns, options, error, words):
    layer = make_layer("land_parcel")
    import_file(layer, _parcels_file(tmp_path, [SQUARE]))
    before = list(LandParcel.objects.filter(layer=layer).values_list("ext_id", "geom"))
    if "ext_id" in columns:
        columns = {"ext_id": ["same", "same"]}
        path = _parcels_file(tmp_path, [SQUARE, SQUARE], **{k: v for k, v in columns.items() if k != "ext_id"})
        frame = gpd.read_file(path)
        frame["ext_id"] = ["same", "same"]
        frame.to_file(path)
    else:
        path = _parcels_file(tmp_path, [SQUARE], **columns)
    with pytest.raises(error, match=words):
        import_file(layer, path, options)
    layer.refresh_from_db()
    assert layer.version == 2
    assert list(LandParcel.objects.filter(layer=layer).values_list("ext_id", "geom")) == before


def test_mixed_and_unreadable_files(tmp_path):
    layer = make_layer("network_segment")
    mixed = gpd.GeoDataFrame({"ext_id": ["a", "b"]}, geometry=[shapely.LineString([(0, 0), (1, 1)]),
                                                                shapely.Point(0, 0)], crs=4326)
    mixed.to_file(tmp_path / "mixed.geojson")
    with pytest.raises(BadGeometry, match="Point"):
        import_file(layer, tmp_path / "mixed.geojson", ImportOptions(constants={"network": "water"}))
    (tmp_path / "broken.gpkg").write_bytes(b"SQLite format 3\x00 but not really")
    with pytest.raises(UnreadableFile):
        import_file(layer, tmp_path / "broken.gpkg", ImportOptions(constants={"network": "water"}))
    with pytest.raises(BadMapping, match="network"):
        import_file(layer, tmp_path / "mixed.geojson")
    assert NetworkSegment.objects.filter(layer=layer).count() == 0


def test_zip_with_path_traversal_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../etc/cron.d/evil.shp", b"x")
    with pytest.raises(UnreadableFile, match="unsafe path"):
        import_file(make_layer("land_parcel"), archive)


def test_3d_lines_are_flattened_and_multilines_split(tmp_path):
    lines = gpd.GeoDataFrame({"ext_id": ["m", "s"]}, geometry=[
        shapely.MultiLineString([[(108.99, 11.56, 3), (108.991, 11.56, 3)], [(108.995, 11.56, 3),
                                                                             (108.996, 11.56, 3)]]),
        shapely.LineString([(108.99, 11.57, 1), (108.991, 11.57, 1)])], crs=4326)
    lines.to_file(tmp_path / "lines3d.gpkg")
    layer = make_layer("network_segment")
    report = import_file(layer, tmp_path / "lines3d.gpkg", ImportOptions(
        mapping={"ext_id": "ext_id"}, constants={"network": "sewer"}))
    assert sorted(NetworkSegment.objects.filter(layer=layer).values_list("ext_id", flat=True)) == ["m-1", "m-2", "s"]
    assert any("Z/M dropped from 2" in n for n in report.notes)
    assert all(not s.geom.hasz for s in NetworkSegment.objects.filter(layer=layer))
    assert 100 < NetworkSegment.objects.get(layer=layer, ext_id="s").length_m < 120


def test_csv_with_lon_lat_columns_and_wkt(tmp_path):
    import pandas as pd

    pd.DataFrame({"ma": ["c1", "c2"], "ten": ["Ngã tư Phủ Hà", "Cầu Đạo Long"], "kinh_do": [108.99, 108.98],
                  "vi_do": [11.56, 11.57], "huong": [90, 180]}).to_csv(tmp_path / "camera.csv", index=False)
    layer = make_layer("camera")
    report = import_file(layer, tmp_path / "camera.csv", ImportOptions(
        srid=4326, mapping={"ext_id": "ma", "name": "ten", "heading_deg": "huong"}, constants={"kind": "traffic"}))
    assert report.created == 2
    from layers.models import Camera

    camera = Camera.objects.get(layer=layer, ext_id="c2")
    assert (camera.geom.x, camera.geom.y) == (108.98, 11.57)
    assert camera.fov is not None and camera.fov.area > 0


def test_dxf_in_vn2000_from_a_cad_drawing(tmp_path):
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(576100, 1282800), (576160, 1282830)]),
                                       shapely.LineString([(576160, 1282830), (576220, 1282900)])])
    lines.to_file(tmp_path / "kenh.geojson")
    subprocess.run(["ogr2ogr", "-f", "DXF", str(tmp_path / "kenh.dxf"), str(tmp_path / "kenh.geojson")], check=True,
                   capture_output=True)
    layer = make_layer("canal")
    report = import_file(layer, tmp_path / "kenh.dxf", ImportOptions(
        vn2000_province="Ninh Thuận", mapping={"ext_id": "EntityHandle"}, constants={"level": "2"}))
    assert report.created == 2
    from layers.models import Canal

    canals = Canal.objects.filter(layer=layer)
    assert all(108.9 < c.geom.coords[0][0] < 109.0 for c in canals)
    assert 60 < min(c.length_m for c in canals) < 100
