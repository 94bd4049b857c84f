"""The records media processing takes and returns: limits in, facts about a file and its public copies out."""

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .media_redact import Box
from .media_sniff import MediaKind

__all__ = ["MediaLimits", "LonLat", "MediaInfo", "EncodedImage", "ProcessedPhoto", "ProcessedVideo"]

MB = 2**20


@dataclass(frozen=True, slots=True)
class MediaLimits:
    max_photo_bytes: int = 15 * MB
    max_video_bytes: int = 100 * MB
    # Phone sensors give 12-50 MP; a 20000 x 20000 canvas (400 MP, a few hundred KB as PNG) is a bomb.
    max_pixels: int = 60_000_000
    max_video_pixels: int = 3840 * 2160
    max_video_seconds: float = 180.0
    max_video_frames: int = 180 * 60
    public_max_side: int = 2048
    thumb_side: int = 320
    video_max_side: int = 1280
    video_max_fps: float = 30.0

    def max_bytes(self, kind: MediaKind) -> int:
        return self.max_photo_bytes if kind == "photo" else self.max_video_bytes


class LonLat(NamedTuple):
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What a file is, found by reading it (never from its name): the result of inspection at intake."""

    kind: MediaKind
    mime: str
    ext: str
    size_bytes: int
    width: int
    height: int
    duration_s: float | None = None
    frames: int | None = None  # as the container's header says; processing counts the real ones
    location: LonLat | None = None


@dataclass(frozen=True, slots=True)
class EncodedImage:
    data: bytes
    mime: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    info: MediaInfo
    public: EncodedImage  # re-encoded JPEG: no EXIF, XMP, ICC or comment; faces and plates blurred
    thumbnail: EncodedImage
    redactions: tuple[Box, ...] = ()  # in the public copy's pixels


@dataclass(frozen=True, slots=True)
class ProcessedVideo:
    info: MediaInfo
    public_path: Path  # re-encoded H.264 MP4, no audio, no metadata, every frame's faces and plates blurred
    public_width: int
    public_height: int
    poster: EncodedImage  # a blurred still from the public copy
    thumbnail: EncodedImage
    frames_decoded: int
    frames_written: int
    duration_s: float
    frames_with_redactions: int
    stopped_early: bool = False  # the stream broke off part-way; what decoded before the break is kept
