"""Feature tables partitioned by layer: a replace import swaps in a partition; a deleted layer takes its own along."""

import geopandas as gpd
import pyproj
import pytest
import shapely
from django.db import connection

from layers.importing import ImportOptions, import_file
from layers.models import LandParcel, Layer, NetworkNode, NetworkSegment

pytestmark = pytest.mark.django_db


def _partitions(table: str = "layers_landparcel") -> dict[str, str]:
    """Partition name -> its bound, for a feature table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                       "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass", [table])
        return dict(cursor.fetchall())


def _parcels(path, count: int, start: int = 0):
    cells = [shapely.box(108.9 + i * 1e-4, 11.5, 108.9 + i * 1e-4 + 8e-5, 11.50008) for i in range(count)]
    gpd.GeoDataFrame({"ext_id": [f"P{start + i}" for i in range(count)], "sheet_no": ["1"] * count,
                      "parcel_no": [str(start + i) for i in range(count)]}, geometry=cells, crs=4326).to_file(path)
    return path


def _layer(slug: str) -> Layer:
    return Layer.objects.create(slug=slug, kind="land_parcel", title_vi=slug, title_en=slug, theme="planning")


def test_a_replace_swaps_in_the_layers_own_partition(tmp_path):
    layer = _layer("part-a")
    other = _layer("part-b")
    LandParcel.objects.create(layer=other, ext_id="kept", sheet_no="1", parcel_no="1",
                              geom=shapely.MultiPolygon([shapely.box(108, 11, 108.001, 11.001)]).wkt)
    first = import_file(layer, _parcels(tmp_path / "a.gpkg", 5))
    assert (first.created, first.removed) == (5, 0)
    assert _partitions()[f"layers_landparcel_l{layer.pk}"] == f"FOR VALUES IN ('{layer.pk}')"
    again = import_file(layer, _parcels(tmp_path / "b.gpkg", 3, start=3))  # P3, P4 stay, P5 is new
    assert (again.created, again.updated, again.removed) == (1, 2, 3)
    assert sorted(LandParcel.objects.filter(layer=layer).values_list("ext_id", flat=True)) == ["P3", "P4", "P5"]
    assert [n for n in _partitions() if n.startswith(f"layers_landparcel_l{layer.pk}")] == [
        f"layers_landparcel_l{layer.pk}"]  # the old one is gone, the loading table renamed
    assert LandParcel.objects.filter(layer=other).count() == 1  # a layer in the default partition: untouched
    # The stored areas are geodesic (through the equal-area EPSG:6933): as GeographicLib measures them.
    parcel = LandParcel.objects.filter(layer=layer, ext_id="P3").get()
    geodesic = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(shapely.from_wkt(parcel.geom.wkt))[0])
    assert parcel.area_m2 == pytest.approx(geodesic, rel=1e-6)


def test_a_deleted_layer_takes_its_partition_and_leftovers_along(tmp_path):
    one, two, three = _layer("part-1"), _layer("part-2"), _layer("part-3")
    for layer in (one, two, three):
        import_file(layer, _parcels(tmp_path / f"{layer.slug}.gpkg", 4), ImportOptions())
    assert {f"layers_landparcel_l{layer.pk}" for layer in (one, two, three)} <= set(_partitions())
    one.delete()
    assert f"layers_landparcel_l{one.pk}" not in _partitions()
    with connection.cursor() as cursor:  # a layer gone without the model's help leaves its partition behind
        cursor.execute("DELETE FROM layers_landparcel WHERE layer_id = %s", [two.pk])
        cursor.execute("DELETE FROM layers_layer WHERE id = %s", [two.pk])
    assert f"layers_landparcel_l{two.pk}" in _partitions()
    Layer.objects.filter(pk=three.pk).delete()  # the queryset's delete, as the admin's bulk action uses
    names = set(_partitions())
    assert f"layers_landparcel_l{three.pk}" not in names and f"layers_landparcel_l{two.pk}" not in names
    assert "layers_landparcel_default" in names
    assert not LandParcel.objects.filter(layer_id__in=[one.pk, two.pk, three.pk]).exists()


def test_links_into_a_deleted_layers_features_are_cleared(tmp_path):
    """A segment keeps its nodes by id, with no database constraint: deleting the node layer, whose partition
    goes whole, clears them as deleting the nodes one by one would."""
    nodes, segments = (Layer.objects.create(slug=slug, kind=kind, title_vi=slug, title_en=slug, theme="underground")
                       for slug, kind in (("part-nodes", "network_node"), ("part-segments", "network_segment")))
    points = [shapely.Point(108.9 + i * 1e-3, 11.5) for i in range(2)]
    path = tmp_path / "nodes.gpkg"
    gpd.GeoDataFrame({"ext_id": ["N0", "N1"], "network": ["water"] * 2, "node_type": ["valve"] * 2},
                     geometry=points, crs=4326).to_file(path)
    import_file(nodes, path)
    assert f"layers_networknode_l{nodes.pk}" in _partitions("layers_networknode")
    ends = list(NetworkNode.objects.filter(layer=nodes).order_by("ext_id"))
    segment = NetworkSegment.objects.create(layer=segments, ext_id="S1", network="water", from_node=ends[0],
                                            to_node=ends[1], geom=shapely.LineString(points).wkt)
    nodes.delete()
    segment.refresh_from_db()
    assert (segment.from_node_id, segment.to_node_id) == (None, None)
