"""Downloads of the open-data portal: each dataset × format × version is written once (by layers.exporting, or
the statistics' writer), kept on disk with its SHA-256 and served from there until the version changes.

Two requests for a file not yet written wait on one PostgreSQL advisory lock, so it is written once. Files of
older versions are removed when a newer one is written.
"""

import hashlib
import os
import zlib
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from layers.exporting import FORMATS as LAYER_FORMATS
from layers.exporting import export_layer

from .catalog import Dataset
from .errors import FormatNotOffered
from .incident_stats import STATS_SLUG, stats_bytes, stats_frame
from .models import CachedDownload, DownloadCount

__all__ = ["cache_dir", "check_format", "cached_download", "count_download", "media_type", "extension"]


def cache_dir() -> Path:
    return Path(getattr(settings, "OPENDATA_CACHE_DIR", None) or os.environ.get("OPENDATA_CACHE_DIR")
                or Path(settings.BASE_DIR) / ".data" / "opendata")


def check_format(ds: Dataset, fmt: str | None) -> str:
    if not fmt or fmt not in ds.formats:
        raise FormatNotOffered(f"Format {str(fmt)[:20]!r} is not offered for {ds.slug}; choose one of "
                               f"{', '.join(ds.formats)}.", field="format")
    return fmt


def media_type(fmt: str) -> str:
    return LAYER_FORMATS[fmt].media_type


def extension(fmt: str) -> str:
    return LAYER_FORMATS[fmt].extension


def _write(ds: Dataset, fmt: str, target: Path) -> tuple[int, str, int]:
    """Write the file; return its size, SHA-256 and number of features."""
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    if ds.slug == STATS_SLUG:
        frame = stats_frame()
        data = stats_bytes(fmt, frame)
        partial.write_bytes(data)
        digest.update(data)
        features = len(frame)
    else:
        export = export_layer(ds.layer, fmt, workdir=target.parent)
        with partial.open("wb") as out:
            for chunk in export:
                digest.update(chunk)
                out.write(chunk)
        export.close()
        features = ds.feature_count
    partial.replace(target)
    return target.stat().st_size, digest.hexdigest(), features


def cached_download(ds: Dataset, fmt: str) -> CachedDownload:
    """The file of this dataset, format and version, written now if it was not yet."""
    found = CachedDownload.objects.filter(dataset=ds.slug, version=ds.version, format=fmt).first()
    if found is not None and (cache_dir() / found.path).exists():
        return found
    with transaction.atomic():
        # One writer per file; the others wait here and then find it written.
        key = zlib.crc32(f"opendata:{ds.slug}:{fmt}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        found = CachedDownload.objects.filter(dataset=ds.slug, version=ds.version, format=fmt).first()
        if found is not None and (cache_dir() / found.path).exists():
            return found
        relative = f"{ds.slug}/v{ds.version}/{ds.slug}-v{ds.version}.{extension(fmt)}"
        target = cache_dir() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        size, sha, features = _write(ds, fmt, target)
        stored, _ = CachedDownload.objects.update_or_create(
            dataset=ds.slug, version=ds.version, format=fmt,
            defaults={"path": relative, "size": size, "sha256": sha, "features": features,
                      "created_at": timezone.now()})
        for old in CachedDownload.objects.filter(dataset=ds.slug, format=fmt).exclude(version=ds.version):
            (cache_dir() / old.path).unlink(missing_ok=True)
            old.delete()
    return stored


def count_download(name: str, fmt: str, size: int) -> None:
    updated = DownloadCount.objects.filter(dataset=name, format=fmt).update(
        count=F("count") + 1, bytes=F("bytes") + size, last_at=timezone.now())
    if not updated:
        counter, created = DownloadCount.objects.get_or_create(dataset=name, format=fmt,
                                                               defaults={"count": 1, "bytes": size,
                                                                         "last_at": timezone.now()})
        if not created:
            DownloadCount.objects.filter(pk=counter.pk).update(count=F("count") + 1, bytes=F("bytes") + size,
                                                               last_at=timezone.now())
