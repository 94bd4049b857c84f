"""The map of a planning information sheet: the plot, its neighbours, the plan zones, networks and canals around
it, drawn on the server with Pillow (no tiles, no internet), with a scale bar and a north arrow."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import shapely
from PIL import Image, ImageDraw, ImageFont
from psycopg import Connection
from shapely.geometry.base import BaseGeometry

from .records import Scope
from .sqlfiles import DEFAULT_TABLES, Tables, serial, statement

__all__ = ["MapFeature", "map_features", "map_box", "render_jpeg", "LAND_USE_COLOURS", "NETWORK_COLOURS"]

# Metres per degree of latitude, and of longitude at the equator (WGS 84, close enough for a 300 m map).
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0
MIN_HALF_SIDE_M = 40.0
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian fonts-dejavu-core: Vietnamese glyphs

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
    with serial(conn) as cur:
        cur.execute(statement("sheet_map_features", tables), params)
        rows = cur.fetchall()
    features = []
    for what, pk, label, code, wkb in rows:
        geom = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
        if geom is not None and not geom.is_empty:
            features.append(MapFeature(what, pk, label or "", code or "", geom))
    return features


class _Frame:
    """Lon/lat to pixels of an image `width_mm` wide at `px_per_mm`, north up."""

    def __init__(self, box: tuple[float, float, float, float], width_mm: float, px_per_mm: float):
        self.xmin, self.ymin, self.xmax, self.ymax = box
        self.kx = _M_PER_DEG_LON * math.cos(math.radians((self.ymin + self.ymax) / 2))
        self.width_m = (self.xmax - self.xmin) * self.kx
        self.height_m = (self.ymax - self.ymin) * _M_PER_DEG_LAT
        self.px_per_m = width_mm * px_per_mm / self.width_m
        self.mm = px_per_mm  # pixels per millimetre of paper
        self.size = (round(self.width_m * self.px_per_m), round(self.height_m * self.px_per_m))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.xmin) * self.kx * self.px_per_m, (self.ymax - lat) * _M_PER_DEG_LAT * self.px_per_m)

    def rings(self, geom: BaseGeometry) -> list[list[tuple[float, float]]]:
        return [[self.xy(x, y) for x, y in line.coords] for line in _lines(geom) if len(line.coords) >= 2]


def _lines(geom: BaseGeometry):
    if geom.geom_type == "Polygon":
        yield geom.exterior
        yield from geom.interiors
    elif geom.geom_type == "LineString":
        yield geom
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _lines(part)


def _polygon(draw: ImageDraw.ImageDraw, frame: _Frame, geom: BaseGeometry, *, fill=None, outline=None,
             width: float = 1.0) -> None:
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type != "Polygon":
            continue
        if fill is not None:
            # Shells only: what sits in a hole (another zone) is smaller, and zones are painted largest first.
            draw.polygon(frame.rings(part)[0], fill=fill)
        if outline is not None:
            for ring in frame.rings(part):
                draw.line(ring, fill=outline, width=max(1, round(width)), joint="curve")


def _font(size_px: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    return _load_font(max(6, round(size_px)), bold)


@lru_cache(maxsize=32)
def _load_font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def _label(draw: ImageDraw.ImageDraw, frame: _Frame, geom: BaseGeometry, text: str, *, size_mm: float,
           min_mm: float = 0.0, halo: bool = False, bold: bool = False) -> None:
    if not text or geom.is_empty:
        return
    minx, _miny, maxx, _maxy = geom.bounds
    if (maxx - minx) * frame.kx * frame.px_per_m < min_mm * frame.mm:
        return  # too small on paper to carry its label
    point = geom.representative_point()
    draw.text(frame.xy(point.x, point.y), text, fill="#1a1a1a", anchor="mm", font=_font(size_mm * frame.mm, bold),
              stroke_width=round(size_mm * frame.mm / 6) if halo else 0, stroke_fill="white")


def _scale_bar(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    target = frame.width_m / 5
    step = next(s for s in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000) if s >= target * 0.6)
    length = step * frame.px_per_m
    mm = frame.mm
    x, y = 4 * mm, frame.size[1] - 5 * mm
    draw.rectangle((x - 1.5 * mm, y - 4.5 * mm, x + length + 10 * mm, y + 2.5 * mm), fill="white")
    draw.rectangle((x, y, x + length / 2, y + 1.2 * mm), fill="#222222")
    draw.rectangle((x + length / 2, y, x + length, y + 1.2 * mm), fill="white", outline="#222222",
                   width=max(1, round(0.2 * mm)))
    font = _font(2.4 * mm)
    draw.text((x, y - 0.8 * mm), "0", fill="#222222", anchor="ls", font=font)
    draw.text((x + length, y - 0.8 * mm), f"{step} m", fill="#222222", anchor="ms", font=font)


def _north_arrow(draw: ImageDraw.ImageDraw, frame: _Frame) -> None:
    mm = frame.mm
    x, y = frame.size[0] - 8 * mm, 5 * mm
    draw.ellipse((x - 5 * mm, y - 1 * mm, x + 5 * mm, y + 9 * mm), fill="white")
    draw.polygon([(x, y), (x + 2.2 * mm, y + 7 * mm), (x, y + 5.6 * mm), (x - 2.2 * mm, y + 7 * mm)], fill="#222222")
    draw.text((x, y + 10.5 * mm), "B", fill="#222222", anchor="ms", font=_font(2.6 * mm, bold=True))


def render_jpeg(features: list[MapFeature], *, box: tuple[float, float, float, float], subject: BaseGeometry,
                width_mm: float = 150.0, dpi: int = 200) -> bytes:
    """A JPEG map, `width_mm` wide at `dpi`, of the features in `box` with the `subject` parcel in red. Drawn with
    Pillow at twice the size and halved, which smooths the edges; far cheaper for WeasyPrint than SVG."""
    frame = _Frame(box, width_mm, 2 * dpi / 25.4)
    image = Image.new("RGB", frame.size, "#fbfaf7")
    draw = ImageDraw.Draw(image)
    by_kind: dict[str, list[MapFeature]] = {"zone": [], "parcel": [], "segment": [], "canal": []}
    for feature in features:
        by_kind.setdefault(feature.what, []).append(feature)
    mm = frame.mm
    by_kind["zone"].sort(key=lambda z: -z.geom.area)
    for zone in by_kind["zone"]:
        _polygon(draw, frame, zone.geom, fill=LAND_USE_COLOURS.get(zone.code, "#e8e8e8"))
    for zone in by_kind["zone"]:
        _polygon(draw, frame, zone.geom, outline="#9c3d23", width=0.35 * mm)
    for parcel in by_kind["parcel"]:
        _polygon(draw, frame, parcel.geom, outline="#6b6b6b", width=0.18 * mm)
    for canal in by_kind["canal"]:
        for ring in frame.rings(canal.geom):
            draw.line(ring, fill=NETWORK_COLOURS["canal"], width=round(1.2 * mm), joint="curve")
    for segment in by_kind["segment"]:
        for ring in frame.rings(segment.geom):
            draw.line(ring, fill=NETWORK_COLOURS.get(segment.code, "#555555"), width=round(0.45 * mm))
    _polygon(draw, frame, subject, fill="#f4b6ae", outline="#d62828", width=0.8 * mm)
    for parcel in by_kind["parcel"]:
        _label(draw, frame, parcel.geom, parcel.label, size_mm=1.8, min_mm=5)
    keep_clear = subject.buffer((subject.bounds[2] - subject.bounds[0]) * 0.5)
    for zone in by_kind["zone"]:
        room = zone.geom.difference(keep_clear)  # zone symbols go beside the plot, never over it
        _label(draw, frame, room if not room.is_empty else zone.geom, zone.label, size_mm=3.0, min_mm=15, halo=True,
               bold=True)
    _scale_bar(draw, frame)
    _north_arrow(draw, frame)
    out = io.BytesIO()
    # A 2×2 box filter is enough to smooth the edges; JPEG goes into the PDF as it is, where a PNG is re-encoded.
    image.reduce(2).save(out, format="JPEG", quality=90, subsampling=0, dpi=(dpi, dpi))
    return out.getvalue()
