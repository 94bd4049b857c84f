"""What the platform parsers hand to the conversation: one record per citizen action, whatever the app."""

from dataclasses import dataclass
from typing import Literal

__all__ = ["Inbound", "Kind"]

# text, photo, video, location: what a report is made of; hint: a kind we cannot use (voice, file), told so;
# ignored: platform chatter (delivery and read receipts, our own echoes, stickers, follows).
Kind = Literal["text", "photo", "video", "location", "hint", "ignored"]


@dataclass(frozen=True, slots=True)
class Inbound:
    platform: str
    event_id: str
    sender_id: str
    timestamp_ms: int
    kind: Kind
    text: str = ""
    url: str = ""
    size: int | None = None
    lon: float | None = None
    lat: float | None = None
