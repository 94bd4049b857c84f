"""Originals of report media: served to the staff handling the report, each look written to the audit log; to
anyone else (another agency, the public) they do not exist, and nothing is logged."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from incident_helpers import PHAN_RANG, jpeg_bytes

from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import IncidentMedia, RoutingRule
from portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db

PHOTO = jpeg_bytes(size=(96, 64), color=(10, 90, 200))


@pytest.fixture
def media(admin_units, categories, orgs):
    RoutingRule.objects.create(category=categories["pothole"], agency=orgs["roads"])
    report = Report(category="pothole", description="Ổ gà", channel="web", lon=PHAN_RANG[0], lat=PHAN_RANG[1],
                    attributes={"size": "large"}, reporter_phone="0912 000 111")
    incident = do_submit_incident(check_report(report, [SimpleUploadedFile("anh-goc.jpg", PHOTO)]))
    assert incident.agency == orgs["roads"]
    return IncidentMedia.objects.get(incident=incident)


def _url(media, variant="original") -> str:
    return f"/incidents/media/{media.pk}/{variant}"


def _body(response) -> bytes:
    # Read to the end: the test client then closes the file (closing it again here would end the test's
    # database connection with it).
    return b"".join(response.streaming_content)


def test_the_assigned_agency_gets_the_original_and_the_look_is_logged(client, media, roads_staff):
    client.force_login(roads_staff)
    response = client.get(_url(media), REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 200
    assert (response["Content-Type"], response["Cache-Control"]) == ("image/jpeg", "private, no-store")
    assert _body(response) == PHOTO  # the original as uploaded, EXIF and all
    reads = list(AuditEvent.objects.personal_data_views().values_list(
        "actor", "actor_name", "action", "object_type", "object_id", "details", "ip"))
    assert reads == [(roads_staff.pk, "roads", "incident_original_viewed", "incident", str(media.incident_id),
                      {"media": media.pk, "via": "media"}, "10.20.30.40")]
    _body(client.get(_url(media)))
    assert AuditEvent.objects.personal_data_views().count() == 2  # every look, not the first only


def test_another_agency_and_the_public_find_no_original_and_leave_no_log(client, media, water_staff):
    assert client.get(_url(media)).status_code == 404
    client.force_login(water_staff)
    assert client.get(_url(media)).status_code == 404
    # Nor may they reach it as the public copy while the worker has not made one.
    assert client.get(_url(media, "public")).status_code == 404
    assert not AuditEvent.objects.exists()


def test_an_unknown_variant_or_media_is_404(client, media, roads_staff):
    client.force_login(roads_staff)
    assert client.get(_url(media, "raw")).status_code == 404
    assert client.get(f"/incidents/media/{media.pk + 1000}/original").status_code == 404
    assert not AuditEvent.objects.exists()
