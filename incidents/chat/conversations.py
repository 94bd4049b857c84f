"""One conversation per citizen and platform: texts become the description, a number from the menu the
category, photos and videos attachments, a shared location the place. When the citizen sends SEND (or shares
the place after describing it) the conversation goes through the same intake as every channel; without a place
they get a one-time pin-drop link, and the incident is filed when they drop the pin."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max

from incidents.conf import conf as incident_conf
from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Category, Incident, IncidentEvent
from portal.errors import InvalidInput

from . import texts
from .conf import chat_conf
from .errors import AttachmentTooLarge, TooManyAttachments
from .inbound import Inbound
from .media_fetch import kick_fetch
from .models import Attachment, Conversation, Reply
from .replies import queue_reply

__all__ = ["handle_events", "submit_conversation", "default_category", "pin_digest", "pin_url",
           "check_declared_sizes", "MENU_SIZE"]

OPEN = (Conversation.State.COLLECTING, Conversation.State.AWAITING_PIN)
MENU_SIZE = 30


def pin_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def pin_url(key: str) -> str:
    return f"{incident_conf.PORTAL_URL.rstrip('/')}/chat/pin/{key}"


def _size_limit(kind: str) -> int:
    return incident_conf.MAX_PHOTO_BYTES if kind == "photo" else incident_conf.MAX_VIDEO_BYTES


def check_declared_sizes(events: list[Inbound]) -> None:
    """Attachments whose size the platform states are refused before anything is stored."""
    for event in events:
        if event.kind in ("photo", "video") and event.size and event.size > _size_limit(event.kind):
            raise AttachmentTooLarge(size=event.size, limit=_size_limit(event.kind))


def _menu_names(conversation: Conversation) -> list[tuple[str, str]]:
    by_code = {c.code: c for c in Category.objects.for_citizens().filter(code__in=conversation.menu)}
    return [(by_code[code].name_vi, by_code[code].name_en) for code in conversation.menu if code in by_code]


def _open(platform: str, sender: str, *, now: datetime) -> tuple[Conversation, bool]:
    """The sender's open conversation, locked, or a new one (with the welcome and its menu)."""
    found = (Conversation.objects.select_for_update()
             .filter(platform=platform, sender_id=sender, state__in=OPEN).first())
    if found is not None:
        return found, False
    menu = list(Category.objects.for_citizens().order_by("order", "code").values_list("code", flat=True)[:MENU_SIZE])
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(platform=platform, sender_id=sender, menu=menu,
                                                       last_inbound_at=now, created_at=now)
    except IntegrityError:  # another delivery for the same person opened it a moment ago
        return Conversation.objects.select_for_update().get(platform=platform, sender_id=sender,
                                                            state__in=OPEN), False
    queue_reply(conversation, kind=Reply.Kind.WELCOME, text=texts.welcome(_menu_names(conversation)))
    return conversation, True


def _recently_filed(platform: str, sender: str, *, now: datetime) -> Conversation | None:
    return (Conversation.objects.select_for_update()
            .filter(platform=platform, sender_id=sender, state=Conversation.State.SUBMITTED,
                    submitted_at__gte=now - chat_conf.ATTACH_AFTER_SUBMIT, incident__isnull=False)
            .order_by("-submitted_at").first())


def _choice(conversation: Conversation, text: str) -> Category | None:
    word = text.strip().lower()
    code = None
    if word.isdigit() and 1 <= int(word) <= len(conversation.menu):
        code = conversation.menu[int(word) - 1]
    elif word in conversation.menu:
        code = word
    return Category.objects.for_citizens().filter(code=code).first() if code else None


def default_category() -> Category | None:
    code = chat_conf.DEFAULT_CATEGORY
    return Category.objects.for_citizens().filter(code=code).first() if code else None


def _add_text(conversation: Conversation, text: str) -> None:
    limit = incident_conf.MAX_DESCRIPTION
    joined = "\n".join(part for part in (conversation.description, text.strip()) if part)
    if len(joined) > limit:
        queue_reply(conversation, kind=Reply.Kind.PROMPT, text=texts.too_long(limit))
    conversation.description = joined[:limit]


def _add_media(conversation: Conversation, event: Inbound, *, incident: Incident | None = None) -> None:
    existing = Attachment.objects.filter(conversation=conversation).count()
    if incident is not None:
        existing = max(existing, incident.media.count())
    if existing + 1 > incident_conf.MAX_FILES:
        raise TooManyAttachments(limit=incident_conf.MAX_FILES)
    Attachment.objects.create(conversation=conversation, incident=incident, kind=event.kind, url=event.url,
                              declared_size=event.size)


def _send_pin_drop(conversation: Conversation, *, now: datetime) -> None:
    key = secrets.token_urlsafe(24)
    conversation.pin_digest = pin_digest(key)
    conversation.pin_expires_at = now + timedelta(hours=incident_conf.PIN_DROP_HOURS)
    conversation.state = Conversation.State.AWAITING_PIN
    queue_reply(conversation, kind=Reply.Kind.PIN_DROP, text=texts.pin_drop(pin_url(key)))


def submit_conversation(conversation: Conversation, category: Category, *, now: datetime) -> Incident:
    """The conversation through intake (InvalidInput as intake raises it), then linked to its incident."""
    report = Report(category=category.code, description=conversation.description, channel=conversation.platform,
                    lon=conversation.lon, lat=conversation.lat, address=conversation.address,
                    extra={"chat": {"platform": conversation.platform, "conversation": conversation.pk}})
    incident = do_submit_incident(check_report(report))
    conversation.incident, conversation.state = incident, Conversation.State.SUBMITTED
    conversation.submitted_at, conversation.wants_submit, conversation.pin_digest = now, False, None
    # The receipt tells of the routing done at intake; later events are relayed.
    conversation.relay_after_event = IncidentEvent.objects.filter(incident=incident).aggregate(m=Max("id"))["m"] or 0
    conversation.save()
    if Attachment.objects.filter(conversation=conversation, incident__isnull=True).update(incident=incident):
        kick_fetch(conversation.platform)
    queue_reply(conversation, kind=Reply.Kind.RECEIPT, incident=incident,
                text=texts.receipt(incident.tracking_code, incident.deadline),
                dedupe_key=f"receipt:{incident.pk}")
    return incident


def _try_submit(conversation: Conversation, *, now: datetime, asked: bool) -> None:
    if not conversation.description.strip():
        queue_reply(conversation, kind=Reply.Kind.PROMPT,
                    text=texts.ask_description() if asked else texts.place_received())
        return
    category = conversation.category or default_category()
    if category is None:
        conversation.wants_submit = True
        queue_reply(conversation, kind=Reply.Kind.PROMPT, text=texts.ask_category(_menu_names(conversation)))
        return
    if conversation.lon is None or conversation.lat is None:
        _send_pin_drop(conversation, now=now)
        return
    try:
        submit_conversation(conversation, category, now=now)
    except InvalidInput as exc:
        if exc.field == "location":  # outside the province, at sea: the citizen shares another place
            conversation.lon = conversation.lat = None
            conversation.address = ""
        queue_reply(conversation, kind=Reply.Kind.REFUSED, text=texts.refused(exc.user_msg))


def _on_text(conversation: Conversation, event: Inbound, *, now: datetime) -> None:
    word = event.text.strip().lower()
    if word in texts.CANCEL_WORDS:
        conversation.state, conversation.pin_digest = Conversation.State.CLOSED, None
        queue_reply(conversation, kind=Reply.Kind.PROMPT, text=texts.cancelled())
        return
    if word in texts.SEND_WORDS:
        _try_submit(conversation, now=now, asked=True)
        return
    chosen = _choice(conversation, event.text)
    if chosen is not None:
        conversation.category = chosen
        if conversation.wants_submit:
            _try_submit(conversation, now=now, asked=True)
        else:
            queue_reply(conversation, kind=Reply.Kind.PROMPT, text=texts.category_chosen(chosen.name_vi,
                                                                                      chosen.name_en))
        return
    _add_text(conversation, event.text)


def _handle(event: Inbound, *, now: datetime) -> None:
    if event.kind in ("photo", "video"):
        filed = _recently_filed(event.platform, event.sender_id, now=now)
        if filed is not None and not Conversation.objects.filter(platform=event.platform, sender_id=event.sender_id,
                                                                 state__in=OPEN).exists():
            _add_media(filed, event, incident=filed.incident)
            filed.last_inbound_at = now
            filed.save(update_fields=["last_inbound_at", "updated_at"])
            kick_fetch(event.platform)
            queue_reply(filed, kind=Reply.Kind.MEDIA, incident=filed.incident,
                        text=texts.media_added(filed.incident.tracking_code))
            return
    conversation, _new = _open(event.platform, event.sender_id, now=now)
    conversation.last_inbound_at = now
    if event.kind == "text":
        _on_text(conversation, event, now=now)
    elif event.kind in ("photo", "video"):
        _add_media(conversation, event)
    elif event.kind == "location":
        conversation.lon, conversation.lat = event.lon, event.lat
        conversation.address = event.text[:500]
        if conversation.state == Conversation.State.AWAITING_PIN:
            conversation.pin_digest = None  # the place came in the chat: the link is no longer needed
        _try_submit(conversation, now=now, asked=False)
    elif event.kind == "hint":
        queue_reply(conversation, kind=Reply.Kind.PROMPT, text=texts.only_photos())
    if conversation.state != Conversation.State.SUBMITTED:  # submit_conversation saved it already
        conversation.save()


def handle_events(events: list[Inbound], *, now: datetime) -> dict:
    """Each new event in turn, inside the caller's transaction: a refusal (too many photos) undoes them all."""
    counts = {"accepted": 0, "ignored": 0}
    for event in events:
        if event.kind == "ignored":
            counts["ignored"] += 1
            continue
        _handle(event, now=now)
        counts["accepted"] += 1
    return counts
