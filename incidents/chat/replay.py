"""Replay refusal: an event must carry a platform timestamp close to now, and each event id is taken once."""

from datetime import datetime

from django.db import connection

from .conf import chat_conf
from .errors import ReplayedEvent, StaleEvent
from .inbound import Inbound
from .models import SeenEvent

__all__ = ["fresh_only", "do_mark_seen"]


def fresh_only(events: list[Inbound], *, now: datetime) -> list[Inbound]:
    """The events inside the window; StaleEvent (403) when none is. Stale events of a batch are dropped: a
    platform catching up after an outage sends old and new together."""
    window_ms = chat_conf.REPLAY_WINDOW.total_seconds() * 1000
    now_ms = now.timestamp() * 1000
    fresh = [event for event in events if abs(now_ms - event.timestamp_ms) <= window_ms]
    if not fresh:
        raise StaleEvent(f"The event is {abs(now_ms - events[0].timestamp_ms) / 1000:.0f} s from the portal's "
                         f"clock; at most {window_ms / 1000:.0f} s are accepted.", field="timestamp")
    return fresh


def do_mark_seen(platform: str, events: list[Inbound], *, now: datetime) -> list[Inbound]:
    """Record the event ids in the caller's transaction and return the events not seen before; ReplayedEvent
    (409) when every one was. A concurrent delivery of the same id waits on the unique index, then sees it."""
    ids = list(dict.fromkeys(event.event_id for event in events))
    table = connection.ops.quote_name(SeenEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (platform, event_id, seen_at) SELECT %s, unnest(%s::text[]), %s "  # noqa: S608 - our table's name, quoted
            "ON CONFLICT (platform, event_id) DO NOTHING RETURNING event_id", [platform, ids, now])
        new = {row[0] for row in cursor.fetchall()}
    if not new:
        raise ReplayedEvent()
    return [event for event in events if event.event_id in new]
