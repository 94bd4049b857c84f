"""The chat citizen's pin drop: the one-time link sent when a conversation has no place. The page is the
hotline's (incidents/pin.html); the link belongs to the conversation, so the incident it files is the chat's,
with its photos and its replies, and the link is spent in the same transaction."""

import math

from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from incidents.errors import LinkNotUsable, NoLocation
from incidents.models import Incident
from incidents.pages import MAP_LAYERS
from incidents.spam import check_rate, record_rate
from layers.models import Layer
from portal.errors import PortalError

from .conversations import default_category, pin_digest, submit_conversation
from .models import Conversation
from .replies import kick_delivery

__all__ = ["find_pin", "do_drop_chat_pin", "pin_page"]


def _map_layers() -> list[dict]:
    found = {layer.slug: layer for layer in Layer.objects.filter(slug__in=MAP_LAYERS,
                                                                 visibility=Layer.Visibility.PUBLIC)}
    return [{"slug": slug, "kind": found[slug].kind} for slug in MAP_LAYERS if slug in found]


def _usable(queryset, key: str) -> Conversation:
    conversation = queryset.filter(pin_digest=pin_digest(key or ""), state=Conversation.State.AWAITING_PIN).first()
    if conversation is None or conversation.pin_expires_at is None or conversation.pin_expires_at <= timezone.now():
        raise LinkNotUsable("This link has been used or has expired. Send us the location in the chat instead.")
    return conversation


def find_pin(key: str) -> Conversation:
    return _usable(Conversation.objects.all(), key)


def _coordinate(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise NoLocation() from None
    if not math.isfinite(number):
        raise NoLocation()
    return number


def do_drop_chat_pin(*, key: str, lon, lat) -> Incident:
    """The citizen's pin files the conversation; a refused place (outside the province) keeps the link usable."""
    lon, lat = _coordinate(lon), _coordinate(lat)
    with transaction.atomic():
        conversation = _usable(Conversation.objects.select_for_update(), key)
        category = conversation.category or default_category()
        if category is None:  # the link is only sent once the category is known; a category retired since
            raise LinkNotUsable("The kind of report chosen in the chat is no longer offered. Write to us again.")
        conversation.lon, conversation.lat = lon, lat
        incident = submit_conversation(conversation, category, now=timezone.now())
        kick_delivery(conversation.platform)
    return incident


@require_http_methods(["GET", "POST"])
def pin_page(request, key: str):
    try:
        conversation = find_pin(key)
    except PortalError as exc:
        return render(request, "incidents/pin.html", {"gone": exc}, status=exc.http_status)
    link = {"draft": {"description": conversation.description}}
    if request.method == "POST":
        try:
            check_rate(request)
            record_rate(request)
            incident = do_drop_chat_pin(key=key, lon=request.POST.get("lon"), lat=request.POST.get("lat"))
        except PortalError as exc:
            return render(request, "incidents/pin.html", {"link": link, "error": exc, "map_layers": _map_layers()},
                          status=exc.http_status)
        return HttpResponseRedirect(reverse("incidents:track", args=[incident.tracking_code]))
    return render(request, "incidents/pin.html", {"link": link, "map_layers": _map_layers()})
