"""Zalo Official Account webhooks read into Inbound records. Shapes as Zalo's OA webhook docs show them (and as
deliveries recorded by integrators confirm):

    {"app_id": "...", "user_id_by_app": "...", "event_name": "user_send_location", "timestamp": "1751100041636",
     "sender": {"id": USER}, "recipient": {"id": OA},
     "message": {"msg_id": "...", "text": "...", "attachments": [
        {"type": "location", "payload": {"coordinates": {"latitude": "10.79", "longitude": "106.78"}}}]}}

Images and videos come as {"type": "image"|"video", "payload": {"url": ..., "thumbnail": ...}}. Coordinates come
as strings under latitude/longitude; some SDKs type them lat/long, which is read too since the docs are not
explicit. Events of anonymous (non-follower) users, anonymous_send_*, are read like user_send_*.
"""

from dataclasses import replace

from .errors import MalformedPayload, UnknownEvent
from .inbound import Inbound
from .payloads import digest_of, field, identifier, millis, number

__all__ = ["signed_fields", "read_events", "PLATFORM"]

PLATFORM = "zalo"
_REPORT_EVENTS = {"send_text": "text", "send_image": "photo", "send_video": "video", "send_location": "location",
                  "send_audio": "hint", "send_file": "hint", "send_sticker": "ignored", "send_gif": "ignored",
                  "send_link": "ignored", "send_business_card": "ignored"}
# Events of an OA's webhook the portal does not act on.
_IGNORED = {"follow", "unfollow", "user_received_message", "user_seen_message", "user_reacted_message",
            "oa_reacted_message", "user_submit_info", "user_click_chatnow", "user_click_button", "user_click_link",
            "add_user_to_tag", "user_asking_product", "user_send_group_text", "shop_has_order",
            "change_oa_daily_quota", "change_oa_template_tags", "change_template_quality", "change_template_quota",
            "update_user_info", "user_feedback"}


def signed_fields(data: dict) -> tuple[str, str]:
    """(app_id, timestamp) as the MAC takes them: the body's own strings."""
    app_id = identifier(data, "app_id", where="body")
    timestamp = field(data, "timestamp", (str, int), where="body")
    return app_id, str(timestamp)


def _attachment(item, *, base: dict, index: int, expected: str, where: str) -> Inbound:
    if not isinstance(item, dict):
        raise MalformedPayload(f"{where} is not an object.", field=where)
    payload = field(item, "payload", dict, where=where)
    event = dict(base, event_id=f"{base['event_id']}#{index}")
    size = payload.get("size")
    size = int(size) if isinstance(size, int | str) and str(size).isdigit() else None
    if expected == "location":
        coordinates = field(payload, "coordinates", dict, where=f"{where}.payload")
        lat = coordinates.get("latitude", coordinates.get("lat"))
        lon = coordinates.get("longitude", coordinates.get("long"))
        return Inbound(**event, kind="location", lat=number(lat, where=f"{where}.payload.coordinates.latitude"),
                       lon=number(lon, where=f"{where}.payload.coordinates.longitude"))
    url = field(payload, "url", str, where=f"{where}.payload")
    return Inbound(**event, kind=expected, url=url[:2000], size=size)


def read_events(data: dict) -> list[Inbound]:
    name = field(data, "event_name", str, where="body")
    timestamp = millis(data, "timestamp", where="body")
    action = name.removeprefix("user_").removeprefix("anonymous_")
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    event_id = str(message.get("msg_id") or "")[:180] or f"{name[:40]}:{digest_of(data)}"
    if name.startswith("oa_") or name in _IGNORED:  # our own messages echoed, follows, receipts
        sender = str((data.get("sender") or {}).get("id") or "")[:100] if isinstance(data.get("sender"), dict) else ""
        return [Inbound(platform=PLATFORM, event_id=event_id, sender_id=sender, timestamp_ms=timestamp,
                        kind="ignored")]
    if action == name or action not in _REPORT_EVENTS:
        raise UnknownEvent(f"Unknown Zalo event {name[:60]!r}.", field="event_name")
    sender = identifier(field(data, "sender", dict, where="body"), "id", where="body.sender")
    message = field(data, "message", dict, where="body")
    base = {"platform": PLATFORM, "event_id": event_id, "sender_id": sender, "timestamp_ms": timestamp}
    kind = _REPORT_EVENTS[action]
    if kind == "text":
        text = field(message, "text", str, where="body.message")
        return [Inbound(**base, kind="text", text=text)]
    if kind in ("hint", "ignored"):
        return [Inbound(**base, kind=kind)]
    attachments = field(message, "attachments", list, where="body.message")
    if not attachments:
        raise MalformedPayload(f"{name} carries no attachment.", field="body.message.attachments")
    found = [_attachment(item, base=base, index=i, expected=kind, where=f"body.message.attachments[{i}]")
             for i, item in enumerate(attachments)]
    caption = message.get("text")
    if kind != "location" and isinstance(caption, str) and caption.strip():
        found.insert(0, Inbound(**base, kind="text", text=caption))
    elif kind == "location" and isinstance(caption, str):
        # The name of the shared place ("Cơm Coffee New Sky"): kept as the address.
        found = [replace(f, text=caption[:500]) for f in found]
    return found
