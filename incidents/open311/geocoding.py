"""Open311 allows a report with an address_string and no coordinates. With no geocoder offline, we place it
at a named road inside a named commune of the province, or at the commune itself; otherwise we refuse."""

import unicodedata

from django.contrib.gis.geos import Point
from django.db import connection

from ..conf import conf
from ..errors import NoLocation

__all__ = ["place_address"]

_COMMUNES = """
SELECT c.id, c.name, ST_X(ST_PointOnSurface(c.geom)), ST_Y(ST_PointOnSurface(c.geom))
  FROM layers_adminunit c
  JOIN layers_adminunit d ON d.id = c.parent_id
  JOIN layers_adminunit p ON p.id = d.parent_id
 WHERE c.level = 'commune' AND p.level = 'province' AND p.name = %s AND c.valid_to IS NULL
"""

_ROAD_IN = """
SELECT ST_X(ST_LineInterpolatePoint(r.geom, 0.5)), ST_Y(ST_LineInterpolatePoint(r.geom, 0.5))
  FROM layers_basemaproad r JOIN layers_adminunit c ON c.id = %s
 WHERE lower(r.name) = lower(%s) AND r.geom_3857 && c.geom_3857 AND ST_Intersects(r.geom, c.geom)
 ORDER BY ST_Length(r.geom) DESC LIMIT 1
"""

_PREFIXES = ("phường ", "xã ", "thị trấn ")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _bare(name: str) -> str:
    lowered = name.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            return name[len(prefix):]
    return name


def place_address(address: str) -> Point:
    folded = _fold(address)
    with connection.cursor() as cur:
        cur.execute(_COMMUNES, [conf.PROVINCE])
        communes = cur.fetchall()
        # The longest name that appears wins: "Phước Mỹ" before "Mỹ".
        hits = sorted((c for c in communes if _fold(_bare(c[1])) in folded), key=lambda c: -len(_bare(c[1])))
        if not hits:
            raise NoLocation("address_string names no commune of the province we could find: send lat and long.",
                             field="address_string")
        commune_id, _name, x, y = hits[0]
        first_part = address.split(",")[0].strip()
        street = first_part.lstrip("0123456789/ -").strip()
        if street:
            cur.execute(_ROAD_IN, [commune_id, street])
            row = cur.fetchone()
            if row:
                x, y = row
    return Point(x, y, srid=4326)
