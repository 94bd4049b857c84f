"""The map of a planning information sheet: the plot, its neighbours, the plan zones, networks and canals around
it, drawn on the server as SVG (no tiles, no internet), with a scale bar and a north arrow."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr

import shapely
from psycopg import Connection
from shapely.geometry.base import BaseGeometry

from .records import Scope
from .sqlfiles import DEFAULT_TABLES, Tables, statement

__all__ = ["MapFeature", "map_features", "map_box", "render_svg", "LAND_USE_COLOURS", "NETWORK_COLOURS"]

# Metres per degree of latitude, and of longitude at the equator (WGS 84, close enough for a 300 m map).
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0
MIN_HALF_SIDE_M = 40.0

# Pale fills by land-use code, after the colours Vietnamese plan maps use (residential warm, green, blue water).
LAND_USE_COLOURS = {
    "ODT": "#f6c8a8", "ONT": "#f9dcb8", "TMD": "#f4a6a6", "SKC": "#d8c6e8", "SKK": "#cdb8e3",
    "DGD": "#b8d8ee", "DYT": "#b8d8ee", "TSC": "#c6d3f0", "DTS": "#c6d3f0", "DVH": "#d2e4f2", "DTT": "#cfe8d8",
    "DCH": "#f2d4b2", "CXK": "#a9d8a0", "DKV": "#b8e0ae", "DGT": "#e4e4e4", "DTL": "#a8cfee", "SON": "#a8cfee",
    "MNC": "#a8cfee", "LUC": "#e3f0b4", "LUK": "#e3f0b4", "BHK": "#eef3c2", "CLN": "#cfe7a6", "NTS": "#b9e2e6",
    "RSX": "#b5d6a0", "RPH": "#a8cc94", "NTD": "#d9d0c4",
}
NETWORK_COLOURS = {"water": "#0077b6", "drainage": "#6a994e", "sewer": "#7f4f24", "power": "#e63946",
                   "telecom": "#9d4edd", "canal": "#00a6d6"}


@dataclass(frozen=True)
class MapFeature:
    what: str  # zone, parcel, segment, canal
    id: int
    label: str
    code: str
    geom: BaseGeometry


def map_box(bbox: tuple[float, float, float, float], *, margin: float = 1.2, aspect: float = 1.5
            ) -> tuple[float, float, float, float]:
    """A lon/lat box around `bbox` with `margin` times its size on each side (at least MIN_HALF_SIDE_M), widened
    to `aspect` (width/height in metres) so the map fills its frame."""
    xmin, ymin, xmax, ymax = bbox
    lat0 = (ymin + ymax) / 2
    kx = _M_PER_DEG_LON * math.cos(math.radians(lat0))
    half_w = max((xmax - xmin) * kx * (0.5 + margin), MIN_HALF_SIDE_M)
    half_h = max((ymax - ymin) * _M_PER_DEG_LAT * (0.5 + margin), MIN_HALF_SIDE_M)
    half_w, half_h = max(half_w, half_h * aspect), max(half_h, half_w / aspect)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    return cx - half_w / kx, cy - half_h / _M_PER_DEG_LAT, cx + half_w / kx, cy + half_h / _M_PER_DEG_LAT


def map_features(conn: Connection, box: tuple[float, float, float, float], *, scope: Scope, as_of: date,
                 tables: Tables = DEFAULT_TABLES) -> list[MapFeature]:
    """Zones in force on `as_of`, parcels, and the lines of layers the reader may see, clipped to `box`."""
    visible = scope.detailed
    params = {"xmin": box[0], "ymin": box[1], "xmax": box[2], "ymax": box[3], "as_of": as_of,
              "zone_layers": list(scope.zone_layers), "parcel_layers": list(scope.parcel_layers),
              "segment_layers": [pk for pk in scope.segment_layers if pk in visible],
              "canal_layers": [pk for pk in scope.canal_layers if pk in visible]}
    with conn.cursor() as cur:
        cur.execute(statement("sheet_map_features", tables), params)
        rows = cur.fetchall()
    features = []
    for what, pk, label, code, wkb in rows:
        geom = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
        if geom is not None and not geom.is_empty:
            features.append(MapFeature(what, pk, label or "", code or "", geom))
    return features


class _Frame:
    """Lon/lat to SVG user units (millimetres) for a box drawn `width` mm wide, north up."""

    def __init__(self, box: tuple[float, float, float, float], width: float):
        self.xmin, self.ymin, self.xmax, self.ymax = box
        self.kx = _M_PER_DEG_LON * math.cos(math.radians((self.ymin + self.ymax) / 2))
        self.width_m = (self.xmax - self.xmin) * self.kx
        self.height_m = (self.ymax - self.ymin) * _M_PER_DEG_LAT
        self.mm_per_m = width / self.width_m
        self.width, self.height = width, self.height_m * self.mm_per_m

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.xmin) * self.kx * self.mm_per_m, (self.ymax - lat) * _M_PER_DEG_LAT * self.mm_per_m)

    def path(self, geom: BaseGeometry) -> str:
        parts = []
        for line in _lines(geom):
            coords = [self.xy(x, y) for x, y in line.coords]
            if len(coords) < 2:
                continue
            parts.append("M" + " L".join(f"{x:.2f},{y:.2f}" for x, y in coords) + (" Z" if line.is_ring else ""))
        return " ".join(parts)


def _lines(geom: BaseGeometry):
    if geom.geom_type == "Polygon":
        yield geom.exterior
        yield from geom.interiors
    elif geom.geom_type == "LineString":
        yield geom
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _lines(part)


def _scale_bar(frame: _Frame) -> str:
    target = frame.width_m / 5
    step = next(s for s in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000) if s >= target * 0.6)
    length = step * frame.mm_per_m
    x, y = 4.0, frame.height - 5.0
    half = length / 2
    return (f'<g class="scale"><rect x="{x - 1.5:.2f}" y="{y - 4.5:.2f}" width="{length + 12:.2f}" height="7" '
            f'fill="white" fill-opacity="0.85"/>'
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{half:.2f}" height="1.2" fill="#222"/>'
            f'<rect x="{x + half:.2f}" y="{y:.2f}" width="{half:.2f}" height="1.2" fill="white" stroke="#222" '
            f'stroke-width="0.2"/><text x="{x:.2f}" y="{y - 1:.2f}" font-size="2.4">0</text>'
            f'<text x="{x + length:.2f}" y="{y - 1:.2f}" font-size="2.4" text-anchor="middle">{step} m</text></g>')


def _north_arrow(frame: _Frame) -> str:
    x, y = frame.width - 8.0, 5.0
    return (f'<g class="north"><circle cx="{x:.2f}" cy="{y + 4:.2f}" r="5" fill="white" fill-opacity="0.85"/>'
            f'<path d="M{x:.2f},{y:.2f} L{x + 2.2:.2f},{y + 7:.2f} L{x:.2f},{y + 5.6:.2f} '
            f'L{x - 2.2:.2f},{y + 7:.2f} Z" fill="#222"/>'
            f'<text x="{x:.2f}" y="{y + 10.5:.2f}" font-size="2.6" text-anchor="middle" font-weight="bold">B</text>'
            "</g>")


def _label(frame: _Frame, geom: BaseGeometry, text: str, *, size: float, cls: str, min_mm: float = 0.0) -> str:
    if not text or geom.is_empty:
        return ""
    minx, miny, maxx, maxy = geom.bounds
    if (maxx - minx) * frame.kx * frame.mm_per_m < min_mm:
        return ""  # too small on paper to carry its label
    point = geom.representative_point()
    x, y = frame.xy(point.x, point.y)
    # A white halo drawn first, under the letters, keeps them legible over lines and fills.
    at = f'x="{x:.2f}" y="{y + size / 3:.2f}" font-size="{size}" text-anchor="middle"'
    return (f'<text {at} fill="white" stroke="white" stroke-width="{size / 4:.2f}">{escape(text)}</text>'
            f'<text class="{cls}" {at}>{escape(text)}</text>')


def render_svg(features: list[MapFeature], *, box: tuple[float, float, float, float], subject: BaseGeometry,
               width_mm: float = 170.0, title: str = "") -> str:
    """An SVG map, `width_mm` wide, of the features in `box` with the `subject` parcel outlined in red."""
    frame = _Frame(box, width_mm)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{frame.width:.1f}mm" height="{frame.height:.1f}mm" '
           f'viewBox="0 0 {frame.width:.2f} {frame.height:.2f}" font-family="DejaVu Sans, sans-serif" '
           f'role="img" aria-label={quoteattr(title or "Bản đồ vị trí thửa đất")}>',
           f'<rect width="{frame.width:.2f}" height="{frame.height:.2f}" fill="#fbfaf7"/>']
    by_kind: dict[str, list[MapFeature]] = {"zone": [], "parcel": [], "segment": [], "canal": []}
    for feature in features:
        by_kind.setdefault(feature.what, []).append(feature)
    for zone in by_kind["zone"]:
        colour = LAND_USE_COLOURS.get(zone.code, "#e8e8e8")
        out.append(f'<path d="{frame.path(zone.geom)}" fill="{colour}" fill-rule="evenodd" stroke="#9c3d23" '
                   'stroke-width="0.35" stroke-dasharray="2,1"/>')
    for parcel in by_kind["parcel"]:
        out.append(f'<path d="{frame.path(parcel.geom)}" fill="none" stroke="#6b6b6b" stroke-width="0.18"/>')
    for canal in by_kind["canal"]:
        out.append(f'<path d="{frame.path(canal.geom)}" fill="none" stroke="{NETWORK_COLOURS["canal"]}" '
                   'stroke-width="1.2" stroke-linecap="round"/>')
    for segment in by_kind["segment"]:
        colour = NETWORK_COLOURS.get(segment.code, "#555555")
        out.append(f'<path d="{frame.path(segment.geom)}" fill="none" stroke="{colour}" stroke-width="0.45"/>')
    out.append(f'<path d="{frame.path(subject)}" fill="#d62828" fill-opacity="0.18" stroke="#d62828" '
               'stroke-width="0.8"/>')
    for parcel in by_kind["parcel"]:
        out.append(_label(frame, parcel.geom, parcel.label, size=1.8, cls="parcel-no", min_mm=5))
    keep_clear = subject.buffer((subject.bounds[2] - subject.bounds[0]) * 0.5)
    for zone in by_kind["zone"]:
        # Zone symbols go beside the plot, never over it.
        room = zone.geom.difference(keep_clear)
        out.append(_label(frame, room if not room.is_empty else zone.geom, zone.label, size=3.0, cls="zone-code",
                          min_mm=15))
    out += [_scale_bar(frame), _north_arrow(frame), "</svg>"]
    return "".join(out)
