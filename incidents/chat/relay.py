"""Status changes told to the citizen on their chat app, read from the incident's append-only history.

The history is the one record of what happened to an incident, whichever service or beat made the change, so
the relay reads public events of chat-filed incidents newer than the receipt and queues one reply per event
(the reply's unique event link makes a second run, or two at once, queue nothing new). No signal, no hook in
the services: a change made anywhere reaches the citizen within one beat."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from incidents.models import EventKind, IncidentEvent, Status

from . import texts
from .models import Conversation, Reply
from .replies import queue_reply

__all__ = ["relay_status_changes", "RELAYED_KINDS"]

RELAYED_KINDS = (EventKind.ACCEPTED, EventKind.REJECTED, EventKind.ASSIGNED, EventKind.REASSIGNED,
                 EventKind.STARTED, EventKind.RESOLVED, EventKind.CLOSED, EventKind.REOPENED, EventKind.MERGED,
                 EventKind.NOTE_PUBLIC)
# How far back the relay looks: an incident changed while the relay was down for longer is not told.
LOOKBACK = timedelta(days=30)


def relay_status_changes(*, batch: int = 500, now: datetime | None = None) -> int:
    now = now or timezone.now()
    events = (IncidentEvent.objects
              .filter(public=True, kind__in=RELAYED_KINDS, at__gte=now - LOOKBACK,
                      incident__chat_conversation__isnull=False,
                      pk__gt=F("incident__chat_conversation__relay_after_event"))
              .exclude(Exists(Reply.objects.filter(event=OuterRef("pk"))))
              .select_related("incident").order_by("id")[:batch])
    queued = 0
    with transaction.atomic():
        for event in events:
            conversation = Conversation.objects.get(incident_id=event.incident_id)
            incident = event.incident
            kind = Reply.Kind.RESOLUTION if event.kind == EventKind.RESOLVED else Reply.Kind.STATUS
            text = texts.status_change(code=incident.tracking_code, kind=event.kind, to_status=event.to_status,
                                       note=event.note, statuses=Status)
            queued += queue_reply(conversation, kind=kind, text=text, incident=incident, event=event) is not None
    return queued
