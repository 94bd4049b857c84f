"""The citizen's planning lookup: find a parcel (by a point or by its numbers) and say what the plan holds for it.

Every figure of the answer names where it comes from: zones carry their decision (number, date, scale),
networks and canals their layer, corridor widths the regulation or setting they come from. The plan is read
"as of" a day: only zones whose decision was in force then.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from psycopg import Connection
from pyproj import Transformer
from pyproj.exceptions import CRSError, ProjError

from .communes import CommuneSet, resolve_communes
from .errors import AmbiguousParcel, BadInput, NoParcelHere, OutsideArea, ParcelNotFound
from .records import (
    BuildingControls,
    Commune,
    DecisionRef,
    LandUse,
    LayerRef,
    NearbyIrrigation,
    NearbyNetwork,
    Parcel,
    PlanningAnswer,
    Scope,
    Succession,
    UnitRef,
    ZoneShare,
)
from .sqlfiles import DEFAULT_TABLES, Tables, cursor, serial, statement

__all__ = [
    "Corridor", "Corridors", "DEFAULT_CORRIDORS", "DEFAULT_DISTANCE_M", "MAX_DISTANCE_M", "to_wgs84", "from_wgs84",
    "parcel_at", "parcel_by_number", "planning_answer", "number_variants",
]

DEFAULT_DISTANCE_M = 20.0
MAX_DISTANCE_M = 200.0
# Overlaps below this are slivers of zone and parcel edges drawn from different surveys, not a share of the plot.
MIN_OVERLAP_M2 = 0.5
MAX_NUMBER = 20


@dataclass(frozen=True)
class Corridor:
    """One protection corridor width (hành lang bảo vệ) and where that figure comes from: the regulation, or
    where the province's value is set. An answer carries both, so no width reaches a citizen unexplained."""

    width_m: float
    source: str


# Where the defaults live, named in every answer that uses one: they are the portal's demo figures, not a
# regulation's, until the province sets PLANNING_CORRIDORS from its own.
_DEMO_SOURCE = ("giá trị mẫu của cổng, chưa theo quy định của tỉnh (DEFAULT_CORRIDORS, geoprocessing/lookup.py; "
                "tỉnh đặt PLANNING_CORRIDORS)")
# The protection of irrigation works itself is a matter of the Law on Irrigation; the widths here are not its.
_IRRIGATION_SOURCE = f"{_DEMO_SOURCE}; phạm vi bảo vệ công trình thủy lợi: Luật Thủy lợi số 08/2017/QH14"


def _demo(width: float, source: str = _DEMO_SOURCE) -> Corridor:
    return Corridor(width, source)


@dataclass(frozen=True)
class Corridors:
    """Protection corridor widths, each with its source. The defaults are the demo's; an adapter passes the
    province's (Corridors.from_mapping) when they are configured."""

    network: dict[str, Corridor] = field(default_factory=lambda: {
        "water": _demo(3.0), "drainage": _demo(3.0), "sewer": _demo(3.0), "power": _demo(1.5),
        "telecom": _demo(1.0)})
    other_network: Corridor = field(default_factory=lambda: _demo(1.0))
    canal_by_level: dict[int, Corridor] = field(default_factory=lambda: {
        1: _demo(5.0, _IRRIGATION_SOURCE), 2: _demo(3.0, _IRRIGATION_SOURCE), 3: _demo(2.0, _IRRIGATION_SOURCE)})
    canal_default: Corridor = field(default_factory=lambda: _demo(2.0, _IRRIGATION_SOURCE))
    work: Corridor = field(default_factory=lambda: _demo(10.0, _IRRIGATION_SOURCE))

    @classmethod
    def from_mapping(cls, mapping: dict, *, where: str) -> Corridors:
        """Widths as a deployment configures them: {"network": {"water": 3.0 | [3.0, "source"]}, "other_network",
        "canal_by_level": {1: …}, "canal_default", "work"}. A width given without a source is named by where it
        is set (`where` and its key); what is not given keeps its default, with the default's source."""
        if not isinstance(mapping, dict) or set(mapping) - _CORRIDOR_KEYS:
            raise ValueError(f"{where} holds only {', '.join(sorted(_CORRIDOR_KEYS))}")
        base = cls()
        network = dict(base.network)
        for name, value in (mapping.get("network") or {}).items():
            network[str(name)] = _configured(value, f"{where}['network']['{name}']")
        levels = dict(base.canal_by_level)
        for level, value in (mapping.get("canal_by_level") or {}).items():
            levels[int(level)] = _configured(value, f"{where}['canal_by_level'][{int(level)}]")
        single = {key: _configured(mapping[key], f"{where}['{key}']") if key in mapping else getattr(base, key)
                  for key in ("other_network", "canal_default", "work")}
        return cls(network=network, canal_by_level=levels, **single)


_CORRIDOR_KEYS = frozenset({"network", "other_network", "canal_by_level", "canal_default", "work"})


def _configured(value, where: str) -> Corridor:
    width, source = value if isinstance(value, list | tuple) and len(value) == 2 else (value, "")
    if isinstance(width, bool) or not isinstance(width, int | float) or not 0 < width <= MAX_DISTANCE_M:
        raise ValueError(f"{where}: a corridor width is a number of metres above 0 and at most {MAX_DISTANCE_M:g}")
    if not isinstance(source, str):
        raise ValueError(f"{where}: the source of a width is a text (the regulation it comes from)")
    return Corridor(float(width), source.strip() or f"giá trị cấu hình của tỉnh: {where}")


DEFAULT_CORRIDORS = Corridors()


def _check_lonlat(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadInput(f"({lon}, {lat}) is not a WGS 84 longitude/latitude", field="lon")


@lru_cache(maxsize=32)
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_wgs84(x: float, y: float, srid: int) -> tuple[float, float]:
    """(x, y) in EPSG:`srid` as WGS 84 lon/lat, transformed as the importer transforms files (pyproj)."""
    if not (math.isfinite(x) and math.isfinite(y)):
        raise BadInput("coordinates must be finite numbers", field="x")
    if srid == 4326:
        _check_lonlat(x, y)
        return float(x), float(y)
    try:
        lon, lat = _transformer(srid, 4326).transform(x, y, errcheck=True)
    except (CRSError, ProjError) as exc:
        raise BadInput(f"({x}, {y}) cannot be placed on the earth from EPSG:{srid}: {exc}", field="x") from exc
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise BadInput(f"({x}, {y}) cannot be placed on the earth from EPSG:{srid}", field="x")
    return float(lon), float(lat)


def from_wgs84(lon: float, lat: float, srid: int) -> tuple[float, float]:
    x, y = _transformer(4326, srid).transform(lon, lat)
    return float(x), float(y)


def parcel_at(conn: Connection, lon: float, lat: float, scope: Scope, *, tables: Tables = DEFAULT_TABLES) -> int:
    """The id of the parcel under (lon, lat). Outside the province: OutsideArea; no parcel there: NoParcelHere."""
    _check_lonlat(lon, lat)
    with cursor(conn) as cur:
        cur.execute(statement("parcel_at", tables), {"lon": lon, "lat": lat, "layers": list(scope.parcel_layers)})
        row = cur.fetchone()
        if row is not None:
            return row[0]
        if scope.province_ids:
            cur.execute(statement("in_province", tables),
                        {"lon": lon, "lat": lat, "province_ids": list(scope.province_ids)})
            if not cur.fetchone()[0]:
                raise OutsideArea(f"({lon:.6f}, {lat:.6f}) lies outside {scope.province_name or 'the province'}; "
                                  f"this portal answers for {scope.province_name or 'the province'} only",
                                  province=scope.province_name)
        cur.execute(statement("parcel_nearest", tables), {"lon": lon, "lat": lat,
                                                            "layers": list(scope.parcel_layers)})
        nearest = cur.fetchone()
    details = {}
    if nearest is not None:
        details["nearest"] = {"id": nearest[0], "sheet_no": nearest[1], "parcel_no": nearest[2],
                              "distance_m": round(float(nearest[3]), 1)}
    raise NoParcelHere(f"no parcel is recorded at ({lon:.6f}, {lat:.6f})", **details)


def number_variants(text: str, what: str) -> list[str]:
    """'05' and '5' name the same sheet: the text as given and, for digits, without leading zeros."""
    value = (text or "").strip()
    if not value or len(value) > MAX_NUMBER:
        raise BadInput(f"{what} must be given (at most {MAX_NUMBER} characters)", field=what)
    variants = {value}
    if value.isdigit():
        variants.add(str(int(value)))
    return sorted(variants)


def parcel_by_number(conn: Connection, commune: str, sheet_no: str, parcel_no: str, scope: Scope, *,
                     tables: Tables = DEFAULT_TABLES) -> int:
    """The parcel numbered (sheet, parcel) in the commune named `commune` — its name or code from before or
    after the 2025 reorganisation. Unknown numbers raise ParcelNotFound with the nearest numbers that exist."""
    sheets, parcels = number_variants(sheet_no, "sheet_no"), number_variants(parcel_no, "parcel_no")
    communes = resolve_communes(conn, commune, tables=tables)
    params = {"communes": list(communes.linked), "direct": list(communes.direct), "sheets": sheets,
              "parcels": parcels, "layers": list(scope.parcel_layers)}
    with cursor(conn) as cur:
        cur.execute(statement("parcel_by_number", tables), params)
        rows = cur.fetchall()
        if not rows:
            number = int(parcels[-1]) if parcels[-1].isdigit() and len(parcels[-1]) < 10 else None
            cur.execute(statement("parcel_numbers_near", tables), {**params, "number": number})
            near = cur.fetchall()
        if len(rows) > 1 and not any(row[1] in communes.direct for row in rows):
            cur.execute(statement("parcels_inside_units", tables), {"ids": [row[0] for row in rows],
                                                                    "units": list(communes.direct)})
            inside = {row[0] for row in cur.fetchall()}
            rows = [(pid, cid, pid in inside) for pid, cid in rows]
    if not rows:
        names = {unit_id: unit.name for unit_id, unit in communes.linked.items()}
        suggestions = [{"commune": names.get(commune_id, ""), "sheet_no": s, "parcel_no": p, "why": why}
                       for why, commune_id, s, p in near]
        listed = ", ".join(f"sheet {s['sheet_no']} parcel {s['parcel_no']}" for s in suggestions[:5])
        raise ParcelNotFound(
            f"no parcel {parcel_no.strip()} on sheet {sheet_no.strip()} in {commune.strip()}"
            + (f"; nearest: {listed}" if listed else ""), field="parcel_no", near_matches=suggestions)
    return _one_parcel(rows, communes, sheet_no, parcel_no)


def _one_parcel(rows: list[tuple], communes: CommuneSet, sheet_no: str, parcel_no: str) -> int:
    # Registered in a commune named directly, else lying inside one's outline, else any linked commune: a 2009
    # ward's sheets number its own parcels, whichever ward they were registered in after 2025.
    for rank in (lambda r: r[1] in communes.direct, lambda r: len(r) > 2 and r[2], lambda r: True):
        best = [row for row in rows if rank(row)]
        if best:
            break
    if len(best) == 1:
        return best[0][0]
    candidates = [{"id": row[0], "commune": communes.linked[row[1]].name if row[1] in communes.linked else ""}
                  for row in best]
    names = sorted({c["commune"] for c in candidates})
    raise AmbiguousParcel(
        f"sheet {sheet_no.strip()} parcel {parcel_no.strip()} matches {len(best)} parcels in communes linked to "
        f"{communes.asked!r} ({', '.join(names)}); name the commune it was registered in",
        field="commune", candidates=candidates)


def planning_answer(conn: Connection, parcel_id: int, *, scope: Scope, as_of: date,
                    distance_m: float = DEFAULT_DISTANCE_M, corridors: Corridors = DEFAULT_CORRIDORS,
                    tables: Tables = DEFAULT_TABLES) -> PlanningAnswer:
    """Everything the plan says about one parcel on `as_of`, and the networks within `distance_m` of it."""
    if not (0 < distance_m <= MAX_DISTANCE_M):
        raise BadInput(f"distance_m must be above 0 and at most {MAX_DISTANCE_M:g}", field="distance_m")
    with serial(conn) as cur:
        cur.execute(statement("parcel_detail", tables), {"parcel": parcel_id})
        row = cur.fetchone()
        if row is None or row[1] not in scope.parcel_layers:
            raise ParcelNotFound(f"no parcel with id {parcel_id}", field="parcel")
        parcel = _parcel(row)
        cur.execute(statement("zones_of_parcel", tables), {"parcel": parcel_id, "as_of": as_of,
                                                           "zone_layers": list(scope.zone_layers)})
        zone_rows = cur.fetchall()
        nearby = []
        if scope.segment_layers or scope.canal_layers or scope.work_layers:
            cur.execute(statement("nearby_parcel", tables), {
                "parcel": parcel_id, "distance": distance_m, "segment_layers": list(scope.segment_layers),
                "canal_layers": list(scope.canal_layers), "work_layers": list(scope.work_layers)})
            nearby = cur.fetchall()
    networks = [_network(r, scope, corridors) for r in nearby if r[0] == "segment"]
    irrigation = [_irrigation(r, scope, corridors) for r in nearby if r[0] != "segment"]
    zones, notes = _zones(zone_rows, parcel.area_m2)
    decisions = {z.decision.id: z.decision for z in zones}
    if not zones:
        notes.append(f"no plan zone in force on {as_of.isoformat()} covers this parcel")
    return PlanningAnswer(parcel=parcel, as_of=as_of, distance_m=distance_m, zones=tuple(zones),
                          decisions=tuple(sorted(decisions.values(), key=lambda d: (d.signed_on, d.number))),
                          networks=tuple(networks), irrigation=tuple(irrigation), notes=tuple(notes))


def _layer(row: tuple, at: int) -> LayerRef:
    return LayerRef(*row[at:at + 5])


def _land_use(code: str | None, name_vi: str | None, name_en: str | None) -> LandUse | None:
    return LandUse(code, name_vi or "", name_en or "") if code else None


def _unit(values: list | tuple) -> UnitRef:
    return UnitRef(values[0], values[1], values[2], _day(values[3]), _day(values[4]))


def _day(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _parcel(row: tuple) -> Parcel:
    commune = None
    if row[7] is not None:
        commune = Commune(
            unit=UnitRef(row[7], row[23], row[24], row[25], row[26]),
            successors=tuple(Succession(_unit(s), _day(s[5]), s[6]) for s in row[27]),
            predecessors=tuple(Succession(_unit(s), _day(s[5]), s[6]) for s in row[28]))
    return Parcel(
        id=row[0], layer=_layer(row, 1), ext_id=row[6], commune=commune, sheet_no=row[8], parcel_no=row[9],
        legal_area_m2=row[10], area_m2=float(row[11] or 0.0), land_use=_land_use(row[12], row[13], row[14]),
        address=row[15], point=(float(row[16]), float(row[17])), bbox=tuple(float(v) for v in row[18:22]),
        geometry=json.loads(row[22]))


def _zones(rows: list[tuple], parcel_area: float) -> tuple[list[ZoneShare], list[str]]:
    zones, without_decision, not_in_force = [], 0, set()
    for row in rows:
        overlap = float(row[18] or 0.0)
        if overlap < MIN_OVERLAP_M2:
            continue
        if row[19] is None:
            without_decision += 1
            continue
        decision = DecisionRef(id=row[19], number=row[20], signed_on=row[21], authority=row[22], title=row[23],
                               plan_level=row[24], status=row[25], effective_from=row[26], effective_to=row[27],
                               has_document=bool(row[28]))
        if not row[29]:
            not_in_force.add(decision.number)
            continue
        zones.append(ZoneShare(
            id=row[0], layer=_layer(row, 1), ext_id=row[6], zone_code=row[7], plan_level=row[8], function=row[9],
            land_use=_land_use(row[10], row[11], row[12]),
            controls=BuildingControls(max_density_pct=row[13], max_floors=row[14], max_height_m=row[15], far=row[16]),
            zone_area_m2=float(row[17] or 0.0), overlap_m2=round(overlap, 2),
            share_pct=round(min(100.0, 100.0 * overlap / parcel_area), 2) if parcel_area else 0.0,
            decision=decision, geometry=json.loads(row[30])))
    notes = []
    if without_decision:
        notes.append(f"{without_decision} zone(s) over this parcel name no approving decision and are not shown")
    if not_in_force:
        notes.append("zones of decisions not in force on that day are not shown: " + ", ".join(sorted(not_in_force)))
    return zones, notes


def _network(row: tuple, scope: Scope, corridors: Corridors) -> NearbyNetwork:
    network, distance = row[1], float(row[16])
    corridor = corridors.network.get(network, corridors.other_network)
    layer = _layer(row, 11)
    detail = None
    if layer.id in scope.detailed:
        detail = {"id": row[2], "ext_id": row[3], "diameter_mm": None if row[6] is None else int(row[6]),
                  "section": row[7], "depth_m": row[8], "material": row[9], "condition": row[10]}
    return NearbyNetwork(network=network, distance_m=round(distance, 2), corridor_m=corridor.width_m,
                         corridor_source=corridor.source, within_corridor=distance <= corridor.width_m,
                         count=int(row[17]), layer=layer, detail=detail)


def _irrigation(row: tuple, scope: Scope, corridors: Corridors) -> NearbyIrrigation:
    kind, distance, level = row[0], float(row[16]), row[5]
    corridor = corridors.canal_by_level.get(level, corridors.canal_default) if kind == "canal" else corridors.work
    layer = _layer(row, 11)
    detail = None
    if layer.id in scope.detailed:
        detail = {"id": row[2], "ext_id": row[3]}
        detail.update({"lining": row[7], "capacity_m3s": row[6]} if kind == "canal"
                      else {"status": row[9], "capacity_m3h": row[6]})
    return NearbyIrrigation(kind=kind, name=(row[4] or "") if detail else "", distance_m=round(distance, 2),
                            corridor_m=corridor.width_m, corridor_source=corridor.source,
                            within_corridor=distance <= corridor.width_m, layer=layer, level=level,
                            work_kind=row[7] if kind == "work" else None, detail=detail)
