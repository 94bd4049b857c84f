"""How intake stores a report: outside a transaction one INSERT statement writes the incident and its first
rows, whole or not at all; inside the caller's transaction a savepoint does. A tracking-code clash is tried
again with a new code either way."""

import pytest
from django.db import DataError, connection
from incident_helpers import PHAN_RANG

import incidents.intake as intake
from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Category, Incident, IncidentEvent, OutboxMessage, RoutingRule
from portal.accounts.models import OrgUnit


def _report(code: str, **kw) -> Report:
    return Report(**{"category": code, "description": "Cống bị tắc", "channel": "web", "lon": PHAN_RANG[0],
                     "lat": PHAN_RANG[1], "reporter_email": "e@example.org", **kw})


@pytest.fixture
def routed(committed, admin_units):
    """Committed rows, so that intake runs outside any transaction (no test transaction around it)."""
    agency = OrgUnit.objects.create(code="store-drains", name="Thoát nước", kind=OrgUnit.Kind.AGENCY)
    category = Category.objects.create(code="store-drain", name_vi="Cống", name_en="Drain", deadline_days=2)
    rule = RoutingRule.objects.create(name="store", category=category, agency=agency)
    yield category
    Incident.objects.filter(category=category).delete()
    for obj in (rule, category, agency):
        obj.delete()


def _codes(*codes):
    it = iter(codes)
    return lambda: next(it)


def test_outside_a_transaction_one_statement_stores_the_incident_its_events_and_receipt(routed, monkeypatch):
    assert not connection.in_atomic_block
    first = do_submit_incident(check_report(_report("store-drain")))
    # The next report draws the same code first: the statement fails whole and is tried again with another.
    monkeypatch.setattr(intake, "new_tracking_code", _codes(first.tracking_code, "NT-STOR-E222"))
    second = do_submit_incident(check_report(_report("store-drain")))
    assert second.tracking_code == "NT-STOR-E222" and second.pk != first.pk
    for incident in (first, second):
        kinds = list(IncidentEvent.objects.filter(incident=incident).order_by("id").values_list("kind", flat=True))
        assert kinds == ["submitted", "assigned"]
        assert OutboxMessage.objects.filter(incident=incident, kind="receipt").count() == 1
    assert Incident.objects.filter(category=routed).count() == 2


def test_outside_a_transaction_a_row_that_fails_leaves_nothing_stored(routed, monkeypatch):
    rows = intake._first_rows

    def spoiled(checked, incident, route):
        made = rows(checked, incident, route)
        made[-1].subject = "x" * 400  # longer than the column: the database refuses the last row
        return made

    monkeypatch.setattr(intake, "_first_rows", spoiled)
    with pytest.raises(DataError):
        do_submit_incident(check_report(_report("store-drain")))
    assert not Incident.objects.filter(category=routed).exists()
    assert not OutboxMessage.objects.filter(to="e@example.org").exists()


@pytest.mark.django_db
def test_inside_a_transaction_a_clash_is_tried_again_in_a_savepoint(admin_units, categories, monkeypatch):
    assert connection.in_atomic_block
    report = _report("pothole", attributes={"size": "small"})
    first = do_submit_incident(check_report(report))
    monkeypatch.setattr(intake, "new_tracking_code", _codes(first.tracking_code, "NT-STOR-E333"))
    second = do_submit_incident(check_report(_report("pothole", attributes={"size": "small"})))
    assert second.tracking_code == "NT-STOR-E333"
    assert Incident.objects.count() == 2  # the caller's transaction goes on
    assert list(IncidentEvent.objects.filter(incident=second).values_list("kind", flat=True)) == ["submitted"]
