"""OGC API Features Part 2: the CRSs a client may ask for, bbox in any of them, geometry out in any of them.

Features are stored in EPSG:4326 with longitude first, which is what CRS84 means; PostGIS moves them into
the requested CRS (ST_Transform) inside the query. EPSG:4326 itself is latitude first, as EPSG defines it, so
its coordinates are swapped on the way in and out. Every projected CRS offered here is easting first.
"""

import math
import re
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc, Transform
from django.contrib.gis.geos import Polygon
from django.db.models import F

from .errors import InvalidParameter

__all__ = ["Crs", "CRS84", "SUPPORTED", "STORAGE", "parse_crs", "parse_bbox", "geojson_expression",
           "content_crs", "flip"]

_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
VN2000_TM3 = range(9205, 9219)  # VN-2000 / TM-3, one zone per province group; Ninh Thuận is EPSG:9217


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int  # the SRID PostGIS knows it by
    lat_first: bool = False  # EPSG:4326: (latitude, longitude)
    geographic: bool = False

    @property
    def precision(self) -> int:
        """Decimals written: about a millimetre either way."""
        return 8 if self.geographic else 3


CRS84 = Crs(CRS84_URI, 4326, geographic=True)
SUPPORTED: tuple[Crs, ...] = (
    CRS84,
    Crs(_EPSG_URI.format(4326), 4326, lat_first=True, geographic=True),
    Crs(_EPSG_URI.format(3857), 3857),
    *(Crs(_EPSG_URI.format(code), code) for code in VN2000_TM3),
)
STORAGE = CRS84  # the stored coordinates, unchanged: EPSG:4326 values in longitude, latitude order
_BY_URI = {crs.uri: crs for crs in SUPPORTED}

# Spellings clients use for the same CRS: the URI (http or https), a safe CURIE, a URN, or a short code.
_EPSG = re.compile(r"^(?:\[?EPSG:(\d+)\]?|urn:ogc:def:crs:EPSG:[\d.]*:(\d+)|https?://www\.opengis\.net/def/crs/EPSG/0/(\d+))$",
                   re.IGNORECASE)
_CRS84 = re.compile(r"^(?:\[?OGC:CRS84\]?|CRS84|urn:ogc:def:crs:OGC:1\.3:CRS84|https?://www\.opengis\.net/def/crs/"
                    r"OGC/1\.3/CRS84)$", re.IGNORECASE)


def parse_crs(value: str, *, parameter: str) -> Crs:
    """The supported CRS named by `value`; anything else is a 400 that lists what is offered."""
    text = value.strip()
    if _CRS84.match(text):
        return CRS84
    match = _EPSG.match(text)
    crs = _BY_URI.get(_EPSG_URI.format(next(g for g in match.groups() if g))) if match else None
    if crs is None:
        raise InvalidParameter(f"{parameter}: {value!r} is not offered; use one of: "
                               + ", ".join(c.uri for c in SUPPORTED), parameter=parameter)
    return crs


def parse_bbox(text: str, crs: Crs) -> Polygon:
    """`minx,miny,maxx,maxy` (or the 6-number 3D form) in `crs` and its axis order, as a polygon in x/y order."""
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError as exc:
        raise InvalidParameter("bbox: four (or six) comma-separated numbers are expected.", parameter="bbox") from exc
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]  # the heights play no part in 2D features
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise InvalidParameter("bbox: four (or six) comma-separated numbers are expected.", parameter="bbox")
    min_a, min_b, max_a, max_b = numbers
    if min_a > max_a or min_b > max_b:
        raise InvalidParameter("bbox: the lower corner must come first (min ≤ max on each axis).", parameter="bbox")
    min_x, min_y, max_x, max_y = (min_b, min_a, max_b, max_a) if crs.lat_first else (min_a, min_b, max_a, max_b)
    if crs.geographic and not (min_x >= -180 and max_x <= 180 and min_y >= -90 and max_y <= 90):
        raise InvalidParameter("bbox: longitudes lie within ±180 and latitudes within ±90.", parameter="bbox")
    box = Polygon.from_bbox((min_x, min_y, max_x, max_y))
    box.srid = crs.srid
    return box


def flip(coordinates):
    """Swap the first two values of every position in a GeoJSON coordinates array."""
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [coordinates[1], coordinates[0], *coordinates[2:]]
    return [flip(part) for part in coordinates]


class _ForcePolygonCCW(GeoFunc):
    """RFC 7946: exterior rings counter-clockwise, holes clockwise."""

    function = "ST_ForcePolygonCCW"


class _FlipCoordinates(GeoFunc):
    function = "ST_FlipCoordinates"


def geojson_expression(crs: Crs) -> AsGeoJSON:
    """The feature's geometry as GeoJSON text in `crs`, built by PostGIS in the same query."""
    if crs.srid == 3857:
        geometry = F("geom_3857")  # kept by PostgreSQL for tiles: no transform per request
    elif crs.srid == 4326:
        geometry = F("geom")
    else:
        geometry = Transform("geom", crs.srid)
    geometry = _ForcePolygonCCW(geometry)
    if crs.lat_first:
        geometry = _FlipCoordinates(geometry)
    return AsGeoJSON(geometry, precision=crs.precision)


def content_crs(crs: Crs) -> str:
    """The Content-Crs header's value."""
    return f"<{crs.uri}>"
