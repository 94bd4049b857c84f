"""Org units everywhere: a district IOC's staff see and act on their own district only, the province IOC on all,
agencies on what is assigned to them, data stewards on the layers their organisation owns.

On role_matrix_world: incidents A and A2 in district A (Phan Rang-Tháp Chàm) with agency A, incident B in
district B (Ninh Hải) with agency B, a camera in district A, a report run per district, layers owned by agency A.
"""

import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.test import Client
from role_matrix_world import World, build_world, remove_world

from camera_analytics.access import can_set_up, visible_cameras
from incidents import services
from incidents.access import can_dispatch, can_handle, staff_incidents, staff_replies
from incidents.chat.models import Conversation, Reply
from incidents.dispatch_stream import _audience_of, relay
from layers.models import Camera, LandParcel, Layer
from layers.permissions import can_edit_layer
from portal.accounts.models import OrgUnit, User
from portal.accounts.scope import district_of, district_outline, district_unit_ids, is_district_bound
from portal.errors import PermissionDenied
from reports.access import visible_runs

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(admin_units, boundaries, django_db_blocker, tmp_path_factory):
    raster = boundaries.parent / "raster" / "ninhthuan_ppp_2020_1km_clip.tif"
    built = World(root=tmp_path_factory.mktemp("org-scope"))
    with django_db_blocker.unblock():
        try:
            yield build_world(built, raster)
        finally:
            remove_world(built)


def _user(name: str, role: str, org: OrgUnit | None, **extra) -> User:
    user = User.objects.create_user(f"h11-scope-{name}", password="a-long-test-password", org_unit=org, **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _report_request(world, district: str) -> dict:
    return {"area": world.districts[district].code, "level": "district", "start": world.params["report_start"],
            "end": world.params["report_end"]}


def _codes(queryset) -> set[str]:
    return set(queryset.values_list("tracking_code", flat=True))


# --- one rule, in portal.accounts.scope --------------------------------------------------------------------------


def test_only_a_district_iocs_members_are_bound_to_a_district(world):
    users = world.users
    assert is_district_bound(users["dispatcher_district"]) and district_of(users["dispatcher_district"]) \
        == world.districts["a"]
    assert district_unit_ids(users["dispatcher_other_district"]) == [world.districts["b"].pk]
    for name in ("dispatcher_province", "agency_own", "planner", "steward_owner", "administrator", "citizen"):
        assert not is_district_bound(users[name]) and district_unit_ids(users[name]) is None, name
        assert district_outline(users[name]) is None
    boss = _user("super", "dispatcher", world.orgs["district_a"], is_superuser=True)
    assert not is_district_bound(boss)
    assert district_outline(users["dispatcher_district"]).covers(world.districts["point_a"])
    assert not district_outline(users["dispatcher_district"]).covers(world.districts["point_b"])


def test_a_district_ioc_without_its_district_is_confined_to_nothing(world):
    empty = OrgUnit.objects.create(code="h11-ioc-empty", name="IOC chưa gán", kind=OrgUnit.Kind.DISTRICT_IOC)
    dispatcher = _user("empty", "dispatcher", empty)
    assert district_unit_ids(dispatcher) == [] and district_outline(dispatcher).empty
    assert not staff_incidents(dispatcher).exists() and not visible_runs(dispatcher).exists()
    assert not visible_cameras(dispatcher).exists()
    assert not can_dispatch(dispatcher, world.incidents["a"])
    response = _client(dispatcher).post("/api/reports/", _report_request(world, "a"), content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "area_not_allowed"


# --- incidents ------------------------------------------------------------------------------------------------------


def test_incidents_by_district_and_by_agency(world):
    a, a2, b = (world.incidents[k].tracking_code for k in ("a", "a2", "b"))
    seen = {name: _codes(staff_incidents(world.users[name])) for name in world.users}
    assert {a, a2, b} <= seen["dispatcher_province"]
    assert {a, a2} <= seen["dispatcher_district"] and b not in seen["dispatcher_district"]
    assert b in seen["dispatcher_other_district"] and not {a, a2} & seen["dispatcher_other_district"]
    assert {a, a2} <= seen["agency_own"] and b not in seen["agency_own"]
    assert b in seen["agency_other"] and a not in seen["agency_other"]
    for name in ("citizen", "planner", "steward_owner", "administrator"):
        assert not seen[name], name
    listed = _client(world.users["dispatcher_district"]).get("/api/incidents/staff").json()["results"]
    assert {row["tracking_code"] for row in listed} & {a, a2, b} == {a, a2}


def test_a_district_dispatcher_cannot_act_on_another_districts_incident(world):
    district, b = world.users["dispatcher_district"], world.incidents["b"]
    assert not can_handle(district, b) and can_handle(world.users["dispatcher_other_district"], b)
    client = _client(district)
    for action, body in (("accept", {}), ("reject", {"reason": "x"}), ("assign", {"agency": "h11-agency-a"}),
                         ("note", {"note": "x"}), ("close", {})):
        response = client.post(f"/api/incidents/staff/{b.pk}/{action}", body, content_type="application/json")
        assert response.status_code == 404, (action, response.content)
    # The services refuse it too, whatever calls them.
    with pytest.raises(PermissionDenied):
        services.do_reject(incident=b, actor=district, reason="không phải của tôi")
    with pytest.raises(PermissionDenied):
        services.do_merge(incident=world.incidents["a"], into=b, actor=district)
    b.refresh_from_db()
    assert b.status == "assigned" and b.merged_into_id is None
    # Its own district's work goes on: the province's dispatchers and district A's may merge A2 into A.
    done = client.post(f"/api/incidents/staff/{world.incidents['a2'].pk}/merge",
                       {"into": world.incidents["a"].tracking_code}, content_type="application/json")
    assert done.status_code == 200, done.content


def test_bulk_actions_and_the_dispatch_feed_keep_to_the_district(world):
    district = _client(world.users["dispatcher_district"])
    ids = [world.incidents[k].pk for k in ("a", "b")]
    done = district.post("/api/dispatch/bulk", {"action": "note", "ids": ids, "reason": "kiểm tra"},
                         content_type="application/json").json()
    assert {r["id"]: r["ok"] for r in done["results"]} == {ids[0]: True, ids[1]: False}
    feed = district.get("/api/dispatch/incidents", {"ids": ",".join(map(str, ids))}).json()
    assert [f["id"] for f in feed["features"]] == [ids[0]]
    pairs = district.get("/api/dispatch/duplicates").json()["pairs"]
    mine = {world.incidents["a"].pk, world.incidents["a2"].pk}
    assert pairs and all({p["duplicate"]["id"], p["into"]["id"]} <= mine for p in pairs)
    assert not _client(world.users["dispatcher_other_district"]).get("/api/dispatch/duplicates").json()["pairs"]


def test_a_districts_duplicates_are_not_crowded_out_by_a_neighbours(world):
    """The best-scoring pair joins a report the district may not merge: the limit counts its own pairs only."""
    from datetime import timedelta

    from django.utils import timezone

    from incidents.intake import Report, check_report, do_submit_incident
    from incidents.models import Incident

    a, a2, point = world.incidents["a"], world.incidents["a2"], world.districts["point_a"]
    neighbour = do_submit_incident(check_report(Report(
        category=world.params["category"], description="Ổ gà lớn H11 c", channel="web", lon=point.x, lat=point.y)))
    now = timezone.now()
    for incident, hours_ago in ((a, 3), (a2, 2), (neighbour, 2 + 1 / 60)):
        Incident.objects.filter(pk=incident.pk).update(created_at=now - timedelta(hours=hours_ago))
    # Filed at the same spot a minute before A2, but in district B's hands: A2 into it scores highest.
    Incident.objects.filter(pk=neighbour.pk).update(district=world.districts["b"], agency=a2.agency, status="assigned")
    province = _client(world.users["dispatcher_province"]).get("/api/dispatch/duplicates", {"hours": 5, "limit": 1})
    assert [(p["duplicate"]["id"], p["into"]["id"]) for p in province.json()["pairs"]] == [(a2.pk, neighbour.pk)]
    district = _client(world.users["dispatcher_district"]).get("/api/dispatch/duplicates", {"hours": 5, "limit": 1})
    assert [(p["duplicate"]["id"], p["into"]["id"]) for p in district.json()["pairs"]] == [(a2.pk, a.pk)]


def test_the_live_stream_tells_a_district_only_of_its_own(world, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("incidents.changes.publish_now", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_add_note(incident=world.incidents["b"], actor=world.users["dispatcher_province"], note="x",
                             public=False)
        services.do_add_note(incident=world.incidents["a"], actor=world.users["dispatcher_province"], note="x",
                             public=False)
    assert [m["district_id"] for m in sent] == [world.districts["b"].pk, world.districts["a"].pk]
    heard = {name: [relay(_audience_of(world.users[name]), json.dumps(m)) is not None for m in sent]
             for name in ("dispatcher_province", "dispatcher_district", "dispatcher_other_district")}
    assert heard == {"dispatcher_province": [True, True], "dispatcher_district": [False, True],
                     "dispatcher_other_district": [True, False]}


def test_the_chat_outbox_shows_a_district_its_own_replies(world):
    conversation = Conversation.objects.create(platform="zalo", sender_id="h11-scope-sender")
    for key in ("a", "b"):
        Reply.objects.create(conversation=conversation, incident=world.incidents[key], platform="zalo",
                             kind="status", text=f"Trạng thái H11 {key}")
    Reply.objects.create(conversation=conversation, platform="zalo", kind="welcome", text="Chào H11")
    texts = {name: set(staff_replies(world.users[name]).filter(conversation=conversation)
                       .values_list("text", flat=True)) for name in world.users}
    assert texts["dispatcher_province"] == {"Trạng thái H11 a", "Trạng thái H11 b", "Chào H11"}
    assert texts["dispatcher_district"] == {"Trạng thái H11 a"}
    assert texts["dispatcher_other_district"] == {"Trạng thái H11 b"}
    assert not texts["agency_own"] and not texts["citizen"]
    page = _client(world.users["dispatcher_district"]).get("/chat/outbox/", {"state": "waiting"}).content.decode()
    assert "Trạng thái H11 a" in page and "Trạng thái H11 b" not in page and "Chào H11" not in page


# --- reports ----------------------------------------------------------------------------------------------------------


def test_reports_by_district(world):
    runs = {name: set(visible_runs(world.users[name]).values_list("pk", flat=True)) for name in world.users}
    a, b = world.runs["a"].pk, world.runs["b"].pk
    assert {a, b} <= runs["dispatcher_province"] and {a, b} <= runs["administrator"]
    assert a in runs["dispatcher_district"] and b not in runs["dispatcher_district"]
    assert b in runs["dispatcher_other_district"] and a not in runs["dispatcher_other_district"]
    response = _client(world.users["dispatcher_district"]).post("/api/reports/", _report_request(world, "b"),
                                                                content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "area_not_allowed"


# --- cameras -------------------------------------------------------------------------------------------------------


def test_cameras_by_district_and_by_the_layers_stewards(world):
    camera = world.layers["camera"]
    url = f"/api/cameras/{camera.pk}"
    with world.settings():
        assert _client(world.users["dispatcher_district"]).get(url).status_code == 200
        assert _client(world.users["dispatcher_other_district"]).get(url).status_code == 404
        Camera.objects.filter(pk=camera.pk).update(geom=world.districts["point_b"])
        assert _client(world.users["dispatcher_district"]).get(url).status_code == 404
        assert _client(world.users["dispatcher_other_district"]).get(url).status_code == 200
        assert _client(world.users["dispatcher_province"]).get(url).status_code == 200
    camera.refresh_from_db()
    assert can_set_up(world.users["steward_owner"], camera) and not can_set_up(world.users["steward_other"], camera)
    rules = {"rules": [], "frame_width": 48, "frame_height": 32}
    refused = _client(world.users["steward_other"]).put(f"{url}/rules", rules, content_type="application/json")
    assert refused.status_code == 403
    assert _client(world.users["steward_owner"]).put(f"{url}/rules", rules,
                                                     content_type="application/json").status_code == 200


# --- layers -----------------------------------------------------------------------------------------------------------


def test_stewards_change_only_their_organisations_layers(world):
    owned = world.layers["public"]
    unowned = Layer.objects.create(slug="h11-scope-unowned", kind="land_parcel", title_vi="t", title_en="t",
                                   theme="planning", visibility="public")
    province = _user("steward-province", "data_steward", world.orgs["province"])
    district = _user("steward-district", "data_steward", world.orgs["district_a"])
    owner, other = world.users["steward_owner"], world.users["steward_other"]
    assert can_edit_layer(owner, owned) and not can_edit_layer(other, owned) and not can_edit_layer(district, owned)
    assert can_edit_layer(province, owned) and can_edit_layer(province, unowned)
    # A layer nobody owns is the province's: an agency's or a district's stewards do not change it.
    assert not can_edit_layer(owner, unowned) and not can_edit_layer(district, unowned)
    assert not can_edit_layer(world.users["planner"], owned)
    style = {"type": "fill", "paint": {"fill-opacity": 0.4}}
    url = f"/api/layers/{unowned.slug}/style"
    assert _client(owner).put(url, style, content_type="application/json").status_code == 403
    assert _client(province).put(url, style, content_type="application/json").status_code == 200


# --- planner queries -----------------------------------------------------------------------------------------------


@pytest.fixture
def district_planner(world) -> User:
    return _user("planner-a", "planner", world.orgs["district_a"])


@pytest.fixture
def parcel_in_b(world) -> LandParcel:
    point = world.districts["point_b"]
    return LandParcel.objects.create(
        layer=world.layers["public"], ext_id="H11-IN-B", sheet_no="5", parcel_no="6", land_use_code_id="ODT",
        geom=MultiPolygon(Polygon.from_bbox((point.x - 0.0003, point.y - 0.0003, point.x + 0.0003, point.y + 0.0003)),
                          srid=4326))


def _ext_ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {f["properties"]["ext_id"] for f in response.json()["features"]}


def test_a_district_planner_queries_their_district(world, district_planner, parcel_in_b):
    public_a = world.variants["public"]["feature_id"]
    body = {"land_use": ["ODT"]}
    province = _ext_ids(_client(world.users["planner"]).post("/api/queries/parcels", body,
                                                             content_type="application/json"))
    assert {public_a, "H11-IN-B"} <= province
    planner = _client(district_planner)
    district = _ext_ids(planner.post("/api/queries/parcels", body, content_type="application/json"))
    assert public_a in district and "H11-IN-B" not in district
    # A polygon drawn over district B finds nothing for them.
    b = world.districts["point_b"]
    square = Polygon.from_bbox((b.x - 0.01, b.y - 0.01, b.x + 0.01, b.y + 0.01)).wkt
    assert not _ext_ids(planner.post("/api/queries/parcels", {**body, "within": square},
                                     content_type="application/json"))
    communes = set(world.districts["a"].children.values_list("pk", flat=True))
    overlay = planner.get("/api/queries/overlay", {"by": "commune"}).json()["features"]
    assert overlay and {f["properties"]["commune_id"] for f in overlay} <= communes
    zonal = planner.post("/api/queries/zonal-stats", {"raster": world.variants["public"]["raster"],
                                                      "polygons": "communes"}, content_type="application/json")
    codes = set(world.districts["a"].children.values_list("code", flat=True))
    keys = {f["properties"]["key"] for f in zonal.json()["features"]}
    assert keys and keys <= codes
