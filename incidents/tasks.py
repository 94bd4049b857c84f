"""Celery tasks of incidents: the deadline sweep and the outbox, both run by the beat (CELERY_BEAT_SCHEDULE)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .conf import conf
from .deadlines import sweep_deadlines
from .models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BATCH = 200


@shared_task(name="incidents.sweep_deadlines")
def sweep_deadlines_task() -> dict:
    report = sweep_deadlines()
    return {"reminded": report.reminded, "escalated": report.escalated, "closed": report.closed}


def deliver_outbox(*, batch: int = BATCH) -> int:
    """Send due messages by Django's mail backend; a failure is retried later, at most MAX_ATTEMPTS times.

    Rows are claimed with SKIP LOCKED, so two beats (or a beat and a manual run) never send one twice."""
    sent = 0
    with transaction.atomic():
        due = list(OutboxMessage.objects.due().select_for_update(skip_locked=True).order_by("id")[:batch])
        for message in due:
            message.attempts += 1
            try:
                EmailMessage(subject=message.subject, body=message.body, to=[message.to],
                             from_email=getattr(settings, "INCIDENT_MAIL_FROM", conf.MAIL_FROM)).send()
            except OSError as exc:  # SMTP refusals and unreachable servers are OSErrors (smtplib.SMTPException)
                message.last_error = str(exc)[:500]
                message.status = (OutboxMessage.State.FAILED if message.attempts >= MAX_ATTEMPTS
                                  else OutboxMessage.State.PENDING)
                message.send_after = timezone.now() + timedelta(minutes=2 ** message.attempts)
                log.warning("outbox %s to %s failed (%s attempts): %s", message.pk, message.to, message.attempts, exc)
            else:
                message.status, message.sent_at = OutboxMessage.State.SENT, timezone.now()
                sent += 1
            message.save(update_fields=["attempts", "last_error", "status", "send_after", "sent_at"])
    return sent


@shared_task(name="incidents.deliver_outbox")
def deliver_outbox_task() -> int:
    return deliver_outbox()
