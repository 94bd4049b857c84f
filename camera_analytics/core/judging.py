"""The rules applied to live tracks frame by frame: counts, wrong way, stopping, speeding, red light.

Positions are the tracks' feet; with a calibration they are also metres on the ground, and speeds are
ground speeds smoothed over a second. Each kind of violation is found at most once per track, at the
first frame it is certain; counting lines count a track once, when its foot is clearly on the other side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .calibration import Calibration
from .records import Crossing, Track, TrackPoint, Violation
from .rules import RuleSet, StopLine, along, signed_distance
from .signals import SignalState, read_signal
from .tracking import LiveTrack, Tracker

__all__ = ["JudgeSettings", "Judge", "ground_speed"]


@dataclass(frozen=True, slots=True)
class JudgeSettings:
    margin_share: float = 0.1  # of the box height: how far past a line the foot must be, either side
    margin_px: float = 2.0
    min_detections: int = 5  # before a track counts or is judged
    wrong_way_travel_m: float = 3.0
    wrong_way_travel_diagonals: float = 0.8  # without a calibration: in the vehicle's own sizes
    wrong_way_cos: float = -0.5  # against the lane by more than 120°
    wrong_way_window_s: float = 0.5  # and still against it over this long
    stop_speed_mps: float = 0.8
    resume_speed_mps: float = 2.0
    moved_in_m: float = 3.0
    speed_window_s: float = 1.0
    speeding_sustain_s: float = 0.5
    # Far up the image a pixel spans metres: positions there are too coarse for speeds or directions.
    max_m_per_px: float = 0.6


@dataclass
class _TrackState:
    sides: dict[str, int] = field(default_factory=dict)  # line name -> the side it was first clearly on
    counted: set[str] = field(default_factory=set)
    found: set[str] = field(default_factory=set)  # violation kinds already reported
    lane_entry: dict[str, tuple[float, float, tuple[float, float] | None]] = field(default_factory=dict)
    stopped_since: dict[str, float] = field(default_factory=dict)  # zone -> time
    stop_frame: dict[str, int] = field(default_factory=dict)
    over_since: float | None = None
    top_speed: float = 0.0
    start_ground: tuple[float, float] | None = None
    travelled_m: float = 0.0


def ground_speed(points: list[TrackPoint], now: float, window: float) -> float | None:
    """Metres a second over the last `window` seconds of sightings: the first and last thirds averaged."""
    recent = [p for p in points[-200:] if p.ground is not None and (p.detected or p.held) and p.t >= now - window]
    if len(recent) < 4 or recent[-1].t - recent[0].t < window / 2:
        return None
    third = max(1, len(recent) // 3)
    head, tail = recent[:third], recent[-third:]
    t0, t1 = np.mean([p.t for p in head]), np.mean([p.t for p in tail])
    g0 = np.mean([p.ground for p in head], axis=0)
    g1 = np.mean([p.ground for p in tail], axis=0)
    return float(np.hypot(*(g1 - g0)) / (t1 - t0)) if t1 > t0 else None


class Judge:
    """Rules and calibration in the analysis frame's pixels; `scale` takes those back to the calibration frame."""

    def __init__(self, rules: RuleSet, *, calibration: Calibration | None, fps: float,
                 clock_start: float | None = None, scale: tuple[float, float] = (1.0, 1.0),
                 settings: JudgeSettings = JudgeSettings()):
        self.rules = rules
        self.calibration = calibration
        self.fps = fps
        self.clock_start = clock_start or 0.0
        self.scale = scale
        self.settings = settings
        self._states: dict[int, _TrackState] = {}
        self._lane_dirs = [self._direction(lane.direction) for lane in rules.lanes]
        self._rois = [np.array(s.signal_roi, dtype=np.float32) for s in rules.stop_lines]
        self.signal_states: dict[str, SignalState] = {}

    def _direction(self, segment) -> np.ndarray:
        (a, b) = segment
        if self.calibration is not None:
            ground = self.calibration.pixel_to_ground(np.array([a, b]))
            if np.isfinite(ground).all():
                d = ground[1] - ground[0]
                return d / (np.hypot(*d) or 1.0)
        d = np.array(b) - np.array(a)
        return d / (np.hypot(*d) or 1.0)

    def stopped(self, track_id: int) -> bool:
        """Whether the track is standing still inside a no-stopping zone."""
        state = self._states.get(track_id)
        return bool(state and state.stopped_since)

    def forget(self, tracks: list[Track]) -> None:
        for track in tracks:
            self._states.pop(track.id, None)

    def locate(self, live: list[LiveTrack]) -> None:
        """Ground position and speed of each live track's newest point."""
        if self.calibration is None or not live:
            return
        feet = np.array([t.track.last.box.foot for t in live])
        ground = self.calibration.pixel_to_ground(np.concatenate([feet, feet + (1.0, 0.0), feet + (0.0, 1.0)]))
        n = len(feet)
        here, right, down = ground[:n], ground[n:2 * n], ground[2 * n:]
        per_px = np.maximum(np.hypot(*(right - here).T), np.hypot(*(down - here).T))
        for t, g, mpp in zip(live, here, per_px, strict=True):
            point = t.track.last
            fine = np.isfinite(g).all() and mpp <= self.settings.max_m_per_px
            point.ground = (float(g[0]), float(g[1])) if fine else None
            point.speed_mps = ground_speed(t.track.points, point.t, self.settings.speed_window_s)

    def step(self, frame: int, t: float, live: list[LiveTrack], tracker: Tracker,
             image: np.ndarray) -> tuple[list[Crossing], list[Violation]]:
        self.locate(live)
        for stop_line, roi in zip(self.rules.stop_lines, self._rois, strict=True):
            if stop_line.schedule is not None:
                red = stop_line.schedule.is_red(self.clock_start + t)
                self.signal_states[stop_line.name] = "red" if red else "green"
            else:
                self.signal_states[stop_line.name] = read_signal(image, roi)
        crossings: list[Crossing] = []
        violations: list[Violation] = []
        for track in live:
            if sum(1 for p in track.track.points if p.detected) < self.settings.min_detections:
                continue
            state = self._states.setdefault(track.track.id, _TrackState())
            point = track.track.last
            self._travel(state, point)
            counted, red = self._count(state, track, point, frame, t)
            crossings += counted
            violations += red
            violations += self._wrong_way(state, track, point, frame, t)
            violations += self._stopping(state, track, tracker, point, frame, t)
            violations += self._speeding(state, track, point, frame, t)
        return crossings, violations

    def _travel(self, state: _TrackState, point: TrackPoint) -> None:
        if point.ground is None:
            return
        if state.start_ground is None:
            state.start_ground = point.ground
        state.travelled_m = max(state.travelled_m, math.dist(state.start_ground, point.ground))

    def _margin(self, point: TrackPoint) -> float:
        return max(self.settings.margin_px, self.settings.margin_share * point.box.h)

    def _side(self, point: TrackPoint, a, b) -> int:
        foot = point.box.foot
        if not -0.02 <= along(foot, a, b) <= 1.02:
            return 0
        distance = signed_distance(foot, a, b)
        margin = self._margin(point)
        return 1 if distance >= margin else (-1 if distance <= -margin else 0)

    def _lane_of(self, foot) -> str:
        for lane in self.rules.lanes:
            if lane.contains(foot):
                return lane.name
        return ""

    def _count(self, state: _TrackState, track: LiveTrack, point: TrackPoint, frame: int,
               t: float) -> tuple[list[Crossing], list[Violation]]:
        """Counting lines crossed, and stop lines crossed on red."""
        if not point.detected:
            return [], []
        out: list[Crossing] = []
        red: list[Violation] = []
        for line in (*self.rules.lines, *self.rules.stop_lines):
            key = f"{type(line).__name__}:{line.name}"
            if key in state.counted:
                continue
            side = self._side(point, *line.points)
            if side == 0:
                continue
            first = state.sides.setdefault(key, side)
            if side == first:
                continue
            state.counted.add(key)
            if isinstance(line, StopLine):
                found = self._red_light(state, track, point, frame, t, line, side)
                red += [found] if found else []
                continue
            label = line.directions[0] if side > 0 else line.directions[1]
            out.append(Crossing(line=line.name, direction=label, track_id=track.track.id, frame=frame, t=t,
                                lane=self._lane_of(point.box.foot)))
        return out, red

    def _violation(self, kind: str, rule: str, track: LiveTrack, point: TrackPoint, frame: int, t: float,
                   **details) -> Violation:
        foot = point.box.foot
        pixel = (foot[0] / self.scale[0], foot[1] / self.scale[1])
        lonlat = None
        if self.calibration is not None and point.ground is not None:
            lon, lat = self.calibration.plane.to_lonlat(np.array([point.ground]))[0]
            lonlat = (float(lon), float(lat))
        speed = point.speed_mps
        return Violation(kind=kind, rule=rule, track_id=track.track.id, frame=frame, t=t, box=point.box,
                         pixel=pixel, ground=point.ground, lonlat=lonlat,
                         speed_kmh=None if speed is None else round(speed * 3.6, 1), details=details)

    def _red_light(self, state, track, point, frame, t, line: StopLine, side: int) -> Violation | None:
        forward = 1 if line.forward == "right" else -1
        if side != forward or "red_light" in state.found or self.signal_states.get(line.name) != "red":
            return None
        state.found.add("red_light")
        return self._violation("red_light", line.name, track, point, frame, t, signal="red")

    def _position(self, point: TrackPoint) -> np.ndarray | None:
        if self.calibration is not None:
            return None if point.ground is None else np.array(point.ground)
        return np.array(point.box.foot, dtype=float)

    def _wrong_way(self, state: _TrackState, track: LiveTrack, point: TrackPoint, frame: int,
                   t: float) -> list[Violation]:
        """Against a lane's arrow, both since entering the lane and over the last half second: one jump of
        the box (a neighbour merging into the blob) moves the foot, but not for that long."""
        if "wrong_way" in state.found or not point.detected:
            return []
        here = self._position(point)
        if here is None:
            return []
        foot = point.box.foot
        enough = (self.settings.wrong_way_travel_m if self.calibration is not None
                  else self.settings.wrong_way_travel_diagonals * track.diagonal)
        for lane, direction in zip(self.rules.lanes, self._lane_dirs, strict=True):
            if not lane.contains(foot):
                continue
            entry = state.lane_entry.setdefault(lane.name, (t, float(here[0]), float(here[1])))
            since_entry = here - np.array(entry[1:])
            earlier = next((p for p in reversed(track.track.points)
                            if p.detected and p.t <= t - self.settings.wrong_way_window_s and p.t >= entry[0]), None)
            before = None if earlier is None else self._position(earlier)
            if before is None:
                continue
            recent = here - before
            distance = float(np.hypot(*since_entry))
            if distance < enough or float(np.hypot(*recent)) < enough / 2:
                continue
            cos = float(np.dot(since_entry / distance, direction))
            cos_recent = float(np.dot(recent / np.hypot(*recent), direction))
            if cos <= self.settings.wrong_way_cos and cos_recent <= self.settings.wrong_way_cos:
                state.found.add("wrong_way")
                return [self._violation("wrong_way", lane.name, track, point, frame, t,
                                        travelled_m=round(distance, 1) if self.calibration else None,
                                        angle_deg=round(math.degrees(math.acos(max(-1.0, min(1.0, cos)))), 0))]
        return []

    def _stopping(self, state: _TrackState, track: LiveTrack, tracker: Tracker, point: TrackPoint, frame: int,
                  t: float) -> list[Violation]:
        if "no_stopping" in state.found or not self.rules.zones:
            return []
        # Drove in, rather than a ghost or a parked car the background model learnt: it travelled its own
        # size (a car entering from the frame's edge shows little of its travel on the ground) or metres.
        moved_in = tracker.has_moved_in(track) or state.travelled_m >= self.settings.moved_in_m
        if self.calibration is not None and point.ground is not None:
            speed = 0.0 if point.held else point.speed_mps
            still = speed is not None and speed < self.settings.stop_speed_mps
            going = speed is not None and speed > self.settings.resume_speed_mps
        else:
            still = point.held or tracker.is_slow(track)
            going = not still
        foot = point.box.foot
        for zone in self.rules.zones:
            if not zone.contains(foot) or not moved_in:
                state.stopped_since.pop(zone.name, None)
                continue
            if going:
                state.stopped_since.pop(zone.name, None)
            elif still:
                since = state.stopped_since.setdefault(zone.name, t)
                state.stop_frame.setdefault(zone.name, frame)
                if t - since >= zone.seconds:
                    state.found.add("no_stopping")
                    return [self._violation("no_stopping", zone.name, track, point, frame, t,
                                            stopped_s=round(t - since, 1), limit_s=zone.seconds,
                                            stopped_at_frame=state.stop_frame[zone.name])]
        return []

    def _limit_at(self, foot) -> tuple[str, float] | None:
        for limit in self.rules.limits:
            if not limit.points or limit.contains(foot):
                return limit.name, limit.limit_kmh + limit.tolerance_kmh
        for lane in self.rules.lanes:
            if lane.speed_limit_kmh and lane.contains(foot):
                return lane.name, lane.speed_limit_kmh
        return None

    def _speeding(self, state: _TrackState, track: LiveTrack, point: TrackPoint, frame: int,
                  t: float) -> list[Violation]:
        if "speeding" in state.found or point.speed_mps is None or not point.detected:
            return []
        limit = self._limit_at(point.box.foot)
        kmh = point.speed_mps * 3.6
        if limit is None or kmh <= limit[1]:
            state.over_since = None
            state.top_speed = 0.0
            return []
        state.top_speed = max(state.top_speed, kmh)
        if state.over_since is None:
            state.over_since = t
        if t - state.over_since < self.settings.speeding_sustain_s:
            return []
        state.found.add("speeding")
        return [self._violation("speeding", limit[0], track, point, frame, t, limit_kmh=limit[1],
                                top_speed_kmh=round(state.top_speed, 1))]
