"""The media task on a real Celery worker: reports come in, public copies appear; failures never lose a report."""

import io
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from incident_helpers import PHAN_RANG
from PIL import Image

from incidents.intake import new_tracking_code, store_media
from incidents.media_tasks import process_media
from incidents.models import Category, Incident, IncidentMedia
from incidents.uploads import check_uploads

pytestmark = pytest.mark.worker

LON, LAT = 108.9497, 11.5992
VIDEO = "bgslibrary_video02_highway_polecam_320x240.avi"


@pytest.fixture
def shared_media(settings):
    """The media directory the worker uses too (tests/incidents' own fixture points at a private tmp dir)."""
    settings.INCIDENT_MEDIA_DIR = Path(os.environ["INCIDENT_MEDIA_DIR"])
    return settings.INCIDENT_MEDIA_DIR


@pytest.fixture
def category(committed):
    from django.db import connection

    # pytest-django creates the test database only for runs that hold a `db` test; without one,
    # `committed` would write to the development database. Refuse rather than do that.
    assert connection.settings_dict["NAME"].startswith("test"), "run a `db` test too (this module has one)"
    made = Category.objects.create(code="media-worker", name_vi="Ổ gà (thử)", name_en="Pothole (test)",
                                   deadline_days=5)
    committed.append(made)
    return made


def _photo_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x0110] = "SM-A546E"
    exif[0x8825] = {1: "N", 2: (11.0, 35.0, 57.12), 3: "E", 4: (108.0, 56.0, 58.92)}
    out = io.BytesIO()
    Image.radial_gradient("L").convert("RGB").resize((800, 600)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _submit(committed, category, uploads=()) -> Incident:
    """A stored report whose files go through intake's own checks and storage, then to the worker.

    Made without geolocation: a transactional test elsewhere in the run may have flushed the admin units.
    """
    checked = check_uploads(list(uploads))
    with transaction.atomic():
        incident = Incident.objects.create(tracking_code=new_tracking_code(), category=category,
                                           description="Ổ gà trước chợ", geom=Point(*PHAN_RANG, srid=4326),
                                           channel="web")
        store_media(incident, checked, purpose="report")  # queues process_media once committed
    committed.append(incident)
    return incident


def _settled(media_ids: list[int], timeout: float = 120) -> list[IncidentMedia]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = list(IncidentMedia.objects.filter(pk__in=media_ids).order_by("pk"))
        if all(row.status in (IncidentMedia.State.READY, IncidentMedia.State.FAILED) for row in rows):
            return rows
        time.sleep(0.2)
    pytest.fail(f"media not processed within {timeout} s: {[(r.pk, r.status, r.error) for r in rows]}")


def _remove_files(rows: list[IncidentMedia]) -> None:
    for row in rows:
        for stored in (row.original, row.public_copy, row.thumbnail):
            if stored and stored.storage.exists(stored.name):
                stored.storage.delete(stored.name)


def test_photo_and_video_get_public_copies_on_the_worker(committed, category, celery_worker, shared_media):
    photo = _photo_with_gps()
    video = (settings.SHARED_DATA_DIR / "video" / VIDEO).read_bytes()
    incident = _submit(committed, category, [SimpleUploadedFile("IMG_0001.jpg", photo),
                                             SimpleUploadedFile("clip.avi", video)])
    ids = list(incident.media.values_list("pk", flat=True).order_by("pk"))
    rows = _settled(ids)
    try:
        image, clip = rows
        assert (image.status, clip.status) == ("ready", "ready"), (image.error, clip.error)
        assert image.attempts == clip.attempts == 1 and image.processed_at
        # The place the photo suggests was read at intake; the public copy has no EXIF left.
        assert (image.exif_lon, image.exif_lat) == pytest.approx((LON, LAT), abs=1e-5)
        public = image.public_copy.read()
        assert Image.open(io.BytesIO(public)).getexif() == {} and b"SM-A546E" not in public
        assert Image.open(image.thumbnail.path).size == (320, 240)
        assert image.public_content_type == "image/jpeg" and image.info["metadata"] == "removed"
        # Originals stay private, untouched, outside the public directory.
        assert image.original.read() == photo
        assert Path(image.original.path).is_relative_to(shared_media / "private")
        assert Path(image.public_copy.path).is_relative_to(shared_media / "public")
        assert clip.public_content_type == "video/mp4" and clip.public_copy.name.endswith(".mp4")
        assert clip.info["public"]["audio"] == "removed" and clip.info["frames_written"] == 748
        assert Image.open(clip.thumbnail.path).size == (320, 240)
        assert (shared_media / "public" / clip.info["poster"]).is_file()
        assert 29 <= clip.duration_s <= 31
    finally:
        _remove_files(rows)


def test_a_failure_is_retried_then_marked_failed_and_the_report_stays(committed, category, celery_worker,
                                                                       shared_media):
    incident = _submit(committed, category)
    status_before = incident.status
    events_before = list(incident.events.values_list("pk", flat=True))
    # The stored original is gone (a storage outage): every attempt fails with an OSError.
    media = IncidentMedia.objects.create(incident=incident, kind="photo", content_type="image/jpeg", size_bytes=10,
                                         sha256="0" * 64, original="missing/none.jpg")
    process_media.delay(media.pk)
    (media,) = _settled([media.pk], timeout=60)
    assert media.status == "failed"
    assert media.attempts == 4  # the first try and three retries (INCIDENT_MEDIA_MAX_ATTEMPTS)
    assert "attempt 4" in media.error and "FileNotFoundError" in media.error
    assert not media.public_copy and not media.thumbnail
    incident.refresh_from_db()
    assert incident.status == status_before
    assert list(incident.events.values_list("pk", flat=True)) == events_before


def test_a_file_the_processing_refuses_fails_at_once(committed, category, celery_worker, shared_media):
    incident = _submit(committed, category, [SimpleUploadedFile("a.jpg", _photo_with_gps())])
    media = incident.media.get()
    _settled([media.pk])
    # The original is later damaged on disk, then processed again.
    whole = _photo_with_gps()
    Path(media.original.path).write_bytes(whole[: len(whole) // 2])
    IncidentMedia.objects.filter(pk=media.pk).update(status="pending", attempts=0, public_copy="", thumbnail="")
    process_media.delay(media.pk)
    (media,) = _settled([media.pk])
    try:
        assert media.status == "failed" and media.attempts == 1, (media.status, media.error)
        assert media.error.startswith("truncated_image:")
        assert Incident.objects.filter(pk=incident.pk).exists()
    finally:
        _remove_files([media])


@pytest.mark.django_db
def test_a_file_that_killed_its_worker_too_often_is_not_tried_again():
    # In-process (Celery's eager apply), in a rolled-back transaction: no worker needed to count attempts.
    category = Category.objects.create(code="media-eager", name_vi="Ổ gà", name_en="Pothole", deadline_days=5)
    incident = _submit([], category)
    media = IncidentMedia.objects.create(incident=incident, kind="photo", content_type="image/jpeg", size_bytes=10,
                                         sha256="0" * 64, original="missing/none.jpg", attempts=4,
                                         status="processing")
    assert process_media.apply(args=[media.pk]).get() == "failed"
    media.refresh_from_db()
    assert media.status == "failed" and media.attempts == 4 and "gave up after 4 attempts" in media.error
