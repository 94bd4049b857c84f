"""The citizen lookup through the whole API: by click, by VN-2000 coordinates, by numbers across the 2025 merger;
zones with geodesic shares and their decisions; the plan as of a day; setback corridors; never a holder."""

import json
from datetime import date

import pytest
import shapely
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from pyproj import Geod, Transformer
from shapely.geometry.polygon import orient

from geoprocessing.lookup import DEFAULT_CORRIDORS, Corridors
from layers.models import Canal, IrrigationWork, LandParcel, Layer, PlanDecision, PlanZone

pytestmark = pytest.mark.django_db

URL = "/api/planning/lookup"


def _parcels(demo):
    return LandParcel.objects.filter(layer=demo.layers["land_parcel"]).annotate(inside=PointOnSurface("geom"))


def _zoned_parcel(demo):
    """A parcel inside one zone, with a commune, whose numbers are unique in its commune."""
    for parcel in _parcels(demo).filter(commune__isnull=False).order_by("pk")[:200]:
        twins = LandParcel.objects.filter(layer=parcel.layer, commune=parcel.commune, sheet_no=parcel.sheet_no,
                                          parcel_no=parcel.parcel_no).count()
        if twins == 1 and PlanZone.objects.filter(layer=demo.layers["plan_zone"], geom__contains=parcel.geom).exists():
            return parcel
    raise AssertionError("no parcel fits")


def test_a_click_answers_the_parcel_its_zones_and_their_decisions(client, planning_demo):
    parcel = _zoned_parcel(planning_demo)
    response = client.get(URL, {"lon": parcel.inside.x, "lat": parcel.inside.y})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["parcel"]["ext_id"] == parcel.ext_id
    assert body["parcel"]["sheet_no"] == parcel.sheet_no and body["parcel"]["parcel_no"] == parcel.parcel_no
    assert body["parcel"]["land_use"]["code"] == parcel.land_use_code_id
    assert body["parcel"]["land_use"]["name_vi"]
    assert body["parcel"]["area_m2"] == pytest.approx(parcel.area_m2)
    [zone] = body["zones"]
    stored = PlanZone.objects.select_related("decision", "land_use_code").get(pk=zone["id"])
    assert zone["share_pct"] == pytest.approx(100.0, abs=0.01)
    assert zone["overlap_m2"] == pytest.approx(parcel.area_m2, rel=1e-4)
    assert zone["land_use"] == {"code": stored.land_use_code.code, "name_vi": stored.land_use_code.name_vi,
                                "name_en": stored.land_use_code.name_en}
    assert zone["controls"] == {"max_density_pct": stored.max_density_pct, "max_floors": stored.max_floors,
                                "max_height_m": stored.max_height_m, "far": stored.far}
    decision = zone["decision"]
    assert decision["number"] == stored.decision.number
    assert decision["signed_on"] == stored.decision.signed_on.isoformat()
    assert decision["plan_level"] == stored.decision.plan_level
    assert body["decisions"] == [decision]
    document = client.get(decision["document_url"])
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert b"".join(document.streaming_content).startswith(b"%PDF")


def test_a_parcel_across_two_zones_gets_geodesic_shares_that_add_up(client, planning_demo):
    parcel = _zoned_parcel(planning_demo)
    decision = PlanDecision.objects.create(number="PT-3/QĐ-UBND", signed_on=date(2024, 5, 2), authority="UBND tỉnh",
                                           title="Quy hoạch chi tiết 1/500", plan_level="1/500",
                                           effective_from=date(2024, 5, 20))
    detail = Layer.objects.create(slug="plantest-chi-tiet", kind="plan_zone", title_vi="1/500", title_en="1/500",
                                  theme="planning", visibility="public")
    xmin, ymin, xmax, ymax = parcel.geom.extent
    cut = xmin + (xmax - xmin) * 0.4
    halves = [Polygon.from_bbox((xmin - 1e-3, ymin - 1e-3, cut, ymax + 1e-3)),
              Polygon.from_bbox((cut, ymin - 1e-3, xmax + 1e-3, ymax + 1e-3))]
    for i, (half, code) in enumerate(zip(halves, ("ODT", "CXK"), strict=True)):
        PlanZone.objects.create(layer=detail, ext_id=f"half-{i}", decision=decision, plan_level="1/500",
                                zone_code=f"H-{i}", land_use_code_id=code, geom=MultiPolygon(half))
    body = client.get(f"/api/planning/parcels/{parcel.pk}").json()
    shares = [z for z in body["zones"] if z["layer"]["slug"] == "plantest-chi-tiet"]
    assert [z["zone_code"] for z in sorted(shares, key=lambda z: z["zone_code"])] == ["H-0", "H-1"]
    geod = Geod(ellps="WGS84")
    shape_of = shapely.from_wkt(parcel.geom.wkt)
    for zone in shares:
        half = shapely.from_wkt(halves[int(zone["zone_code"][-1])].wkt)
        expected = abs(geod.geometry_area_perimeter(orient(half.intersection(shape_of), 1.0))[0])
        assert zone["overlap_m2"] == pytest.approx(expected, rel=1e-3)
        assert zone["decision"]["number"] == "PT-3/QĐ-UBND" and zone["decision"]["plan_level"] == "1/500"
    assert sum(z["share_pct"] for z in shares) == pytest.approx(100.0, abs=0.1)
    assert sum(z["overlap_m2"] for z in shares) == pytest.approx(parcel.area_m2, rel=1e-3)
    assert body["zones"][0]["plan_level"] == "1/500"  # the finer plan first


def test_vn2000_tm3_coordinates_find_the_same_parcel(client, planning_demo):
    parcel = _zoned_parcel(planning_demo)
    x, y = Transformer.from_crs(4326, 9217, always_xy=True).transform(parcel.inside.x, parcel.inside.y)
    assert 500_000 < x < 700_000 and 1_200_000 < y < 1_400_000  # metres on the 108°15' meridian zone
    body = client.get(URL, {"x": x, "y": y, "srid": 9217}).json()
    assert body["parcel"]["ext_id"] == parcel.ext_id


def test_numbers_find_a_parcel_by_its_commune_name_code_or_ascii_name(client, planning_demo):
    parcel = _zoned_parcel(planning_demo)
    commune = parcel.commune
    for named in (commune.name, commune.code, commune.name_ascii.lower(), commune.name.split(" ", 1)[1]):
        response = client.get(URL, {"commune": named, "sheet_no": parcel.sheet_no, "parcel_no": parcel.parcel_no})
        assert response.status_code == 200, (named, response.content)
        assert response.json()["parcel"]["id"] == parcel.pk
    padded = client.get(URL, {"commune": commune.name, "sheet_no": parcel.sheet_no.zfill(3),
                              "parcel_no": parcel.parcel_no.zfill(4)})
    assert padded.json()["parcel"]["id"] == parcel.pk


def _merged_parcel(demo):
    merged = {u.pk for u in demo.merged}
    for parcel in _parcels(demo).filter(commune__in=merged).order_by("pk"):
        if LandParcel.objects.filter(layer=parcel.layer, commune__in=merged, sheet_no=parcel.sheet_no,
                                     parcel_no=parcel.parcel_no).count() == 1:
            return parcel
    raise AssertionError("no parcel fits")


def test_the_2025_ward_finds_parcels_registered_under_the_2009_wards(client, planning_demo):
    parcel = _merged_parcel(planning_demo)
    body = client.get(URL, {"commune": planning_demo.new_ward.name, "sheet_no": parcel.sheet_no,
                            "parcel_no": parcel.parcel_no}).json()
    assert body["parcel"]["id"] == parcel.pk
    commune = body["parcel"]["commune"]
    assert commune["unit"]["valid_to"] == "2025-07-01"
    assert [s["unit"]["name"] for s in commune["successors"]] == [planning_demo.new_ward.name]
    by_code = client.get(URL, {"commune": planning_demo.new_ward.code, "sheet_no": parcel.sheet_no,
                               "parcel_no": parcel.parcel_no}).json()
    assert by_code["parcel"]["id"] == parcel.pk


def test_a_2009_ward_finds_its_parcels_registered_under_the_2025_ward(client, planning_demo):
    parcel = _merged_parcel(planning_demo)
    old = parcel.commune
    LandParcel.objects.filter(pk=parcel.pk).update(commune=planning_demo.new_ward)  # registered after the merger
    body = client.get(URL, {"commune": old.name, "sheet_no": parcel.sheet_no, "parcel_no": parcel.parcel_no}).json()
    assert body["parcel"]["id"] == parcel.pk
    assert body["parcel"]["commune"]["unit"]["name"] == planning_demo.new_ward.name
    assert {p["unit"]["name"] for p in body["parcel"]["commune"]["predecessors"]} == {
        u.name for u in planning_demo.merged}


def test_numbers_shared_by_merged_wards_are_ambiguous_under_the_new_name(client, planning_demo):
    merged = [u.pk for u in planning_demo.merged]
    shared = next(p for p in LandParcel.objects.filter(layer=planning_demo.layers["land_parcel"], commune__in=merged)
                  if LandParcel.objects.filter(layer=p.layer, commune__in=merged, sheet_no=p.sheet_no,
                                               parcel_no=p.parcel_no).exclude(commune=p.commune).exists())
    response = client.get(URL, {"commune": planning_demo.new_ward.name, "sheet_no": shared.sheet_no,
                                "parcel_no": shared.parcel_no})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "ambiguous_parcel"
    assert len(body["candidates"]) >= 2 and shared.pk in {c["id"] for c in body["candidates"]}
    own = client.get(URL, {"commune": shared.commune.name, "sheet_no": shared.sheet_no,
                           "parcel_no": shared.parcel_no})
    assert own.status_code == 200


def test_the_plan_is_read_as_of_a_day(client, planning_demo):
    parcel = _zoned_parcel(planning_demo)
    current = PlanZone.objects.filter(layer=planning_demo.layers["plan_zone"], geom__contains=parcel.geom).get()
    old = PlanDecision.objects.create(number="PT-1/QĐ-UBND", signed_on=date(2012, 3, 1), authority="UBND tỉnh",
                                      title="Quy hoạch cũ", plan_level="1/2000", status="superseded",
                                      effective_from=date(2012, 4, 1), effective_to=date(2016, 1, 1))
    draft = PlanDecision.objects.create(number="PT-2/QĐ-UBND", signed_on=date(2026, 1, 1), authority="UBND tỉnh",
                                        title="Dự thảo", plan_level="1/500", status="draft")
    for decision, code in ((old, "DGD"), (draft, "TMD")):
        PlanZone.objects.create(layer=current.layer, ext_id=f"PT-{decision.pk}", decision=decision,
                                plan_level=decision.plan_level, zone_code=f"PT-{code}", land_use_code_id=code,
                                geom=MultiPolygon(parcel.geom.buffer(0.001)))
    in_2014 = client.get(URL, {"lon": parcel.inside.x, "lat": parcel.inside.y, "date": "2014-06-01"}).json()
    assert [z["decision"]["number"] for z in in_2014["zones"]] == ["PT-1/QĐ-UBND"]  # the current one came later
    assert in_2014["zones"][0]["land_use"]["code"] == "DGD"
    assert in_2014["as_of"] == "2014-06-01"
    today = client.get(URL, {"lon": parcel.inside.x, "lat": parcel.inside.y}).json()
    assert [z["decision"]["number"] for z in today["zones"]] == [current.decision.number]
    assert any("PT-1/QĐ-UBND" in note for note in today["notes"])
    assert not any("PT-2" in json.dumps(z) for z in today["zones"])  # drafts are never the plan


def _parcel_near_water(demo):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT p.id, min(ST_Distance(p.geom::geography, s.geom::geography))
              FROM layers_landparcel p JOIN layers_networksegment s
                ON s.layer_id = %s AND s.network = 'water' AND ST_DWithin(s.geom_3857, p.geom_3857, 20)
             WHERE p.layer_id = %s GROUP BY p.id ORDER BY 2 LIMIT 1""",
                       [demo.layers["network_segment"].pk, demo.layers["land_parcel"].pk])
        return cursor.fetchone()


def test_networks_within_the_distance_carry_their_corridor_and_details_only_for_staff(client, planning_demo, users):
    parcel_id, distance = _parcel_near_water(planning_demo)
    public = client.get(f"/api/planning/parcels/{parcel_id}", {"distance_m": 15}).json()
    [water] = [n for n in public["networks"] if n["network"] == "water"]
    assert water["distance_m"] == pytest.approx(distance, abs=0.01)
    assert water["corridor_m"] == 3.0 and water["within_corridor"] is (distance <= 3.0)
    # The width names where it comes from: here the portal's demo default, and says so.
    assert water["corridor_source"] == DEFAULT_CORRIDORS.network["water"].source
    assert "DEFAULT_CORRIDORS" in water["corridor_source"] and "PLANNING_CORRIDORS" in water["corridor_source"]
    assert water["detail"] is None  # the network layer is internal: the public learns the constraint only
    assert water["layer"]["slug"] == planning_demo.layers["network_segment"].slug
    client.force_login(users["planner"])
    staff = client.get(f"/api/planning/parcels/{parcel_id}", {"distance_m": 15}).json()
    [water] = [n for n in staff["networks"] if n["network"] == "water"]
    assert water["detail"]["ext_id"].startswith("CN-S") and water["detail"]["diameter_mm"]
    near = client.get(f"/api/planning/parcels/{parcel_id}", {"distance_m": distance / 2}).json()
    assert not [n for n in near["networks"] if n["network"] == "water"]


def test_canals_and_works_nearby_are_reported_with_their_corridors(client, planning_demo):
    parcel = _zoned_parcel(planning_demo)
    x, y = parcel.inside.x, parcel.inside.y
    offset = 6 / 111_320  # about 6 m north and south of the parcel's inner point
    canal = Canal.objects.create(layer=planning_demo.layers["canal"], ext_id="PT-K1", name="Kênh N2", level=2,
                                 geom=LineString((x - 0.002, y + 0.0006), (x + 0.002, y + 0.0006)))
    work = IrrigationWork.objects.create(layer=planning_demo.layers["irrigation_work"], ext_id="PT-W1",
                                         name="Cống N2-1", kind="sluice", geom=Point(x, y - offset))
    body = client.get(f"/api/planning/parcels/{parcel.pk}", {"distance_m": 120}).json()
    by_id = {i["detail"]["ext_id"]: i for i in body["irrigation"]}
    assert by_id["PT-K1"]["kind"] == "canal" and by_id["PT-K1"]["level"] == 2 and by_id["PT-K1"]["corridor_m"] == 3.0
    assert by_id["PT-K1"]["name"] == canal.name
    assert by_id["PT-W1"]["work_kind"] == "sluice" and by_id["PT-W1"]["corridor_m"] == 10.0
    assert by_id["PT-W1"]["within_corridor"] is (by_id["PT-W1"]["distance_m"] <= 10.0)
    assert by_id["PT-W1"]["name"] == work.name
    for item in by_id.values():
        assert "Luật Thủy lợi số 08/2017/QH14" in item["corridor_source"]
    distances = [i["distance_m"] for i in body["irrigation"]]
    assert distances == sorted(distances)


def _canal_and_work_near(demo, parcel):
    x, y = parcel.inside.x, parcel.inside.y
    Canal.objects.create(layer=demo.layers["canal"], ext_id="PT-K9", name="Kênh N9", level=2,
                         geom=LineString((x - 0.002, y + 0.0006), (x + 0.002, y + 0.0006)))
    IrrigationWork.objects.create(layer=demo.layers["irrigation_work"], ext_id="PT-W9", name="Cống N9-1",
                                  kind="sluice", geom=Point(x, y - 6 / 111_320))


def test_every_corridor_width_in_an_answer_carries_its_source(client, planning_demo):
    parcel_id, _distance = _parcel_near_water(planning_demo)
    _canal_and_work_near(planning_demo, LandParcel.objects.annotate(inside=PointOnSurface("geom")).get(pk=parcel_id))
    body = client.get(f"/api/planning/parcels/{parcel_id}", {"distance_m": 150}).json()
    items = body["networks"] + body["irrigation"]
    assert {i.get("network") or i["kind"] for i in items} >= {"water", "canal", "work"}
    for item in items:
        assert item["corridor_source"].strip(), item
        assert item["corridor_m"] > 0 and item["within_corridor"] is (item["distance_m"] <= item["corridor_m"])


def test_the_provinces_configured_widths_apply_with_the_source_it_gives(client, planning_demo, settings):
    parcel_id, distance = _parcel_near_water(planning_demo)
    _canal_and_work_near(planning_demo, LandParcel.objects.annotate(inside=PointOnSurface("geom")).get(pk=parcel_id))
    decree = "Quyết định số PT-9/2025/QĐ-UBND của UBND tỉnh (thử)"
    settings.PLANNING_CORRIDORS = {"network": {"water": [distance + 1, decree]}, "work": 150.0}
    body = client.get(f"/api/planning/parcels/{parcel_id}", {"distance_m": 150}).json()
    [water] = [n for n in body["networks"] if n["network"] == "water"]
    assert (water["corridor_m"], water["corridor_source"], water["within_corridor"]) == (
        pytest.approx(distance + 1), decree, True)
    [work] = [i for i in body["irrigation"] if i["kind"] == "work" and i["detail"]["ext_id"] == "PT-W9"]
    # A width given without its source is named by where it is set.
    assert (work["corridor_m"], work["within_corridor"]) == (150.0, True)
    assert work["corridor_source"] == "giá trị cấu hình của tỉnh: settings.PLANNING_CORRIDORS['work']"
    [canal] = [i for i in body["irrigation"] if i["kind"] == "canal" and i["detail"]["ext_id"] == "PT-K9"]
    assert canal["corridor_source"] == DEFAULT_CORRIDORS.canal_by_level[2].source  # not configured: the default


@pytest.mark.parametrize("mapping", [{"network": {"water": 0}}, {"network": {"water": [3.0, 7]}}, {"roads": {}},
                                     {"work": "wide"}, {"canal_by_level": {1: [True, "x"]}}])
def test_a_corridor_setting_that_cannot_be_traced_or_used_is_refused(mapping):
    with pytest.raises(ValueError, match="PLANNING_CORRIDORS"):
        Corridors.from_mapping(mapping, where="PLANNING_CORRIDORS")


def test_no_answer_ever_holds_a_holder(client, planning_demo, users):
    holders = list(LandParcel.objects.filter(layer=planning_demo.layers["land_parcel"])
                   .exclude(holder_name="").values_list("pk", "holder_name", "holder_id")[:20])
    for user in (None, users["planner"], users["administrator"]):
        if user is not None:
            client.force_login(user)
        for pk, name, holder_id in holders:
            text = client.get(f"/api/planning/parcels/{pk}").content.decode()
            assert name not in text and (not holder_id or holder_id not in text)
            assert "holder" not in text


@pytest.mark.parametrize(("query", "status", "code"), [
    ({"lon": 105.8342, "lat": 21.0278}, 404, "outside_area"),  # Hà Nội
    ({"x": 420_000, "y": 2_300_000, "srid": 9217}, 404, "outside_area"),  # a VN-2000 point far north
    ({"lon": 200, "lat": 11.6}, 400, "invalid_input"),
    ({"lon": 108.99}, 400, "invalid_input"),
    ({"x": 580_000, "y": 1_280_000, "srid": 3857}, 400, "invalid_input"),
    ({"commune": "Phường Không Có", "sheet_no": "1", "parcel_no": "1"}, 404, "unknown_commune"),
    ({"commune": "Phường Kinh Dinh", "sheet_no": "1"}, 400, "invalid_input"),
    ({}, 400, "invalid_input"),
])
def test_bad_lookups_say_what_is_wrong(client, planning_demo, query, status, code):
    response = client.get(URL, query)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]
    if code == "outside_area":
        assert "Ninh Thuận" in body["message"] and body["province"] == "Ninh Thuận"


def test_a_point_in_the_province_without_a_parcel_names_the_nearest(client, planning_demo):
    response = client.get(URL, {"lon": 108.75, "lat": 11.75})  # the hills west of the city
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "no_parcel_here" and body["nearest"]["distance_m"] > 100


def test_an_unknown_parcel_number_answers_the_nearest_numbers(client, planning_demo):
    parcel = _zoned_parcel(planning_demo)
    response = client.get(URL, {"commune": parcel.commune.name, "sheet_no": parcel.sheet_no, "parcel_no": "99999"})
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "parcel_not_found"
    near = body["near_matches"]
    assert near and all(m["sheet_no"] == parcel.sheet_no for m in near if m["why"] == "same_sheet")
    assert "nearest" in body["message"]


def test_communes_are_found_before_and_after_the_merger(client, planning_demo):
    body = client.get("/api/planning/communes", {"q": "phan rang"}).json()
    assert planning_demo.new_ward.pk in {c["id"] for c in body}
    old = planning_demo.merged[0]
    hits = client.get("/api/planning/communes", {"q": old.name_ascii}).json()
    [hit] = [c for c in hits if c["id"] == old.pk]
    assert hit["valid_to"] == "2025-07-01"


def test_the_fast_answer_is_exactly_what_the_schema_describes(planning_demo, users):
    from django.contrib.auth.models import AnonymousUser

    from geoprocessing.adapters import lookup_scope
    from geoprocessing.answers import answer_json, answer_json_by_schema
    from geoprocessing.selectors import parcel_answer

    parcel = _zoned_parcel(planning_demo)
    for user in (AnonymousUser(), users["planner"]):
        answer = parcel_answer(parcel.pk, lookup_scope(user), day=None, distance_m=30)
        assert answer.zones and answer.networks
        assert answer_json(answer) == answer_json_by_schema(answer)


def test_manage_py_check_refuses_corridor_settings_that_cannot_be_used(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.PLANNING_CORRIDORS = {"network": {"water": [3.0, 7]}}  # a width without a regulation
    with pytest.raises(SystemCheckError, match="geoprocessing.E001"):
        call_command("check")
    settings.PLANNING_CORRIDORS = {"network": {"water": [3.0, "QCVN 07:2016/BXD"]}}
    call_command("check")
