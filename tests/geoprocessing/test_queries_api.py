"""Planner queries through the API against the committed demo: each answer checked against an independent
computation (ORM, shapely or a Python walk of the network), exports read back, bad input refused with a reason."""

import io
import json
from collections import defaultdict, deque

import pyogrio
import pytest
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import LineString, Point, Polygon
from django.db import connection

from layers.models import IrrigationWork, LandParcel, NetworkNode, NetworkSegment, PlanZone

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(client, users):
    client.force_login(users["planner"])
    return client


def _parcels(demo):
    return LandParcel.objects.filter(layer=demo.layers["land_parcel"])


def _post(client, path, body, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"{path}?{query}" if query else path, json.dumps(body), content_type="application/json")


def _box_around(demo, n=40):
    """A polygon around the first n parcels of a commune: a few blocks of the city."""
    parcels = list(_parcels(demo).filter(commune__isnull=False).order_by("pk")[:n])
    xmin = min(p.geom.extent[0] for p in parcels)
    ymin = min(p.geom.extent[1] for p in parcels)
    xmax = max(p.geom.extent[2] for p in parcels)
    ymax = max(p.geom.extent[3] for p in parcels)
    return Polygon.from_bbox((xmin, ymin, xmax, ymax))


def test_planner_queries_need_the_planner_role(client, users, planning_demo):
    assert _post(client, "/api/queries/parcels", {}).status_code == 401
    client.force_login(users["citizen"])
    assert _post(client, "/api/queries/parcels", {}).status_code == 403
    client.force_login(users["dispatcher"])
    denied = client.get("/api/queries/overlay")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    client.force_login(users["planner"])
    assert _post(client, "/api/queries/parcels", {"limit": 5}).status_code == 200


def test_parcels_by_land_use_and_area(planner, planning_demo):
    expected = _parcels(planning_demo).filter(land_use_code="ODT", area_m2__gte=100, area_m2__lte=300)
    body = _post(planner, "/api/queries/parcels", {"land_use": ["ODT"], "area_min_m2": 100, "area_max_m2": 300,
                                                   "limit": 5000}).json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == expected.count() > 0
    assert {f["properties"]["ext_id"] for f in body["features"]} == set(expected.values_list("ext_id", flat=True))
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in body["features"])
    assert "holder" not in json.dumps(body)


def test_parcels_within_a_drawn_polygon_touching_or_whole(planner, planning_demo):
    box = _box_around(planning_demo)
    shrunk = box.buffer(-0.0001)
    touching = set(_parcels(planning_demo).filter(geom__intersects=shrunk).values_list("ext_id", flat=True))
    whole = set(_parcels(planning_demo).filter(geom__within=shrunk).values_list("ext_id", flat=True))
    assert whole and whole < touching
    got = _post(planner, "/api/queries/parcels", {"within": shrunk.wkt, "limit": 5000}).json()
    assert {f["properties"]["ext_id"] for f in got["features"]} == touching
    got = _post(planner, "/api/queries/parcels", {"within": json.loads(shrunk.geojson), "within_whole": True,
                                                  "limit": 5000}).json()
    assert {f["properties"]["ext_id"] for f in got["features"]} == whole


def test_parcels_near_a_feature_and_in_a_zone(planner, planning_demo):
    segment = NetworkSegment.objects.filter(layer=planning_demo.layers["network_segment"], network="water").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.ext_id FROM layers_landparcel p, layers_networksegment s WHERE s.id = %s "
                       "AND p.layer_id = %s AND ST_DWithin(p.geom::geography, s.geom::geography, 12)",
                       [segment.pk, planning_demo.layers["land_parcel"].pk])
        near = {row[0] for row in cursor.fetchall()}
    assert near
    got = _post(planner, "/api/queries/parcels", {"near": {"layer": segment.layer.slug, "ext_id": segment.ext_id,
                                                           "distance_m": 12}, "limit": 5000}).json()
    assert {f["properties"]["ext_id"] for f in got["features"]} == near
    zone = PlanZone.objects.filter(layer=planning_demo.layers["plan_zone"]).order_by("pk")[3]
    inside = {p.ext_id for p in _parcels(planning_demo).filter(geom__intersects=zone.geom)
              if not p.geom.touches(zone.geom)}
    got = _post(planner, "/api/queries/parcels", {"zone": {"ids": [zone.pk]}, "limit": 5000}).json()
    assert {f["properties"]["ext_id"] for f in got["features"]} == inside


def test_parcels_by_commune_across_the_merger_and_by_planned_use(planner, planning_demo):
    merged = _parcels(planning_demo).filter(commune__in=planning_demo.merged)
    got = _post(planner, "/api/queries/parcels", {"commune": planning_demo.new_ward.name, "limit": 5000}).json()
    assert got["numberMatched"] == merged.count() > 0
    tmd_zones = PlanZone.objects.filter(layer=planning_demo.layers["plan_zone"], land_use_code="TMD")
    expected = {p.ext_id for p in _parcels(planning_demo).annotate(inside=PointOnSurface("geom"))
                if any(z.geom.intersects(p.inside) for z in tmd_zones)}
    got = _post(planner, "/api/queries/parcels", {"planned_land_use": ["TMD"], "limit": 5000}).json()
    assert {f["properties"]["ext_id"] for f in got["features"]} == expected


def test_results_export_to_geopackage_csv_and_geojson(planner, planning_demo):
    body = {"land_use": ["ODT"], "limit": 200}
    gpkg = _post(planner, "/api/queries/parcels", body, format="gpkg")
    assert gpkg.status_code == 200 and gpkg["Content-Disposition"].startswith("attachment")
    frame = pyogrio.read_dataframe(io.BytesIO(gpkg.content))
    assert len(frame) == 200 and frame.crs.to_epsg() == 4326
    assert {"ext_id", "sheet_no", "parcel_no", "land_use_code", "area_m2"} <= set(frame.columns)
    assert not [c for c in frame.columns if "holder" in c] and set(frame["land_use_code"]) == {"ODT"}
    csv = _post(planner, "/api/queries/parcels", body, format="csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[-1] == "WKT" and len(lines) == 201 and "MULTIPOLYGON" in lines[1]
    geojson = _post(planner, "/api/queries/parcels", body, format="geojson")
    assert geojson["Content-Type"] == "application/geo+json" and len(geojson.json()["features"]) == 200


def test_overlay_per_commune_adds_up_to_the_parcels(planner, planning_demo):
    body = planner.get("/api/queries/overlay", {"by": "commune"}).json()
    rows = [f["properties"] for f in body["features"]]
    total = sum(p.area_m2 for p in _parcels(planning_demo))
    assert body["summary"]["current_m2"] == pytest.approx(total, rel=1e-6)
    assert sum(r["parcels"] for r in rows) == _parcels(planning_demo).count()
    by_commune = defaultdict(float)
    for p in _parcels(planning_demo).filter(commune__isnull=False):
        by_commune[p.commune_id] += p.area_m2
    for commune_id, area in by_commune.items():
        assert sum(r["current_m2"] for r in rows if r["commune_id"] == commune_id) == pytest.approx(area, rel=1e-5)
    assert body["summary"]["planned_m2"] > 0
    csv = planner.get("/api/queries/overlay", {"by": "commune", "format": "csv"}).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("commune_id,commune_code,commune,land_use_code")


def test_overlay_per_zone_counts_each_parcel_inside_once(planner, planning_demo):
    body = planner.get("/api/queries/overlay", {"by": "zone"}).json()
    rows = [f["properties"] for f in body["features"]]
    zones = {z.pk: z for z in PlanZone.objects.filter(layer=planning_demo.layers["plan_zone"])}
    some = next(iter(zones.values()))
    assert sum(r["parcels"] for r in rows if r["zone_id"] == some.pk) == _parcels(planning_demo).filter(
        geom__intersects=some.geom).exclude(geom__touches=some.geom).count()
    assert body["summary"]["area_m2"] == pytest.approx(sum(p.area_m2 for p in _parcels(planning_demo)), rel=2e-3)


def test_plan_against_current_land_use(planner, planning_demo):
    zones = list(PlanZone.objects.filter(layer=planning_demo.layers["plan_zone"]))
    differing = {}
    for p in _parcels(planning_demo).annotate(inside=PointOnSurface("geom")):
        zone = next((z for z in zones if z.geom.intersects(p.inside)), None)
        if zone is not None and zone.land_use_code_id != p.land_use_code_id:
            differing[p.ext_id] = (p.land_use_code_id, zone.land_use_code_id)
    body = planner.get("/api/queries/plan-vs-current", {"limit": 5000}).json()
    assert body["summary"]["parcels"] == len(differing) > 0
    got = {f["properties"]["ext_id"]: (f["properties"]["current_land_use"], f["properties"]["planned_land_use"])
           for f in body["features"]}
    assert got == differing
    pairs = {(p["current"], p["planned"]): p["parcels"] for p in body["summary"]["pairs"]}
    assert sum(pairs.values()) == len(differing)


def test_underground_conflicts_find_pipes_under_building_plots_and_shallow_ones(planner, planning_demo):
    zone = PlanZone.objects.filter(layer=planning_demo.layers["plan_zone"], land_use_code="ODT",
                                   max_density_pct__gte=50).first()
    plot = _parcels(planning_demo).filter(geom__within=zone.geom).annotate(inside=PointOnSurface("geom")).first()
    x, y = plot.inside.x, plot.inside.y
    layer = planning_demo.layers["network_segment"]
    across = NetworkSegment.objects.create(layer=layer, ext_id="PT-CONFLICT", network="water", depth_m=1.2,
                                           geom=LineString((x - 0.0004, y), (x + 0.0004, y)))
    shallow = NetworkSegment.objects.create(layer=layer, ext_id="PT-SHALLOW", network="telecom", depth_m=0.3,
                                            geom=LineString((x + 0.05, y + 0.05), (x + 0.0501, y + 0.05)))
    body = planner.get("/api/queries/underground-conflicts", {"limit": 5000, "shallow_m": 0.5}).json()
    found = {f["properties"]["ext_id"]: f["properties"] for f in body["features"]}
    assert found["PT-CONFLICT"]["reasons"] == ["under_building_parcels"]
    assert plot.ext_id in found["PT-CONFLICT"]["parcel_ext_ids"]
    assert found["PT-CONFLICT"]["length_under_parcels_m"] > 1
    assert found["PT-SHALLOW"]["reasons"] == ["shallow"] and found["PT-SHALLOW"]["parcels_crossed"] == 0
    assert across.pk and shallow.pk
    expected_shallow = NetworkSegment.objects.filter(layer=layer, depth_m__lt=0.5).count()
    assert body["summary"]["shallow"] == expected_shallow
    water = planner.get("/api/queries/underground-conflicts", {"network": "water", "shallow_m": 0.5}).json()
    assert {f["properties"]["network"] for f in water["features"]} == {"water"}


def _walk(start: int, edges: dict[int, list[tuple[int, int]]]) -> set[int]:
    seen_nodes, reached, todo = {start}, set(), deque([start])
    while todo:
        for segment_id, nxt in edges.get(todo.popleft(), []):
            reached.add(segment_id)
            if nxt not in seen_nodes:
                seen_nodes.add(nxt)
                todo.append(nxt)
    return reached


@pytest.mark.parametrize(("network", "follows"), [("drainage", "flow"), ("water", "drawn direction")])
def test_trace_downstream_and_upstream_matches_a_walk_of_the_graph(planner, planning_demo, network, follows):
    segments = list(NetworkSegment.objects.filter(layer=planning_demo.layers["network_segment"], network=network)
                    .values_list("pk", "from_node_id", "to_node_id"))
    down, up = defaultdict(list), defaultdict(list)
    for pk, a, b in segments:
        down[a].append((pk, b))
        up[b].append((pk, a))
    start = max(down, key=lambda n: len(_walk(n, down)))
    node = NetworkNode.objects.get(pk=start)
    assert node.network == network
    body = planner.get("/api/queries/trace", {"network": network, "node": node.ext_id}).json()
    assert {f["properties"]["id"] for f in body["features"]} == _walk(start, down)
    assert body["summary"]["follows"] == follows and body["summary"]["segments"] == len(_walk(start, down)) > 1
    assert body["summary"]["network"] == network and body["summary"]["start"]["ext_id"] == node.ext_id
    end = body["features"][-1]["properties"]["to_node_id"]
    upstream = planner.get("/api/queries/trace", {"network": network, "node": str(end),
                                                  "direction": "upstream"}).json()
    assert {f["properties"]["id"] for f in upstream["features"]} == _walk(end, up)
    assert start in {f["properties"]["from_node_id"] for f in upstream["features"]}  # back to where it began
    gpkg = planner.get("/api/queries/trace", {"network": network, "node": node.ext_id, "format": "gpkg"})
    assert len(pyogrio.read_dataframe(io.BytesIO(gpkg.content))) == len(body["features"])


def test_irrigation_trace_follows_canals_from_the_pumping_station(planner, planning_demo):
    head = IrrigationWork.objects.get(layer=planning_demo.layers["irrigation_work"], kind="pumping_station")
    body = planner.get("/api/queries/trace", {"network": "irrigation", "node": head.ext_id}).json()
    assert body["summary"]["segments"] >= 2
    assert {f["properties"]["level"] for f in body["features"]} >= {1}
    back = planner.get("/api/queries/trace", {"network": "irrigation", "node": head.ext_id,
                                              "direction": "upstream"}).json()
    assert back["features"] == []


def test_a_trace_from_a_node_on_no_network_is_a_404(planner, planning_demo):
    lonely = NetworkNode.objects.create(layer=planning_demo.layers["network_node"], ext_id="PT-LONELY",
                                        network="water", node_type="valve", geom=Point(108.9, 11.5))
    response = planner.get("/api/queries/trace", {"network": "water", "node": lonely.ext_id})
    assert response.status_code == 404 and response.json()["code"] == "node_not_on_network"
    assert "PT-LONELY" in response.json()["message"]
    missing = planner.get("/api/queries/trace", {"network": "water", "node": "NO-SUCH-NODE"})
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_node"
    other = NetworkNode.objects.filter(layer=planning_demo.layers["network_node"], network="sewer").first()
    wrong = planner.get("/api/queries/trace", {"network": "water", "node": other.ext_id})
    assert wrong.status_code == 404


def test_zonal_statistics_of_population_per_commune_and_per_zone(planner, planning_demo):
    body = _post(planner, "/api/queries/zonal-stats", {"raster": planning_demo.raster_slug}).json()
    rows = {f["properties"]["label"]: f["properties"] for f in body["features"]}
    assert planning_demo.new_ward.name in rows  # the communes in force today, the 2025 ward among them
    assert not {u.name for u in planning_demo.merged} & set(rows)
    assert rows[planning_demo.new_ward.name]["sum"] > 1000  # people in three city wards
    zones = _post(planner, "/api/queries/zonal-stats", {"raster": planning_demo.raster_slug,
                                                        "polygons": planning_demo.layers["plan_zone"].slug,
                                                        "all_touched": True}).json()
    assert len(zones["features"]) == PlanZone.objects.filter(layer=planning_demo.layers["plan_zone"]).count()
    assert all(f["properties"]["count"] >= 1 for f in zones["features"])
    unknown = _post(planner, "/api/queries/zonal-stats", {"raster": "no-such-raster"})
    assert unknown.status_code == 404


def _square(x, y, side):
    return Polygon.from_bbox((x, y, x + side, y + side))


@pytest.mark.parametrize(("within", "code", "words"), [
    (_square(108.5, 11.3, 0.5).wkt, "geometry_too_large", "km²"),
    (Point(108.99, 11.56).buffer(0.001, quadsegs=2000).wkt, "geometry_too_large", "vertices"),
    ("POLYGON((108.9 11.5, 109 11.5, 109 11.6", "invalid_geometry", "WKT"),
    ({"type": "Polygon", "coordinates": [[[108.9, 11.5], [109.0]]]}, "invalid_geometry", "GeoJSON"),
    ('{"type": "Polygon", "coordinates": [[[108.9, 11.5]', "invalid_geometry", "JSON"),
    ("POLYGON((108.9 11.5, 109 11.6, 109 11.5, 108.9 11.6, 108.9 11.5))", "invalid_geometry", "Self-intersection"),
    ("POINT(108.9 11.5)", "invalid_geometry", "Polygon"),
    ("POLYGON((500000 1280000, 500100 1280000, 500100 1280100, 500000 1280000))", "invalid_geometry", "EPSG:4326"),
])
def test_bad_polygons_are_refused_with_the_reason(planner, planning_demo, within, code, words):
    response = _post(planner, "/api/queries/parcels", {"within": within})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and words in body["message"]
    assert body["errors"][0]["field"] == "within"
    assert planner.get("/api/queries/plan-vs-current", {
        "within": within if isinstance(within, str) else json.dumps(within)}).status_code == 400

