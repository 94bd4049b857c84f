"""Where incident media live: originals in a private directory no URL maps to, redacted copies beside them.

Neither directory is served by a static or media URL: public copies go out through incidents' own view,
which checks that the incident is public and the copy is ready.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage

__all__ = ["private_media_storage", "public_media_storage", "media_root"]


def media_root() -> Path:
    return Path(getattr(settings, "INCIDENT_MEDIA_DIR", Path(settings.MEDIA_ROOT) / "incidents"))


class _IncidentStorage(FileSystemStorage):
    """Reads INCIDENT_MEDIA_DIR on every use, so a changed setting (a test's, a deployment's) applies at once."""

    def __init__(self, part: str, **kwargs):
        self.part = part
        super().__init__(base_url=None, **kwargs)

    @property
    def base_location(self):
        return str(media_root() / self.part)

    @property
    def location(self):
        return str((media_root() / self.part).resolve())


def private_media_storage() -> FileSystemStorage:
    return _IncidentStorage("private", file_permissions_mode=0o600, directory_permissions_mode=0o700)


def public_media_storage() -> FileSystemStorage:
    return _IncidentStorage("public")
