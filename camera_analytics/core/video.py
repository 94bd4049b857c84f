"""Reading a clip or a stream with OpenCV: its facts first (a file with no picture is refused there),
then its frames with their index and time, optionally a range of them or a chunk of a live stream."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from .errors import VideoUnreadable, VideoWithoutFrames

__all__ = ["VideoInfo", "Frame", "probe", "read_frames", "is_stream", "analysis_size"]

_STREAM_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "rtmp://")


@dataclass(frozen=True, slots=True)
class VideoInfo:
    source: str
    width: int
    height: int
    fps: float
    frame_count: int | None  # what the header claims; None for a live stream
    stream: bool

    @property
    def duration_s(self) -> float | None:
        return None if self.frame_count is None else self.frame_count / self.fps


@dataclass(frozen=True, slots=True)
class Frame:
    index: int  # counted from the start of the source, also when reading began later
    t: float  # seconds from the start of the source
    image: np.ndarray  # BGR, full size


def is_stream(source: str | Path) -> bool:
    return str(source).lower().startswith(_STREAM_SCHEMES)


def _open(source: str | Path) -> cv2.VideoCapture:
    name = str(source)
    if not is_stream(name):
        path = Path(name)
        if not path.is_file():
            raise VideoUnreadable(f"There is no video file at {path.name}.", field="file")
        if path.stat().st_size == 0:
            raise VideoUnreadable(f"{path.name} is empty.", field="file")
    capture = cv2.VideoCapture(name, cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        if is_stream(name):
            raise VideoUnreadable("The stream could not be opened.", field="file")
        if _container_without_video(Path(name)):
            raise VideoWithoutFrames(f"{Path(name).name} holds no video, only other streams (sound?).", field="file")
        raise VideoUnreadable(f"{Path(name).name} is not a video OpenCV can read.", field="file")
    return capture


def _container_without_video(path: Path) -> bool:
    """A file FFmpeg opens as a container that has no video stream (an MP4 of sound alone)."""
    try:
        with av.open(str(path), options={"protocol_whitelist": "file"}) as container:
            return not container.streams.video
    except (av.error.FFmpegError, OSError, ValueError):
        return False


def _fps(capture: cv2.VideoCapture, default: float | None) -> float:
    fps = capture.get(cv2.CAP_PROP_FPS)
    if default is not None:
        return float(default)
    if not fps or not math.isfinite(fps) or fps <= 0 or fps > 1000:
        raise VideoUnreadable("The video does not say its frame rate; give it (fps).", field="fps")
    return float(fps)


def probe(source: str | Path, *, fps: float | None = None) -> VideoInfo:
    """The video's size and rate, once its first picture decoded; `fps` overrides what the header says."""
    capture = _open(source)
    try:
        ok, first = capture.read()
        if not ok or first is None or first.size == 0:
            raise VideoWithoutFrames(f"{Path(str(source)).name} holds no picture that decodes.", field="file")
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        stream = is_stream(source)
        return VideoInfo(source=str(source), width=first.shape[1], height=first.shape[0],
                         fps=_fps(capture, fps), frame_count=None if stream or count <= 0 else count, stream=stream)
    finally:
        capture.release()


def read_frames(source: str | Path, *, fps: float, start: int = 0, stop: int | None = None, every: int = 1,
                max_seconds: float | None = None, clock=time.monotonic) -> Iterator[Frame]:
    """Every `every`-th frame from `start` to `stop` (exclusive) of a file, or of a stream for at most
    `max_seconds` of wall time.

    Frames skipped (before `start`, between every `every`-th) are grabbed, not turned into pictures. A
    stream that breaks off ends the iteration: what was read stays read.
    """
    capture = _open(source)
    began = clock()
    try:
        index = 0
        while index < start:
            if not capture.grab():
                return
            index += 1
        while stop is None or index < stop:
            if max_seconds is not None and clock() - began >= max_seconds:
                return
            if (index - start) % every:
                if not capture.grab():
                    return
                index += 1
                continue
            ok, image = capture.read()
            if not ok or image is None:
                return
            yield Frame(index=index, t=index / fps, image=image)
            index += 1
    finally:
        capture.release()


def analysis_size(width: int, height: int, *, max_width: int = 320, max_height: int = 240) -> tuple[int, int]:
    """The size motion is found at: the frame scaled down (never up) to fit 320 x 240, even sides."""
    scale = min(1.0, max_width / width, max_height / height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)
