"""The incidents API through the whole NinjaAPI: submission by every kind of caller, bad input, tracking."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from incident_helpers import NHA_TRANG, PHAN_RANG, audio_only_mp4, jpeg_bytes

from incidents.models import Incident, IncidentMedia
from portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def _form(_ticket, **kw):
    base = {"category": "pothole", "description": "Ổ gà sâu trước cổng chợ", "lon": PHAN_RANG[0],
            "lat": PHAN_RANG[1], "attribute[size]": "large", "ticket": _ticket, "reporter_name": "Nguyễn Văn A",
            "reporter_phone": "0912 345 678", "reporter_email": "a@example.org"}
    return {**base, **kw}


def test_anonymous_multipart_report_with_a_photo(client, admin_units, categories, ticket):
    response = client.post("/api/incidents/", _form(ticket, media=[SimpleUploadedFile("a.jpg", jpeg_bytes())]))
    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get(tracking_code=body["tracking_code"])
    assert incident.channel == "api" and incident.reporter_name == "Nguyễn Văn A"
    assert body["reporter_key"] and body["status"] == "submitted"
    assert IncidentMedia.objects.filter(incident=incident, kind="photo").count() == 1

    public = client.get(f"/api/incidents/track/{incident.tracking_code}").json()
    assert public["description"] == "Ổ gà sâu trước cổng chợ"
    text = json.dumps(public, ensure_ascii=False)
    assert "Nguyễn Văn A" not in text and "0912" not in text and "a@example.org" not in text
    assert public["media"] == []  # nothing public until the worker made the redacted copy
    assert [e["kind"] for e in public["timeline"]] == ["submitted"]


def test_json_report_from_an_app_token(client, admin_units, categories, water_staff, token_for):
    body = {"category": "water-leak", "description": "Vỡ ống nước", "lon": PHAN_RANG[0], "lat": PHAN_RANG[1],
            "channel": "zalo"}
    response = client.post("/api/incidents/", json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token_for(water_staff)}")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(tracking_code=response.json()["tracking_code"])
    assert incident.channel == "zalo" and incident.recorded_by == water_staff


@pytest.mark.parametrize(("change", "status", "code", "field"), [
    ({"lon": "", "lat": ""}, 422, "no_location", "location"),
    ({"lon": NHA_TRANG[0], "lat": NHA_TRANG[1]}, 422, "outside_province", "location"),
    ({"category": "ufo"}, 422, "unknown_category", "category"),
    ({"category": "vi-pham-giao-thong", "attribute[size]": ""}, 422, "unknown_category", "category"),  # cameras'
    ({"description": "x" * 100_000}, 422, "too_long", "description"),
    ({"website": "http://spam.example"}, 400, "spam_suspected", None),
    ({"ticket": "forged"}, 400, "spam_suspected", None),
    ({"channel": "zalo"}, 422, "invalid_input", "channel"),
])
def test_bad_submissions_get_a_clear_4xx_and_store_nothing(client, admin_units, categories, ticket, change,
                                                           status, code, field):
    response = client.post("/api/incidents/", _form(ticket, **change))
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]
    if field:
        assert body["errors"][0]["field"] == field
    assert not Incident.objects.exists()


def test_a_fresh_ticket_is_refused_as_too_fast(client, admin_units, categories):
    fresh = client.get("/api/incidents/ticket").json()["ticket"]
    response = client.post("/api/incidents/", _form(fresh))
    assert response.status_code == 400 and response.json()["code"] == "spam_suspected"


@pytest.mark.parametrize(("name", "data", "status", "code"), [
    ("big.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * (50 * 2**20), 413, "media_too_large"),
    ("setup.jpg", b"MZ\x90\x00\x03" + b"\x00" * 1000, 415, "executable_refused"),
    ("cut.jpg", jpeg_bytes(size=(800, 600))[:2000], 422, "truncated_image"),
    ("notes.jpg", b"just some text, not a picture", 415, "unsupported_media_type"),
    ("silence.mp4", audio_only_mp4(), 422, "video_without_frames"),
])
def test_bad_files_are_refused_with_their_reason(client, admin_units, categories, ticket, media_dir, name, data,
                                                 status, code):
    response = client.post("/api/incidents/", _form(ticket, media=[SimpleUploadedFile(name, data)]))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and name in response.json()["message"]
    assert not Incident.objects.exists() and not IncidentMedia.objects.exists()
    assert not any(media_dir.rglob("*.jpg"))


def test_public_writes_are_rate_limited_per_ip(client, admin_units, categories, ticket, settings):
    settings.INCIDENT_RATE_LIMIT = (2, 60)
    codes = [client.post("/api/incidents/", _form(ticket)).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert Incident.objects.count() == 2
    other = client.post("/api/incidents/", _form(ticket), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 201


def test_nearby_open_reports_of_the_same_category(client, admin_units, categories, ticket):
    first = client.post("/api/incidents/", _form(ticket)).json()["tracking_code"]
    near = client.get("/api/incidents/nearby", {"category": "pothole", "lon": PHAN_RANG[0] + 0.0005,
                                                "lat": PHAN_RANG[1]}).json()
    assert [row["tracking_code"] for row in near] == [first] and 40 < near[0]["distance_m"] < 70
    other = client.get("/api/incidents/nearby", {"category": "water-leak", "lon": PHAN_RANG[0],
                                                 "lat": PHAN_RANG[1]}).json()
    assert other == []
    far = client.get("/api/incidents/nearby", {"category": "pothole", "lon": PHAN_RANG[0] + 0.01,
                                               "lat": PHAN_RANG[1]}).json()
    assert far == []


def test_agency_staff_see_their_agency_only_and_each_contact_view_is_logged(
        client, admin_units, categories, orgs, ticket, water_staff, roads_staff, dispatcher, token_for):
    from incidents.models import RoutingRule

    RoutingRule.objects.create(category=categories["pothole"], agency=orgs["roads"])
    code = client.post("/api/incidents/", _form(ticket)).json()["tracking_code"]
    incident = Incident.objects.get(tracking_code=code)
    water, roads, ioc = (f"Bearer {token_for(u)}" for u in (water_staff, roads_staff, dispatcher))

    assert client.get("/api/incidents/staff", HTTP_AUTHORIZATION=water).json()["count"] == 0
    assert client.get(f"/api/incidents/staff/{incident.pk}", HTTP_AUTHORIZATION=water).status_code == 404
    listed = client.get("/api/incidents/staff", HTTP_AUTHORIZATION=roads).json()
    assert listed["count"] == 1 and "reporter" not in listed["results"][0]
    assert not AuditEvent.objects.personal_data_views().exists()

    detail = client.get(f"/api/incidents/staff/{incident.pk}", HTTP_AUTHORIZATION=roads).json()
    assert detail["reporter"]["reporter_phone"] == "0912 345 678"
    client.get(f"/api/incidents/staff/{incident.pk}", HTTP_AUTHORIZATION=ioc)
    reads = list(AuditEvent.objects.personal_data_views().about("incident", incident.pk).values_list(
        "actor__username", "action", "details"))
    fields = ["reporter_name", "reporter_phone", "reporter_email"]
    assert reads == [("dispatcher", "reporter_contact_viewed", {"fields": fields, "via": "api"}),
                     ("roads", "reporter_contact_viewed", {"fields": fields, "via": "api"})]
    assert client.get("/api/incidents/staff").status_code == 401


def test_too_many_files_are_refused(client, admin_units, categories, ticket, settings):
    settings.INCIDENT_MAX_FILES = 2
    files = [SimpleUploadedFile(f"{i}.jpg", jpeg_bytes()) for i in range(3)]
    response = client.post("/api/incidents/", _form(ticket, media=files))
    assert response.status_code == 422 and response.json()["code"] == "too_many_files"
    assert not Incident.objects.exists()


def test_the_photo_location_is_kept_as_a_suggestion(client, admin_units, categories, ticket):
    from incident_helpers import gps_jpeg

    photo = SimpleUploadedFile("gps.jpg", gps_jpeg(108.9601, 11.5702))
    code = client.post("/api/incidents/", _form(ticket, media=[photo])).json()["tracking_code"]
    media = IncidentMedia.objects.get(incident__tracking_code=code)
    assert (media.exif_lon, media.exif_lat) == (pytest.approx(108.9601, abs=1e-4), pytest.approx(11.5702, abs=1e-4))
    incident = Incident.objects.get(tracking_code=code)
    assert incident.geom.x == pytest.approx(PHAN_RANG[0])  # the reporter's pin stays the report's place
