"""Videos: probed with FFmpeg (through PyAV) under a whitelist, re-encoded frame by frame with blurring.

The public copy is a new H.264 MP4 built from decoded pixels: no audio (voices identify people), no
container metadata (GPS, device, dates), every frame's faces and plates blurred, at most
`video_max_side` pixels and `video_max_fps` frames per second. A blurred poster and thumbnail come
from the same frames.
"""

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image

from .media_errors import CorruptMedia, TooManyPixels, VideoTooLong, VideoWithoutFrames
from .media_photo import encode_jpeg, thumbnail_of
from .media_redact import Box, blur_regions, find_sensitive
from .media_sniff import Sniffed
from .media_types import LonLat, MediaInfo, MediaLimits, ProcessedVideo

__all__ = ["inspect_video", "process_video", "video_location"]

# FFmpeg's demuxer is chosen from the sniffed type, never by FFmpeg's own probing; nested demuxers
# (an AVI's GAB2 subtitles, say) may only be these, and no protocol (file, http, …) may be opened
# from inside a file: the input comes through a Python file object.
_DEMUXERS = {"video/mp4": "mov", "video/quicktime": "mov", "video/x-msvideo": "avi", "video/webm": "matroska"}
_OPEN_OPTIONS = {"format_whitelist": "mov,mp4,m4a,3gp,3g2,mj2,avi,matroska,webm", "protocol_whitelist": "none"}
_ISO6709 = re.compile(r"^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")
# Detection is the costly step (about 0.1-0.2 s a frame on this machine); between two detections a box
# stays where it was seen, grown by VIDEO_PAD of its size to cover movement.
DETECTIONS_PER_SECOND = 2
DETECT_MAX_SIDE = 640
VIDEO_PAD = 0.35


@contextmanager
def _open(source: Path | bytes, sniffed: Sniffed) -> Iterator[av.container.InputContainer]:
    with io.BytesIO(source) if isinstance(source, bytes) else Path(source).open("rb") as stream:
        try:
            container = av.open(stream, mode="r", format=_DEMUXERS[sniffed.mime], options=_OPEN_OPTIONS)
        except av.error.FFmpegError as exc:
            raise CorruptMedia() from exc
        with container:
            yield container


def video_location(metadata: dict[str, str]) -> LonLat | None:
    """The ISO 6709 place phones write into MP4/MOV (`location`, Apple's key), as (lon, lat)."""
    for key in ("location", "location-eng", "com.apple.quicktime.location.ISO6709"):
        if match := _ISO6709.match(metadata.get(key, "")):
            lat, lon = float(match.group(1)), float(match.group(2))
            if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
                return LonLat(lon, lat)
    return None


def _duration_s(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _check_header(container, limits: MediaLimits) -> tuple[av.video.stream.VideoStream, float | None]:
    if not container.streams.video:
        raise VideoWithoutFrames()
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width * height > limits.max_video_pixels:
        raise TooManyPixels(f"The video is {width} x {height} pixels; at most "
                            f"{limits.max_video_pixels / 1e6:g} megapixels a frame are allowed.")
    duration = _duration_s(container, stream)
    if duration is not None and duration > limits.max_video_seconds:
        raise VideoTooLong(f"The video lasts {duration:.0f} s; at most {limits.max_video_seconds:g} s are allowed.")
    if stream.frames and stream.frames > limits.max_video_frames:
        raise VideoTooLong(f"The video has {stream.frames} frames; at most {limits.max_video_frames} are allowed.")
    return stream, duration


def _frames(container, stream) -> Iterator[av.VideoFrame]:
    """Decoded frames; stops (rather than fails) where a stream breaks off after it gave pictures."""
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as exc:
        raise _BrokenOff() from exc


class _BrokenOff(Exception):
    """The stream ended in damaged data."""


def _upright(frame: av.VideoFrame) -> np.ndarray:
    pixels = frame.to_ndarray(format="bgr24")
    # Phones record sideways and store a display rotation (counter-clockwise degrees) beside the pixels.
    turns = round(frame.rotation / 90) % 4 if frame.rotation else 0
    return np.ascontiguousarray(np.rot90(pixels, turns)) if turns else pixels


def inspect_video(source: Path | bytes, sniffed: Sniffed, *, size: int, limits: MediaLimits) -> MediaInfo:
    """The video's facts from its header, after its first picture decoded (a file with none is refused)."""
    with _open(source, sniffed) as container:
        stream, duration = _check_header(container, limits)
        try:
            first = next(_frames(container, stream), None)
        except _BrokenOff as exc:
            raise CorruptMedia() from exc
        if first is None:
            raise VideoWithoutFrames()
        height, width = _upright(first).shape[:2]
        return MediaInfo(kind="video", mime=sniffed.mime, ext=sniffed.ext, size_bytes=size, width=width,
                         height=height, duration_s=duration, frames=stream.frames or None,
                         location=video_location(dict(container.metadata)))


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _rate(stream, limits: MediaLimits) -> Fraction:
    rate = stream.average_rate or stream.base_rate or Fraction(25)
    return Fraction(min(float(rate), limits.video_max_fps)).limit_denominator(1001)


def process_video(source: Path | bytes, sniffed: Sniffed, *, out_path: Path, size: int,
                  limits: MediaLimits) -> ProcessedVideo:
    """Write the public copy to `out_path` and return it with a poster and thumbnail.

    Limits are enforced on what decodes, not only on what the header claims.
    """
    info = inspect_video(source, sniffed, size=size, limits=limits)
    scale = min(1.0, limits.video_max_side / max(info.width, info.height))
    out_w, out_h = _even(info.width * scale), _even(info.height * scale)
    poster_at = min(1.0, (info.duration_s or 0) / 2)
    try:
        done = _reencode(source, sniffed, out_path=out_path, size=(out_w, out_h), poster_at=poster_at, limits=limits)
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    if done.written == 0 or done.poster is None:
        out_path.unlink(missing_ok=True)
        raise VideoWithoutFrames()
    still = Image.fromarray(np.ascontiguousarray(done.poster[:, :, ::-1]), "RGB")
    return ProcessedVideo(info=info, public_path=out_path, public_width=out_w, public_height=out_h,
                          poster=encode_jpeg(still), thumbnail=thumbnail_of(still, side=limits.thumb_side),
                          frames_decoded=done.decoded, frames_written=done.written,
                          duration_s=round(done.written / float(done.rate), 3),
                          frames_with_redactions=done.redacted, stopped_early=done.stopped_early)


def _reencode(source: Path | bytes, sniffed: Sniffed, *, out_path: Path, size: tuple[int, int], poster_at: float,
              limits: MediaLimits) -> "_Pass":
    out_w, out_h = size
    decoded = written = redacted = 0
    stopped_early = False
    poster: np.ndarray | None = None
    pixels: np.ndarray | None = None
    boxes: tuple[Box, ...] = ()
    previous: tuple[Box, ...] = ()
    with _open(source, sniffed) as container, av.open(str(out_path), mode="w", format="mp4") as output:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = _rate(stream, limits)
        step = 1 / float(rate)
        detect_every = max(1, round(float(rate) / DETECTIONS_PER_SECOND))
        encoder = output.add_stream("libx264", rate=rate)
        encoder.width, encoder.height, encoder.pix_fmt = out_w, out_h, "yuv420p"
        encoder.options = {"crf": "26", "preset": "veryfast"}
        next_at = 0.0
        frames = _frames(container, stream)
        while True:
            try:
                frame = next(frames, None)
            except _BrokenOff:
                stopped_early = True
                break
            if frame is None:
                break
            decoded += 1
            at = frame.time if frame.time is not None else (decoded - 1) * step
            if decoded > limits.max_video_frames or at > limits.max_video_seconds + 1:
                raise VideoTooLong(f"The video is longer than {limits.max_video_seconds:g} s.")
            if at + step / 2 < next_at:
                continue  # dropped to bring the rate down to video_max_fps
            next_at += step
            pixels = _upright(frame)
            if pixels.shape[1] != out_w or pixels.shape[0] != out_h:
                pixels = cv2.resize(pixels, (out_w, out_h), interpolation=cv2.INTER_AREA)
            if written % detect_every == 0:
                # Between detections a box stays where it was last seen, widened by the one before.
                previous, boxes = boxes, find_sensitive(pixels, max_side=DETECT_MAX_SIDE, fast=True)
            if shown := boxes + previous:
                pixels = blur_regions(pixels, shown, pad=VIDEO_PAD)
                redacted += 1
            if poster is None and at >= poster_at:
                poster = pixels
            out_frame = av.VideoFrame.from_ndarray(pixels, format="bgr24")
            out_frame.pts, out_frame.time_base = written, 1 / rate
            output.mux(encoder.encode(out_frame))
            written += 1
        output.mux(encoder.encode(None))
    # A header that promised more than the stream held: the last picture stands in.
    return _Pass(decoded, written, redacted, stopped_early, poster if poster is not None else pixels, rate)


@dataclass(slots=True)
class _Pass:
    decoded: int
    written: int
    redacted: int
    stopped_early: bool
    poster: np.ndarray | None
    rate: Fraction
