"""Messages queued in the outbox in the same transaction as the change they tell of; sent by tasks.deliver_outbox.

Bodies are plain text: a citizen's words quoted in them cannot turn into markup in any mail reader.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from .conf import conf
from .models import Incident, OutboxMessage

__all__ = ["queue_message", "queue_receipt", "receipt_for", "queue_status_change", "queue_to_agency",
           "queue_to_ioc", "tracking_url", "staff_emails"]


def tracking_url(incident: Incident) -> str:
    return f"{conf.PORTAL_URL.rstrip('/')}/incidents/track/{incident.tracking_code}"


def queue_message(*, kind: str, to: str, subject: str, body: str, incident: Incident | None = None,
                  dedupe_key: str | None = None) -> OutboxMessage | None:
    """One outbox row; None when a message with the same dedupe_key was queued before."""
    message = OutboxMessage(kind=kind, to=to, subject=subject[:300], body=body, incident=incident,
                            dedupe_key=dedupe_key)
    if dedupe_key is None:
        message.save(force_insert=True)
        return message
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return None
    return message


def receipt_for(incident: Incident) -> OutboxMessage | None:
    """The reporter's receipt, not yet stored (intake writes it with the incident); None without an email."""
    if not incident.reporter_email:
        return None
    return OutboxMessage(
        kind=OutboxMessage.Kind.RECEIPT, to=incident.reporter_email, incident=incident,
        subject=f"[{incident.tracking_code}] Đã tiếp nhận phản ánh / Report received"[:300],
        body=(f"Phản ánh của bạn đã được tiếp nhận với mã {incident.tracking_code}.\n"
              f"Your report was received as {incident.tracking_code}.\n\n"
              f"Theo dõi / Follow it: {tracking_url(incident)}\n"
              f"Hạn xử lý / Deadline: {timezone.localtime(incident.deadline):%d/%m/%Y %H:%M}\n"))


def queue_receipt(incident: Incident) -> None:
    receipt = receipt_for(incident)
    if receipt is not None:
        receipt.save(force_insert=True)


def queue_status_change(incident: Incident, *, note: str = "") -> None:
    """To the reporter and to followers: the new public status, with the public note if any."""
    recipients = {incident.reporter_email} if incident.reporter_email else set()
    recipients |= set(incident.followers.values_list("email", flat=True))
    status = incident.get_status_display()
    for to in sorted(recipients):
        queue_message(kind=OutboxMessage.Kind.STATUS, to=to, incident=incident,
                      subject=f"[{incident.tracking_code}] {status}",
                      body=f"{incident.tracking_code}: {status}\n\n{note}\n\n{tracking_url(incident)}\n")


def staff_emails(org_unit_id: int | None) -> list[str]:
    if org_unit_id is None:
        return []
    users = get_user_model().objects.filter(org_unit_id=org_unit_id, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _ioc_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, org_unit__kind="province_ioc").exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def queue_to_agency(incident: Incident, *, kind: str, subject: str, body: str, dedupe: str = "") -> int:
    sent = 0
    for to in staff_emails(incident.agency_id):
        key = f"{dedupe}:{to}" if dedupe else None
        sent += queue_message(kind=kind, to=to, subject=subject, body=body, incident=incident,
                              dedupe_key=key) is not None
    return sent


def queue_to_ioc(incident: Incident, *, kind: str, subject: str, body: str, dedupe: str = "") -> int:
    sent = 0
    for to in _ioc_emails():
        key = f"{dedupe}:{to}" if dedupe else None
        sent += queue_message(kind=kind, to=to, subject=subject, body=body, incident=incident,
                              dedupe_key=key) is not None
    return sent
