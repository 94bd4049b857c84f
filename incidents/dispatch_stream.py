"""Server-sent events for the dispatcher's live page: each committed incident change, as it happens.

Services announce changes on Redis pub/sub once their transaction commits (incidents.changes); this
async view (ASGI, uvicorn) relays them to each open page. Messages carry ids and states only; the page
fetches what changed through the API, which applies the caller's rights again. Agency staff are sent
their agency's incidents only, plus a "removed" when one of theirs moves to another agency; a district
IOC's dispatchers their district's only.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from portal.accounts.scope import district_unit_ids

from .access import is_agency_staff, is_dispatcher
from .changes import CHANNEL
from .models import Incident

__all__ = ["dispatch_events", "Audience", "relay"]

log = logging.getLogger(__name__)
HEARTBEAT_S = 15.0  # a comment line this often keeps proxies from closing a quiet stream
RETRY_MS = 2000  # EventSource reconnects after this long when the stream breaks


class Audience:
    """Which announcements one page may receive."""

    def __init__(self, *, agency_id: int | None, known: set[int] | None = None,
                 districts: frozenset[int] | None = None):
        self.agency_id = agency_id  # None: a dispatcher, who sees every incident of their territory
        self.known = known if known is not None else set()
        self.districts = districts  # a district IOC's dispatcher: its district's unit ids; None: the province

    def relay(self, message: dict) -> dict | None:
        fields = {key: message.get(key) for key in ("id", "code", "kind", "status", "agency_id", "category")}
        if self.agency_id is None:
            if self.districts is not None and message.get("district_id") not in self.districts:
                return None
            return fields
        if message.get("agency_id") == self.agency_id:
            self.known.add(message.get("id"))
            return fields
        if message.get("id") in self.known:
            self.known.discard(message.get("id"))
            return {"id": message.get("id"), "kind": "removed"}
        return None


def relay(audience: Audience, raw: bytes | str) -> str | None:
    """One SSE frame for `raw` (a pub/sub payload), or None when this page is not to hear of it."""
    try:
        message = json.loads(raw)
    except (ValueError, TypeError):
        log.warning("ignored a malformed incident announcement")
        return None
    if not isinstance(message, dict) or not isinstance(message.get("id"), int):
        return None
    shown = audience.relay(message)
    return f"event: change\ndata: {json.dumps(shown)}\n\n" if shown is not None else None


def _audience_of(user) -> Audience | None:
    if is_dispatcher(user):
        districts = district_unit_ids(user)
        return Audience(agency_id=None, districts=None if districts is None else frozenset(districts))
    if is_agency_staff(user):
        known = set(Incident.objects.filter(agency_id=user.org_unit_id).values_list("pk", flat=True))
        return Audience(agency_id=user.org_unit_id, known=known)
    return None


async def _frames(audience: Audience) -> AsyncIterator[str]:
    client = aioredis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(CHANNEL)
        # Sent once subscribed: the page reloads its list on "ready", so nothing committed in between is missed.
        yield f"retry: {RETRY_MS}\nevent: ready\ndata: {{}}\n\n"
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=HEARTBEAT_S)
            if message is None:
                yield ": ping\n\n"
                continue
            frame = relay(audience, message["data"])
            if frame is not None:
                yield frame
    finally:
        # The page went away (Django cancels the stream on disconnect) or Redis failed: let go of both.
        try:
            await asyncio.shield(pubsub.aclose())
            await asyncio.shield(client.aclose())
        except (aioredis.RedisError, OSError):
            log.info("pub/sub connection already gone")


async def dispatch_events(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"code": "not_authenticated", "message": "Log in first."}, status=401)
    audience = await sync_to_async(_audience_of)(user)
    if audience is None:
        return JsonResponse({"code": "permission_denied", "message": "Only dispatchers and agency staff."},
                            status=403)
    response = StreamingHttpResponse(_frames(audience), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
