"""Where report files are kept: a private directory (settings.REPORTS_DIR) that no URL maps to; downloads go
through the reports views, which check who asks."""

import hashlib
import os
from pathlib import Path

from django.conf import settings

__all__ = ["reports_dir", "write_file", "read_path"]


def reports_dir() -> Path:
    return Path(getattr(settings, "REPORTS_DIR", None) or os.environ.get("REPORTS_DIR")
                or Path(settings.BASE_DIR) / ".data" / "reports")


def write_file(relative: str, data: bytes) -> tuple[int, str]:
    """Write atomically (a reader never sees half a file); return size and SHA-256."""
    target = reports_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    partial.replace(target)
    return len(data), hashlib.sha256(data).hexdigest()


def read_path(relative: str) -> Path:
    root = reports_dir().resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError("report file outside the reports directory")
    return path
