"""The deadline sweep the beat runs: reminders before a deadline, escalation to the IOC after it, and closing
resolved reports whose reopening window has passed. Messages go through the outbox; each is queued once."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import events
from .changes import announce_change
from .conf import conf
from .models import Incident, OutboxMessage, Status
from .notifications import queue_to_agency, queue_to_ioc, tracking_url

__all__ = ["SweepReport", "sweep_deadlines"]


@dataclass
class SweepReport:
    reminded: int = 0
    escalated: int = 0
    closed: int = 0


def _summary(incident: Incident) -> str:
    due = timezone.localtime(incident.deadline)
    return (f"{incident.tracking_code} — {incident.category.name_vi}\n{incident.description[:500]}\n\n"
            f"Hạn xử lý / Deadline: {due:%d/%m/%Y %H:%M}\n{tracking_url(incident)}\n")


def _remind(incident: Incident) -> bool:
    key = f"reminder:{incident.pk}:{incident.deadline:%Y%m%d%H%M}"
    sent = queue_to_agency(incident, kind=OutboxMessage.Kind.REMINDER, dedupe=key,
                           subject=f"[{incident.tracking_code}] Sắp đến hạn / Deadline near", body=_summary(incident))
    if sent:
        events.reminded_event(incident=incident, kind="near", to=str(incident.agency_id))
    return bool(sent)


def _escalate(incident: Incident, level: int) -> None:
    incident.escalation_level = level
    incident.save(update_fields=["escalation_level", "updated_at"])
    overdue = timezone.now() - incident.deadline
    reason = f"{overdue.days} d {overdue.seconds // 3600} h past the deadline"
    events.escalated_event(incident=incident, level=level, reason=reason, agency=incident.agency)
    key = f"escalation:{incident.pk}:{level}"
    body = _summary(incident) + f"\nQuá hạn / Overdue — cấp / level {level}\n"
    queue_to_ioc(incident, kind=OutboxMessage.Kind.ESCALATION, dedupe=key,
                 subject=f"[{incident.tracking_code}] Quá hạn / Overdue (cấp {level})", body=body)
    queue_to_agency(incident, kind=OutboxMessage.Kind.OVERDUE, dedupe=key,
                    subject=f"[{incident.tracking_code}] Quá hạn / Overdue", body=body)
    announce_change(incident, "escalated")


def sweep_deadlines(*, now=None) -> SweepReport:
    from .services import do_close

    now = now or timezone.now()
    report = SweepReport()
    near = Incident.objects.near_deadline(conf.NEAR_DEADLINE, now=now).filter(agency__isnull=False)
    for incident in near.select_related("category"):
        with transaction.atomic():
            report.reminded += _remind(incident)
    step = conf.ESCALATE_AFTER
    for incident in Incident.objects.overdue(now=now).select_related("category"):
        # Level 1 when the deadline passes, one more for each further `step` overdue.
        level = 1 + int((now - incident.deadline) / step)
        if level > incident.escalation_level:
            with transaction.atomic():
                locked = Incident.objects.select_for_update().select_related("category").get(pk=incident.pk)
                if level > locked.escalation_level and locked.is_open:
                    _escalate(locked, level)
                    report.escalated += 1
    window = now - timedelta(days=conf.REOPEN_DAYS)
    for incident in Incident.objects.filter(status=Status.RESOLVED, resolved_at__lt=window):
        do_close(incident=incident, actor=None, note="reopening window passed")
        report.closed += 1
    return report
