"""The admin-unit importer on real files: every feature arrives; bad files change nothing."""

import json
import re
import subprocess
import zipfile
from datetime import date

import pytest

from layers.admin_units_import import FieldMapping, import_admin_units
from layers.errors import BadGeometry, BadMapping, NoCrs, UnreadableFile
from layers.importing.source import gdal_path
from layers.models import AdminUnit

pytestmark = pytest.mark.django_db


def ogrinfo_count(path) -> int:
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", gdal_path(path)], capture_output=True, text=True,
                         check=True).stdout
    return sum(int(n) for n in re.findall(r"Feature Count: (\d+)", out))


@pytest.mark.parametrize(("file", "level", "mapping"), [
    ("vn_adm1_geoboundaries.geojson", "province", ["code=shapeID", "name=shapeName"]),
    ("binhthuan_districts_census2009.geojson", "district", ["code=district_id", "name=district_vn"]),
    ("binhthuan_communes_census2009.geojson", "commune",
     ["code=commune_id", "name=commune_vn", "gso_code=gso_commune_code", "population=population"]),
    ("vn_communes_census2009.geojson.gz", "commune", ["code=commune_id", "name=commune_vn"]),
])
def test_real_boundary_files_import_every_feature(boundaries, file, level, mapping):
    path = boundaries / file
    report = import_admin_units(path, level=level, mapping=FieldMapping.parse(mapping), code_prefix="t-",
                                valid_from=date(1999, 1, 1))
    expected = ogrinfo_count(path)
    # Every feature is accounted for: stored, or skipped with a note saying which and why.
    assert report.created + report.skipped == expected
    assert AdminUnit.objects.filter(source=file).count() == report.created
    assert len([note for note in report.notes if "skipped" in note]) == report.skipped


def test_reimport_updates_in_place(admin_units, boundaries):
    path = boundaries / "ninhthuan_communes_census2009.geojson"
    mapping = FieldMapping.parse(["code=commune_id", "name=commune_vn", "population=population"])
    before = AdminUnit.objects.count()
    report = import_admin_units(path, level="commune", mapping=mapping, code_prefix="2009-")
    assert (report.created, report.updated) == (0, 65)
    assert AdminUnit.objects.count() == before
    assert report.parents_linked == 65


def test_zipped_shapefile_in_another_crs_is_reprojected(tmp_path, boundaries):
    import geopandas as gpd

    frame = gpd.read_file(boundaries / "ninhthuan_districts_census2009.geojson").to_crs(32649)  # UTM 49N
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame.to_file(shp_dir / "districts.shp")
    archive = tmp_path / "districts.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    report = import_admin_units(archive, level="district", code_prefix="utm-",
                                mapping=FieldMapping.parse(["code=district_i", "name=district_v"]))
    assert report.created == 7
    assert any("reprojected" in note for note in report.notes)
    unit = AdminUnit.objects.get(code="utm-70501")
    assert 108.8 < unit.geom.centroid.x < 109.1 and 11.5 < unit.geom.centroid.y < 11.7


def _write_geojson(path, features, crs=True):
    body = {"type": "FeatureCollection", "features": features}
    if crs:
        body["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    path.write_text(json.dumps(body))
    return path


def _feature(code, geometry):
    return {"type": "Feature", "properties": {"code": code, "name": f"Xã {code}"}, "geometry": geometry}


BOWTIE = {"type": "Polygon", "coordinates": [[[108.9, 11.5], [109.0, 11.6], [109.0, 11.5], [108.9, 11.6],
                                              [108.9, 11.5]]]}
SQUARE = {"type": "Polygon", "coordinates": [[[108.9, 11.5], [109.0, 11.5], [109.0, 11.6], [108.9, 11.6],
                                              [108.9, 11.5]]]}
MAPPING = FieldMapping.parse(["code=code", "name=name"])


def test_invalid_polygon_is_repaired_and_reported(tmp_path):
    path = _write_geojson(tmp_path / "bowtie.geojson", [_feature("B1", BOWTIE)])
    report = import_admin_units(path, level="commune", mapping=MAPPING)
    assert any("repaired" in note and "Self-intersection" in note for note in report.notes)
    unit = AdminUnit.objects.get(code="B1")
    assert unit.geom.valid
    assert unit.geom.num_geom == 2  # the bow tie's two triangles


def test_3d_geometry_is_flattened_with_a_note(tmp_path):
    cube = {"type": "Polygon", "coordinates": [[[108.9, 11.5, 5], [109.0, 11.5, 5], [109.0, 11.6, 5],
                                                [108.9, 11.5, 5]]]}
    report = import_admin_units(_write_geojson(tmp_path / "z.geojson", [_feature("Z1", cube)]),
                                level="commune", mapping=MAPPING)
    assert any("Z/M dropped" in note for note in report.notes)
    assert not AdminUnit.objects.get(code="Z1").geom.hasz


@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda p: _write_geojson(p, [_feature("A", SQUARE), _feature("P", {"type": "Point", "coordinates": [1, 2]})]),
     BadGeometry, "Point"),
    (lambda p: (p.write_text("{not json"), p)[1], UnreadableFile, "cannot read"),
    (lambda p: _write_geojson(p, [_feature("A", SQUARE), _feature("A", SQUARE)]), BadMapping, "twice"),
])
def test_bad_files_leave_the_table_untouched(admin_units, tmp_path, make, error, words):
    before = AdminUnit.objects.count()
    with pytest.raises(error, match=words):
        import_admin_units(make(tmp_path / "bad.geojson"), level="commune", mapping=MAPPING)
    assert AdminUnit.objects.count() == before


def test_mapping_naming_a_missing_field_lists_the_real_ones(boundaries):
    with pytest.raises(BadMapping, match="no field 'ten_xa'.*commune_vn"):
        import_admin_units(boundaries / "ninhthuan_communes_census2009.geojson", level="commune",
                           mapping=FieldMapping.parse(["code=commune_id", "name=ten_xa"]))
    with pytest.raises(BadMapping, match="must name a field for name"):
        FieldMapping.parse(["code=commune_id"])


def test_file_without_crs_needs_an_srid(tmp_path):
    import geopandas as gpd
    from shapely.geometry import shape

    path = tmp_path / "nocrs.gpkg"
    gpd.GeoDataFrame({"code": ["N1"], "name": ["Xã N1"]}, geometry=[shape(SQUARE)]).to_file(path)
    with pytest.raises(NoCrs, match="--srid"):
        import_admin_units(path, level="commune", mapping=MAPPING)
    assert import_admin_units(path, level="commune", mapping=MAPPING, srid=4326).created == 1


def test_command_line_fails_with_one_line(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no field 'nope'"):
        call_command("import_admin_units", str(_write_geojson(tmp_path / "a.geojson", [_feature("A", SQUARE)])),
                     "--level", "commune", "--map", "code=nope", "--map", "name=name", verbosity=0)
