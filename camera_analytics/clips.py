"""Clips uploaded for analysis: checked where they landed (type from the content, size, a decoded frame),
and only then kept in the private store the workers read from."""

import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from incidents.media_sniff import SNIFF_BYTES, sniff

from .errors import CameraAnalyticsError
from .models import AnalysisRun
from .runs import check_setup, check_source, do_start_analysis
from .storage import private_storage

__all__ = ["max_clip_bytes", "do_start_upload_analysis"]


def max_clip_bytes() -> int:
    return int(getattr(settings, "CAMERA_ANALYTICS_MAX_CLIP_BYTES", 500 * 2**20))


@contextmanager
def _local(upload: UploadedFile):
    path = getattr(upload, "temporary_file_path", None)
    if path:
        yield Path(path())
        return
    with tempfile.NamedTemporaryFile(prefix="camera-clip-", suffix=Path(upload.name or "").suffix[:8]) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        yield Path(handle.name)


def do_start_upload_analysis(*, camera, upload: UploadedFile, user=None, **options) -> AnalysisRun:
    size = upload.size or 0
    if size == 0:
        raise CameraAnalyticsError("The file is empty.", code="video_unreadable", field="file")
    if size > max_clip_bytes():
        error = CameraAnalyticsError(f"At most {max_clip_bytes() // 2**20} MB a clip.", code="too_large",
                                     field="file")
        error.http_status = 413
        raise error
    upload.seek(0)
    found = sniff(upload.read(SNIFF_BYTES))  # refuses (415) what is not a photo or video by its content
    upload.seek(0)
    if found.kind != "video":
        raise CameraAnalyticsError("A video clip is needed here.", code="not_a_video", field="file")
    check_setup(camera, file_incidents=options.get("file_incidents", True))
    with _local(upload) as path:
        check_source(path, fps=options.get("fps"))
    storage = private_storage()
    name = storage.save(f"clips/{camera.pk}/{Path(upload.name or 'clip').stem[:60]}.{found.ext}", upload)
    try:
        with transaction.atomic():
            return do_start_analysis(camera=camera, source=storage.path(name), upload_name=name, user=user,
                                     source_name=(upload.name or "")[:255], **options)
    except BaseException:
        storage.delete(name)
        raise
