"""Chat channel settings. Secrets, tokens and gateway URLs come from the environment through
portal.settings.base and have no default; the rest have defaults that any setting overrides."""

from datetime import timedelta

from django.conf import settings

__all__ = ["chat_conf", "PLATFORMS"]

PLATFORMS = ("zalo", "messenger")

_DEFAULTS = {
    # Zalo OA: the app id and the OA secret key sign webhooks (X-ZEvent-Signature); the access token and the
    # send URL (the OA API, or a gateway in front of it) deliver replies. Unset: nothing is sent.
    "CHAT_ZALO_APP_ID": "",
    "CHAT_ZALO_OA_SECRET_KEY": "",
    "CHAT_ZALO_ACCESS_TOKEN": "",
    "CHAT_ZALO_SEND_URL": "",
    # Origins photos and videos may be fetched from (scheme://host[:port], "*." allowed as the host's start).
    "CHAT_ZALO_MEDIA_ORIGINS": (),
    # Messenger: the app secret signs webhooks (X-Hub-Signature-256), the verify token answers the handshake.
    "CHAT_MESSENGER_APP_SECRET": "",
    "CHAT_MESSENGER_VERIFY_TOKEN": "",
    "CHAT_MESSENGER_PAGE_TOKEN": "",
    "CHAT_MESSENGER_SEND_URL": "",
    "CHAT_MESSENGER_MEDIA_ORIGINS": (),
    # Messenger lets a page answer freely for 24 hours after the person's last message; later messages need a
    # message tag Meta allows for the purpose. Empty: such replies are held for an operator to see.
    "CHAT_MESSENGER_UPDATE_TAG": "",
    # Events whose platform timestamp is further than this from now (either way) are refused.
    "CHAT_REPLAY_WINDOW": timedelta(minutes=5),
    # Seen event ids are kept this long; older events fail the timestamp window anyway.
    "CHAT_SEEN_EVENTS_KEPT": timedelta(days=2),
    "CHAT_MAX_BODY_BYTES": 256 * 1024,
    # Used when the citizen picks no category from the menu; empty: the conversation asks for one.
    "CHAT_DEFAULT_CATEGORY": "",
    # Photos sent this soon after the report was filed are added to it.
    "CHAT_ATTACH_AFTER_SUBMIT": timedelta(minutes=30),
    "CHAT_SEND_TIMEOUT_S": 10,
    "CHAT_SEND_MAX_ATTEMPTS": 5,
    "CHAT_TEXT_LIMIT": 2000,
}


class _Conf:
    def __getattr__(self, name: str):
        full = f"CHAT_{name}"
        if full not in _DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, full, None) or _DEFAULTS[full]

    def of(self, platform: str, name: str):
        return getattr(self, f"{platform.upper()}_{name}")


chat_conf = _Conf()
