"""Where a report is: its commune, district and province, and the name of the nearest street."""

import re
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from psycopg import sql

from layers.models import AdminUnit
from layers.registry import all_kinds

from .conf import conf
from .errors import NoLocation, OutsideProvince

__all__ = ["Location", "locate", "check_location", "nearest_street", "point_from"]


@dataclass(frozen=True)
class Location:
    point: Point
    province: AdminUnit | None
    district: AdminUnit | None
    commune: AdminUnit | None
    street_name: str = ""


def point_from(lon, lat) -> Point:
    """A WGS 84 point from user input, or NoLocation saying what is wrong with it."""
    if lon is None or lat is None or lon == "" or lat == "":
        raise NoLocation()
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise NoLocation("The coordinates are not numbers.") from None
    if not (-180 <= x <= 180 and -90 <= y <= 90) or x != x or y != y:
        raise NoLocation("The coordinates are not on Earth (longitude -180…180, latitude -90…90).")
    return Point(x, y, srid=4326)


# The GiST index is on the Web Mercator copy: the bounding-box test uses it, the exact test runs in 4326.
_UNITS_AT = """
SELECT id, level FROM layers_adminunit
 WHERE geom_3857 && ST_Transform(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326), 3857)
   AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326))
   AND (valid_from IS NULL OR valid_from <= %(day)s) AND (valid_to IS NULL OR valid_to > %(day)s)
 ORDER BY level, id
"""


def _units_at(point: Point) -> dict[str, AdminUnit | None]:
    with connection.cursor() as cur:
        cur.execute(_UNITS_AT, {"x": point.x, "y": point.y, "day": timezone.localdate()})
        rows = cur.fetchall()
    first: dict[str, int] = {}
    for pk, level in rows:
        first.setdefault(level, pk)  # overlaps happen only along slivers of imperfect boundaries
    units = AdminUnit.objects.only("id", "level", "name", "code", "parent_id").in_bulk(first.values())
    return {level: units[first[level]] if level in first else None for level in ("province", "district", "commune")}


def check_location(point: Point) -> Location:
    """The admin units of `point`; OutsideProvince (naming where it is) unless it lies in our province."""
    found = _units_at(point)
    province = found["province"]
    if province is None or province.name != conf.PROVINCE:
        where = province.name if province else "a place outside Việt Nam's provinces"
        if found["district"] is not None and province is not None:
            where = f"{found['district'].name}, {province.name}"
        raise OutsideProvince(where=where, province=conf.PROVINCE)
    return Location(point=point, province=province, district=found["district"], commune=found["commune"])


def locate(point: Point) -> Location:
    loc = check_location(point)
    return Location(point=point, province=loc.province, district=loc.district, commune=loc.commune,
                    street_name=nearest_street(point))


def _road_kinds():
    """Basemap line layers with a name: the roads (OSM highways), when a basemap kind provides them."""
    for kind in all_kinds().values():
        names = {column.name for column in kind.columns}
        if kind.theme == "basemap" and kind.geometry == "LineString" and "name" in names:
            yield kind


# Metres on the ground at this latitude are 1/cos(lat) Web Mercator units.
_NEAREST_NAMED = sql.SQL("""
SELECT {name} FROM {table}
 WHERE {name} <> '' AND ST_DWithin(geom_3857, ST_Transform(%(p)s::geometry, 3857), %(r)s / cos(radians(%(y)s)))
 ORDER BY geom_3857 <-> ST_Transform(%(p)s::geometry, 3857) LIMIT 1
""")

_HOUSE_NUMBER = re.compile(r"^\s*(số\s*)?[\d/\-A-Za-z]*\d[\d/\-A-Za-z]*\s+", re.IGNORECASE)


def nearest_street(point: Point, *, radius_m: float | None = None) -> str:
    """The name of the nearest named road within `radius_m`; failing a road layer, the street of the
    nearest parcel's address. Empty when neither is near."""
    radius = radius_m or conf.STREET_RADIUS_M
    params = {"p": point.ewkt, "r": radius, "y": point.y}
    with connection.cursor() as cur:
        for kind in _road_kinds():
            cur.execute(_NEAREST_NAMED.format(name=sql.Identifier("name"), table=sql.Identifier(kind.table)),
                        params)
            row = cur.fetchone()
            if row:
                return row[0]
        cur.execute(_NEAREST_NAMED.format(name=sql.Identifier("address"),
                                          table=sql.Identifier("layers_landparcel")), params)
        row = cur.fetchone()
    if not row:
        return ""
    street = row[0].split(",")[0]
    return "" if street.startswith("Cánh đồng") else _HOUSE_NUMBER.sub("", street).strip()
