"""Where a report is: its commune, district and province, and the name of the nearest street.

The SQL is in pieces (`UNITS_SQL`, `street_sql`) that intake's one lookup statement (incidents.lookup) puts
together with the category and routing; `locate` and `nearest_street` run them on their own.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import orjson
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from psycopg import sql

from layers.models import AdminUnit
from layers.registry import all_kinds

from .conf import conf
from .errors import NoLocation, OutsideProvince

__all__ = ["Location", "locate", "check_location", "nearest_street", "point_from", "POINT_SQL", "UNITS_SQL",
           "UNITS_JSON", "street_sql", "location_params", "location_from"]


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


# The report's point, made once per statement (the `pt` CTE every piece reads): in WGS 84 (g), in Web Mercator
# (m), and the cosine of its latitude (k), Web Mercator units being 1/k metres on the ground there. Read
# through scalar subqueries, the point is a parameter to the plan: the same prepared plan serves every point.
POINT_SQL = """SELECT ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326) AS g,
       ST_Transform(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326), 3857) AS m, cos(radians(%(y)s)) AS k"""

# The GiST index is on the Web Mercator copy: the bounding-box test uses it, the exact test runs in 4326.
# Overlaps happen only along slivers of imperfect boundaries: the first unit of each level (by id) is kept.
UNITS_SQL = """
SELECT DISTINCT ON (level) id, level, code, name, parent_id FROM layers_adminunit
 WHERE geom_3857 && (SELECT m FROM pt) AND ST_Covers(geom, (SELECT g FROM pt))
   AND (valid_from IS NULL OR valid_from <= %(day)s) AND (valid_to IS NULL OR valid_to > %(day)s)
 ORDER BY level, id
"""
# The units CTE as one text value: [[id, level, code, name, parent_id], …].
UNITS_JSON = "(SELECT json_agg(json_build_array(id, level, code, name, parent_id))::text FROM units)"


def location_params(point: Point) -> dict:
    return {"x": point.x, "y": point.y, "day": timezone.localdate(), "r": float(conf.STREET_RADIUS_M)}


def _units_from(units_json: str | None) -> dict[str, AdminUnit | None]:
    found: dict[str, AdminUnit | None] = dict.fromkeys(("province", "district", "commune"))
    for pk, level, code, name, parent_id in orjson.loads(units_json or "[]"):
        # Only what intake reads (names, keys); the geometry is never loaded.
        found[level] = AdminUnit(id=pk, level=level, code=code, name=name, parent_id=parent_id)
    return found


def _check_province(point: Point, found: dict[str, AdminUnit | None]) -> Location:
    province = found["province"]
    if province is None or province.name != conf.PROVINCE:
        where = province.name if province else "a place outside Việt Nam's provinces"
        if found["district"] is not None and province is not None:
            where = f"{found['district'].name}, {province.name}"
        raise OutsideProvince(where=where, province=conf.PROVINCE)
    return Location(point=point, province=province, district=found["district"], commune=found["commune"])


def location_from(point: Point, units_json: str | None, road: str | None, address: str | None) -> Location:
    """The Location read from the units and street pieces' output; OutsideProvince unless in our province."""
    loc = _check_province(point, _units_from(units_json))
    return Location(point=point, province=loc.province, district=loc.district, commune=loc.commune,
                    street_name=_street_of(road, address)[:255])


@lru_cache(maxsize=1)
def _units_only() -> str:
    return f"WITH pt AS ({POINT_SQL}), units AS ({UNITS_SQL}) SELECT {UNITS_JSON}"


def check_location(point: Point) -> Location:
    """The admin units of `point`; OutsideProvince (naming where it is) unless it lies in our province."""
    with connection.cursor() as cur:
        cur.execute(_units_only(), location_params(point))
        return _check_province(point, _units_from(cur.fetchone()[0]))


@lru_cache(maxsize=1)
def _located() -> str:
    connection.ensure_connection()
    return sql.SQL("WITH pt AS ({pt}), units AS ({units}) SELECT {units_json}, street.* FROM ({street}) street").format(
        pt=sql.SQL(POINT_SQL), units=sql.SQL(UNITS_SQL), units_json=sql.SQL(UNITS_JSON),
        street=street_sql()).as_string(connection.connection)


def locate(point: Point) -> Location:
    """check_location and nearest_street in one round trip to the database."""
    with connection.cursor() as cur:
        cur.execute(_located(), location_params(point))
        return location_from(point, *cur.fetchone())


def _road_kinds():
    """Basemap line layers with a name: the roads (OSM highways), when a basemap kind provides them."""
    for kind in all_kinds().values():
        names = {column.name for column in kind.columns}
        if kind.theme == "basemap" and kind.geometry == "LineString" and "name" in names:
            yield kind


_NEAREST_NAMED = sql.SQL("""(SELECT {name} FROM {table}
  WHERE {name} <> '' AND ST_DWithin(geom_3857, (SELECT m FROM pt), %(r)s / (SELECT k FROM pt))
  ORDER BY geom_3857 <-> (SELECT m FROM pt) LIMIT 1)""")

_HOUSE_NUMBER = re.compile(r"^\s*(số\s*)?[\d/\-A-Za-z]*\d[\d/\-A-Za-z]*\s+", re.IGNORECASE)


@lru_cache(maxsize=1)
def street_sql() -> sql.Composed:
    """(nearest road's name, nearest parcel's address) in one statement (reading `pt`): roads of every road kind,
    in turn. Kept once composed: the registry of kinds is built at start-up and never changes afterwards."""
    roads = [_NEAREST_NAMED.format(name=sql.Identifier("name"), table=sql.Identifier(kind.table))
             for kind in _road_kinds()]
    road = sql.SQL("COALESCE({})").format(sql.SQL(", ").join(roads)) if roads else sql.SQL("NULL::text")
    parcel = _NEAREST_NAMED.format(name=sql.Identifier("address"), table=sql.Identifier("layers_landparcel"))
    return sql.SQL("SELECT {road} AS road, {parcel} AS parcel").format(road=road, parcel=parcel)


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
    params = {"x": point.x, "y": point.y, "r": float(radius_m or conf.STREET_RADIUS_M)}
    with connection.cursor() as cur:
        cur.execute(sql.SQL("WITH pt AS ({}) {}").format(sql.SQL(POINT_SQL), street_sql()), params)
        return _street_of(*cur.fetchone())
