"""Every change to an incident is announced on Redis pub/sub once committed, for live pages to follow.

The message carries ids and the new state only, never personal data: subscribers reload what they may see.
"""

import json
import logging

import redis
from django.conf import settings
from django.db import transaction

__all__ = ["CHANNEL", "announce_change", "publish_now"]

CHANNEL = "incidents:changes"
log = logging.getLogger(__name__)
_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    return _client


def publish_now(message: dict) -> None:
    try:
        _redis().publish(CHANNEL, json.dumps(message))
    except redis.RedisError:
        # A live page that misses one change catches up on its next reload; the change itself is stored.
        log.warning("incident change %s not announced: Redis unreachable", message.get("id"))


def announce_change(incident, kind: str) -> None:
    # district_id lets the live pages of a district IOC hear of their district's reports only.
    message = {"id": incident.pk, "code": incident.tracking_code, "kind": kind, "status": incident.status,
               "agency_id": incident.agency_id, "district_id": incident.district_id,
               "category": incident.category.code}
    transaction.on_commit(lambda: publish_now(message))
