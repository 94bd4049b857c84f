"""Where incident media live: originals in a private directory no URL maps to, redacted copies beside them.

Neither directory is served by a static or media URL: public copies go out through incidents' own view,
which checks that the incident is public and the copy is ready.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage

__all__ = ["private_media_storage", "public_media_storage"]


def _root():
    from pathlib import Path

    return Path(getattr(settings, "INCIDENT_MEDIA_DIR", settings.MEDIA_ROOT / "incidents"))


def private_media_storage() -> FileSystemStorage:
    return FileSystemStorage(location=_root() / "private", base_url=None, file_permissions_mode=0o600,
                             directory_permissions_mode=0o700)


def public_media_storage() -> FileSystemStorage:
    return FileSystemStorage(location=_root() / "public", base_url=None)
