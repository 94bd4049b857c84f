"""Dispatch actions in the audit log: assignments and merges (one by one or in a batch, each incident its row, the
batch one more), in the transaction of the change, so a refused action leaves none; looks at reporters' contacts
are in the same log."""

import pytest
from django.test import Client
from incident_helpers import PHAN_RANG

from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Incident
from portal.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def _report(*, east_m: float = 0.0, **kw) -> Incident:
    report = Report(category="pothole", description="Ổ gà", channel="web", lon=PHAN_RANG[0] + east_m / 109_000,
                    lat=PHAN_RANG[1], attributes={"size": "large"}, **kw)
    return do_submit_incident(check_report(report))


@pytest.fixture
def desk(admin_units, categories, orgs, dispatcher):
    client = Client()
    client.force_login(dispatcher)
    return client


def test_an_assignment_is_logged_with_the_agency_it_replaced(desk, dispatcher, orgs):
    incident = _report()
    response = desk.post(f"/api/incidents/staff/{incident.pk}/assign", {"agency": orgs["water"].code},
                         content_type="application/json", REMOTE_ADDR="10.8.8.8")
    assert response.status_code == 200, response.content
    moved = desk.post(f"/api/incidents/staff/{incident.pk}/assign",
                      {"agency": orgs["roads"].code, "reason": "đường, không phải nước"},
                      content_type="application/json")
    assert moved.status_code == 200, moved.content
    rows = list(AuditEvent.objects.filter(action="incident_assigned").order_by("id"))
    assert [(r.actor, r.object_type, r.object_id) for r in rows] == [(dispatcher, "incident", str(incident.pk))] * 2
    assert rows[0].ip == "10.8.8.8"
    assert rows[0].details == {"tracking_code": incident.tracking_code, "agency": "water-test", "previous": None,
                               "reason": ""}
    assert (rows[1].details["agency"], rows[1].details["previous"]) == ("roads-test", "water-test")


def test_a_refused_assignment_leaves_no_row(desk, orgs):
    incident = _report()
    refused = desk.post(f"/api/incidents/staff/{incident.pk}/assign", {"agency": orgs["ioc"].code},
                        content_type="application/json")
    assert refused.status_code == 422  # the IOC is not an agency
    assert not AuditEvent.objects.filter(action="incident_assigned").exists()


def test_a_merge_is_logged(desk, dispatcher):
    first, duplicate = _report(), _report(east_m=10)
    response = desk.post(f"/api/incidents/staff/{duplicate.pk}/merge", {"into": first.tracking_code},
                         content_type="application/json")
    assert response.status_code == 200, response.content
    row = AuditEvent.objects.get(action="incident_merged")
    assert (row.actor, row.object_id) == (dispatcher, str(duplicate.pk))
    assert row.details == {"tracking_code": duplicate.tracking_code, "into": first.pk,
                           "into_tracking_code": first.tracking_code}


def test_a_bulk_action_logs_each_incident_and_the_batch(desk, dispatcher, orgs):
    done, closed = _report(), _report(east_m=50)
    Incident.objects.filter(pk=closed.pk).update(status="closed")
    response = desk.post("/api/dispatch/bulk", {"action": "assign", "ids": [done.pk, closed.pk, 999_999],
                                                "agency": orgs["roads"].code}, content_type="application/json",
                         REMOTE_ADDR="10.9.0.1")
    assert response.status_code == 200 and response.json()["done"] == 1
    assigned = AuditEvent.objects.get(action="incident_assigned")
    assert (assigned.object_id, assigned.ip) == (str(done.pk), "10.9.0.1")  # only the one that changed
    batch = AuditEvent.objects.get(action="incident_bulk_action")
    assert (batch.actor, batch.ip) == (dispatcher, "10.9.0.1")
    assert batch.details == {"action": "assign", "done": [done.pk],
                             "refused": {str(closed.pk): "invalid_transition", "999999": "not_found"}}


def test_a_refused_bulk_request_logs_nothing(desk):
    incident = _report()
    bad = desk.post("/api/dispatch/bulk", {"action": "explode", "ids": [incident.pk]}, content_type="application/json")
    assert bad.status_code == 422
    assert not AuditEvent.objects.exists()


def test_a_look_at_the_reporters_contact_is_in_the_audit_log(desk, dispatcher):
    incident = _report(reporter_phone="0912 345 678")
    detail = desk.get(f"/api/incidents/staff/{incident.pk}", REMOTE_ADDR="10.3.3.3").json()
    assert detail["reporter"]["reporter_phone"] == "0912 345 678"
    row = AuditEvent.objects.personal_data_views().get()
    assert (row.actor, row.action, row.object_type, row.object_id, row.ip) == (
        dispatcher, "reporter_contact_viewed", "incident", str(incident.pk), "10.3.3.3")
    assert row.details == {"fields": ["reporter_phone"], "via": "api"}


def test_the_migration_moves_logged_reads_into_the_audit_log(admin_units, categories, orgs, dispatcher):
    """incidents 0007 on a database that still has PersonalDataAccess rows (its table made again for the test)."""
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    incident = _report()
    state = MigrationLoader(connection).project_state([("incidents", "0006_category_citizen_reportable"),
                                                       ("accounts", "0002_audit_event")])
    reads = state.apps.get_model("incidents", "PersonalDataAccess")
    with connection.schema_editor() as editor:
        editor.create_model(reads)  # rolled back with the test's transaction
    reads.objects.create(user_id=dispatcher.pk, incident_id=incident.pk, fields="reporter_name,reporter_phone",
                         via="page", ip="10.2.2.2")
    reads.objects.create(user_id=None, incident_id=incident.pk, fields="original_media", via="media")
    import_module("incidents.migrations.0007_personal_data_reads_to_audit_log").move_reads(state.apps, None)
    moved = list(AuditEvent.objects.order_by("id").values_list("actor", "actor_name", "action", "object_id",
                                                               "details", "ip"))
    assert moved == [
        (dispatcher.pk, "dispatcher", "reporter_contact_viewed", str(incident.pk),
         {"fields": ["reporter_name", "reporter_phone"], "via": "page"}, "10.2.2.2"),
        (None, "", "incident_original_viewed", str(incident.pk), {"via": "media"}, None)]
