"""A camera's rules as drawn on one of its frames: lanes with their direction, counting lines, no-stopping
zones, speed limits, stop lines with their signal, and regions to ignore.

Rules arrive as plain dicts (what the page draws and the database keeps), are checked here once, and are
used in the pixels of whatever size the video is analysed at.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .errors import BadRule

__all__ = ["Point", "Lane", "CountingLine", "NoStoppingZone", "SpeedLimit", "SignalSchedule", "StopLine",
           "IgnoreRegion", "RuleSet", "KINDS", "inside", "signed_distance", "along"]

Point = tuple[float, float]
KINDS = ("lane", "counting_line", "no_stopping", "speed_limit", "stop_line", "ignore")
_MAX_POINTS = 64


def signed_distance(p: Point, a: Point, b: Point) -> float:
    """Distance of `p` from the line a→b, positive on its right-hand side in image pixels (y down)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    return (dx * (p[1] - a[1]) - dy * (p[0] - a[0])) / length


def along(p: Point, a: Point, b: Point) -> float:
    """Where the foot of `p` falls along a→b: 0 at a, 1 at b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    return ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / ((dx * dx + dy * dy) or 1.0)


def inside(p: Point, polygon: np.ndarray) -> bool:
    return cv2.pointPolygonTest(polygon, (float(p[0]), float(p[1])), False) >= 0


def _contour(points: Sequence[Point]) -> np.ndarray:
    return np.array(points, dtype=np.float32).reshape(-1, 1, 2)


@dataclass(frozen=True)
class _Shape:
    name: str
    points: tuple[Point, ...]

    @property
    def contour(self) -> np.ndarray:
        return _contour(self.points)

    def contains(self, p: Point) -> bool:
        return inside(p, self.contour)


@dataclass(frozen=True)
class Lane(_Shape):
    direction: tuple[Point, Point] = ((0.0, 0.0), (0.0, 1.0))  # the way traffic must go, drawn as an arrow
    speed_limit_kmh: float | None = None


@dataclass(frozen=True)
class CountingLine(_Shape):
    # Labels for crossing to the right-hand side of the line as drawn (first point to second), then the left.
    directions: tuple[str, str] = ("forward", "reverse")


@dataclass(frozen=True)
class NoStoppingZone(_Shape):
    seconds: float = 30.0


@dataclass(frozen=True)
class SpeedLimit(_Shape):  # no points: the whole view
    limit_kmh: float = 50.0
    tolerance_kmh: float = 0.0


@dataclass(frozen=True)
class SignalSchedule:
    """A fixed-time signal: red for `red_s` from `red_start_s` in every `cycle_s`, counted from `offset_s`
    past midnight UTC (so the schedule holds for any clip of the same day)."""

    cycle_s: float
    red_start_s: float
    red_s: float
    offset_s: float = 0.0

    def is_red(self, clock: float) -> bool:
        phase = (clock - self.offset_s) % self.cycle_s
        end = self.red_start_s + self.red_s
        return self.red_start_s <= phase < end or phase < end - self.cycle_s


@dataclass(frozen=True)
class StopLine(_Shape):
    forward: str = "right"  # traffic proceeds to the line's right-hand side (as drawn) or its left
    signal_roi: tuple[Point, ...] = ()  # where the signal head is in the frame
    schedule: SignalSchedule | None = None


@dataclass(frozen=True)
class IgnoreRegion(_Shape):
    pass


@dataclass(frozen=True)
class RuleSet:
    frame_size: tuple[int, int]
    lanes: tuple[Lane, ...] = ()
    lines: tuple[CountingLine, ...] = ()
    zones: tuple[NoStoppingZone, ...] = ()
    limits: tuple[SpeedLimit, ...] = ()
    stop_lines: tuple[StopLine, ...] = ()
    ignore: tuple[IgnoreRegion, ...] = ()

    @property
    def needs_ground(self) -> bool:
        return bool(self.limits) or any(lane.speed_limit_kmh for lane in self.lanes)

    def scaled_to(self, width: int, height: int) -> RuleSet:
        sx, sy = width / self.frame_size[0], height / self.frame_size[1]

        def pts(points):
            return tuple((x * sx, y * sy) for x, y in points)

        def each(shapes):
            out = []
            for shape in shapes:
                changes = {"points": pts(shape.points)}
                if isinstance(shape, Lane):
                    changes["direction"] = pts(shape.direction)
                if isinstance(shape, StopLine):
                    changes["signal_roi"] = pts(shape.signal_roi)
                out.append(replace(shape, **changes))
            return tuple(out)

        return RuleSet(frame_size=(width, height), lanes=each(self.lanes), lines=each(self.lines),
                       zones=each(self.zones), limits=each(self.limits), stop_lines=each(self.stop_lines),
                       ignore=each(self.ignore))

    def ignore_mask(self, width: int, height: int) -> np.ndarray | None:
        if not self.ignore:
            return None
        scaled = self.scaled_to(width, height)
        mask = np.zeros((height, width), dtype=np.uint8)
        for region in scaled.ignore:
            cv2.fillPoly(mask, [np.round(np.array(region.points)).astype(np.int32)], 255)
        return mask

    @classmethod
    def from_dicts(cls, rules: Iterable[dict], *, frame_size: tuple[int, int]) -> RuleSet:
        """Checked rules, or `BadRule` naming the rule and what is wrong with it."""
        width, height = frame_size
        if width <= 0 or height <= 0:
            raise BadRule("Rules need the size of the frame they were drawn on.", field="frame_size")
        groups: dict[str, list] = {kind: [] for kind in KINDS}
        names: set[tuple[str, str]] = set()
        for i, rule in enumerate(rules):
            parsed = _parse(rule, i, width, height)
            key = (rule["kind"], parsed.name)
            if key in names:
                raise BadRule(f"Two {rule['kind']} rules are both called {parsed.name!r}.", field=f"rules[{i}].name")
            names.add(key)
            groups[rule["kind"]].append(parsed)
        return cls(frame_size=(int(width), int(height)), lanes=tuple(groups["lane"]),
                   lines=tuple(groups["counting_line"]), zones=tuple(groups["no_stopping"]),
                   limits=tuple(groups["speed_limit"]), stop_lines=tuple(groups["stop_line"]),
                   ignore=tuple(groups["ignore"]))


def _points(value, where: str, width: int, height: int, *, least: int, most: int = _MAX_POINTS) -> tuple[Point, ...]:
    if not isinstance(value, list | tuple) or not least <= len(value) <= most:
        wanted = f"{least}" if least == most else f"{least} to {most}"
        raise BadRule(f"{where}: {wanted} points are needed.", field=where)
    out = []
    for point in value:
        try:
            x, y = (float(v) for v in point)
        except (TypeError, ValueError):
            raise BadRule(f"{where}: each point is [x, y] in pixels.", field=where) from None
        if not (math.isfinite(x) and math.isfinite(y) and -1 <= x <= width + 1 and -1 <= y <= height + 1):
            raise BadRule(f"{where}: ({x:g}, {y:g}) is outside the {width} x {height} frame.", field=where)
        out.append((x, y))
    if least >= 3 and abs(cv2.contourArea(_contour(out))) < 4.0:
        raise BadRule(f"{where}: the polygon has no area.", field=where)
    if least == 2 and math.dist(out[0], out[1]) < 2.0:
        raise BadRule(f"{where}: the two points are the same.", field=where)
    return tuple(out)


def _number(rule: dict, key: str, where: str, *, low: float, high: float, default=None) -> float:
    value = rule.get(key, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadRule(f"{where}.{key}: a number is needed.", field=f"{where}.{key}") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise BadRule(f"{where}.{key}: between {low:g} and {high:g}.", field=f"{where}.{key}")
    return number


def _parse(rule: dict, i: int, width: int, height: int):
    where = f"rules[{i}]"
    if not isinstance(rule, dict):
        raise BadRule(f"{where}: a rule is an object.", field=where)
    kind = rule.get("kind")
    if kind not in KINDS:
        raise BadRule(f"{where}.kind: one of {', '.join(KINDS)}.", field=f"{where}.kind")
    name = str(rule.get("name") or "").strip()[:100] or f"{kind} {i + 1}"
    pts = rule.get("points", [])
    if kind == "lane":
        limit = rule.get("speed_limit_kmh")
        return Lane(name=name, points=_points(pts, f"{where}.points", width, height, least=3),
                    direction=_points(rule.get("direction"), f"{where}.direction", width, height, least=2, most=2),
                    speed_limit_kmh=None if limit in (None, "") else _number(rule, "speed_limit_kmh", where, low=5,
                                                                            high=200))
    if kind == "counting_line":
        labels = rule.get("directions") or ["forward", "reverse"]
        if not isinstance(labels, list | tuple) or len(labels) != 2 or not all(str(x).strip() for x in labels) \
                or str(labels[0]).strip() == str(labels[1]).strip():
            raise BadRule(f"{where}.directions: two different names.", field=f"{where}.directions")
        return CountingLine(name=name, points=_points(pts, f"{where}.points", width, height, least=2, most=2),
                            directions=(str(labels[0]).strip()[:40], str(labels[1]).strip()[:40]))
    if kind == "no_stopping":
        return NoStoppingZone(name=name, points=_points(pts, f"{where}.points", width, height, least=3),
                              seconds=_number(rule, "seconds", where, low=1, high=3600, default=30))
    if kind == "speed_limit":
        shape = _points(pts, f"{where}.points", width, height, least=3) if pts else ()
        return SpeedLimit(name=name, points=shape, limit_kmh=_number(rule, "limit_kmh", where, low=5, high=200),
                          tolerance_kmh=_number(rule, "tolerance_kmh", where, low=0, high=50, default=0))
    if kind == "stop_line":
        return _stop_line(rule, name, where, width, height)
    return IgnoreRegion(name=name, points=_points(pts, f"{where}.points", width, height, least=3))


def _stop_line(rule: dict, name: str, where: str, width: int, height: int) -> StopLine:
    forward = rule.get("forward", "right")
    if forward not in ("right", "left"):
        raise BadRule(f"{where}.forward: 'right' or 'left' of the line as drawn.", field=f"{where}.forward")
    signal = rule.get("signal") or {}
    roi, schedule = signal.get("roi"), signal.get("schedule")
    if bool(roi) == bool(schedule):
        raise BadRule(f"{where}.signal: either a region of the frame where the signal shows (roi) or a schedule.",
                      field=f"{where}.signal")
    if roi:
        return StopLine(name=name, points=_points(rule.get("points"), f"{where}.points", width, height, least=2,
                                                  most=2),
                        forward=forward, signal_roi=_points(roi, f"{where}.signal.roi", width, height, least=3))
    at = f"{where}.signal.schedule"
    cycle = _number(schedule, "cycle_s", at, low=10, high=600)
    red_start = _number(schedule, "red_start_s", at, low=0, high=cycle)
    red = _number(schedule, "red_s", at, low=1, high=cycle - 1)
    offset = _number(schedule, "offset_s", at, low=0, high=86400, default=0)
    return StopLine(name=name, points=_points(rule.get("points"), f"{where}.points", width, height, least=2, most=2),
                    forward=forward, schedule=SignalSchedule(cycle_s=cycle, red_start_s=red_start, red_s=red,
                                                             offset_s=offset))
