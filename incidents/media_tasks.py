"""The Celery task that makes an incident file's public copies, and what it stores where.

Intake has already checked the file and committed the report; this task only adds the redacted
copies. Whatever goes wrong here, the incident and its private original stay as they are: a file
the processing refuses is marked failed at once, any other error is retried with a growing delay
and marked failed after the last attempt. Attempts are counted in the row, not in the message, so
a worker that dies on a file (killed, out of memory) cannot make it loop forever.
"""

import logging
import random
import shutil
import tempfile
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .changes import announce_change
from .media_errors import MediaError
from .media_processing import ProcessedPhoto, ProcessedVideo
from .media_processing import process_media as make_public_copies
from .models import IncidentMedia
from .storage import public_media_storage
from .uploads import media_limits

__all__ = ["process_media", "process_stored_media", "max_attempts", "retry_delay"]

log = logging.getLogger(__name__)
State = IncidentMedia.State


def max_attempts() -> int:
    return int(getattr(settings, "INCIDENT_MEDIA_MAX_ATTEMPTS", 4))


def retry_delay(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: doubling from INCIDENT_MEDIA_RETRY_BASE_S, with jitter."""
    base = float(getattr(settings, "INCIDENT_MEDIA_RETRY_BASE_S", 30))
    return base * 2 ** (attempt - 1) * random.uniform(1.0, 1.25)  # noqa: S311 - spreading retries, not secrecy


def _local_path(field: FieldFile, workdir: Path) -> Path:
    try:
        return Path(field.path)
    except NotImplementedError:  # a storage without local files: work on a copy
        target = workdir / "original"
        with field.open("rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        return target


def _replace(storage, name: str, content) -> str:
    # The same names on every attempt, so a retry overwrites what a failed one left behind.
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, content)


def _store(media: IncidentMedia, result: ProcessedPhoto | ProcessedVideo) -> dict:
    storage = public_media_storage()
    stem = f"{media.incident_id}/{media.pk}"
    if isinstance(result, ProcessedPhoto):
        boxes = [box.as_dict() for box in result.redactions]
        return {
            "public_copy": _replace(storage, f"{stem}.jpg", ContentFile(result.public.data)),
            "thumbnail": _replace(storage, f"{stem}-thumb.jpg", ContentFile(result.thumbnail.data)),
            "public_content_type": result.public.mime,
            "info": {"public": {"width": result.public.width, "height": result.public.height, "format": "jpeg"},
                     "faces": sum(b["label"] == "face" for b in boxes),
                     "plates": sum(b["label"] == "plate" for b in boxes), "redactions": boxes,
                     "metadata": "removed"},
        }
    with result.public_path.open("rb") as video:
        public = _replace(storage, f"{stem}.mp4", File(video))
    poster = _replace(storage, f"{stem}-poster.jpg", ContentFile(result.poster.data))
    return {
        "public_copy": public,
        "thumbnail": _replace(storage, f"{stem}-thumb.jpg", ContentFile(result.thumbnail.data)),
        "public_content_type": "video/mp4",
        "duration_s": result.duration_s,
        "info": {"public": {"width": result.public_width, "height": result.public_height, "format": "mp4",
                            "codec": "h264", "audio": "removed", "metadata": "removed"},
                 "poster": poster, "frames_decoded": result.frames_decoded, "frames_written": result.frames_written,
                 "frames_with_redactions": result.frames_with_redactions, "stopped_early": result.stopped_early},
    }


def process_stored_media(media: IncidentMedia) -> dict:
    """Make and store the public copies of one stored original; returns the fields to set on the row."""
    with tempfile.TemporaryDirectory(prefix="incident-media-") as tmp:
        workdir = Path(tmp)
        result = make_public_copies(_local_path(media.original, workdir), workdir=workdir, limits=media_limits())
        return _store(media, result)


def _finish(media: IncidentMedia, **fields) -> None:
    IncidentMedia.objects.filter(pk=media.pk).update(processed_at=timezone.now(), **fields)
    # Live pages (dispatch) reload the incident to show its new thumbnail or the failure.
    announce_change(media.incident, "media")


def _fail(media: IncidentMedia, error: str) -> str:
    log.warning("incident media %s failed: %s", media.pk, error)
    _finish(media, status=State.FAILED, error=error[:500])
    return State.FAILED


@shared_task(bind=True, name="incidents.process_media", acks_late=True, reject_on_worker_lost=True)
def process_media(self, media_id: int) -> str:
    media = IncidentMedia.objects.select_related("incident", "incident__category").filter(pk=media_id).first()
    if media is None:
        return "missing"  # the report was deleted meanwhile
    if media.status == State.READY:
        return State.READY
    attempt = media.attempts + 1
    if attempt > max_attempts():
        return _fail(media, f"gave up after {max_attempts()} attempts")
    IncidentMedia.objects.filter(pk=media_id).update(status=State.PROCESSING, attempts=attempt)
    try:
        fields = process_stored_media(media)
    except MediaError as exc:
        # The file itself is refused (e.g. its stream breaks where intake could not see): retrying cannot help.
        return _fail(media, f"{exc.code}: {exc.user_msg}")
    except Exception as exc:  # any other failure is retried, then recorded; the report stays either way
        log.exception("incident media %s: attempt %s of %s failed", media_id, attempt, max_attempts())
        error = f"attempt {attempt}: {type(exc).__name__}: {exc}"
        if attempt >= max_attempts():
            return _fail(media, error)
        IncidentMedia.objects.filter(pk=media_id).update(status=State.PENDING, error=error[:500])
        raise self.retry(exc=exc, countdown=retry_delay(attempt), max_retries=None) from exc
    _finish(media, status=State.READY, error="", **fields)
    return State.READY
