"""The figures of an operating report, computed from the incidents' history as it stood at the period's end.

No Django here: the functions take a psycopg connection, an Area, a Period and table names.

Definitions (each is what the tests check against plain SQL):
- received: reports created in the period;
- resolved: reports with a `resolved` event in the period (the last one counts for timing);
- overdue: reports still open at the period's end (the last event before it left them open) whose deadline had
  passed by then;
- on-time rate: resolutions at or before the deadline, among the period's resolutions that had one;
- median handling time: hours from creation to that resolution;
- the agency of a report is the one its last assignment before the period's end named (none: IOC triage);
- a report merged into another before the period's end counts only in the one it was merged into.
Since the history is append-only, the same period gives the same figures whenever it is run.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import psycopg
import shapely

from camera_analytics.incident_extra import CAMERA_KEY, VIOLATION_KEY

from .hotspots import hotspots
from .periods import Period, earlier_periods
from .records import DEFAULT_TABLES, Area, Breakdown, CameraRow, Figures, Tables, Totals
from .sqlfiles import statement

__all__ = ["OPEN_STATUSES", "CHANNEL_LABELS", "CAMERA_KEYS", "METRIC_SRID", "incident_states", "area_units",
           "totals_of", "compute_figures"]

OPEN_STATUSES = ("submitted", "accepted", "assigned", "in_progress")
CHANNEL_LABELS = {"web": "Cổng thông tin (web)", "api": "Ứng dụng / API", "hotline": "Đường dây nóng",
                  "open311": "Open311", "camera": "Camera", "zalo": "Zalo", "messenger": "Messenger",
                  "app": "Ứng dụng công dân"}
# Where camera violations keep their camera and kind of violation among the incident's channel details: the
# keys camera analytics writes (one shape for both sides, so a renamed key cannot silently empty the table).
CAMERA_KEYS = (CAMERA_KEY, VIOLATION_KEY)
METRIC_SRID = 32649  # UTM 49N: metres over Ninh Thuận (108–114° E)
TRIAGE_LABEL = "IOC (chưa giao / triage)"
NO_COMMUNE_LABEL = "(ngoài ranh xã / no commune)"


def incident_states(conn: psycopg.Connection, area: Area, period: Period, *, tables: Tables = DEFAULT_TABLES,
                    camera_keys: tuple[str, str] = CAMERA_KEYS, metric_srid: int = METRIC_SRID) -> pd.DataFrame:
    """One row per report of the area received before the period's end, as it stood at that end."""
    query = statement("incident_states", tables, area_column=area.incident_column)
    params = {"start": period.start, "end": period.end, "areas": list(area.ids), "camera_key": camera_keys[0],
              "violation_key": camera_keys[1], "metric_srid": metric_srid}
    with conn.cursor() as cur:
        cur.execute(query, params)
        columns = [d.name for d in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=columns)
    for column in ("created_at", "deadline", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def area_units(conn: psycopg.Connection, area: Area, period: Period, *, tables: Tables = DEFAULT_TABLES,
               metric_srid: int = METRIC_SRID, tolerance: float = 0.0005) -> list[dict]:
    """The area's own outline(s) then its communes in force on the period's last day, each with its geometry."""
    with conn.cursor() as cur:
        cur.execute(statement("area_units", tables), {"areas": list(area.ids), "day": period.last,
                                                      "tolerance": tolerance, "metric_srid": metric_srid})
        columns = [d.name for d in cur.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    for row in rows:
        row["geometry"] = shapely.from_wkb(bytes(row.pop("wkb")))
    return rows


def _masks(frame: pd.DataFrame, period: Period) -> dict[str, pd.Series]:
    end = pd.Timestamp(period.end)
    received = frame["created_at"] >= pd.Timestamp(period.start)
    resolved = frame["resolved_at"].notna()
    open_at_end = frame["status_at_end"].isin(OPEN_STATUSES)
    overdue = open_at_end & frame["deadline"].notna() & (frame["deadline"] < end)
    return {"received": received, "resolved": resolved, "overdue": overdue, "open_at_end": open_at_end}


def totals_of(frame: pd.DataFrame, period: Period) -> Totals:
    m = _masks(frame, period)
    resolved = frame[m["resolved"]]
    with_deadline = resolved[resolved["deadline"].notna()]
    hours = (resolved["resolved_at"] - resolved["created_at"]).dt.total_seconds() / 3600.0
    return Totals(received=int(m["received"].sum()), resolved=int(m["resolved"].sum()),
                  overdue=int(m["overdue"].sum()), open_at_end=int(m["open_at_end"].sum()),
                  on_time=int((with_deadline["resolved_at"] <= with_deadline["deadline"]).sum()),
                  resolved_with_deadline=len(with_deadline),
                  median_hours=round(float(hours.median()), 2) if len(hours) else None)


def _breakdown(frame: pd.DataFrame, masks: dict[str, pd.Series], key: pd.Series,
               label: Callable[[str], str]) -> list[Breakdown]:
    counts = pd.DataFrame({"key": key, **{name: masks[name].astype(int) for name in ("received", "resolved",
                                                                                      "overdue")}})
    grouped = counts.groupby("key", sort=False)[["received", "resolved", "overdue"]].sum()
    grouped = grouped[(grouped > 0).any(axis=1)]
    rows = [Breakdown(str(k), label(str(k)), int(r.received), int(r.resolved), int(r.overdue))
            for k, r in grouped.iterrows()]
    rows.sort(key=lambda b: (-b.received, -b.resolved, -b.overdue, b.label, b.key))
    return rows


def _label_map(frame: pd.DataFrame, key: pd.Series, names: str, empty: str) -> Callable[[str], str]:
    known = dict(zip(key, frame[names], strict=True))
    return lambda k: (known.get(k) or empty) if k else empty


def compute_figures(conn: psycopg.Connection, area: Area, period: Period, *, tables: Tables = DEFAULT_TABLES,
                    trend_periods: int = 8, metric_srid: int = METRIC_SRID,
                    camera_keys: tuple[str, str] = CAMERA_KEYS, extent: tuple[float, float, float, float] | None = None,
                    progress: Callable[[float, str], None] | None = None) -> Figures:
    """Every figure of the report; `extent` (metric) bounds the hotspot grid, by default the reports' own."""
    say = progress or (lambda share, what: None)
    say(0.05, "incidents")
    frame = incident_states(conn, area, period, tables=tables, camera_keys=camera_keys, metric_srid=metric_srid)
    masks = _masks(frame, period)
    agency_key = frame["agency_at_end"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    commune_key = frame["commune_id"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    received = frame[masks["received"]]
    cameras = received[received["channel"] == "camera"]
    camera_rows = [CameraRow(camera or "?", violation or "?", int(n)) for (camera, violation), n in
                   cameras.groupby(["camera", "violation"]).size().items()]
    camera_rows.sort(key=lambda r: (-r.count, r.camera, r.violation))
    say(0.3, "hotspots")
    if extent is None and len(received):
        extent = (received["x"].min(), received["y"].min(), received["x"].max() + 1, received["y"].max() + 1)
    spots = hotspots(received["x"], received["y"], extent, metric_srid=metric_srid) if extent else []
    figures = Figures(
        area=area, first=period.first.isoformat(), last=period.last.isoformat(), totals=totals_of(frame, period),
        by_channel=_breakdown(frame, masks, frame["channel"], lambda k: CHANNEL_LABELS.get(k, k)),
        by_category=_breakdown(frame, masks, frame["category"],
                               _label_map(frame, frame["category"], "category_name", "?")),
        by_agency=_breakdown(frame, masks, agency_key, _label_map(frame, agency_key, "agency_name", TRIAGE_LABEL)),
        by_commune=_breakdown(frame, masks, commune_key,
                              _label_map(frame, commune_key, "commune_name", NO_COMMUNE_LABEL)),
        camera=camera_rows, hotspots=spots)
    earlier = earlier_periods(period, trend_periods)
    for index, past in enumerate(earlier[:-1]):
        say(0.4 + 0.5 * index / max(1, trend_periods), f"trend {past.label}")
        figures.trend.append(_trend_point(past, totals_of(
            incident_states(conn, area, past, tables=tables, camera_keys=camera_keys, metric_srid=metric_srid),
            past)))
    figures.trend.append(_trend_point(period, figures.totals))
    say(0.95, "done")
    return figures


def _trend_point(period: Period, totals: Totals) -> dict:
    return {"first": period.first.isoformat(), "last": period.last.isoformat(), "received": totals.received,
            "resolved": totals.resolved, "overdue": totals.overdue, "on_time_rate": totals.on_time_rate,
            "median_hours": totals.median_hours}
