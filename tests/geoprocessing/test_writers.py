"""Query results written out: GeoJSON, CSV and GeoPackage read back the same, with or without geometries."""

import json

import pyogrio
import pytest
import shapely

from geoprocessing import writers
from geoprocessing.queries import FeatureSet

SQUARE = shapely.to_wkb(shapely.from_wkt("MULTIPOLYGON(((108.99 11.56, 109 11.56, 109 11.57, 108.99 11.56)))"))


def _set(with_geometry: bool) -> FeatureSet:
    rows = [(1, "TD-1", "Phường Đô Vinh", 120.5, True, ["a", "b"]), (2, "TD-2", None, None, False, [])]
    return FeatureSet(name="parcels", columns=("id", "ext_id", "commune", "area_m2", "shallow", "tags"), rows=rows,
                      geometries=[SQUARE, SQUARE] if with_geometry else [None, None], total=7,
                      summary={"parcels": 7})


@pytest.mark.parametrize("with_geometry", [True, False])
def test_every_format_reads_back(with_geometry, tmp_path):
    fs = _set(with_geometry)
    body = json.loads(writers.write(fs, "geojson"))
    assert body["numberMatched"] == 7 and body["numberReturned"] == 2 and body["summary"] == {"parcels": 7}
    assert body["features"][0]["properties"]["commune"] == "Phường Đô Vinh"
    geometry = body["features"][0]["geometry"]
    assert (geometry["type"] == "MultiPolygon") if with_geometry else geometry is None
    lines = writers.write(fs, "csv").decode("utf-8-sig").splitlines()
    assert lines[0] == "id,ext_id,commune,area_m2,shallow,tags" + (",WKT" if with_geometry else "")
    assert lines[1].startswith("1,TD-1,Phường Đô Vinh,120.5,True,a; b")
    path = tmp_path / "out.gpkg"
    path.write_bytes(writers.write(fs, "gpkg"))
    frame = pyogrio.read_dataframe(path, read_geometry=with_geometry)
    assert list(frame["ext_id"]) == ["TD-1", "TD-2"] and frame["commune"][0] == "Phường Đô Vinh"
    if with_geometry:
        assert frame.crs.to_epsg() == 4326 and frame.geometry[0].equals(shapely.from_wkb(SQUARE))


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format"):
        writers.write(_set(False), "shp")
