"""Photos and videos held by the platform, fetched for the incident: only when the platform's gateway is
configured, only from its allowed media origins (never a URL a citizen typed), never following a redirect, and
cut off past the size limit. The bytes then meet the same checks as any upload (incidents.uploads) and are
stored with intake's store_media, which queues their public copies. Until then they wait, marked pending."""

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.utils import timezone

from incidents.conf import conf as incident_conf
from incidents.intake import store_media
from incidents.media_errors import MediaError
from incidents.models import IncidentMedia
from incidents.uploads import check_uploads

from . import texts
from .conf import PLATFORMS, chat_conf
from .gateway import SendFailed, gateway_for, opener
from .models import Attachment, Reply
from .replies import kick_delivery, queue_reply

__all__ = ["origin_allowed", "fetch_pending_media", "kick_fetch", "MAX_FETCH_ATTEMPTS"]

log = logging.getLogger(__name__)
MAX_FETCH_ATTEMPTS = 5
_CHUNK = 256 * 1024
_LEASE = timedelta(minutes=10)


def origin_allowed(url: str, origins) -> bool:
    """Whether `url` is on one of `origins` ("https://host", "https://*.example.net", "http://127.0.0.1:8001")."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.username or parts.password or not parts.hostname or parts.scheme not in ("https", "http"):
        return False
    host = parts.hostname.lower()
    for origin in origins:
        allowed = urlsplit(origin.strip())
        pattern = (allowed.hostname or "").lower()
        if allowed.scheme != parts.scheme or allowed.port != port or not pattern:
            continue
        if host == pattern or pattern.startswith("*.") and host.endswith(pattern[1:]) and host != pattern[2:]:
            return True
    return False


def kick_fetch(platform: str) -> None:
    if gateway_for(platform) is None:
        return

    def fetch():
        from .tasks import fetch_media_task

        fetch_media_task.delay()

    transaction.on_commit(fetch)


def _download(url: str, *, limit: int, name: str) -> TemporaryUploadedFile:
    try:
        response = opener().open(url, timeout=chat_conf.SEND_TIMEOUT_S)
    except OSError as exc:  # URLError, HTTPError (a redirect comes back as one), timeouts
        raise SendFailed(f"could not fetch the file: {exc}") from exc
    upload = TemporaryUploadedFile(name, "application/octet-stream", 0, None)
    with response:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            upload.close()
            raise MediaError(f"The file is {int(declared) / 2**20:.1f} MB; at most {limit / 2**20:.0f} MB.",
                             code="media_too_large")
        size = 0
        while chunk := response.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                upload.close()
                raise MediaError(f"The file is over {limit / 2**20:.0f} MB.", code="media_too_large")
            upload.write(chunk)
    upload.size = size
    upload.seek(0)
    return upload


def _refuse(attachment: Attachment, reason: str) -> None:
    attachment.state, attachment.error = Attachment.State.REFUSED, reason[:500]
    attachment.save(update_fields=["state", "error"])
    queue_reply(attachment.conversation, kind=Reply.Kind.MEDIA, incident=attachment.incident,
                text=texts.media_refused(reason), dedupe_key=f"media-refused:{attachment.pk}")


def _retry_later(attachment: Attachment, error: str, *, now: datetime) -> None:
    attachment.attempts += 1
    attachment.error = error[:500]
    if attachment.attempts >= MAX_FETCH_ATTEMPTS:
        attachment.state = Attachment.State.FAILED
    attachment.next_try_at = now + timedelta(minutes=2 ** attachment.attempts)
    attachment.save(update_fields=["attempts", "error", "state", "next_try_at"])


def _fetch_one(attachment: Attachment, *, origins, now: datetime) -> bool:
    if not origin_allowed(attachment.url, origins):
        _refuse(attachment, "the platform's link is not on the allowed media hosts")
        return False
    limit = max(incident_conf.MAX_PHOTO_BYTES, incident_conf.MAX_VIDEO_BYTES)
    try:
        upload = _download(attachment.url, limit=limit, name=f"{attachment.platform_name()}-{attachment.pk}")
    except SendFailed as exc:
        _retry_later(attachment, str(exc), now=now)
        return False
    except MediaError as exc:
        _refuse(attachment, exc.user_msg)
        return False
    try:
        with transaction.atomic():
            checked = check_uploads([upload])
            (media,) = store_media(attachment.incident, checked, purpose=IncidentMedia.Purpose.REPORT)
            attachment.state, attachment.media, attachment.error = Attachment.State.FETCHED, media, ""
            attachment.save(update_fields=["state", "media", "error"])
    except MediaError as exc:  # not a photo or video, damaged, too many pixels: told to the citizen
        _refuse(attachment, exc.user_msg)
        return False
    finally:
        upload.close()
    return True


def fetch_pending_media(*, batch: int = 20, now: datetime | None = None) -> int:
    """Fetch what waits, for each platform whose gateway is configured; the rest keep waiting.

    Rows are claimed (SKIP LOCKED, then leased for a while) in a short transaction and fetched outside it, so
    no lock is held over the network and a worker that dies leaves them to the next run."""
    now = now or timezone.now()
    fetched = 0
    for platform in PLATFORMS:
        if gateway_for(platform) is None:
            continue
        origins = chat_conf.of(platform, "MEDIA_ORIGINS")
        with transaction.atomic():
            rows = list(Attachment.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("conversation", "incident")
                        .filter(conversation__platform=platform, state=Attachment.State.PENDING,
                                incident__isnull=False, next_try_at__lte=now).order_by("id")[:batch])
            Attachment.objects.filter(pk__in=[row.pk for row in rows]).update(next_try_at=now + _LEASE)
        for attachment in rows:
            fetched += _fetch_one(attachment, origins=origins, now=now)
        if rows:  # refusals queued replies: one delivery run for all of them
            kick_delivery(platform)
    return fetched
