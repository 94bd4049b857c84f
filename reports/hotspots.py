"""Hotspots of reports on a square grid: the Getis-Ord Gi* statistic of each cell over its 3×3 neighbourhood.

Cells cover the area's extent in a metric CRS, empty cells included (they are what "no cluster" looks like),
so the mean and spread are those of the whole area, not of the places reports came from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pyproj import Transformer

from .records import Hotspot

__all__ = ["cell_size", "gi_star", "hotspots", "MAX_CELLS"]

MAX_CELLS = 40_000
_CONFIDENCE = ((2.576, 99), (1.960, 95), (1.645, 90))


def cell_size(extent: tuple[float, float, float, float], points: int, *, smallest: int = 250,
              largest: int = 5000) -> int:
    """Cell side in metres, a multiple of 50: about four cells per report over the extent, so a week's reports
    over a province are counted in cells of a few kilometres and a busy week's over a city in a few hundred
    metres; never more than MAX_CELLS cells."""
    area = max((extent[2] - extent[0]) * (extent[3] - extent[1]), 1.0)
    side = math.sqrt(area / max(4 * points, 1))
    side = max(side, math.sqrt(area / MAX_CELLS), smallest)
    return int(math.ceil(min(side, max(largest, math.sqrt(area / MAX_CELLS))) / 50.0)) * 50


def gi_star(counts: np.ndarray) -> np.ndarray:
    """Gi* z-scores of a 2-D grid of counts, binary weights over each cell and its 8 neighbours (edges get fewer)."""
    n = counts.size
    if n < 2:
        return np.zeros_like(counts, dtype=float)
    x = counts.astype(float)
    mean = x.mean()
    s = math.sqrt(max((x * x).mean() - mean * mean, 0.0))
    padded = np.pad(x, 1)
    ones = np.pad(np.ones_like(x), 1)
    local = np.zeros_like(x)
    weights = np.zeros_like(x)
    rows, cols = x.shape
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            local += padded[dy:dy + rows, dx:dx + cols]
            weights += ones[dy:dy + rows, dx:dx + cols]
    if s == 0:
        return np.zeros_like(x)
    denominator = s * np.sqrt((n * weights - weights * weights) / (n - 1))
    return (local - mean * weights) / denominator


def hotspots(xs: Sequence[float], ys: Sequence[float], extent: tuple[float, float, float, float], *,
             metric_srid: int, cell_m: int | None = None, limit: int = 15, min_count: int = 3) -> list[Hotspot]:
    """The cells at 90 % confidence or more holding at least `min_count` reports, strongest first, at most
    `limit`."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if xs.size == 0:
        return []
    cell = cell_m or cell_size(extent, int(xs.size))
    x0, y0 = math.floor(extent[0] / cell) * cell, math.floor(extent[1] / cell) * cell
    cols = max(1, int(math.ceil((extent[2] - x0) / cell)))
    rows = max(1, int(math.ceil((extent[3] - y0) / cell)))
    ix = np.clip(((xs - x0) // cell).astype(int), 0, cols - 1)
    iy = np.clip(((ys - y0) // cell).astype(int), 0, rows - 1)
    counts = np.zeros((rows, cols), dtype=np.int64)
    np.add.at(counts, (iy, ix), 1)
    z = gi_star(counts)
    to_lonlat = Transformer.from_crs(metric_srid, 4326, always_xy=True)
    found = []
    for r, c in zip(*np.nonzero((counts >= min_count) & (z >= _CONFIDENCE[-1][0])), strict=True):
        score = float(z[r, c])
        left, bottom = x0 + c * cell, y0 + r * cell
        corners = [(left, bottom), (left + cell, bottom), (left + cell, bottom + cell), (left, bottom + cell),
                   (left, bottom)]
        ring = tuple((round(lon, 6), round(lat, 6)) for lon, lat in (to_lonlat.transform(*p) for p in corners))
        lon, lat = to_lonlat.transform(left + cell / 2, bottom + cell / 2)
        confidence = next(level for threshold, level in _CONFIDENCE if score >= threshold)
        found.append(Hotspot(round(lon, 6), round(lat, 6), int(counts[r, c]), round(score, 3), confidence, cell, ring))
    found.sort(key=lambda h: (-h.z, -h.count, h.lon, h.lat))
    return found[:limit]
