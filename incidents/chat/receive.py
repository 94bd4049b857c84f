"""A verified webhook delivery, from platform events to stored conversations, in one transaction."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .conversations import check_declared_sizes, handle_events
from .inbound import Inbound
from .replay import do_mark_seen, fresh_only
from .replies import kick_delivery

__all__ = ["do_receive"]


def do_receive(platform: str, events: list[Inbound], *, now: datetime | None = None) -> dict:
    """Refusals first (stale 403, oversize 413), then the ids (replayed 409) and the conversations together:
    whatever fails, nothing of the delivery is stored, and the platform may send it again."""
    now = now or timezone.now()
    fresh = fresh_only(events, now=now)
    check_declared_sizes(fresh)
    with transaction.atomic():
        new = do_mark_seen(platform, fresh, now=now)
        counts = handle_events(new, now=now)
        kick_delivery(platform)
    return {"received": len(events), **counts, "stale": len(events) - len(fresh), "replayed": len(fresh) - len(new)}
