"""The map's search box: coordinates (WGS 84 or VN-2000 TM-3), "tờ 12 thửa 345" parcel numbers, and
province, district and commune names typed with or without diacritics.

Every hit carries where to look (a point, and a box when it has an extent); nothing outside the layers
the caller may see is ever found.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from django.contrib.gis.db.models.functions import Envelope, PointOnSurface
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When

from layers.models import AdminUnit, LandParcel, Layer
from layers.names import ascii_name
from portal.errors import InvalidInput

__all__ = ["MAX_QUERY", "VN2000_SRID", "Hit", "search", "parse_coordinates", "parse_parcel"]

MAX_QUERY = 100
VN2000_SRID = 9217  # VN-2000 TM-3, central meridian 108°15' (Ninh Thuận); added to PostGIS by layers 0004
_LIMIT = 10
_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_PAIR = re.compile(rf"^\s*(?:(?:vn-?2000|wgs-?84|x\s*=?)\s*)?({_NUMBER})\s*(?:[,;\s]|\s*y\s*=?)\s*({_NUMBER})\s*$",
                   re.IGNORECASE)
# "tờ 12 thửa 345", "to 12 thua 345", "thửa 345 tờ 12", "sheet 12 parcel 345"; written out after unaccenting.
_SHEET_FIRST = re.compile(r"^\s*(?:to|to ban do|sheet)\s*(?:so\s*)?([\w.-]+)\s*[,;/]?\s*(?:thua|parcel)\s*(?:so\s*)?"
                          r"([\w.-]+)\s*$", re.IGNORECASE)
_PARCEL_FIRST = re.compile(r"^\s*(?:thua|parcel)\s*(?:so\s*)?([\w.-]+)\s*[,;/]?\s*(?:to|to ban do|sheet)\s*"
                           r"(?:so\s*)?([\w.-]+)\s*$", re.IGNORECASE)
# Việt Nam with a margin: a coordinate outside it is more likely a typing slip than a place we map.
_VIETNAM = (101.0, 7.0, 118.0, 24.0)
_LEVEL_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?|quan|huyen|thi xa|xa|phuong|thi tran)\s+", re.IGNORECASE)


@dataclass
class Hit:
    kind: str  # "coordinates", "parcel", "province", "district", "commune"
    title: str
    subtitle: str
    lon: float
    lat: float
    bbox: list[float] | None = None  # west, south, east, north
    layer: str = ""
    feature: str = ""  # the feature's ext_id within `layer`
    extra: dict = field(default_factory=dict)


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _in_vietnam(lon: float, lat: float) -> bool:
    return _VIETNAM[0] <= lon <= _VIETNAM[2] and _VIETNAM[1] <= lat <= _VIETNAM[3]


def _from_vn2000(northing: float, easting: float) -> tuple[float, float]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), %s), 4326) AS p",
                       [easting, northing, VN2000_SRID])
        lon, lat = cursor.fetchone()
    return lon, lat


def parse_coordinates(text: str) -> Hit | None:
    """Two numbers: lat/lon or lon/lat in degrees, or VN-2000 X (northing) and Y (easting) in metres."""
    match = _PAIR.match(text)
    if match is None:
        return None
    a, b = _number(match[1]), _number(match[2])
    if abs(a) > 1000 and abs(b) > 1000:
        # Vietnamese surveys write X for northing: the larger of the two in this part of the world.
        northing, easting = (a, b) if a > b else (b, a)
        lon, lat = _from_vn2000(northing, easting)
        if not _in_vietnam(lon, lat):
            raise InvalidInput("those VN-2000 TM-3 coordinates (108°15') fall outside Việt Nam", field="q")
        return Hit("coordinates", f"X {northing:.2f}  Y {easting:.2f}", f"VN-2000 TM-3 108°15' → {lat:.6f}, {lon:.6f}",
                   lon, lat)
    if abs(a) <= 90 and abs(b) <= 180 and _in_vietnam(b, a):
        lat, lon = a, b
    elif abs(b) <= 90 and abs(a) <= 180 and _in_vietnam(a, b):
        lon, lat = a, b
    elif abs(a) <= 90 and abs(b) <= 180:
        lat, lon = a, b  # lat, lon as most people write it; outside Việt Nam but still a place
    else:
        raise InvalidInput("coordinates must be latitude (−90…90) and longitude (−180…180), or VN-2000 metres",
                           field="q")
    return Hit("coordinates", f"{lat:.6f}, {lon:.6f}", "WGS 84", lon, lat)


def parse_parcel(text: str) -> tuple[str, str] | None:
    plain = ascii_name(text).lower()
    if match := _SHEET_FIRST.match(plain):
        return match[1], match[2]
    if match := _PARCEL_FIRST.match(plain):
        return match[2], match[1]
    return None


def _box(envelope) -> list[float] | None:
    if envelope is None:
        return None
    west, south, east, north = envelope.extent
    return [round(west, 6), round(south, 6), round(east, 6), round(north, 6)]


def _parcels(sheet: str, number: str, user) -> list[Hit]:
    layers = Layer.objects.visible_to(user).filter(kind="land_parcel")
    rows = (LandParcel.objects.filter(layer__in=layers, sheet_no=sheet, parcel_no=number)
            .select_related("layer", "commune")
            .annotate(point=PointOnSurface("geom"), box=Envelope("geom")).order_by("layer__slug", "id")[:_LIMIT])
    hits = []
    for row in rows:
        where = row.commune.name if row.commune else row.address
        hits.append(Hit("parcel", f"Tờ {row.sheet_no} thửa {row.parcel_no}", ", ".join(filter(None, [where,
                        row.layer.title_vi])), row.point.x, row.point.y, _box(row.box), row.layer.slug, row.ext_id))
    return hits


def _units(text: str) -> list[Hit]:
    plain = _LEVEL_PREFIX.sub("", ascii_name(text).strip()).strip()
    exact = text.strip()
    if len(plain) < 2:
        return []
    rank = Case(When(name__iexact=exact, then=Value(0)), When(name_ascii__iexact=plain, then=Value(1)),
                When(name_ascii__istartswith=plain, then=Value(2)), When(name__icontains=exact, then=Value(3)),
                default=Value(4), output_field=IntegerField())
    level = Case(When(level="province", then=Value(0)), When(level="district", then=Value(1)), default=Value(2),
                 output_field=IntegerField())
    match = Q(name_ascii__icontains=plain) | Q(name__icontains=exact)
    if len(plain) >= 4:  # a typing slip ("Phan Rag") still finds the place
        match |= Q(similarity__gt=0.45)
    rows = (AdminUnit.objects.valid_on(date.today())
            .annotate(similarity=TrigramSimilarity("name_ascii", plain), rank=rank, level_rank=level)
            .filter(match).select_related("parent")
            .annotate(point=PointOnSurface("geom"), box=Envelope("geom"))
            .order_by("rank", "level_rank", "-similarity", "name")[:_LIMIT])
    return [Hit(row.level, row.name, row.parent.name if row.parent else "", row.point.x, row.point.y, _box(row.box),
                extra={"code": row.code}) for row in rows]


def search(query: str, user) -> list[dict]:
    text = " ".join((query or "").split())
    if not text:
        raise InvalidInput("type a place, a parcel (tờ 12 thửa 345) or coordinates", field="q")
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"at most {MAX_QUERY} characters", field="q")
    if (hit := parse_coordinates(text)) is not None:
        return [asdict(hit)]
    if (parcel := parse_parcel(text)) is not None:
        return [asdict(hit) for hit in _parcels(*parcel, user)]
    return [asdict(hit) for hit in _units(text)]
