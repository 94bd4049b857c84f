"""The hotline console's writes: a call recorded as a report, or, when the caller cannot say where, a draft
and a one-time link for the caller to drop the pin, after which the same intake creates the incident."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.errors import PermissionDenied

from .conf import conf
from .errors import LinkNotUsable
from .intake import Report, check_report, do_submit_incident
from .models import Channel, Incident, OutboxMessage, PinDropLink
from .notifications import queue_message

__all__ = ["PinDrop", "do_record_call", "do_send_pin_drop", "find_pin_drop", "do_drop_pin", "pin_drop_url"]

_DRAFT_FIELDS = ("category", "description", "address", "reporter_name", "reporter_phone", "reporter_email",
                 "attributes", "extra")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def pin_drop_url(key: str) -> str:
    return f"{conf.PORTAL_URL.rstrip('/')}/incidents/pin/{key}"


def _need_operator(user) -> None:
    if not (user and user.is_authenticated and user.has_perm("incidents.record_call")):
        raise PermissionDenied("Only hotline operators can record calls.")


def do_record_call(*, operator, report: Report) -> Incident:
    """A located call: straight through intake, channel hotline, recorded by the operator."""
    _need_operator(operator)
    report.channel, report.recorded_by = Channel.HOTLINE, operator
    return do_submit_incident(check_report(report))


class PinDrop:
    def __init__(self, link: PinDropLink, key: str):
        self.link, self.key = link, key

    @property
    def url(self) -> str:
        return pin_drop_url(self.key)


@transaction.atomic
def do_send_pin_drop(*, operator, report: Report) -> PinDrop:
    """Check the call as a report without a place; keep it as a draft behind a one-time link, mailed to the
    caller when they gave an address (the operator can also read it out or text it)."""
    _need_operator(operator)
    report.channel = Channel.HOTLINE
    checked = check_report(report, need_location=False)
    draft = {name: getattr(report, name) for name in _DRAFT_FIELDS}
    draft.update(description=checked.description, address=checked.address, attributes=checked.attributes,
                 reporter_name=checked.reporter_name, reporter_phone=checked.reporter_phone,
                 reporter_email=checked.reporter_email, category=checked.category.code)
    key = secrets.token_urlsafe(24)
    link = PinDropLink.objects.create(digest=_digest(key), draft=draft, created_by=operator,
                                      sent_to=checked.reporter_email or checked.reporter_phone,
                                      expires_at=timezone.now() + timedelta(hours=conf.PIN_DROP_HOURS))
    if checked.reporter_email:
        queue_message(kind=OutboxMessage.Kind.PIN_DROP, to=checked.reporter_email,
                      subject="Chỉ vị trí phản ánh / Show us where",
                      body=(f"Mở liên kết và chạm vào bản đồ nơi xảy ra sự việc (dùng được một lần, trong "
                            f"{conf.PIN_DROP_HOURS} giờ):\nOpen the link and tap the map where it is (once, within "
                            f"{conf.PIN_DROP_HOURS} hours):\n\n{pin_drop_url(key)}\n"))
    return PinDrop(link, key)


def find_pin_drop(key: str) -> PinDropLink:
    link = PinDropLink.objects.filter(digest=_digest(key or "")).first()
    if link is None or not link.usable:
        raise LinkNotUsable()
    return link


def do_drop_pin(*, key: str, lon, lat) -> Incident:
    """The caller's pin: the draft goes through intake with the place; the link is spent in the same step."""
    with transaction.atomic():
        link = PinDropLink.objects.select_for_update().filter(digest=_digest(key or "")).first()
        if link is None or not link.usable:
            raise LinkNotUsable()
        report = Report(channel=Channel.HOTLINE, lon=lon, lat=lat, recorded_by=link.created_by,
                        **{name: link.draft.get(name, {} if name in ("attributes", "extra") else "")
                           for name in _DRAFT_FIELDS})
        report.extra = {**report.extra, "located_by": "caller pin drop"}
        incident = do_submit_incident(check_report(report))
        link.used_at, link.incident = timezone.now(), incident
        link.save(update_fields=["used_at", "incident"])
    return incident


