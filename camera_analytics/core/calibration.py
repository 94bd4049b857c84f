"""A camera's ground plane: the homography from image pixels to metres on the ground, and on to lon/lat.

The ground frame is a transverse Mercator plane centred on `origin` (scale 1), so within a camera's
view (a few hundred metres) its metres are the ground's to well under a millimetre. The homography is
fitted on at least four image-point / map-point pairs; with more it is a least-squares fit and the
residuals say how well the pairs agree.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np
from pyproj import Transformer

from .errors import DegenerateCalibration, OutsideFrame

__all__ = ["PointPair", "LocalPlane", "Calibration", "fit_calibration", "MIN_PAIRS"]

MIN_PAIRS = 4
_MAX_PAIRS = 64
# Three points count as collinear when their triangle is thinner than this share of the longest side squared
# (about 0.2 px off a 100 px line in the image).
_THIN = 2e-3
_SAME_PIXEL = 1.0
_SAME_PLACE_M = 0.05


@dataclass(frozen=True, slots=True)
class PointPair:
    """One clicked pair: a pixel (u right, v down, in the calibration frame) and where it lies on the map."""

    u: float
    v: float
    lon: float
    lat: float


class LocalPlane:
    """Metres east/north of `origin` on a transverse Mercator plane, and back to lon/lat."""

    def __init__(self, lon: float, lat: float):
        self.origin = (float(lon), float(lat))
        proj = (f"+proj=tmerc +lat_0={lat:.10f} +lon_0={lon:.10f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m "
                "+no_defs")
        self._forward = Transformer.from_crs("EPSG:4326", proj, always_xy=True)
        self._inverse = Transformer.from_crs(proj, "EPSG:4326", always_xy=True)

    def to_metres(self, lonlat: np.ndarray) -> np.ndarray:
        lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        x, y = self._forward.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    def to_lonlat(self, metres: np.ndarray) -> np.ndarray:
        metres = np.asarray(metres, dtype=float).reshape(-1, 2)
        lon, lat = self._inverse.transform(metres[:, 0], metres[:, 1])
        return np.column_stack([lon, lat])


def _apply(matrix: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    homogeneous = np.column_stack([points, np.ones(len(points))]) @ matrix.T
    return homogeneous[:, :2], homogeneous[:, 2]


@dataclass(frozen=True)
class Calibration:
    """Image pixels of a `frame_size` frame to ground metres around `origin` (and back)."""

    matrix: tuple[float, ...]  # 3x3 row-major, image -> ground metres, scaled so that w > 0 in front of the camera
    origin: tuple[float, float]
    frame_size: tuple[int, int]
    pairs: tuple[PointPair, ...] = field(default=())

    @cached_property
    def H(self) -> np.ndarray:  # noqa: N802 - the usual name of a homography
        return np.array(self.matrix, dtype=float).reshape(3, 3)

    @cached_property
    def H_inv(self) -> np.ndarray:  # noqa: N802
        return np.linalg.inv(self.H)

    @cached_property
    def plane(self) -> LocalPlane:
        return LocalPlane(*self.origin)

    def pixel_to_ground(self, pixels: np.ndarray) -> np.ndarray:
        """Ground metres (east, north) of each pixel; NaN for pixels on or above the horizon."""
        xy, w = _apply(self.H, pixels)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = xy / w[:, None]
        out[w <= 1e-12] = np.nan
        return out

    def ground_to_pixel(self, metres: np.ndarray) -> np.ndarray:
        uv, w = _apply(self.H_inv, metres)
        with np.errstate(divide="ignore", invalid="ignore"):
            return uv / w[:, None]

    def pixel_to_lonlat(self, pixels: np.ndarray) -> np.ndarray:
        return self.plane.to_lonlat(self.pixel_to_ground(pixels))

    def lonlat_to_pixel(self, lonlat: np.ndarray) -> np.ndarray:
        return self.ground_to_pixel(self.plane.to_metres(lonlat))

    def scaled_to(self, width: int, height: int) -> Calibration:
        """The same ground for pixels of a frame resized to `width` x `height`."""
        sx, sy = self.frame_size[0] / width, self.frame_size[1] / height
        matrix = self.H @ np.diag([sx, sy, 1.0])
        return Calibration(matrix=tuple(matrix.ravel()), origin=self.origin, frame_size=(width, height),
                           pairs=tuple(PointPair(p.u / sx, p.v / sy, p.lon, p.lat) for p in self.pairs))

    # What the page shows and the tests hold the fit to.
    @cached_property
    def errors_m(self) -> tuple[float, ...]:
        """Per pair: metres on the ground between where its pixel maps and where its map point is."""
        if not self.pairs:
            return ()
        pixels = np.array([(p.u, p.v) for p in self.pairs])
        ground = self.plane.to_metres(np.array([(p.lon, p.lat) for p in self.pairs]))
        return tuple(float(e) for e in np.hypot(*(self.pixel_to_ground(pixels) - ground).T))

    @cached_property
    def errors_px(self) -> tuple[float, ...]:
        """Per pair: pixels between the clicked pixel and where its map point projects."""
        if not self.pairs:
            return ()
        pixels = np.array([(p.u, p.v) for p in self.pairs])
        projected = self.lonlat_to_pixel(np.array([(p.lon, p.lat) for p in self.pairs]))
        return tuple(float(e) for e in np.hypot(*(projected - pixels).T))

    def round_trip_errors_m(self) -> tuple[float, ...]:
        """Per pair: the map point taken to its pixel and back to lon/lat, metres from where it started."""
        lonlat = np.array([(p.lon, p.lat) for p in self.pairs])
        back = self.pixel_to_lonlat(self.lonlat_to_pixel(lonlat))
        return tuple(float(e) for e in np.hypot(*(self.plane.to_metres(back) - self.plane.to_metres(lonlat)).T))

    @property
    def rms_m(self) -> float:
        errors = self.errors_m
        return math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else 0.0

    @property
    def max_m(self) -> float:
        return max(self.errors_m, default=0.0)

    def metres_per_pixel(self, u: float, v: float) -> float:
        """Ground metres one pixel spans around (u, v): how fine positions and speeds are there."""
        ground = self.pixel_to_ground(np.array([(u, v), (u + 1, v), (u, v + 1)]))
        return float(max(np.hypot(*(ground[1] - ground[0])), np.hypot(*(ground[2] - ground[0]))))


def _thin(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> bool:
    area2 = abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    longest = max(np.sum((b - a) ** 2), np.sum((c - a) ** 2), np.sum((c - b) ** 2))
    return longest == 0 or area2 < _THIN * longest


def _four_in_general_position(points: np.ndarray) -> bool:
    """Some four of the points with no three on a line: what a homography needs to be fixed."""
    n = len(points)
    if n <= 8:
        quads = itertools.combinations(range(n), 4)
    else:  # the hull's extremes first; enough pairs rarely need more than a few tries
        order = np.argsort(-np.hypot(*(points - points.mean(axis=0)).T))[:8]
        quads = itertools.combinations(order.tolist(), 4)
    return any(not any(_thin(*points[list(tri)]) for tri in itertools.combinations(quad, 3)) for quad in quads)


def _check_values(pairs: Sequence[PointPair], frame_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    width, height = frame_size
    if width <= 0 or height <= 0:
        raise DegenerateCalibration("The calibration frame has no size.", field="frame_size")
    if len(pairs) < MIN_PAIRS:
        raise DegenerateCalibration(f"At least {MIN_PAIRS} point pairs are needed; {len(pairs)} given.",
                                    field="pairs")
    if len(pairs) > _MAX_PAIRS:
        raise DegenerateCalibration(f"At most {_MAX_PAIRS} point pairs; {len(pairs)} given.", field="pairs")
    pixels = np.array([(p.u, p.v) for p in pairs], dtype=float)
    lonlat = np.array([(p.lon, p.lat) for p in pairs], dtype=float)
    if not (np.isfinite(pixels).all() and np.isfinite(lonlat).all()):
        raise DegenerateCalibration("Every point needs finite coordinates.", field="pairs")
    for i, (u, v) in enumerate(pixels):
        if not (0 <= u <= width and 0 <= v <= height):
            raise OutsideFrame(f"Point {i + 1} ({u:.0f}, {v:.0f}) is outside the {width} x {height} frame.",
                               field=f"pairs[{i}]")
    if (np.abs(lonlat[:, 0]) > 180).any() or (np.abs(lonlat[:, 1]) > 90).any():
        raise DegenerateCalibration("Map points need a longitude within ±180 and a latitude within ±90.",
                                    field="pairs")
    return pixels, lonlat


def _check_spread(points: np.ndarray, *, where: str, same: float) -> None:
    for i, j in itertools.combinations(range(len(points)), 2):
        if np.hypot(*(points[i] - points[j])) < same:
            raise DegenerateCalibration(f"Points {i + 1} and {j + 1} are the same place on the {where}.",
                                        field="pairs")
    if not _four_in_general_position(points):
        raise DegenerateCalibration(
            f"The points on the {where} lie on one line (or three of every four do): choose points that "
            "span the road's width as well as its length.", field="pairs")


def fit_calibration(pairs: Iterable[PointPair], *, frame_size: tuple[int, int],
                    origin: tuple[float, float] | None = None) -> Calibration:
    """The homography of the pairs, or `DegenerateCalibration` saying why they fix none."""
    pairs = tuple(pairs)
    pixels, lonlat = _check_values(pairs, frame_size)
    plane = LocalPlane(*(origin if origin is not None else lonlat.mean(axis=0)))
    ground = plane.to_metres(lonlat)
    _check_spread(pixels, where="frame", same=_SAME_PIXEL)
    _check_spread(ground, where="map", same=_SAME_PLACE_M)
    matrix, _inliers = cv2.findHomography(pixels, ground, 0)
    if matrix is None or not np.isfinite(matrix).all() or abs(np.linalg.det(matrix)) < 1e-15:
        raise DegenerateCalibration("These pairs fix no homography.", field="pairs")
    _xy, w = _apply(matrix, pixels)
    if np.all(w < 0):
        matrix, w = -matrix, -w
    if np.any(w <= 0):
        raise DegenerateCalibration(
            "The pairs fold the ground over (some points would lie behind the camera): check that each "
            "pixel is paired with its own map point.", field="pairs")
    # The picture of the ground is never mirrored: one orientation over every pair.
    signs = {np.sign(np.linalg.det(_jacobian(matrix, p))) for p in pixels}
    if len(signs) != 1:
        raise DegenerateCalibration("The pairs cross over: check that each pixel is paired with its own map point.",
                                    field="pairs")
    matrix = matrix / np.linalg.norm(matrix)
    return Calibration(matrix=tuple(float(x) for x in matrix.ravel()), origin=plane.origin,
                       frame_size=(int(frame_size[0]), int(frame_size[1])), pairs=pairs)


def _jacobian(matrix: np.ndarray, point: np.ndarray) -> np.ndarray:
    u, v = point
    x, y, w = matrix @ np.array([u, v, 1.0])
    row_x, row_y, row_w = matrix
    return np.array([(row_x[:2] * w - x * row_w[:2]) / w**2, (row_y[:2] * w - y * row_w[:2]) / w**2])
