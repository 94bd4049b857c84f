"""The lifecycle through the services: who may do what, in which state, and the history it leaves."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from incident_helpers import PHAN_RANG, jpeg_bytes

from incidents import services
from incidents.errors import InvalidTransition, NotYourIncident, ReopenClosed
from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Incident, IncidentMedia, OutboxMessage
from portal.errors import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(admin_units, categories):
    report = Report(category="pothole", description="Ổ gà", channel="web", lon=PHAN_RANG[0], lat=PHAN_RANG[1],
                    attributes={"size": "small"}, reporter_email="dan@example.org")
    return do_submit_incident(check_report(report))


def _photo():
    return SimpleUploadedFile("done.jpg", jpeg_bytes(color=(20, 160, 60)))


def test_the_whole_way_from_triage_to_a_rated_close(incident, dispatcher, roads_staff, orgs):
    key = incident.reporter_key
    services.do_accept(incident=incident, actor=dispatcher)
    services.do_assign(incident=incident, actor=dispatcher, agency=orgs["roads"], reason="đường đô thị")
    services.do_add_note(incident=incident, actor=roads_staff, note="Đội 2 sẽ đến chiều nay", public=True)
    services.do_add_note(incident=incident, actor=roads_staff, note="thiếu nhựa đường", public=False)
    services.do_start(incident=incident, actor=roads_staff)
    services.do_resolve(incident=incident, actor=roads_staff, note="Đã vá", uploads=[_photo()])
    services.do_rate(incident=incident, rating=5, comment="nhanh", key=key)
    services.do_close(incident=incident, actor=dispatcher)
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.rating == 5
    history = list(incident.events.values_list("kind", "to_status", "public"))
    assert history == [
        ("submitted", "submitted", True), ("accepted", "accepted", True), ("assigned", "assigned", True),
        ("note_public", "assigned", True), ("note_internal", "assigned", False), ("started", "in_progress", True),
        ("resolved", "resolved", True), ("rated", "resolved", True), ("closed", "closed", True)]
    proof = IncidentMedia.objects.get(incident=incident)
    assert proof.purpose == "resolution" and proof.event.kind == "resolved"
    mails = OutboxMessage.objects.filter(to="dan@example.org").values_list("kind", flat=True)
    assert list(mails).count("status") >= 4  # accepted, public note, started, resolved


def test_agency_staff_act_on_their_own_agency_only(incident, dispatcher, roads_staff, water_staff, orgs):
    services.do_assign(incident=incident, actor=dispatcher, agency=orgs["roads"])
    with pytest.raises(NotYourIncident):
        services.do_start(incident=incident, actor=water_staff)
    with pytest.raises(PermissionDenied):
        services.do_accept(incident=incident, actor=roads_staff)
    with pytest.raises(PermissionDenied):
        services.do_assign(incident=incident, actor=roads_staff, agency=orgs["water"], reason="không phải của tôi")
    # Handing it back to the IOC is allowed, with a reason, and recorded as a reassignment.
    with pytest.raises(InvalidInput):
        services.do_assign(incident=incident, actor=roads_staff, agency=None)
    services.do_assign(incident=incident, actor=roads_staff, agency=None, reason="không thuộc thẩm quyền")
    incident.refresh_from_db()
    assert incident.agency is None and incident.status == "accepted"
    last = incident.events.last()
    assert (last.kind, last.data["previous_agency_id"], last.note) == (
        "reassigned", orgs["roads"].pk, "không thuộc thẩm quyền")


def test_transitions_out_of_order_are_refused(incident, dispatcher, roads_staff, orgs):
    with pytest.raises(InvalidTransition):
        services.do_close(incident=incident, actor=dispatcher)
    services.do_assign(incident=incident, actor=dispatcher, agency=orgs["roads"])
    with pytest.raises(InvalidInput, match="photo"):
        services.do_resolve(incident=incident, actor=roads_staff, note="xong", uploads=[])
    services.do_reject(incident=incident, actor=dispatcher, reason="trùng")
    with pytest.raises(InvalidTransition, match="rejected"):
        services.do_start(incident=incident, actor=roads_staff)


def test_the_reporter_reopens_within_the_window_only(incident, dispatcher, roads_staff, orgs, settings):
    services.do_assign(incident=incident, actor=dispatcher, agency=orgs["roads"])
    services.do_resolve(incident=incident, actor=roads_staff, note="xong", uploads=[_photo()])
    with pytest.raises(PermissionDenied):
        services.do_reopen(incident=incident, reason="vẫn còn", key="wrong")
    services.do_reopen(incident=incident, reason="vẫn còn ổ gà", key=incident.reporter_key)
    incident.refresh_from_db()
    assert incident.status == "assigned" and incident.resolved_at is None
    services.do_resolve(incident=incident, actor=roads_staff, note="xong hẳn", uploads=[_photo()])
    Incident.objects.filter(pk=incident.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    with pytest.raises(ReopenClosed, match="7 days"):
        services.do_reopen(incident=incident, reason="lại hỏng", key=incident.reporter_key)


def test_merging_a_duplicate_moves_its_followers(incident, dispatcher, admin_units):
    other = do_submit_incident(check_report(Report(
        category="pothole", description="Ổ gà nữa", channel="web", lon=PHAN_RANG[0], lat=PHAN_RANG[1],
        attributes={"size": "large"}, reporter_email="b@example.org")))
    services.do_merge(incident=other, into=incident, actor=dispatcher)
    other.refresh_from_db()
    assert other.merged_into == incident and other.status == "closed"
    assert list(incident.followers.values_list("email", flat=True)) == ["b@example.org"]
    with pytest.raises(InvalidTransition):
        services.do_merge(incident=other, into=incident, actor=dispatcher)
