"""A generated month of incidents: every figure of the weekly report equals the count plain SQL gives."""

import pytest
from django.db import connection
from psycopg import sql
from report_helpers import WEEK

from geoprocessing.adapters import raw_connection
from incidents.models import Channel
from reports.areas import area_of_unit
from reports.figures import compute_figures
from reports.hotspots import gi_star

pytestmark = pytest.mark.django_db

OPEN = ("submitted", "accepted", "assigned", "in_progress")

# Written apart from the report's own SQL: the state at the period's end by DISTINCT ON, merges by EXISTS.
_STATES = """
WITH scope AS (
  SELECT i.* FROM incidents_incident i
  WHERE i.{column} = ANY(%(areas)s) AND i.created_at < %(end)s
    AND NOT EXISTS (SELECT 1 FROM incidents_incidentevent m
                    WHERE m.incident_id = i.id AND m.kind = 'merged' AND m.at < %(end)s)
), last_event AS (
  SELECT DISTINCT ON (e.incident_id) e.incident_id, e.to_status FROM incidents_incidentevent e
  JOIN scope s ON s.id = e.incident_id WHERE e.at < %(end)s ORDER BY e.incident_id, e.at DESC, e.id DESC
), last_assignment AS (
  SELECT DISTINCT ON (e.incident_id) e.incident_id, e.agency_id FROM incidents_incidentevent e
  JOIN scope s ON s.id = e.incident_id WHERE e.at < %(end)s AND e.kind IN ('assigned', 'reassigned')
  ORDER BY e.incident_id, e.at DESC, e.id DESC
), resolution AS (
  SELECT e.incident_id, max(e.at) AS at FROM incidents_incidentevent e JOIN scope s ON s.id = e.incident_id
  WHERE e.kind = 'resolved' AND e.at >= %(start)s AND e.at < %(end)s GROUP BY e.incident_id
)
SELECT s.id, s.channel, c.code AS category, coalesce(a.agency_id::text, '') AS agency,
       coalesce(s.commune_id::text, '') AS commune,
       s.created_at >= %(start)s AS received, r.at IS NOT NULL AS resolved,
       l.to_status = ANY(%(open)s) AND s.deadline < %(end)s AS overdue, l.to_status = ANY(%(open)s) AS open_at_end,
       r.at IS NOT NULL AND r.at <= s.deadline AS on_time, extract(epoch FROM r.at - s.created_at) / 3600 AS hours,
       s.extra ->> 'camera' AS camera, s.extra ->> 'violation' AS violation
FROM scope s JOIN incidents_category c ON c.id = s.category_id JOIN last_event l ON l.incident_id = s.id
LEFT JOIN last_assignment a ON a.incident_id = s.id LEFT JOIN resolution r ON r.incident_id = s.id
"""


def _sql(query: sql.Composable, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(connection.connection), params)
        return cursor.fetchall()


def _expected(area, period):
    params = {"areas": list(area.ids), "start": period.start, "end": period.end, "open": list(OPEN)}
    states = sql.SQL(_STATES).format(column=sql.Identifier(area.incident_column))
    totals = _sql(sql.SQL("""SELECT count(*) FILTER (WHERE received), count(*) FILTER (WHERE resolved),
                             count(*) FILTER (WHERE overdue), count(*) FILTER (WHERE open_at_end),
                             count(*) FILTER (WHERE on_time),
                             percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE resolved)
                             FROM ({}) t""").format(states), params)[0]
    by = {}
    for dimension in ("channel", "category", "agency", "commune"):
        rows = _sql(sql.SQL("""SELECT {}, count(*) FILTER (WHERE received), count(*) FILTER (WHERE resolved),
                               count(*) FILTER (WHERE overdue) FROM ({}) t GROUP BY 1""").format(
            sql.Identifier(dimension), states), params)
        by[dimension] = {key: (r, s, o) for key, r, s, o in rows if r or s or o}
    cameras = {(c, v): n for c, v, n in _sql(sql.SQL(
        "SELECT camera, violation, count(*) FROM ({}) t WHERE received AND channel = 'camera' GROUP BY 1, 2"
    ).format(states), params)}
    return totals, by, cameras


@pytest.mark.parametrize("level", ["province", "district"])
def test_every_figure_equals_the_sql_count(level, world, incidents, province, district):
    area = area_of_unit(province if level == "province" else district)
    figures = compute_figures(raw_connection(), area, WEEK, trend_periods=3)
    (received, resolved, overdue, open_at_end, on_time, median), by, cameras = _expected(area, WEEK)
    t = figures.totals
    assert received > 30 and resolved > 10 and overdue > 2, "the generated week should exercise every figure"
    assert (t.received, t.resolved, t.overdue, t.open_at_end, t.on_time) == (
        received, resolved, overdue, open_at_end, on_time)
    assert t.median_hours == pytest.approx(float(median), abs=0.01)
    assert 0 < t.on_time_rate < 1
    for name, dimension in (("by_channel", "channel"), ("by_category", "category"), ("by_agency", "agency"),
                            ("by_commune", "commune")):
        got = {row.key: (row.received, row.resolved, row.overdue) for row in getattr(figures, name)}
        assert got == by[dimension], name
        assert sum(r for r, _, _ in got.values()) == received
    assert {(r.camera, r.violation): r.count for r in figures.camera} == cameras
    assert sum(cameras.values()) > 0
    if level == "province":  # the generated history has reports of every channel, chat apps included
        assert set(by["channel"]) == set(Channel.values)


def test_trend_points_are_the_earlier_weeks_own_totals(world, incidents, province):
    area = area_of_unit(province)
    figures = compute_figures(raw_connection(), area, WEEK, trend_periods=3)
    assert [p["first"] for p in figures.trend] == ["2026-02-09", "2026-02-16", "2026-02-23", "2026-03-02"]
    for index, point in enumerate(figures.trend[:-1]):
        earlier = WEEK.shifted(index - 3)
        (received, resolved, overdue, *_), _, _ = _expected(area, earlier)
        assert (point["received"], point["resolved"], point["overdue"]) == (received, resolved, overdue)
    assert figures.trend[-1]["received"] == figures.totals.received


def test_hotspots_find_the_generated_clusters(world, incidents, province):
    figures = compute_figures(raw_connection(), area_of_unit(province), WEEK, trend_periods=0)
    assert figures.hotspots, "a fifth of the reports cluster around three places"
    assert max(h.count for h in figures.hotspots) >= 5 and figures.hotspots[0].confidence == 99
    assert all(h.count >= 3 and h.z >= 1.645 for h in figures.hotspots)
    assert all(a.z >= b.z for a, b in zip(figures.hotspots, figures.hotspots[1:], strict=False))


def test_gi_star_of_a_lone_peak():
    import numpy as np

    grid = np.zeros((9, 9))
    grid[4, 4] = 10
    z = gi_star(grid)
    assert z[4, 4] == z.max() and z[4, 4] > 2.576 and z[0, 0] < 0
    assert np.allclose(gi_star(np.ones((5, 5))), 0)
