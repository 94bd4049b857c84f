"""The dispatcher's API and page: who sees what, filters, suggested duplicates, bulk actions, the event relay."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from incident_helpers import PHAN_RANG

from incidents.dispatch_stream import Audience, relay
from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Incident
from incidents.services import do_assign, do_reject
from portal.accounts.models import User

pytestmark = pytest.mark.django_db


def _report(category="pothole", *, east_m=0.0, north_m=0.0, hours_ago=0.0, **kw) -> Incident:
    lon = PHAN_RANG[0] + east_m / 109_000  # metres to degrees at 11.6° N
    lat = PHAN_RANG[1] + north_m / 110_600
    attributes = {"size": "large"} if category == "pothole" else {}
    report = Report(category=category, description=kw.pop("description", "Ổ gà"), channel="web", lon=lon, lat=lat,
                    attributes=attributes, created_at=timezone.now() - timedelta(hours=hours_ago), **kw)
    return do_submit_incident(check_report(report))


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _feed(client: Client, **params) -> dict:
    response = client.get("/api/dispatch/incidents", params)
    assert response.status_code == 200, response.content
    return response.json()


def _codes(body: dict) -> set[str]:
    return {feature["properties"]["code"] for feature in body["features"]}


@pytest.fixture
def reports(admin_units, categories, orgs, dispatcher):
    pothole = _report(reporter_name="Nguyễn Văn A", reporter_phone="0901234567", reporter_email="a@example.org")
    leak = _report("water-leak", east_m=800, description="Vỡ ống nước")
    old = _report(north_m=900, hours_ago=24 * 10)
    do_assign(incident=leak, actor=dispatcher, agency=orgs["water"])
    Incident.objects.filter(pk=old.pk).update(deadline=timezone.now() - timedelta(days=1))
    return {"pothole": pothole, "leak": leak, "old": old}


def test_dispatchers_see_every_incident_as_geojson_without_reporter_identity(reports, dispatcher):
    body = _feed(_client(dispatcher))
    assert body["type"] == "FeatureCollection" and body["count"] == 3
    assert _codes(body) == {r.tracking_code for r in reports.values()}
    feature = next(f for f in body["features"] if f["id"] == reports["pothole"].pk)
    assert feature["geometry"]["coordinates"] == pytest.approx(list(PHAN_RANG), abs=1e-5)
    assert feature["properties"]["commune"] == "Phường Đô Vinh" and feature["properties"]["open"] is True
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("Nguyễn Văn A", "0901234567", "a@example.org"):
        assert secret not in text


def test_agency_staff_see_only_their_agency(reports, water_staff, roads_staff):
    assert _codes(_feed(_client(water_staff))) == {reports["leak"].tracking_code}
    assert _feed(_client(roads_staff))["features"] == []


def test_no_one_else_gets_incidents(reports, categories):
    assert _client(None).get("/api/dispatch/incidents").status_code == 401
    citizen = User.objects.create_user("citizen-d", password="a-long-test-password")
    assert _feed(_client(citizen))["features"] == []


def test_filters(reports, dispatcher, orgs):
    client = _client(dispatcher)
    assert _codes(_feed(client, category="water-leak")) == {reports["leak"].tracking_code}
    assert _codes(_feed(client, agency=orgs["water"].pk)) == {reports["leak"].tracking_code}
    assert _codes(_feed(client, status="assigned")) == {reports["leak"].tracking_code}
    assert _codes(_feed(client, overdue="true")) == {reports["old"].tracking_code}
    commune = reports["pothole"].commune_id
    assert reports["pothole"].tracking_code in _codes(_feed(client, commune=commune))
    only = _feed(client, ids=f"{reports['pothole'].pk},{reports['leak'].pk}", status="open")
    assert _codes(only) == {reports["pothole"].tracking_code, reports["leak"].tracking_code}
    response = client.get("/api/dispatch/incidents", {"status": "lost"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status"
    assert client.get("/api/dispatch/incidents", {"ids": "1,x"}).status_code == 422


def test_duplicates_are_suggested_by_category_distance_and_time(admin_units, categories, dispatcher):
    first = _report(hours_ago=5)
    repeat = _report(east_m=40, hours_ago=1)  # 40 m and 4 h later: the same pothole
    _report("water-leak", east_m=20)  # near, but another category
    _report(east_m=900)  # same category, too far
    _report(north_m=30, hours_ago=24 * 8)  # same place, over a week earlier
    body = _client(dispatcher).get("/api/dispatch/duplicates", {"hours": 72}).json()
    pairs = [(p["duplicate"]["code"], p["into"]["code"]) for p in body["pairs"]]
    assert pairs == [(repeat.tracking_code, first.tracking_code)]
    pair = body["pairs"][0]
    assert 35 <= pair["metres"] <= 45 and pair["hours"] == pytest.approx(4, abs=0.01) and 0 < pair["score"] < 1
    wider = _client(dispatcher).get("/api/dispatch/duplicates", {"hours": 24 * 10}).json()
    assert len(wider["pairs"]) == 3  # now the week-old one pairs with both of the recent ones


def test_only_dispatchers_get_duplicates(reports, water_staff):
    response = _client(water_staff).get("/api/dispatch/duplicates")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_bulk_assign_reports_each_result(reports, dispatcher, orgs):
    do_reject(incident=reports["old"], actor=dispatcher, reason="trùng")
    ids = [reports["pothole"].pk, reports["old"].pk, 999_999]
    response = _client(dispatcher).post("/api/dispatch/bulk", {"action": "assign", "ids": ids,
                                                               "agency": orgs["roads"].code},
                                        content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["done"] == 1
    results = {r["id"]: r for r in body["results"]}
    assert results[reports["pothole"].pk] == {"id": reports["pothole"].pk, "ok": True, "status": "assigned"}
    assert results[reports["old"].pk]["ok"] is False and results[reports["old"].pk]["code"] == "invalid_transition"
    assert results[999_999]["code"] == "not_found"
    reports["pothole"].refresh_from_db()
    assert reports["pothole"].agency == orgs["roads"]
    assert list(reports["pothole"].events.values_list("kind", flat=True)) == ["submitted", "assigned"]


def test_bulk_merge_and_refusals(reports, dispatcher, water_staff, orgs):
    client = _client(dispatcher)
    extra = _report(east_m=10)
    body = client.post("/api/dispatch/bulk", {"action": "merge", "ids": [extra.pk],
                                              "into": reports["pothole"].tracking_code.lower()},
                       content_type="application/json").json()
    assert body["done"] == 1
    extra.refresh_from_db()
    assert extra.merged_into == reports["pothole"] and extra.status == "closed"
    bad = client.post("/api/dispatch/bulk", {"action": "explode", "ids": [extra.pk]}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "action"
    nobody = client.post("/api/dispatch/bulk", {"action": "merge", "ids": [extra.pk], "into": "NT-NOPE"},
                         content_type="application/json")
    assert nobody.status_code == 422 and nobody.json()["errors"][0]["field"] == "into"
    # Agency staff cannot hand their reports to another agency: refused one by one, nothing changes.
    staff = _client(water_staff).post("/api/dispatch/bulk", {"action": "assign", "ids": [reports["leak"].pk],
                                                             "agency": orgs["roads"].code},
                                      content_type="application/json").json()
    assert staff["done"] == 0 and staff["results"][0]["code"] == "permission_denied"
    reports["leak"].refresh_from_db()
    assert reports["leak"].agency == orgs["water"]


def test_bulk_needs_csrf_with_a_session(reports, dispatcher):
    client = Client(enforce_csrf_checks=True)
    client.force_login(dispatcher)
    response = client.post("/api/dispatch/bulk", {"action": "accept", "ids": [reports["pothole"].pk]},
                           content_type="application/json")
    assert response.status_code in (401, 403)
    reports["pothole"].refresh_from_db()
    assert reports["pothole"].status == "submitted"


def test_the_page_is_for_dispatchers_and_agency_staff(reports, dispatcher, water_staff):
    page = _client(dispatcher).get("/dispatch/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="map-config"' in text and "dispatch.js" in text and "Cấp nước" in text
    assert _client(water_staff).get("/dispatch/").status_code == 200
    citizen = User.objects.create_user("citizen-p", password="a-long-test-password")
    assert _client(citizen).get("/dispatch/").status_code == 403
    anonymous = _client(None).get("/dispatch/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_relay_sends_agency_staff_their_incidents_only():
    audience = Audience(agency_id=7, known={1})
    frame = relay(audience, json.dumps({"id": 2, "kind": "assigned", "status": "assigned", "agency_id": 7,
                                        "code": "NT-A", "category": "pothole"}))
    assert frame.startswith("event: change\n") and json.loads(frame.split("data: ", 1)[1])["id"] == 2
    assert relay(audience, json.dumps({"id": 3, "kind": "created", "agency_id": None})) is None
    moved = relay(audience, json.dumps({"id": 1, "kind": "assigned", "agency_id": 8, "code": "NT-B"}))
    assert json.loads(moved.split("data: ", 1)[1]) == {"id": 1, "kind": "removed"}  # no code, no new agency
    assert relay(audience, json.dumps({"id": 1, "kind": "note", "agency_id": 8})) is None  # gone for good
    assert relay(audience, b"not json") is None and relay(audience, json.dumps({"id": "1"})) is None
    everyone = Audience(agency_id=None)
    assert relay(everyone, json.dumps({"id": 3, "kind": "created", "agency_id": None, "reporter_email": "x@y"}))
    assert "x@y" not in relay(everyone, json.dumps({"id": 3, "kind": "created", "reporter_email": "x@y"}))
