"""Typed records the core hands back: boxes, tracks and their points, crossings, violations, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BBox", "TrackPoint", "Track", "Crossing", "Violation", "Evidence", "EvidenceFile", "AnalysisResult"]


@dataclass(frozen=True, slots=True)
class BBox:
    x: float
    y: float
    w: float
    h: float

    @property
    def foot(self) -> tuple[float, float]:
        """Where the thing meets the ground, seen from a camera above and behind: its box's bottom centre."""
        return (self.x + self.w / 2, self.y + self.h)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    @property
    def area(self) -> float:
        return self.w * self.h

    def iou(self, other: BBox) -> float:
        inter = self._intersection(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def overlap_share(self, other: BBox) -> float:
        """How much of `other` lies inside this box."""
        return self._intersection(other) / other.area if other.area > 0 else 0.0

    def _intersection(self, other: BBox) -> float:
        w = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        h = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        return max(0.0, w) * max(0.0, h)

    def union(self, other: BBox) -> BBox:
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        x1, y1 = max(self.x + self.w, other.x + other.w), max(self.y + self.h, other.y + other.h)
        return BBox(x0, y0, x1 - x0, y1 - y0)

    def shifted(self, dx: float, dy: float) -> BBox:
        return BBox(self.x + dx, self.y + dy, self.w, self.h)

    def scaled(self, sx: float, sy: float) -> BBox:
        return BBox(self.x * sx, self.y * sy, self.w * sx, self.h * sy)

    def as_list(self) -> list[float]:
        return [round(self.x, 1), round(self.y, 1), round(self.w, 1), round(self.h, 1)]


@dataclass(slots=True)
class TrackPoint:
    frame: int
    t: float
    box: BBox  # in analysis pixels
    detected: bool  # False: carried by prediction, or held in place while stopped
    held: bool = False  # not detected, but the vehicle's picture is still there (stopped, absorbed by the background)
    ground: tuple[float, float] | None = None  # metres east/north of the calibration origin
    speed_mps: float | None = None  # smoothed ground speed at this point


@dataclass
class Track:
    id: int
    points: list[TrackPoint] = field(default_factory=list)

    @property
    def first(self) -> TrackPoint:
        return self.points[0]

    @property
    def last(self) -> TrackPoint:
        return self.points[-1]

    def at(self, frame: int) -> TrackPoint | None:
        for point in reversed(self.points):
            if point.frame <= frame:
                return point
        return None


@dataclass(frozen=True, slots=True)
class Crossing:
    """A track's foot crossing a counting line (or a stop line), one way or the other."""

    line: str
    direction: str
    track_id: int
    frame: int
    t: float
    lane: str = ""


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    role: str  # still, clip, still_public, clip_public, first_seen, first_seen_public
    path: Path
    sha256: str
    size: int
    content_type: str
    public: bool


@dataclass(frozen=True, slots=True)
class Evidence:
    files: tuple[EvidenceFile, ...]
    first_frame: int
    last_frame: int
    plates_found: int  # blurred after the plate detector found them
    plates_assumed: int  # blurred where a plate would sit, on vehicles large enough for one to be legible


@dataclass
class Violation:
    kind: str  # wrong_way, no_stopping, speeding, red_light
    rule: str  # the rule's name
    track_id: int
    frame: int
    t: float
    box: BBox  # analysis pixels, at `frame`
    pixel: tuple[float, float]  # the foot, in the calibration frame's pixels
    ground: tuple[float, float] | None
    lonlat: tuple[float, float] | None
    speed_kmh: float | None
    details: dict
    evidence: Evidence | None = None


@dataclass
class AnalysisResult:
    fps: float
    analysed_fps: float
    frames_read: int
    frames_analysed: int
    first_frame: int
    size: tuple[int, int]  # analysis pixels
    tracks: list[Track]
    crossings: list[Crossing]
    violations: list[Violation]
    cpu_s: float = 0.0
    wall_s: float = 0.0

    def counts(self) -> dict[tuple[str, str], int]:
        """Vehicles per (line, direction)."""
        out: dict[tuple[str, str], int] = {}
        for crossing in self.crossings:
            key = (crossing.line, crossing.direction)
            out[key] = out.get(key, 0) + 1
        return out

    def counts_by_direction(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for crossing in self.crossings:
            out[crossing.direction] = out.get(crossing.direction, 0) + 1
        return out

    @property
    def duration_s(self) -> float:
        return self.frames_read / self.fps if self.fps else 0.0
