"""Planner queries: parcels by attribute and by space, overlay statistics, plan against current land use,
underground conflicts. Each returns a FeatureSet (rows, geometries, a summary) the writers can export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from psycopg import Connection, sql

from .errors import BadInput
from .records import Scope
from .sqlfiles import DEFAULT_TABLES, Tables, cursor, statement

__all__ = ["FeatureSet", "ParcelFilter", "MAX_LIMIT", "find_parcels", "overlay_by_commune", "overlay_by_zone",
           "plan_vs_current", "underground_conflicts"]

MAX_LIMIT = 50_000
DEFAULT_LIMIT = 1_000
MAX_NEAR_M = 5_000.0


@dataclass(frozen=True)
class FeatureSet:
    """Rows of one query: `columns` name the values of each row; `geometries` are WKB (EPSG:4326), one per row
    (None for rows without one); `total` counts all matches, of which `rows` holds at most the limit."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple]
    geometries: list[bytes | None]
    total: int
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _limit(limit: int) -> int:
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise BadInput(f"limit must be between 1 and {MAX_LIMIT:,}", field="limit")
    return int(limit)


@dataclass(frozen=True)
class ParcelFilter:
    """What parcels must be. Geometries are WKB in EPSG:4326, already checked (geometry_input)."""

    land_use: tuple[str, ...] = ()  # current land-use codes
    planned_land_use: tuple[str, ...] = ()  # land-use codes of the zone in force holding the parcel
    communes: tuple[int, ...] = ()  # admin unit ids (resolve names with communes.resolve_communes)
    sheet_no: str | None = None
    area_min_m2: float | None = None
    area_max_m2: float | None = None
    within: bytes | None = None  # a polygon drawn by the planner
    within_whole: bool = False  # parcels wholly inside it, rather than touching it
    near: bytes | None = None  # any geometry: a feature's, or drawn
    near_m: float = 0.0
    zones: tuple[int, ...] = ()  # plan zone ids the parcels must overlap


_PARCEL_COLUMNS = ("id", "ext_id", "commune", "sheet_no", "parcel_no", "land_use_code", "legal_area_m2", "area_m2",
                   "address")


def _conditions(f: ParcelFilter, tables: Tables) -> tuple[list[sql.Composable], dict[str, Any]]:
    """The WHERE terms of a filter, each with bound values only."""
    names = {"zones": sql.Identifier(tables.zones), "decisions": sql.Identifier(tables.decisions)}
    terms: list[sql.Composable] = [sql.SQL("p.layer_id = ANY(%(parcel_layers)s)")]
    params: dict[str, Any] = {}
    if f.land_use:
        terms.append(sql.SQL("p.land_use_code = ANY(%(land_use)s)"))
        params["land_use"] = list(f.land_use)
    if f.communes:
        terms.append(sql.SQL("p.commune_id = ANY(%(communes)s)"))
        params["communes"] = list(f.communes)
    if f.sheet_no:
        terms.append(sql.SQL("p.sheet_no = %(sheet_no)s"))
        params["sheet_no"] = f.sheet_no.strip()
    if f.area_min_m2 is not None:
        terms.append(sql.SQL("p.area_m2 >= %(area_min)s"))
        params["area_min"] = f.area_min_m2
    if f.area_max_m2 is not None:
        terms.append(sql.SQL("p.area_m2 <= %(area_max)s"))
        params["area_max"] = f.area_max_m2
    if f.within is not None:
        terms.append(sql.SQL("ST_Within(p.geom_3857, ST_Transform(ST_GeomFromWKB(%(within)s, 4326), 3857))"
                             if f.within_whole else
                             "ST_Intersects(p.geom_3857, ST_Transform(ST_GeomFromWKB(%(within)s, 4326), 3857))"))
        params["within"] = f.within
    if f.near is not None:
        if not 0 <= f.near_m <= MAX_NEAR_M:
            raise BadInput(f"the distance must be between 0 and {MAX_NEAR_M:,.0f} m", field="near.distance_m")
        # Web Mercator prefilter on the index, widened by the projection's scale there; geography decides.
        terms.append(sql.SQL(
            "ST_DWithin(p.geom_3857, ST_Transform(ST_GeomFromWKB(%(near)s, 4326), 3857), "
            "%(near_m)s * 1.02 / cos(radians(ST_Y(ST_Centroid(ST_GeomFromWKB(%(near)s, 4326))))) + 0.01) "
            "AND ST_DWithin(p.geom::geography, ST_GeomFromWKB(%(near)s, 4326)::geography, %(near_m)s)"))
        params.update(near=f.near, near_m=float(f.near_m))
    if f.zones:
        terms.append(sql.SQL(
            "EXISTS (SELECT 1 FROM {zones} AS z WHERE z.id = ANY(%(zones)s) AND z.layer_id = ANY(%(zone_layers)s) "
            "AND ST_Intersects(z.geom_3857, p.geom_3857) AND NOT ST_Touches(z.geom_3857, p.geom_3857))"
        ).format(**names))
        params["zones"] = list(f.zones)
    if f.planned_land_use:
        terms.append(sql.SQL(
            "EXISTS (SELECT 1 FROM {zones} AS z JOIN {decisions} AS d ON d.id = z.decision_id "
            "WHERE z.layer_id = ANY(%(zone_layers)s) AND z.land_use_code = ANY(%(planned_land_use)s) "
            "AND ST_Intersects(z.geom_3857, ST_PointOnSurface(p.geom_3857)) "
            "AND d.status <> 'draft' AND coalesce(d.effective_from, d.signed_on) <= %(as_of)s "
            "AND (d.effective_to IS NULL OR d.effective_to > %(as_of)s) "
            "AND NOT (d.status IN ('superseded', 'revoked') AND d.effective_to IS NULL))").format(**names))
        params["planned_land_use"] = list(f.planned_land_use)
    return terms, params


def find_parcels(conn: Connection, f: ParcelFilter, *, scope: Scope, as_of: date, limit: int = DEFAULT_LIMIT,
                 tables: Tables = DEFAULT_TABLES) -> FeatureSet:
    """Parcels matching every term of `f`, public columns only, ordered by id."""
    terms, params = _conditions(f, tables)
    where = sql.SQL(" AND ").join(terms)
    query = sql.SQL(
        "SELECT p.id, p.ext_id, u.name, p.sheet_no, p.parcel_no, p.land_use_code, p.legal_area_m2, p.area_m2, "
        "p.address, count(*) OVER () AS total, sum(p.area_m2) OVER () AS total_area, ST_AsBinary(p.geom) "
        "FROM {parcels} AS p LEFT JOIN {units} AS u ON u.id = p.commune_id WHERE {where} ORDER BY p.id "
        "LIMIT %(limit)s").format(parcels=sql.Identifier(tables.parcels), units=sql.Identifier(tables.admin_units),
                                  where=where)
    params.update(parcel_layers=list(scope.parcel_layers), zone_layers=list(scope.zone_layers), as_of=as_of,
                  limit=_limit(limit))
    with cursor(conn) as cur:
        cur.execute(query, params)
        rows = cur.fetchall()
    total = int(rows[0][9]) if rows else 0
    area = float(rows[0][10] or 0.0) if rows else 0.0
    return FeatureSet(name="parcels", columns=_PARCEL_COLUMNS, rows=[r[:9] for r in rows],
                      geometries=[bytes(r[11]) for r in rows], total=total,
                      summary={"parcels": total, "area_m2": round(area, 1)})


def _fetch(conn: Connection, name: str, params: dict[str, Any], tables: Tables) -> list[tuple]:
    with cursor(conn) as cur:
        cur.execute(statement(name, tables), params)
        return cur.fetchall()


def overlay_by_commune(conn: Connection, *, scope: Scope, as_of: date, tables: Tables = DEFAULT_TABLES,
                       communes: frozenset[int] | None = None) -> FeatureSet:
    """Per commune and land-use code: current area (parcels) and planned area (zones in force, cut by the
    commune's outline), both geodesic m². `communes`: only these (a caller confined to a district)."""
    params = {"parcel_layers": list(scope.parcel_layers), "zone_layers": list(scope.zone_layers), "as_of": as_of}
    table: dict[tuple, dict[str, Any]] = {}
    for unit_id, code, name, use, use_name, parcels, area in _fetch(conn, "overlay_current_by_commune", params,
                                                                      tables):
        if communes is not None and unit_id not in communes:
            continue
        row = table.setdefault((unit_id, use), {"commune_id": unit_id, "commune_code": code, "commune": name,
                                                "land_use_code": use, "land_use": use_name, "parcels": 0,
                                                "current_m2": 0.0, "planned_m2": 0.0})
        row["parcels"], row["current_m2"] = int(parcels), round(float(area or 0), 1)
    for unit_id, code, name, use, use_name, _zones, area in _fetch(conn, "overlay_planned_by_commune", params,
                                                                     tables):
        if communes is not None and unit_id not in communes:
            continue
        row = table.setdefault((unit_id, use), {"commune_id": unit_id, "commune_code": code, "commune": name,
                                                "land_use_code": use, "land_use": use_name, "parcels": 0,
                                                "current_m2": 0.0, "planned_m2": 0.0})
        row["planned_m2"] = round(float(area or 0), 1)
    ordered = sorted(table.values(), key=lambda r: (r["commune"] or "~", r["land_use_code"] or ""))
    columns = ("commune_id", "commune_code", "commune", "land_use_code", "land_use", "parcels", "current_m2",
               "planned_m2")
    totals = {"current_m2": round(sum(r["current_m2"] for r in ordered), 1),
              "planned_m2": round(sum(r["planned_m2"] for r in ordered), 1),
              "parcels": sum(r["parcels"] for r in ordered),
              "communes": len({r["commune_id"] for r in ordered})}
    return FeatureSet(name="overlay_by_commune", columns=columns, rows=[tuple(r[c] for c in columns) for r in ordered],
                      geometries=[None] * len(ordered), total=len(ordered), summary=totals)


def overlay_by_zone(conn: Connection, *, scope: Scope, as_of: date, within: bytes | None = None,
                    tables: Tables = DEFAULT_TABLES) -> FeatureSet:
    """Per plan zone in force: the current land use of the parcels inside it (parcels, geodesic m²)."""
    params = {"parcel_layers": list(scope.parcel_layers), "zone_layers": list(scope.zone_layers), "as_of": as_of,
              "within": within}
    rows = [(zid, zcode, planned, number, current, int(n), round(float(area or 0), 1))
            for zid, zcode, planned, number, current, n, area in _fetch(conn, "overlay_by_zone", params, tables)]
    columns = ("zone_id", "zone_code", "planned_land_use", "decision", "current_land_use", "parcels", "area_m2")
    summary = {"zones": len({r[0] for r in rows}), "parcels": sum(r[5] for r in rows),
               "area_m2": round(sum(r[6] for r in rows), 1),
               "matching_m2": round(sum(r[6] for r in rows if r[2] == r[4]), 1)}
    return FeatureSet(name="overlay_by_zone", columns=columns, rows=rows, geometries=[None] * len(rows),
                      total=len(rows), summary=summary)


def plan_vs_current(conn: Connection, *, scope: Scope, as_of: date, within: bytes | None = None,
                    limit: int = DEFAULT_LIMIT, tables: Tables = DEFAULT_TABLES) -> FeatureSet:
    """Parcels whose current land use is not the planned one, and a (current, planned) table of them all."""
    params = {"parcel_layers": list(scope.parcel_layers), "zone_layers": list(scope.zone_layers), "as_of": as_of,
              "within": within, "limit": _limit(limit)}
    found = _fetch(conn, "plan_vs_current", params, tables)
    pairs = [{"current": r[6], "planned": r[7], "parcels": int(r[10]), "area_m2": round(float(r[5] or 0), 1)}
             for r in found if r[0] == "summary"]
    pairs.sort(key=lambda p: -p["area_m2"])
    parcels = [r for r in found if r[0] == "parcel"]
    columns = ("id", "ext_id", "sheet_no", "parcel_no", "area_m2", "current_land_use", "planned_land_use",
               "zone_code", "decision")
    total = sum(p["parcels"] for p in pairs)
    return FeatureSet(name="plan_vs_current", columns=columns, rows=[r[1:10] for r in parcels],
                      geometries=[bytes(r[11]) for r in parcels], total=total,
                      summary={"parcels": total, "area_m2": round(sum(p["area_m2"] for p in pairs), 1),
                               "pairs": pairs})


def underground_conflicts(conn: Connection, *, scope: Scope, as_of: date, shallow_m: float = 0.7,
                          min_density_pct: float = 10.0, networks: tuple[str, ...] = (), within: bytes | None = None,
                          limit: int = DEFAULT_LIMIT, tables: Tables = DEFAULT_TABLES) -> FeatureSet:
    """Segments under parcels planned for building (zones in force that allow building), and shallow ones."""
    if not 0 <= shallow_m <= 10:
        raise BadInput("shallow_m must be between 0 and 10 m", field="shallow_m")
    params = {"parcel_layers": list(scope.parcel_layers), "zone_layers": list(scope.zone_layers),
              "segment_layers": list(scope.segment_layers), "as_of": as_of, "shallow_m": shallow_m,
              "min_density": min_density_pct, "networks": list(networks) or None, "within": within,
              "limit": _limit(limit)}
    found = _fetch(conn, "underground_conflicts", params, tables)
    columns = ("id", "ext_id", "network", "depth_m", "diameter_mm", "material", "length_m", "shallow",
               "parcels_crossed", "parcel_ext_ids", "length_under_parcels_m", "reasons")
    rows = []
    for r in found:
        reasons = [*(["shallow"] if r[7] else []), *(["under_building_parcels"] if r[8] else [])]
        rows.append((r[0], r[1], r[2], r[3], r[4], r[5], round(float(r[6] or 0), 1), bool(r[7]), int(r[8] or 0),
                     list(r[9] or []), round(float(r[10] or 0), 1), reasons))
    summary = {"segments": len(rows), "shallow": sum(1 for r in rows if r[7]),
               "under_building_parcels": sum(1 for r in rows if r[8]), "shallow_m": shallow_m}
    return FeatureSet(name="underground_conflicts", columns=columns, rows=rows,
                      geometries=[bytes(r[11]) for r in found], total=len(rows), summary=summary)
