"""Checks on each photo or video at intake, before anything is stored: count, size, type from content,
and a whole read of the file (a truncated JPEG or a video without frames is refused here, not later)."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile

from .conf import conf
from .errors import TooManyFiles
from .media_errors import MediaError, MediaTooLarge
from .media_processing import inspect_media
from .media_types import MediaInfo, MediaLimits

__all__ = ["CheckedUpload", "media_limits", "check_uploads"]


@dataclass(frozen=True)
class CheckedUpload:
    file: UploadedFile
    info: MediaInfo  # kind, mime and ext as read from the content
    sha256: str
    size: int
    name: str


def media_limits() -> MediaLimits:
    return MediaLimits(max_photo_bytes=conf.MAX_PHOTO_BYTES, max_video_bytes=conf.MAX_VIDEO_BYTES)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload: UploadedFile, *, limits: MediaLimits, field: str = "media") -> CheckedUpload:
    size = upload.size or 0
    largest = max(limits.max_photo_bytes, limits.max_video_bytes)
    if size > largest:  # refused before a byte is read
        raise MediaTooLarge(f"The file is {_mb(size)}; at most {_mb(largest)} per file.", field=field)
    path = getattr(upload, "temporary_file_path", None)
    if path:
        source = Path(path())
    else:
        upload.seek(0)
        source = upload.read()
    upload.seek(0)
    info = inspect_media(source, limits=limits)
    return CheckedUpload(file=upload, info=info, sha256=_digest(upload), size=size, name=(upload.name or "")[:255])


def check_uploads(uploads, *, field: str = "media") -> list[CheckedUpload]:
    uploads = list(uploads)
    if len(uploads) > conf.MAX_FILES:
        raise TooManyFiles(limit=conf.MAX_FILES)
    limits = media_limits()
    checked = []
    for upload in uploads:
        try:
            checked.append(check_upload(upload, limits=limits, field=field))
        except MediaError as exc:
            # Which file was refused matters when several were sent.
            if upload.name and upload.name not in exc.user_msg:
                exc.user_msg = f"{upload.name}: {exc.user_msg}"
                exc.args = (exc.user_msg,)
            raise
    return checked
