"""The beat's sweep: reminders before the deadline, escalation after it, once each; the outbox mails them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from incident_helpers import PHAN_RANG

from incidents.deadlines import sweep_deadlines
from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Incident, OutboxMessage, RoutingRule
from incidents.selectors import deadline_flag
from incidents.tasks import deliver_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(admin_units, categories, orgs, roads_staff, dispatcher):
    RoutingRule.objects.create(category=categories["pothole"], agency=orgs["roads"])
    report = Report(category="pothole", description="Ổ gà", channel="web", lon=PHAN_RANG[0], lat=PHAN_RANG[1],
                    attributes={"size": "small"})
    return do_submit_incident(check_report(report))


def test_near_deadline_reminds_the_agency_once(assigned):
    now = assigned.deadline - timedelta(hours=3)
    assert deadline_flag(assigned, now) == "near"
    assert sweep_deadlines(now=now).reminded == 1
    assert sweep_deadlines(now=now).reminded == 0
    [reminder] = OutboxMessage.objects.filter(kind="reminder")
    assert reminder.to == "roads@example.org" and assigned.tracking_code in reminder.subject
    assert assigned.events.filter(kind="reminded", public=False).count() == 1


def test_overdue_escalates_to_the_ioc_level_by_level(assigned):
    now = assigned.deadline + timedelta(hours=2)
    assert deadline_flag(assigned, now) == "overdue"
    assert sweep_deadlines(now=now).escalated == 1
    assert sweep_deadlines(now=now).escalated == 0
    later = assigned.deadline + timedelta(hours=26)
    assert sweep_deadlines(now=later).escalated == 1
    assigned.refresh_from_db()
    assert assigned.escalation_level == 2
    assert list(assigned.events.filter(kind="escalated").values_list("data__level", "public")) == [(1, False),
                                                                                                    (2, False)]
    to_ioc = OutboxMessage.objects.filter(kind="escalation").values_list("to", flat=True)
    assert sorted(to_ioc) == ["dispatcher@example.org", "dispatcher@example.org"]
    assert OutboxMessage.objects.filter(kind="overdue", to="roads@example.org").count() == 2


def test_resolved_reports_close_after_the_reopening_window(assigned, roads_staff):
    Incident.objects.filter(pk=assigned.pk).update(status="resolved",
                                                   resolved_at=timezone.now() - timedelta(days=8))
    assert sweep_deadlines().closed == 1
    assigned.refresh_from_db()
    assert assigned.status == "closed" and assigned.events.last().kind == "closed"


def test_the_outbox_sends_by_django_mail_and_retries_failures(assigned, mailoutbox, settings):
    sweep_deadlines(now=assigned.deadline - timedelta(hours=1))
    assert deliver_outbox() == 1
    assert [m.to for m in mailoutbox] == [["roads@example.org"]]
    assert OutboxMessage.objects.get().status == "sent"
    assert deliver_outbox() == 0

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    sweep_deadlines(now=assigned.deadline + timedelta(hours=1))
    assert deliver_outbox() == 0
    failed = OutboxMessage.objects.filter(status="pending").first()
    assert failed.attempts == 1 and failed.last_error and failed.send_after > timezone.now()
