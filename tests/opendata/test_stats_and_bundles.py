"""Open incident statistics (per commune and week, counts only, public categories only) and offline bundles
(PMTiles that GDAL opens, MBTiles with the same tiles) of the basemap and the public layers, never a private one."""

import csv
import io
import json
import sqlite3
from datetime import datetime, time, timedelta

import pyogrio
import pytest
from django.contrib.gis.geos import LineString
from django.test import Client
from django.utils import timezone
from opendata_helpers import parcel_layer, pipe_layer

from fixtures.report_incidents import HistorySpec, generate_history
from incidents.models import Category, Incident
from layers.models import AdminUnit, BasemapRoad, Layer

pytestmark = pytest.mark.django_db


def test_incident_statistics_are_counts_per_commune_and_week_without_personal_data(admin_units):
    province = AdminUnit.objects.get(level="province", name="Ninh Thuận")
    communes = list(AdminUnit.objects.filter(level="commune", parent__parent=province).select_related(
        "parent__parent")[:6])
    public = Category.objects.create(code="od-o-ga", name_vi="Ổ gà", name_en="Pothole", deadline_days=3)
    camera = Category.objects.create(code="od-cam", name_vi="Vi phạm (camera)", name_en="Violation",
                                     deadline_days=3, public_by_default=False)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday - timedelta(weeks=3), time(0), timezone.get_current_timezone())
    end = datetime.combine(monday, time(0), timezone.get_current_timezone())
    generate_history(HistorySpec(start=start, end=end, count=120, seed=5, camera_share=0.25), communes=communes,
                     categories=[public], agencies=[], camera_category=camera)
    response = Client().get("/api/opendata/datasets/phan-anh-theo-xa-tuan/download?format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    expected = Incident.objects.filter(category=public, public=True, created_at__gte=start, created_at__lt=end)
    assert sum(int(r["received"]) for r in rows) == expected.count() > 50
    assert {r["category"] for r in rows} == {"od-o-ga"}  # camera violations never published
    assert set(rows[0]) == {"week_start", "province", "district", "commune_code", "commune", "category",
                            "category_name", "received", "resolved", "lon", "lat"}
    assert "Nguyễn" not in body and "0905" not in body and "Phản ánh mẫu" not in body
    per_week = {r["week_start"] for r in rows}
    assert len(per_week) == 3 and all(datetime.fromisoformat(w).weekday() == 0 for w in per_week)
    geojson = Client().get("/api/opendata/datasets/phan-anh-theo-xa-tuan/download?format=geojson")
    assert geojson.status_code == 200 and b'"received"' in b"".join(geojson.streaming_content)


@pytest.mark.parametrize("fmt", ["pmtiles", "mbtiles"])
def _basemap_roads(slug: str) -> Layer:
    layer = Layer.objects.create(slug=slug, kind="basemap_road", title_vi="Nền: đường (thử)",
                                 title_en="Basemap: roads (test)", theme="basemap", visibility="public", min_zoom=10,
                                 attribution="© OpenStreetMap contributors (ODbL)", licence="ODbL-1.0")
    BasemapRoad.objects.bulk_create([
        BasemapRoad(layer=layer, ext_id="r1", name="Đường Thống Nhất", highway="primary",
                    geom=LineString((108.988, 11.5605), (108.996, 11.5615), srid=4326)),
        BasemapRoad(layer=layer, ext_id="r2", name="Đường 16 Tháng 4", highway="secondary",
                    geom=LineString((108.991, 11.557), (108.993, 11.565), srid=4326))])
    return layer


@pytest.mark.parametrize("fmt", ["pmtiles", "mbtiles"])
def test_offline_bundle_of_an_area(admin_units, fmt, tmp_path):
    parcel_layer("od-bundle-thua", count=30)
    _basemap_roads("od-bundle-nen-duong")
    pipe_layer("od-bundle-ong-noi-bo", count=5)  # internal, over the same streets: never in a bundle
    ward = AdminUnit.objects.filter(level="commune", geom__contains="SRID=4326;POINT(108.992 11.561)").first()
    assert ward is not None
    response = Client().get(f"/api/opendata/bundle?area={ward.code}&min_zoom=12&max_zoom=16&format={fmt}")
    assert response.status_code == 200, response.content[:300]
    path = tmp_path / f"bundle.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))
    listed = response["X-Bundle-Layers"]
    assert "od-bundle-thua" in listed and "od-bundle-nen-duong" in listed and "od-bundle-ong-noi-bo" not in listed
    if fmt == "pmtiles":
        assert path.read_bytes()[:7] == b"PMTiles"
        layers = {name for name, _ in pyogrio.list_layers(path)}
        assert {"od-bundle-thua", "od-bundle-nen-duong"} <= layers and "od-bundle-ong-noi-bo" not in layers
        info = pyogrio.read_info(path, layer="od-bundle-thua")
        assert info["features"] >= 30  # a parcel cut by a tile edge is in each tile it touches
        roads = pyogrio.read_dataframe(path, layer="od-bundle-nen-duong")
        assert set(roads["name"]) == {"Đường Thống Nhất", "Đường 16 Tháng 4"}
    else:
        db = sqlite3.connect(path)
        zooms = dict(db.execute("SELECT zoom_level, count(*) FROM tiles GROUP BY 1").fetchall())
        meta = dict(db.execute("SELECT name, value FROM metadata").fetchall())
        db.close()
        assert set(zooms) <= set(range(12, 17)) and 16 in zooms and meta["format"] == "pbf"
        vector_layers = {layer["id"] for layer in json.loads(meta["json"])["vector_layers"]}
        assert {"od-bundle-thua", "od-bundle-nen-duong"} <= vector_layers
        assert "od-bundle-ong-noi-bo" not in vector_layers and "OpenStreetMap" in meta["attribution"]
    too_big = Client().get("/api/opendata/bundle?area=2009-705&min_zoom=8&max_zoom=16")
    assert too_big.status_code == 400 and "tiles" in too_big.json()["message"]
