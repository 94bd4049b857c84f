"""Where camera evidence lives: originals in a private directory no URL maps to, public copies beside them.

Both are served only through this app's views, which check the caller's rights. The root defaults to a
directory beside the incident media (so a test run's worker, which inherits INCIDENT_MEDIA_DIR, shares it).
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage

from incidents.storage import media_root

__all__ = ["evidence_root", "private_storage", "public_storage"]


def evidence_root() -> Path:
    return Path(getattr(settings, "CAMERA_EVIDENCE_DIR", media_root() / "camera"))


class _EvidenceStorage(FileSystemStorage):
    """Reads the root on every use, so a changed setting (a test's, a deployment's) applies at once."""

    def __init__(self, part: str, **kwargs):
        self.part = part
        super().__init__(base_url=None, **kwargs)

    @property
    def base_location(self):
        return str(evidence_root() / self.part)

    @property
    def location(self):
        return str((evidence_root() / self.part).resolve())


def private_storage() -> FileSystemStorage:
    return _EvidenceStorage("private", file_permissions_mode=0o600, directory_permissions_mode=0o700)


def public_storage() -> FileSystemStorage:
    return _EvidenceStorage("public")
