"""Open incident statistics: reports received and resolved per commune, week and category, for the last year of
finished weeks. Counts only — no text, no point, no person: only public categories (never camera violations),
merged duplicates counted once, each row placed at its commune's inner point."""

import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from django.conf import settings
from django.db import connection
from django.utils import timezone

__all__ = ["STATS_SLUG", "STATS_FORMATS", "STATS_WEEKS", "stats_version", "stats_frame", "stats_bytes",
           "stats_dataset", "STATS_COLUMNS"]

STATS_SLUG = "phan-anh-theo-xa-tuan"
STATS_FORMATS = ("csv", "geojson", "gpkg")
STATS_WEEKS = 52
STATS_COLUMNS = ("week_start", "province", "district", "commune_code", "commune", "category", "category_name",
                 "received", "resolved")

_SQL = """
WITH scope AS (
  SELECT i.id, i.commune_id, i.category_id, i.created_at FROM incidents_incident i
  JOIN incidents_category c ON c.id = i.category_id
  WHERE i.public AND c.public_by_default AND i.merged_into_id IS NULL AND i.commune_id IS NOT NULL
), received AS (
  SELECT date_trunc('week', s.created_at AT TIME ZONE %(zone)s)::date AS week, s.commune_id, s.category_id,
         count(*) AS n FROM scope s WHERE s.created_at >= %(start)s AND s.created_at < %(end)s GROUP BY 1, 2, 3
), resolved AS (
  SELECT date_trunc('week', e.at AT TIME ZONE %(zone)s)::date AS week, s.commune_id, s.category_id,
         count(DISTINCT s.id) AS n
  FROM scope s JOIN incidents_incidentevent e ON e.incident_id = s.id AND e.kind = 'resolved'
  WHERE e.at >= %(start)s AND e.at < %(end)s GROUP BY 1, 2, 3
)
SELECT k.week, coalesce(p.name, ''), coalesce(d.name, ''), u.code, u.name, c.code, c.name_vi,
       coalesce(r.n, 0), coalesce(v.n, 0), ST_AsBinary(ST_PointOnSurface(u.geom))
FROM (SELECT week, commune_id, category_id FROM received UNION SELECT week, commune_id, category_id FROM resolved) k
JOIN layers_adminunit u ON u.id = k.commune_id JOIN incidents_category c ON c.id = k.category_id
LEFT JOIN layers_adminunit d ON d.id = u.parent_id LEFT JOIN layers_adminunit p ON p.id = d.parent_id
LEFT JOIN received r ON (r.week, r.commune_id, r.category_id) = (k.week, k.commune_id, k.category_id)
LEFT JOIN resolved v ON (v.week, v.commune_id, v.category_id) = (k.week, k.commune_id, k.category_id)
ORDER BY k.week, u.code, c.code
"""


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _last_monday(now: datetime) -> date:
    today = now.astimezone(_zone()).date()
    return today - timedelta(days=today.weekday())


def stats_version(now: datetime | None = None) -> str:
    """The week the statistics end with: they change once a week, when a week is over."""
    monday = _last_monday(now or timezone.now())
    year, week, _ = (monday - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def stats_frame(now: datetime | None = None) -> gpd.GeoDataFrame:
    end_day = _last_monday(now or timezone.now())
    start_day = end_day - timedelta(weeks=STATS_WEEKS)
    params = {"zone": settings.TIME_ZONE, "start": datetime.combine(start_day, time(0), _zone()),
              "end": datetime.combine(end_day, time(0), _zone())}
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        rows = cursor.fetchall()
    frame = pd.DataFrame([row[:-1] for row in rows], columns=list(STATS_COLUMNS))
    frame["week_start"] = frame["week_start"].astype(str)
    for column in ("received", "resolved"):
        frame[column] = frame[column].astype("int64")
    geometry = shapely.from_wkb([bytes(row[-1]) for row in rows]) if rows else []
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def stats_bytes(fmt: str, frame: gpd.GeoDataFrame) -> bytes:
    if fmt == "csv":
        out = frame.drop(columns="geometry").assign(lon=frame.geometry.x.round(6), lat=frame.geometry.y.round(6))
        return ("\ufeff" + out.to_csv(index=False, lineterminator="\r\n")).encode()
    driver = {"geojson": "GeoJSON", "gpkg": "GPKG"}[fmt]
    with tempfile.TemporaryDirectory(prefix="opendata-stats-") as tmp:
        target = Path(tmp) / f"{STATS_SLUG}.{fmt}"
        pyogrio.write_dataframe(frame, target, layer=STATS_SLUG, driver=driver,
                                geometry_type="Point", promote_to_multi=False)
        return target.read_bytes()


def stats_dataset():
    from .catalog import Dataset
    from .models import Frequency

    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(u.geom) e "
                       "FROM layers_adminunit u WHERE u.id IN (SELECT DISTINCT commune_id FROM incidents_incident"
                       " WHERE public)) t")
        row = cursor.fetchone()
    extent = None if row[0] is None else tuple(round(v, 6) for v in row)
    monday = _last_monday(timezone.now())
    return Dataset(
        slug=STATS_SLUG, title_vi="Phản ánh hiện trường theo xã và tuần",
        title_en="Citizen reports per commune and week",
        description=("Số phản ánh tiếp nhận và đã xử lý theo xã, tuần và lĩnh vực trong 52 tuần gần nhất; chỉ số "
                     "đếm, không có thông tin cá nhân. Reports received and resolved per commune, week and "
                     "category over the last 52 finished weeks; counts only, no personal data."),
        theme="incidents", licence="CC BY 4.0", attribution="IOC tỉnh Ninh Thuận",
        frequency=Frequency.WEEKLY, extent=extent,
        modified=datetime.combine(monday, time(0), _zone()), feature_count=-1, version=stats_version(),
        formats=STATS_FORMATS, keywords=["phản ánh", "incidents", "311"])
