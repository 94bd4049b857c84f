"""Likely duplicates: open reports of one category filed close together in place and time.

Each pair names the later report (the duplicate) and the earlier one it would merge into, with the
distance, the hours between them and a score from 0 to 1 (1: same place, same moment).
"""

from dataclasses import dataclass

from django.db import connection
from psycopg import sql

from .models import OPEN_STATUSES, Incident

__all__ = ["DuplicatePair", "duplicate_pairs"]

# ST_DWithin on degrees lets the GiST index on geom find neighbours; the geography distance then trims
# them to metres. 1 degree is at least 111 km * cos(lat) east-west; at Việt Nam's latitudes 0.95 is safe.
_PAIRS = sql.SQL("""
SELECT a.id, b.id, d.metres, abs(extract(epoch FROM a.created_at - b.created_at)) / 3600.0 AS hours
FROM {incident} a
JOIN {incident} b
  ON b.category_id = a.category_id
 AND (b.created_at, b.id) < (a.created_at, a.id)
 AND b.created_at >= a.created_at - make_interval(secs => %(seconds)s)
 AND ST_DWithin(a.geom, b.geom, %(radius_m)s / (111320.0 * 0.95))
 AND b.merged_into_id IS NULL AND b.status = ANY(%(open)s)
CROSS JOIN LATERAL (SELECT ST_Distance(a.geom::geography, b.geom::geography) AS metres) d
WHERE a.id = ANY(%(ids)s) AND a.merged_into_id IS NULL AND a.status = ANY(%(open)s)
  AND d.metres <= %(radius_m)s
""")


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    duplicate_id: int
    into_id: int
    metres: float
    hours: float
    score: float


def duplicate_pairs(ids: list[int], *, radius_m: float, hours: float) -> list[DuplicatePair]:
    """Pairs where a report among `ids` looks like a repeat of an earlier open one, best first."""
    if not ids:
        return []
    query = _PAIRS.format(incident=sql.Identifier(Incident._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(query, {"ids": list(ids), "radius_m": float(radius_m), "seconds": float(hours) * 3600,
                               "open": list(OPEN_STATUSES)})
        rows = cursor.fetchall()
    pairs = [DuplicatePair(a, b, round(metres, 1), round(float(gap), 2),
                           round(max(0.0, 1 - 0.6 * metres / radius_m - 0.4 * float(gap) / hours), 3))
             for a, b, metres, gap in rows]
    pairs.sort(key=lambda pair: (-pair.score, pair.duplicate_id))
    return pairs
