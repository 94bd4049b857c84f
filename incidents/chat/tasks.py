"""Celery tasks of the chat channels, run by the beat (CELERY_BEAT_SCHEDULE) and kicked after commits."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .conf import chat_conf
from .delivery import deliver_replies
from .media_fetch import fetch_pending_media
from .models import Conversation, SeenEvent
from .relay import relay_status_changes

__all__ = ["deliver_replies_task", "relay_status_task", "fetch_media_task", "purge_task", "IDLE_CLOSE"]

# A conversation nobody wrote in for this long is closed; the next message starts a new one.
IDLE_CLOSE = 7


@shared_task(name="chat.deliver_replies")
def deliver_replies_task() -> int:
    return deliver_replies()


@shared_task(name="chat.relay_status_changes")
def relay_status_task() -> int:
    queued = relay_status_changes()
    if queued:
        deliver_replies()
    return queued


@shared_task(name="chat.fetch_media")
def fetch_media_task() -> int:
    return fetch_pending_media()


@shared_task(name="chat.purge")
def purge_task() -> dict:
    now = timezone.now()
    with transaction.atomic():
        seen, _ = SeenEvent.objects.filter(seen_at__lt=now - chat_conf.SEEN_EVENTS_KEPT).delete()
        closed = (Conversation.objects.filter(state__in=("collecting", "awaiting_pin"),
                                              last_inbound_at__lt=now - timedelta(days=IDLE_CLOSE))
                  .update(state=Conversation.State.CLOSED, pin_digest=None))
    return {"seen_events": seen, "closed_conversations": closed}
