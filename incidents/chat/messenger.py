"""Facebook Messenger webhooks: the subscription handshake and the `messages` events of a Page, read into
Inbound records. Shapes as in Meta's Messenger Platform webhook reference:

    {"object": "page", "entry": [{"id": PAGE_ID, "time": ms, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": ms,
         "message": {"mid": "...", "text": "...", "attachments": [{"type": "image", "payload": {"url": "..."}}]}}]}]}

Attachment types documented today are image, video, audio, file, reel, ig_reel and fallback. Shared locations
used to arrive as {"type": "location", "payload": {"coordinates": {"lat": .., "long": ..}}}; the current reference
no longer lists that type (Meta removed the location quick reply in 2019), so it is read when it comes but a
Messenger citizen normally gets the pin-drop link instead.
"""

import hmac

from .errors import MalformedPayload, UnknownEvent
from .inbound import Inbound
from .payloads import digest_of, field, identifier, millis, number

__all__ = ["verify_subscription", "read_events"]

PLATFORM = "messenger"
# Events of a Page subscription the portal does not act on; anything else is refused as unknown.
_IGNORED_EVENTS = ("delivery", "read", "reaction", "postback", "referral", "optin", "account_linking",
                   "message_edit", "policy_enforcement", "pass_thread_control", "take_thread_control",
                   "request_thread_control", "app_roles")
_HINT_ATTACHMENTS = ("audio", "file")
_IGNORED_ATTACHMENTS = ("fallback", "reel", "ig_reel", "template", "sticker", "story_mention", "share")


def verify_subscription(params, verify_token: str) -> str | None:
    """The hub.challenge to echo when the subscription request carries our verify token, else None."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    given = params.get("hub.verify_token") or ""
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    challenge = params.get("hub.challenge") or ""
    return challenge if challenge.isascii() and 0 < len(challenge) <= 200 else None


def _attachment(item, *, base: dict, index: int, where: str) -> Inbound:
    if not isinstance(item, dict):
        raise MalformedPayload(f"{where} is not an object.", field=where)
    kind = field(item, "type", str, where=where)
    payload = field(item, "payload", dict, where=where, required=False) or {}
    event = dict(base, event_id=f"{base['event_id']}#{index}")
    if kind in ("image", "video"):
        if "sticker_id" in payload:
            return Inbound(**event, kind="ignored")
        url = field(payload, "url", str, where=f"{where}.payload")
        return Inbound(**event, kind="photo" if kind == "image" else "video", url=url[:2000])
    if kind == "location":
        coordinates = field(payload, "coordinates", dict, where=f"{where}.payload")
        return Inbound(**event, kind="location", text=str(item.get("title") or "")[:500],
                       lat=number(coordinates.get("lat"), where=f"{where}.payload.coordinates.lat"),
                       lon=number(coordinates.get("long"), where=f"{where}.payload.coordinates.long"))
    if kind in _HINT_ATTACHMENTS:
        return Inbound(**event, kind="hint")
    if kind in _IGNORED_ATTACHMENTS:
        return Inbound(**event, kind="ignored")
    raise UnknownEvent(f"Unknown Messenger attachment type {kind[:40]!r}.", field=f"{where}.type")


def _messaging(event, *, where: str) -> list[Inbound]:
    if not isinstance(event, dict):
        raise MalformedPayload(f"{where} is not an object.", field=where)
    sender = identifier(field(event, "sender", dict, where=where), "id", where=f"{where}.sender")
    timestamp = millis(event, "timestamp", where=where)
    message = field(event, "message", dict, where=where, required=False)
    if message is None:
        known = [name for name in _IGNORED_EVENTS if name in event]
        if not known:
            names = sorted(set(event) - {"sender", "recipient", "timestamp"})
            raise UnknownEvent(f"Unknown Messenger event {(names or ['(none)'])[0][:40]!r}.", field=where)
        return [Inbound(platform=PLATFORM, event_id=f"{known[0]}:{digest_of(event)}", sender_id=sender,
                        timestamp_ms=timestamp, kind="ignored")]
    mid = field(message, "mid", str, where=f"{where}.message")
    base = {"platform": PLATFORM, "event_id": mid[:180], "sender_id": sender, "timestamp_ms": timestamp}
    if message.get("is_echo"):  # what the Page itself sent
        return [Inbound(**base, kind="ignored")]
    found = []
    text = field(message, "text", str, where=f"{where}.message", required=False)
    if text:
        found.append(Inbound(**base, kind="text", text=text))
    attachments = field(message, "attachments", list, where=f"{where}.message", required=False) or []
    found += [_attachment(item, base=base, index=i, where=f"{where}.message.attachments[{i}]")
              for i, item in enumerate(attachments)]
    return found or [Inbound(**base, kind="ignored")]


def read_events(data: dict) -> list[Inbound]:
    """Every citizen action in a verified payload, in order; UnknownEvent for anything we do not know."""
    if data.get("object") != "page":
        raise UnknownEvent(f"Unknown webhook object {str(data.get('object'))[:40]!r}; expected 'page'.",
                           field="object")
    entries = field(data, "entry", list, where="body")
    found = []
    for e, entry in enumerate(entries):
        where = f"entry[{e}]"
        if not isinstance(entry, dict):
            raise MalformedPayload(f"{where} is not an object.", field=where)
        if "messaging" not in entry and "standby" not in entry:
            raise UnknownEvent(f"{where} carries no messaging events (is the app subscribed to other fields?).",
                               field=where)
        for name in ("messaging", "standby"):
            events = field(entry, name, list, where=where, required=False) or []
            for m, event in enumerate(events):
                parsed = _messaging(event, where=f"{where}.{name}[{m}]")
                # Standby: another app of the Page owns the thread; we only watch.
                found += parsed if name == "messaging" else [
                    Inbound(platform=p.platform, event_id=p.event_id, sender_id=p.sender_id,
                            timestamp_ms=p.timestamp_ms, kind="ignored") for p in parsed]
    if not found:
        raise MalformedPayload("The payload carries no events.", field="entry")
    return found
