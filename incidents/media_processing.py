"""Citizens' photos and videos: what they are, whether they may be accepted, and their public copies.

Pure core (no Django): functions take bytes or paths and return the records of `media_types`;
every refusal is a `MediaError` with a code, an HTTP status (413, 415, 422) and a message for the
citizen. Intake calls `inspect_media` while the request is open, so a bad file is refused there;
the Celery task calls `process_media` later to make the public copies.

Photos: JPEG, PNG, WebP, HEIC. Videos: MP4, MOV, WebM, AVI; their public copy is a re-encoded
H.264 MP4 with every frame blurred, plus a blurred poster and thumbnail.
"""

from pathlib import Path

from .media_errors import (
    CorruptMedia,
    ExecutableRefused,
    MediaError,
    MediaTooLarge,
    TooManyPixels,
    TruncatedImage,
    UnsupportedMediaType,
    VideoTooLong,
    VideoWithoutFrames,
)
from .media_photo import exif_location, inspect_photo, process_photo
from .media_redact import Box, blur_regions, find_sensitive
from .media_sniff import SNIFF_BYTES, Sniffed, sniff
from .media_types import EncodedImage, LonLat, MediaInfo, MediaLimits, ProcessedPhoto, ProcessedVideo
from .media_video import inspect_video, process_video

__all__ = [
    "inspect_media", "process_media", "sniff_source", "exif_location", "find_sensitive", "blur_regions",
    "MediaLimits", "MediaInfo", "LonLat", "EncodedImage", "ProcessedPhoto", "ProcessedVideo", "Box", "Sniffed",
    "MediaError", "MediaTooLarge", "TooManyPixels", "VideoTooLong", "UnsupportedMediaType", "ExecutableRefused",
    "CorruptMedia", "TruncatedImage", "VideoWithoutFrames",
]


def _size_and_head(source: bytes | Path) -> tuple[int, bytes]:
    if isinstance(source, bytes):
        return len(source), source[:SNIFF_BYTES]
    path = Path(source)
    with path.open("rb") as handle:
        return path.stat().st_size, handle.read(SNIFF_BYTES)


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def sniff_source(source: bytes | Path, *, limits: MediaLimits) -> tuple[Sniffed, int]:
    """The file's type from its content and its size, refused when the type or the size is not allowed."""
    size, head = _size_and_head(source)
    if size == 0:
        raise CorruptMedia("The file is empty.")
    found = sniff(head)
    most = limits.max_bytes(found.kind)
    if size > most:
        noun = "photos" if found.kind == "photo" else "videos"
        raise MediaTooLarge(f"The file is {_megabytes(size)}; {noun} may be at most {_megabytes(most)}.")
    return found, size


def _read(source: bytes | Path) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def inspect_media(source: bytes | Path, *, limits: MediaLimits | None = None) -> MediaInfo:
    """Check a file fully enough to accept or refuse it now: type, size, pixels, duration, whole data.

    A photo is decoded to its last row (a truncated upload fails here); a video must decode one picture.
    """
    limits = limits or MediaLimits()
    found, size = sniff_source(source, limits=limits)
    if found.kind == "photo":
        info, _image = inspect_photo(_read(source), found, limits=limits)
        return info
    return inspect_video(source, found, size=size, limits=limits)


def process_media(source: bytes | Path, *, workdir: Path,
                  limits: MediaLimits | None = None) -> ProcessedPhoto | ProcessedVideo:
    """The public copies of one file; a video's goes to a new file in `workdir`, which the caller removes."""
    limits = limits or MediaLimits()
    found, size = sniff_source(source, limits=limits)
    if found.kind == "photo":
        return process_photo(_read(source), found, limits=limits)
    return process_video(source, found, out_path=Path(workdir) / "public.mp4", size=size, limits=limits)
