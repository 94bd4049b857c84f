"""Boxes joined into tracks with stable ids across frames.

Each live track predicts its next box from its velocity; detections are matched to predictions by
overlap, then by distance, one to one, best first. A track missing its detection coasts on its
prediction for a short gap (two cars merging into one blob for a few frames, a pole in front). A
vehicle that drove in and stopped fades into the background model after a few seconds; while its
picture still matches what it looked like when it stopped, its track is held where it is instead
of ending, so stopping longer than a zone allows can be seen at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from .records import BBox, Track, TrackPoint

__all__ = ["TrackerSettings", "Tracker", "LiveTrack"]


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    min_iou: float = 0.05
    max_gap_s: float = 0.6  # a track without detections ends after this long (unless held)
    confirm_hits: int = 3  # detections before a track counts
    reach: float = 0.9  # a detection this many box diagonals from the prediction may still match
    # Held: the stopped vehicle's picture still correlates this well with the one kept when it stopped.
    hold_correlation: float = 0.6
    max_hold_s: float = 900.0
    # Slow: moving less than this share of its own size a second.
    slow_share_per_s: float = 0.15
    moved_diagonals: float = 0.4  # travel (in own sizes) before a stop counts as a vehicle that stopped


@dataclass
class LiveTrack:
    track: Track
    vx: float = 0.0  # box centre velocity, pixels per analysed frame
    vy: float = 0.0
    hits: int = 1
    missed: int = 0
    held_since: float | None = None
    template: np.ndarray | None = None
    template_box: BBox | None = None
    start_centre: tuple[float, float] = (0.0, 0.0)
    travelled: float = 0.0  # largest distance of the centre from where the track began, pixels
    extra: dict = field(default_factory=dict)

    @property
    def box(self) -> BBox:
        return self.track.last.box

    @property
    def diagonal(self) -> float:
        return math.hypot(self.box.w, self.box.h)

    def predicted(self) -> BBox:
        return self.box if self.held_since is not None else self.box.shifted(self.vx, self.vy)


def _patch(grey: np.ndarray, box: BBox, shrink: float = 0.15) -> np.ndarray | None:
    x0 = int(box.x + box.w * shrink)
    y0 = int(box.y + box.h * shrink)
    x1 = int(box.x + box.w * (1 - shrink))
    y1 = int(box.y + box.h * (1 - shrink))
    height, width = grey.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return grey[y0:y1, x0:x1].copy()


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return 0.0
    score = cv2.matchTemplate(a, b, cv2.TM_CCOEFF_NORMED)
    value = float(score[0, 0])
    if math.isnan(value):  # a flat patch: same only if the same level
        return 1.0 if abs(float(a.mean()) - float(b.mean())) < 4 else 0.0
    return value


class Tracker:
    """Feed `update` one analysed frame at a time; ended tracks come back from it and from `finish`."""

    def __init__(self, fps: float, size: tuple[int, int], settings: TrackerSettings = TrackerSettings(), *,
                 stride: int = 1):
        self.fps = fps  # analysed frames a second
        self.stride = stride  # source frames per analysed frame
        self.size = size
        self.settings = settings
        self.live: list[LiveTrack] = []
        self._next_id = 1
        self._max_missed = max(2, round(settings.max_gap_s * fps))

    def confirmed(self) -> list[LiveTrack]:
        return [t for t in self.live if t.hits >= self.settings.confirm_hits]

    def _match(self, boxes: list[BBox]) -> tuple[dict[int, int], set[int]]:
        predictions = [t.predicted() for t in self.live]
        pairs = []
        for ti, pred in enumerate(predictions):
            for di, box in enumerate(boxes):
                iou = pred.iou(box)
                if iou >= self.settings.min_iou:
                    pairs.append((iou, ti, di))
        matched: dict[int, int] = {}
        used: set[int] = set()
        for _score, ti, di in sorted(pairs, reverse=True):
            if ti not in matched and di not in used:
                matched[ti] = di
                used.add(di)
        # Fast or small things overlap nothing from one frame to the next: near enough and of a like size.
        near = []
        for ti, pred in enumerate(predictions):
            if ti in matched:
                continue
            reach = self.settings.reach * math.hypot(pred.w, pred.h)
            for di, box in enumerate(boxes):
                if di in used:
                    continue
                distance = math.dist(pred.centre, box.centre)
                ratio = box.area / pred.area if pred.area else 0
                if distance <= reach and 0.3 <= ratio <= 3.0:
                    near.append((distance, ti, di))
        for _d, ti, di in sorted(near):
            if ti not in matched and di not in used:
                matched[ti] = di
                used.add(di)
        return matched, used

    def update(self, frame: int, t: float, boxes: list[BBox], grey: np.ndarray) -> list[Track]:
        matched, used = self._match(boxes)
        ended: list[Track] = []
        keep: list[LiveTrack] = []
        for ti, live in enumerate(self.live):
            if ti in matched:
                self._observe(live, frame, t, boxes[matched[ti]], grey)
                keep.append(live)
            elif self._carry(live, frame, t, grey):
                keep.append(live)
            elif live.hits >= self.settings.confirm_hits:
                ended.append(_trimmed(live.track))
        for di, box in enumerate(boxes):
            if di not in used:
                track = Track(id=self._next_id, points=[TrackPoint(frame=frame, t=t, box=box, detected=True)])
                self._next_id += 1
                keep.append(LiveTrack(track=track, start_centre=box.centre))
        self.live = keep
        return ended

    def finish(self) -> list[Track]:
        ended = [_trimmed(t.track) for t in self.live if t.hits >= self.settings.confirm_hits]
        self.live = []
        return ended

    def is_slow(self, live: LiveTrack) -> bool:
        speed = math.hypot(live.vx, live.vy) * self.fps
        return speed < self.settings.slow_share_per_s * max(live.diagonal, 1.0)

    def has_moved_in(self, live: LiveTrack) -> bool:
        return live.travelled >= self.settings.moved_diagonals * max(live.diagonal, 1.0)

    def _observe(self, live: LiveTrack, frame: int, t: float, box: BBox, grey: np.ndarray) -> None:
        # A stopped vehicle's blob shrinks as the background model absorbs it: while its picture is unchanged
        # it stays where it stopped, whatever is left of its blob.
        if (live.template_box is not None and live.template_box.iou(box) < 0.8 and self.has_moved_in(live)
                and self._same_picture(live, grey, box)):
            live.hits += 1
            live.missed = 0
            live.vx = live.vy = 0.0
            live.held_since = live.held_since if live.held_since is not None else t
            live.track.points.append(TrackPoint(frame=frame, t=t, box=live.template_box, detected=False, held=True))
            return
        previous = live.track.last
        (px, py), (cx, cy) = previous.box.centre, box.centre
        steps = max(1, round((frame - previous.frame) / self.stride))  # in analysed frames
        alpha = 0.5 if live.hits > 1 else 1.0
        live.vx = (1 - alpha) * live.vx + alpha * (cx - px) / steps
        live.vy = (1 - alpha) * live.vy + alpha * (cy - py) / steps
        live.hits += 1
        live.missed = 0
        live.travelled = max(live.travelled, math.dist(live.start_centre, (cx, cy)))
        live.track.points.append(TrackPoint(frame=frame, t=t, box=box, detected=True))
        if live.held_since is not None and not self._same_picture(live, grey, box):
            live.held_since = None
        if self.is_slow(live) and live.held_since is None:
            live.template, live.template_box = _patch(grey, box), box
        elif not self.is_slow(live):
            live.template = live.template_box = None
            live.held_since = None

    def _same_picture(self, live: LiveTrack, grey: np.ndarray, box: BBox) -> bool:
        if live.template is None or live.template_box is None:
            return False
        current = _patch(grey, live.template_box)
        return current is not None and _correlation(current, live.template) >= self.settings.hold_correlation

    def _carry(self, live: LiveTrack, frame: int, t: float, grey: np.ndarray) -> bool:
        """Keep a track through a frame without its detection: held if it stopped, coasting otherwise."""
        confirmed = live.hits >= self.settings.confirm_hits
        if confirmed and live.template is not None and self.has_moved_in(live) and self.is_slow(live):
            since = live.held_since if live.held_since is not None else t
            if t - since <= self.settings.max_hold_s and self._same_picture(live, grey, live.box):
                live.held_since = since
                live.vx = live.vy = 0.0
                live.track.points.append(TrackPoint(frame=frame, t=t, box=live.template_box or live.box,
                                                    detected=False, held=True))
                return True
            live.held_since = None
        live.missed += 1
        if live.missed > self._max_missed:
            return False
        box = live.predicted()
        width, height = self.size
        if box.x + box.w < 0 or box.y + box.h < 0 or box.x > width or box.y > height:
            return False
        live.track.points.append(TrackPoint(frame=frame, t=t, box=box, detected=False))
        return True


def _trimmed(track: Track) -> Track:
    """The track up to its last real sighting: predictions past it are guesses."""
    points = track.points
    end = len(points)
    while end > 1 and not points[end - 1].detected and not points[end - 1].held:
        end -= 1
    return Track(id=track.id, points=points[:end])
