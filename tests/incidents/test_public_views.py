"""What the public sees of incidents, over HTTP: internal notes never, reporter identity never, non-public reports
(camera violations) nowhere; the reporter's key, and only it, rates and reopens."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from incident_helpers import PHAN_RANG, jpeg_bytes

from camera_analytics.incident_bridge import CATEGORY as CAMERA_CATEGORY
from incidents import services
from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Category, IncidentEvent

pytestmark = pytest.mark.django_db

NAME, PHONE, EMAIL = "Phạm Thị Riêng", "0987 654 321", "rieng@example.org"


def _submit(**kw):
    fields = {"category": "pothole", "description": "Ổ gà trước trường", "channel": "web", "lon": PHAN_RANG[0],
              "lat": PHAN_RANG[1], "attributes": {"size": "small"}, "reporter_name": NAME,
              "reporter_phone": PHONE, "reporter_email": EMAIL}
    return do_submit_incident(check_report(Report(**{**fields, **kw})))


@pytest.fixture
def reported(admin_units, categories):
    return _submit()


@pytest.fixture
def camera_incident(admin_units, dispatcher):
    # The category comes with camera_analytics' migration: filed by cameras only, never listed publicly.
    category = Category.objects.get(code=CAMERA_CATEGORY)
    assert not category.public_by_default
    return do_submit_incident(check_report(Report(
        category=CAMERA_CATEGORY, description="Camera CAM-1 ghi nhận vượt đèn đỏ", channel="camera",
        lon=PHAN_RANG[0] + 0.001, lat=PHAN_RANG[1], recorded_by=dispatcher, extra={"camera": "CAM-1"})))


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_internal_notes_never_reach_the_public(client, reported, dispatcher):
    services.do_add_note(incident=reported, actor=dispatcher, note="Đội 3 sẽ đến lúc 14h", public=True)
    services.do_add_note(incident=reported, actor=dispatcher, note="Nghi ngờ báo trùng với NT-KIN-NOI",
                         public=False)
    # The note is stored: what is tested is that it stays with the staff.
    assert IncidentEvent.objects.filter(incident=reported, kind="note_internal").exists()
    code = reported.tracking_code
    api = client.get(f"/api/incidents/track/{code}")
    assert api.status_code == 200
    notes = [event["note"] for event in api.json()["timeline"]]
    assert "Đội 3 sẽ đến lúc 14h" in notes
    assert "NT-KIN-NOI" not in api.content.decode()
    assert "note_internal" not in [event["kind"] for event in api.json()["timeline"]]
    page = _page(client, f"/incidents/track/{code}")
    assert "Đội 3 sẽ đến lúc 14h" in page and "NT-KIN-NOI" not in page
    # Open311's status_notes carry the latest public note, never an internal one written after it.
    open311 = client.get(f"/open311/v2/requests/{code}.json")
    assert open311.status_code == 200 and json.loads(open311.content)[0]["status_notes"] == "Đội 3 sẽ đến lúc 14h"
    assert "NT-KIN-NOI" not in open311.content.decode()


def test_the_public_geojson_has_no_identity_and_no_camera_reports(client, reported, camera_incident):
    response = client.get("/api/incidents/public")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 1
    assert [feature["id"] for feature in body["features"]] == [reported.tracking_code]
    feature = body["features"][0]
    assert feature["geometry"]["coordinates"] == [pytest.approx(PHAN_RANG[0]), pytest.approx(PHAN_RANG[1])]
    text = json.dumps(body, ensure_ascii=False)
    for secret in (NAME, PHONE, EMAIL, "rieng"):
        assert secret not in text
    assert not any(key.startswith("reporter") for key in feature["properties"])
    assert camera_incident.tracking_code not in text and "CAM-1" not in text
    # Asking for the camera category by name finds nothing either.
    assert client.get("/api/incidents/public", {"category": CAMERA_CATEGORY}).json()["numberMatched"] == 0


def test_the_public_list_and_map_pages(client, reported, camera_incident):
    listing = _page(client, "/incidents/")
    assert reported.tracking_code in listing
    assert camera_incident.tracking_code not in listing and "vượt đèn đỏ" not in listing
    for secret in (NAME, PHONE, EMAIL):
        assert secret not in listing
    the_map = _page(client, "/incidents/map/")
    assert "/api/incidents/public" in the_map  # the map draws the same public GeoJSON
    assert camera_incident.tracking_code not in the_map
    # Its tracking page does not exist for the public, through the API or the page.
    assert client.get(f"/api/incidents/track/{camera_incident.tracking_code}").status_code == 404
    assert client.get(f"/incidents/track/{camera_incident.tracking_code}").status_code == 404


def _resolved(reported, dispatcher, roads_staff, orgs):
    services.do_assign(incident=reported, actor=dispatcher, agency=orgs["roads"])
    photo = SimpleUploadedFile("xong.jpg", jpeg_bytes(color=(30, 150, 60)))
    services.do_resolve(incident=reported, actor=roads_staff, note="Đã vá xong", uploads=[photo])
    return reported


def test_rating_and_reopening_through_the_api_need_the_reporters_key(client, reported, dispatcher, roads_staff,
                                                                     orgs):
    _resolved(reported, dispatcher, roads_staff, orgs)
    base = f"/api/incidents/track/{reported.tracking_code}"
    wrong = client.post(f"{base}/rate", {"rating": 5, "key": "not-the-key"}, content_type="application/json")
    assert wrong.status_code == 403 and wrong.json()["code"] == "permission_denied"
    keyless = client.post(f"{base}/reopen", {"reason": "vẫn còn"}, content_type="application/json")
    assert keyless.status_code == 403
    reported.refresh_from_db()
    assert (reported.status, reported.rating) == ("resolved", None)
    assert not reported.events.filter(kind__in=("rated", "reopened")).exists()

    rated = client.post(f"{base}/rate", {"rating": 2, "comment": "chậm", "key": reported.reporter_key},
                        content_type="application/json")
    assert rated.status_code == 200 and rated.json() == {"rating": 2}
    assert client.get(base).json()["rating"] == 2
    reopened = client.post(f"{base}/reopen", {"reason": "Ổ gà lại xuất hiện", "key": reported.reporter_key},
                           content_type="application/json")
    assert reopened.status_code == 200 and reopened.json() == {"status": "assigned"}
    reported.refresh_from_db()
    assert (reported.status, reported.rating, reported.resolved_at) == ("assigned", None, None)
    timeline = client.get(base).json()["timeline"]
    assert [e["kind"] for e in timeline][-2:] == ["rated", "reopened"]
    assert timeline[-1]["note"] == "Ổ gà lại xuất hiện"


def test_rating_and_reopening_on_the_tracking_page_need_the_reporters_key(reported, dispatcher, roads_staff, orgs):
    _resolved(reported, dispatcher, roads_staff, orgs)
    strict = Client(enforce_csrf_checks=True)
    url = f"/incidents/track/{reported.tracking_code}"
    page = strict.get(url).content.decode()
    assert 'value="rate"' in page and 'value="reopen"' in page
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def post(**data):
        return strict.post(url, {"csrfmiddlewaretoken": csrf, **data})

    wrong = post(action="rate", rating="4", key="guess")
    assert wrong.status_code == 403 and "key from your receipt" in wrong.content.decode()
    assert post(action="reopen", reason="vẫn còn", key="guess").status_code == 403
    reported.refresh_from_db()
    assert (reported.status, reported.rating) == ("resolved", None)

    assert post(action="rate", rating="4", key=reported.reporter_key).status_code == 200
    reported.refresh_from_db()
    assert reported.rating == 4
    done = post(action="reopen", reason="Nước lại đọng", key=reported.reporter_key)
    assert done.status_code == 200
    reported.refresh_from_db()
    assert reported.status == "assigned" and "Nước lại đọng" in done.content.decode()
    # Reopened, it is no longer rated nor rateable: the forms are gone.
    assert 'value="rate"' not in done.content.decode()
