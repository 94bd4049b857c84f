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
SELECT id, level, code, name, parent_id FROM layers_adminunit
 WHERE geom_3857 && ST_Transform(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326), 3857)
   AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326))
   AND (valid_from IS NULL OR valid_from <= %(day)s) AND (valid_to IS NULL OR valid_to > %(day)s)
 ORDER BY level, id
"""


def _units_at(point: Point) -> dict[str, AdminUnit | None]:
    with connection.cursor() as cur:
        cur.execute(_UNITS_AT, {"x": point.x, "y": point.y, "day": timezone.localdate()})
        return _units_from(cur.fetchall())


def _units_from(rows) -> dict[str, AdminUnit | None]:
    found: dict[str, AdminUnit | None] = dict.fromkeys(("province", "district", "commune"))
    for pk, level, code, name, parent_id in rows:
        if found.get(level) is None:  # overlaps happen only along slivers of imperfect boundaries: keep the first
            # Only what intake reads (names, keys); the geometry is never loaded.
            found[level] = AdminUnit(id=pk, level=level, code=code, name=name, parent_id=parent_id)
    return found


def check_location(point: Point) -> Location:
    """The admin units of `point`; OutsideProvince (naming where it is) unless it lies in our province."""
    return _check_province(point, _units_at(point))


def _check_province(point: Point, found: dict[str, AdminUnit | None]) -> Location:
    province = found["province"]
    if province is None or province.name != conf.PROVINCE:
        where = province.name if province else "a place outside Việt Nam's provinces"
        if found["district"] is not None and province is not None:
            where = f"{found['district'].name}, {province.name}"
        raise OutsideProvince(where=where, province=conf.PROVINCE)
    return Location(point=point, province=province, district=found["district"], commune=found["commune"])


def locate(point: Point) -> Location:
    """check_location and nearest_street in one round trip to the database (intake's hot path)."""
    params = {"x": point.x, "y": point.y, "day": timezone.localdate(), "p": point.ewkt, "r": conf.STREET_RADIUS_M}
    statement = sql.SQL("WITH units AS ({units}), street AS MATERIALIZED ({street}) SELECT units.*, street.* "
                        "FROM street LEFT JOIN units ON true ORDER BY units.level, units.id").format(
        units=sql.SQL(_UNITS_AT), street=_street_sql())
    with connection.cursor() as cur:
        cur.execute(statement, params)
        rows = cur.fetchall()
    loc = _check_province(point, _units_from([row[:5] for row in rows if row[0] is not None]))
    return Location(point=point, province=loc.province, district=loc.district, commune=loc.commune,
                    street_name=_street_of(*rows[0][5:7]))


def _road_kinds():
    """Basemap line layers with a name: the roads (OSM highways), when a basemap kind provides them."""
    for kind in all_kinds().values():
        names = {column.name for column in kind.columns}
        if kind.theme == "basemap" and kind.geometry == "LineString" and "name" in names:
            yield kind


# Metres on the ground at this latitude are 1/cos(lat) Web Mercator units.
_NEAREST_NAMED = sql.SQL("""(SELECT {name} FROM {table}
  WHERE {name} <> '' AND ST_DWithin(geom_3857, ST_Transform(%(p)s::geometry, 3857), %(r)s / cos(radians(%(y)s)))
  ORDER BY geom_3857 <-> ST_Transform(%(p)s::geometry, 3857) LIMIT 1)""")

_HOUSE_NUMBER = re.compile(r"^\s*(số\s*)?[\d/\-A-Za-z]*\d[\d/\-A-Za-z]*\s+", re.IGNORECASE)


def _street_sql() -> sql.Composed:
    """(nearest road's name, nearest parcel's address) in one statement: roads of every road kind, in turn."""
    roads = [_NEAREST_NAMED.format(name=sql.Identifier("name"), table=sql.Identifier(kind.table))
             for kind in _road_kinds()]
    road = sql.SQL("COALESCE({})").format(sql.SQL(", ").join(roads)) if roads else sql.SQL("NULL::text")
    parcel = _NEAREST_NAMED.format(name=sql.Identifier("address"), table=sql.Identifier("layers_landparcel"))
    return sql.SQL("SELECT {road}, {parcel}").format(road=road, parcel=parcel)


def _street_of(road: str | None, address: str | None) -> str:
    if road:
        return road
    if not address:
        return ""
    street = address.split(",")[0]
    return "" if street.startswith("Cánh đồng") else _HOUSE_NUMBER.sub("", street).strip()


def nearest_street(point: Point, *, radius_m: float | None = None) -> str:
    """The name of the nearest named road within `radius_m`; failing a road layer, the street of the
    nearest parcel's address. Empty when neither is near."""
    params = {"p": point.ewkt, "r": radius_m or conf.STREET_RADIUS_M, "y": point.y}
    with connection.cursor() as cur:
        cur.execute(_street_sql(), params)
        return _street_of(*cur.fetchone())
