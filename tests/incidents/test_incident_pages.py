"""The incident pages: CSRF on every form, the spam trap, text escaped wherever it is shown, the key shown once."""

import re

import pytest
from django.test import Client
from incident_helpers import PHAN_RANG

from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Incident

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"


def _form(ticket, **kw):
    return {"category": "pothole", "description": f"Ổ gà {SCRIPT}", "lon": PHAN_RANG[0], "lat": PHAN_RANG[1],
            "attribute[size]": "large", "ticket": ticket, "website": "", **kw}


def test_the_form_carries_csrf_a_ticket_and_a_hidden_trap(client, categories):
    page = client.get("/incidents/report/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page and 'name="ticket"' in page and 'name="website"' in page
    assert "maplibre-gl.js" in page and "http://" not in page.replace("http://wiki", "")


def test_a_post_without_csrf_is_refused(admin_units, categories, ticket):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/incidents/report/", _form(ticket)).status_code == 403
    assert not Incident.objects.exists()


def test_submitting_shows_the_tracking_code_and_the_key_once(client, admin_units, categories, ticket):
    response = client.post("/incidents/report/", _form(ticket))
    assert response.status_code == 302
    code = Incident.objects.get().tracking_code
    assert response["Location"] == f"/incidents/track/{code}?new=1"
    first = client.get(response["Location"]).content.decode()
    key = re.search(r'id="reporter-key">([^<]+)<', first).group(1)
    assert len(key) > 20
    assert key not in client.get(response["Location"]).content.decode()


def test_refusals_come_back_on_the_form_with_the_reason(client, admin_units, categories, ticket):
    response = client.post("/incidents/report/", _form(ticket, lon="", lat=""))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Pick the place on the map" in page and "Ổ gà" in page  # what was typed is kept
    assert SCRIPT not in page
    spam = client.post("/incidents/report/", _form(ticket, website="http://buy.example"))
    assert spam.status_code == 400 and not Incident.objects.exists()


def test_script_in_text_is_escaped_on_every_page(client, admin_units, categories):
    incident = do_submit_incident(check_report(Report(
        category="pothole", description=f"Ổ gà {SCRIPT}", address="<img src=x onerror=alert(1)>", channel="web",
        lon=PHAN_RANG[0], lat=PHAN_RANG[1], attributes={"size": "small"})))
    for url in (f"/incidents/track/{incident.tracking_code}", "/incidents/"):
        page = client.get(url).content.decode()
        assert SCRIPT not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;" in page, url


def test_hotline_console_is_for_operators(client, admin_units, categories, dispatcher, roads_staff):
    assert client.get("/incidents/hotline/").status_code == 302  # to the login page
    client.force_login(roads_staff)
    assert client.get("/incidents/hotline/").status_code == 403
    client.force_login(dispatcher)
    response = client.post("/incidents/hotline/", {
        "category": "pothole", "description": "Gọi lúc 9h", "attribute[size]": "small", "send_pin_drop": "1",
        "reporter_phone": "0912000111"})
    assert response.status_code == 200
    assert "/incidents/pin/" in response.content.decode() and not Incident.objects.exists()


def test_follow_and_unknown_codes(client, admin_units, categories):
    incident = do_submit_incident(check_report(Report(
        category="pothole", description="x", channel="web", lon=PHAN_RANG[0], lat=PHAN_RANG[1],
        attributes={"size": "small"})))
    url = f"/incidents/track/{incident.tracking_code}"
    assert client.post(url, {"action": "follow", "email": "f@example.org"}).status_code == 200
    assert list(incident.followers.values_list("email", flat=True)) == ["f@example.org"]
    assert client.post(url, {"action": "follow", "email": "nope"}).status_code == 422
    assert client.get("/incidents/track/NT-0000-0000").status_code == 404
