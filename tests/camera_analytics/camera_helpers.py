"""What the camera analytics tests share: the real clips, their hand-made labels and calibration pairs, and a
way to write frames (reversed, held) back to a video file."""

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from django.conf import settings

from camera_analytics.core.calibration import PointPair, fit_calibration
from camera_analytics.core.rules import RuleSet
from camera_analytics.core.video import Frame, read_frames
from fixtures.camera_clips import CLIPS, VIDEO_DIR, map_pairs

__all__ = ["CLIPS", "clip_path", "pairs_of", "calibration_of", "rules_of", "frames_of", "renumbered", "write_video",
           "within"]


def clip_path(key: str) -> Path:
    path = Path(settings.SHARED_DATA_DIR) / VIDEO_DIR / CLIPS[key]["file"]
    assert path.is_file(), f"the shared clip is missing at {path} (set SHARED_DATA_DIR)"
    return path


def pairs_of(key: str) -> list[PointPair]:
    return [PointPair(*p) for p in map_pairs(CLIPS[key])]


def calibration_of(key: str):
    return fit_calibration(pairs_of(key), frame_size=CLIPS[key]["frame_size"])


def rules_of(key: str, *extra: dict, lanes: bool = False) -> RuleSet:
    clip = CLIPS[key]
    rules = [*clip["rules"], *(clip.get("lanes", []) if lanes else []), *extra]
    return RuleSet.from_dicts(rules, frame_size=clip["frame_size"])


def frames_of(key: str, start: int, stop: int, every: int = 1) -> list[Frame]:
    return list(read_frames(clip_path(key), fps=CLIPS[key]["fps"], start=start, stop=stop, every=every))


def renumbered(frames: list[Frame], fps: float, every: int = 1) -> list[Frame]:
    """The same pictures in this order, numbered as a continuous clip (`every` source frames apart)."""
    return [Frame(index=i * every, t=i * every / fps, image=f.image) for i, f in enumerate(frames)]


def write_video(frames: list[Frame], path: Path, fps: float) -> Path:
    """The pictures as an H.264 MP4 (near-lossless, so the analysis sees what the frames showed)."""
    height, width = frames[0].image.shape[:2]
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "12", "preset": "veryfast"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame.image),
                                                                   format="bgr24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def within(measured: int, labelled: int, share: float = 0.15) -> bool:
    return abs(measured - labelled) <= share * labelled
