"""Evidence of one violation: a short clip and a still with the vehicle's box, private, each with its SHA-256,
and public copies of both in which licence plates are blurred.

Plates are looked for with the portal's own plate detector (`incidents.media_redact`, OpenCV's Haar
cascade) inside every tracked vehicle's box, enlarged first so a plate reaches the detector's size.
That cascade misses many plates (two-row motorbike plates, plates seen at an angle), so on a vehicle
large enough for its plate to be readable and where none was found, the band where plates sit (the
lowest third of the box: front or rear bumper, whichever faces the camera) is blurred as well. Plates
on vehicles smaller than that are a few pixels and unreadable as they are.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from incidents.media_redact import Box, blur_regions, find_sensitive

from .records import BBox, Evidence, EvidenceFile, Violation

__all__ = ["EvidenceFrame", "FrameBuffer", "PendingEvidence", "write_evidence", "public_frame", "sha256_of",
           "PlateFinder", "LEGIBLE_WIDTH"]

# A vehicle box at least this wide (source pixels) can show a readable plate: blur where one would be.
LEGIBLE_WIDTH = 60
_CROP_WIDTH = 240  # vehicle crops are enlarged to this before the cascade looks for plates
_BOX_COLOUR = (0, 0, 255)


@dataclass(frozen=True, slots=True)
class EvidenceFrame:
    index: int
    t: float
    image: np.ndarray  # full size BGR, never drawn on
    vehicles: dict[int, BBox]  # track id -> box in full-size pixels


class FrameBuffer:
    """The last few seconds of frames, so a clip can start before the moment a violation is certain."""

    def __init__(self, frames: int):
        self._frames: deque[EvidenceFrame] = deque(maxlen=max(1, frames))

    def append(self, frame: EvidenceFrame) -> None:
        self._frames.append(frame)

    def snapshot(self) -> list[EvidenceFrame]:
        return list(self._frames)


@dataclass
class PendingEvidence:
    violation: Violation
    frames: list[EvidenceFrame]
    until: int  # last frame index the clip takes
    first_seen: EvidenceFrame | None = None  # no stopping: the frame the vehicle stopped in
    first_seen_box: BBox | None = None
    scale: tuple[float, float] = (1.0, 1.0)  # analysis pixels -> full size

    def add(self, frame: EvidenceFrame) -> None:
        if frame.index <= self.until:
            self.frames.append(frame)

    def complete(self, index: int) -> bool:
        return index >= self.until


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class PlateFinder:
    """Plates found per vehicle and faces per frame once every `every` frames, reused in between (and by
    every violation whose clip shares the frames), plates following their vehicle's box."""

    every: int = 6
    _plates: dict[tuple[int, int], list[tuple[float, float, float, float]]] = field(default_factory=dict)
    _faces: dict[int, list[Box]] = field(default_factory=dict)

    def plates(self, frame: EvidenceFrame, track_id: int, box: BBox) -> list[Box]:
        if box.w < LEGIBLE_WIDTH:  # a plate there is a few pixels: nothing to find, nothing to read
            return []
        key = (track_id, frame.index // self.every)
        if key not in self._plates:
            self._prune(self._plates)
            self._plates[key] = _find_plates(frame.image, box)
        # Relative to the vehicle's box, so they follow it.
        return [Box(round(box.x + rx * box.w), round(box.y + ry * box.h), max(1, round(rw * box.w)),
                    max(1, round(rh * box.h)), "plate") for rx, ry, rw, rh in self._plates[key]]

    def faces(self, frame: EvidenceFrame) -> list[Box]:
        """Faces (a cyclist, someone on the kerb) with the detector incident photos use, grown to cover
        the frames until the next look."""
        key = frame.index // self.every
        if key not in self._faces:
            self._prune(self._faces)
            found = [b for b in find_sensitive(frame.image, fast=True) if b.label == "face"]
            self._faces[key] = [Box(round(b.x - b.w * 0.35), round(b.y - b.h * 0.35), round(b.w * 1.7),
                                    round(b.h * 1.7), "face") for b in found]
        return self._faces[key]

    @staticmethod
    def _prune(cache: dict) -> None:
        if len(cache) > 4000:
            for key in list(cache)[:2000]:
                del cache[key]


def _find_plates(image: np.ndarray, box: BBox) -> list[tuple[float, float, float, float]]:
    height, width = image.shape[:2]
    x0, y0 = max(0, int(box.x)), max(0, int(box.y))
    x1, y1 = min(width, int(box.x + box.w + 0.5)), min(height, int(box.y + box.h + 0.5))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    crop = image[y0:y1, x0:x1]
    zoom = max(1.0, _CROP_WIDTH / crop.shape[1])
    if zoom > 1.0:
        crop = cv2.resize(crop, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC)
    found = [b for b in find_sensitive(crop, fast=True, min_size=16) if b.label == "plate"]
    return [((x0 + b.x / zoom - box.x) / box.w, (y0 + b.y / zoom - box.y) / box.h, b.w / zoom / box.w,
             b.h / zoom / box.h) for b in found]


def public_frame(frame: EvidenceFrame, finder: PlateFinder) -> tuple[np.ndarray, int, int]:
    """The frame with every vehicle's plate blurred (found, or assumed where a readable one would be)."""
    regions: list[Box] = []
    found = assumed = 0
    for track_id, box in frame.vehicles.items():
        plates = finder.plates(frame, track_id, box)
        if plates:
            regions += plates
            found += len(plates)
        elif box.w >= LEGIBLE_WIDTH:
            band = box.h / 3
            regions.append(Box(round(box.x), round(box.y + box.h - band), round(box.w), round(band), "plate"))
            assumed += 1
    regions += finder.faces(frame)
    return (blur_regions(frame.image, regions, pad=0.15) if regions else frame.image.copy()), found, assumed


def _annotate(image: np.ndarray, box: BBox | None, caption: str) -> np.ndarray:
    out = image.copy()
    if box is not None:
        thick = max(1, round(image.shape[1] / 320))
        cv2.rectangle(out, (int(box.x), int(box.y)), (int(box.x + box.w), int(box.y + box.h)), _BOX_COLOUR, thick)
    if caption:
        scale = max(0.35, image.shape[1] / 1000)
        cv2.putText(out, caption, (4, out.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3,
                    cv2.LINE_AA)
        cv2.putText(out, caption, (4, out.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                    cv2.LINE_AA)
    return out


def _write_jpeg(path: Path, image: np.ndarray) -> None:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise OSError(f"could not encode {path.name}")
    path.write_bytes(data.tobytes())


def _write_mp4(path: Path, images: list[np.ndarray], fps: float) -> None:
    """H.264 in MP4, no audio, no metadata: what browsers play and the incident intake accepts."""
    height, width = images[0].shape[:2]
    even_w, even_h = width // 2 * 2, height // 2 * 2
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = even_w, even_h, "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        for image in images:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[:even_h, :even_w]), format="bgr24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def _file(path: Path, role: str, content_type: str, public: bool) -> EvidenceFile:
    return EvidenceFile(role=role, path=path, sha256=sha256_of(path), size=path.stat().st_size,
                        content_type=content_type, public=public)


def write_evidence(pending: PendingEvidence, out_dir: Path, *, fps: float, caption: str,
                   finder: PlateFinder | None = None) -> Evidence:
    """Files of one violation under `out_dir`: originals (still, clip, first_seen) and their public copies.

    `finder` is shared by the violations of one video, so frames in several clips are searched once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    violation = pending.violation
    stem = f"track{violation.track_id}-{violation.kind}"
    sx, sy = pending.scale
    box = violation.box.scaled(sx, sy)
    frames = sorted({f.index: f for f in pending.frames}.values(), key=lambda f: f.index)
    decision = next((f for f in frames if f.index == violation.frame), frames[-1])
    finder = finder or PlateFinder(every=max(1, round(fps / 2)))
    files: list[EvidenceFile] = []
    found = assumed = 0

    still = out_dir / f"{stem}-still.jpg"
    _write_jpeg(still, _annotate(decision.image, box, caption))
    files.append(_file(still, "still", "image/jpeg", False))
    public, f_found, f_assumed = public_frame(decision, finder)
    found, assumed = found + f_found, assumed + f_assumed
    public_still = out_dir / f"{stem}-still-public.jpg"
    _write_jpeg(public_still, _annotate(public, box, caption))
    files.append(_file(public_still, "still_public", "image/jpeg", True))

    track = violation.track_id
    originals, publics = [], []
    for f in frames:
        vehicle = f.vehicles.get(track)
        originals.append(_annotate(f.image, vehicle, caption))
        blurred, f_found, f_assumed = public_frame(f, finder)
        found, assumed = found + f_found, assumed + f_assumed
        publics.append(_annotate(blurred, vehicle, caption))
    clip = out_dir / f"{stem}-clip.mp4"
    _write_mp4(clip, originals, fps)
    files.append(_file(clip, "clip", "video/mp4", False))
    public_clip = out_dir / f"{stem}-clip-public.mp4"
    _write_mp4(public_clip, publics, fps)
    files.append(_file(public_clip, "clip_public", "video/mp4", True))

    if pending.first_seen is not None:
        seen_box = pending.first_seen_box
        first = out_dir / f"{stem}-first-seen.jpg"
        _write_jpeg(first, _annotate(pending.first_seen.image, seen_box, caption))
        files.append(_file(first, "first_seen", "image/jpeg", False))
        blurred, _f, _a = public_frame(pending.first_seen, finder)
        first_public = out_dir / f"{stem}-first-seen-public.jpg"
        _write_jpeg(first_public, _annotate(blurred, seen_box, caption))
        files.append(_file(first_public, "first_seen_public", "image/jpeg", True))
    return Evidence(files=tuple(files), first_frame=frames[0].index, last_frame=frames[-1].index,
                    plates_found=found, plates_assumed=assumed)
