"""The hotline console: a located call is filed at once; an unplaced one waits for the caller's pin."""

import pytest
from incident_helpers import NHA_TRANG, PHAN_RANG

from incidents.models import Incident, OutboxMessage, PinDropLink

pytestmark = pytest.mark.django_db


def _call(**kw):
    return {"category": "pothole", "description": "Người dân gọi: ổ gà", "attributes": {"size": "large"},
            "reporter_name": "Phạm D", "reporter_phone": "0987654321", **kw}


def test_a_located_call_is_filed_as_hotline(client, admin_units, categories, dispatcher):
    client.force_login(dispatcher)
    response = client.post("/api/incidents/hotline/calls", _call(lon=PHAN_RANG[0], lat=PHAN_RANG[1]),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(tracking_code=response.json()["tracking_code"])
    assert (incident.channel, incident.recorded_by, incident.reporter_phone) == ("hotline", dispatcher, "0987654321")
    assert incident.events.get().actor_label == "IOC hotline"


def test_only_operators_record_calls(client, admin_units, categories, roads_staff):
    client.force_login(roads_staff)
    response = client.post("/api/incidents/hotline/calls", _call(lon=PHAN_RANG[0], lat=PHAN_RANG[1]),
                           content_type="application/json")
    assert response.status_code == 403 and not Incident.objects.exists()


def test_an_unplaced_call_becomes_a_report_when_the_caller_drops_the_pin(client, admin_units, categories, dispatcher):
    client.force_login(dispatcher)
    sent = client.post("/api/incidents/hotline/calls", _call(send_pin_drop=True, reporter_email="d@example.org"),
                       content_type="application/json")
    assert sent.status_code == 201, sent.content
    url = sent.json()["pin_drop_url"]
    key = url.rsplit("/", 1)[1]
    assert not Incident.objects.exists()
    mail = OutboxMessage.objects.get(kind="pin_drop")
    assert mail.to == "d@example.org" and url in mail.body
    client.logout()

    info = client.get(f"/api/incidents/pin/{key}").json()
    assert info["description"] == "Người dân gọi: ổ gà"
    outside = client.post(f"/api/incidents/pin/{key}", {"lon": NHA_TRANG[0], "lat": NHA_TRANG[1]},
                          content_type="application/json")
    assert outside.status_code == 422 and not Incident.objects.exists()  # still usable after a refused place
    dropped = client.post(f"/api/incidents/pin/{key}", {"lon": PHAN_RANG[0], "lat": PHAN_RANG[1]},
                          content_type="application/json")
    assert dropped.status_code == 201
    incident = Incident.objects.get()
    assert (incident.channel, incident.recorded_by, incident.reporter_name) == ("hotline", dispatcher, "Phạm D")
    assert PinDropLink.objects.get().incident == incident
    again = client.post(f"/api/incidents/pin/{key}", {"lon": PHAN_RANG[0], "lat": PHAN_RANG[1]},
                        content_type="application/json")
    assert again.status_code == 410 and Incident.objects.count() == 1


def test_a_call_without_a_place_or_a_link_is_refused(client, admin_units, categories, dispatcher):
    client.force_login(dispatcher)
    response = client.post("/api/incidents/hotline/calls", _call(), content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "no_location"


def test_a_pin_link_for_a_kind_only_staff_file_still_opens(client, admin_units, categories, dispatcher):
    """An operator may file a kind citizens are not offered (camera violations, from the migration); the
    caller's pin page must still say what the report is about."""
    client.force_login(dispatcher)
    sent = client.post("/api/incidents/hotline/calls", _call(category="vi-pham-giao-thong", attributes={},
                                                            send_pin_drop=True, reporter_email="d@example.org"),
                       content_type="application/json")
    assert sent.status_code == 201, sent.content
    key = sent.json()["pin_drop_url"].rsplit("/", 1)[1]
    client.logout()
    info = client.get(f"/api/incidents/pin/{key}")
    assert info.status_code == 200, info.content
    dropped = client.post(f"/api/incidents/pin/{key}", {"lon": PHAN_RANG[0], "lat": PHAN_RANG[1]},
                          content_type="application/json")
    assert dropped.status_code == 201 and Incident.objects.get().category.code == "vi-pham-giao-thong"
