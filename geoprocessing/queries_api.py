"""Planner queries at /api/queries/ (planner role): parcels by attributes and space, overlay statistics, plan
against current land use, underground conflicts, network traces, zonal statistics of a raster per polygon.
Every answer is GeoJSON to draw on the map, or a download: ?format=geojson, gpkg or csv."""

import datetime as dt
from typing import Any, Literal

import shapely
from django.contrib.gis.db.models import Union
from django.contrib.gis.db.models.functions import PointOnSurface
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema

from layers.models import AdminUnit, Layer
from layers.rasters import get_visible_raster, raster_zonal_stats
from layers.registry import UnknownKind, get_kind
from portal.accounts.auth import token_or_session
from portal.accounts.scope import district_commune_ids, district_outline
from portal.errors import NotFound, PermissionDenied

from . import queries, trace, writers
from .adapters import core_errors, province, raw_connection, tables
from .communes import resolve_communes
from .errors import BadInput
from .geometry_input import MAX_VERTICES, parse_geometry, parse_polygon
from .records import Scope

__all__ = ["router", "PERMISSION", "planner_scope"]

PERMISSION = "geoprocessing.run_planner_queries"
MAX_ZONAL_POLYGONS = 5_000
Format = Literal["geojson", "gpkg", "csv"]


def _planner(request):
    user = request.auth
    if not user.has_perm(PERMISSION):
        raise PermissionDenied("Planner queries need the planner role.")
    return user


router = Router(auth=token_or_session)


def planner_scope(user) -> Scope:
    """Only layers the planner may see; their details are all theirs to see."""
    by_kind: dict[str, list[int]] = {}
    for pk, kind in Layer.objects.visible_to(user).values_list("pk", "kind"):
        by_kind.setdefault(kind, []).append(pk)

    def ids(kind: str) -> tuple[int, ...]:
        return tuple(sorted(by_kind.get(kind, ())))

    return Scope(parcel_layers=ids("land_parcel"), zone_layers=ids("plan_zone"), segment_layers=ids("network_segment"),
                 canal_layers=ids("canal"), work_layers=ids("irrigation_work"),
                 detailed=frozenset(pk for pks in by_kind.values() for pk in pks))


# A district IOC's planners query their own district only (portal.accounts.scope); everyone else, the province.


def _district_outline(user):
    outline = district_outline(user)
    return None if outline is None else shapely.from_wkb(bytes(outline.wkb))


def _confined_within(user, given: bytes | None) -> bytes | None:
    """The polygon a query is limited to: the one drawn, cut to the caller's district when they are confined
    (the whole district when none was drawn). An empty one matches nothing, which is what a confined caller
    asking about another district gets."""
    outline = _district_outline(user)
    if outline is None:
        return given
    if given is None:
        return shapely.to_wkb(outline)
    return shapely.to_wkb(shapely.intersection(shapely.from_wkb(given), outline))


def _confined_rows(user, fs: queries.FeatureSet) -> queries.FeatureSet:
    """An answer's rows whose geometry touches the caller's district (a network traced across its boundary is
    shown up to it); the summary's counts follow."""
    outline = _district_outline(user)
    if outline is None:
        return fs
    keep = [i for i, geom in enumerate(fs.geometries)
            if geom is not None and shapely.intersects(shapely.from_wkb(geom), outline)]
    summary = {**fs.summary, "kept_in_district": len(keep)}
    if "segments" in summary:
        summary["segments"] = len(keep)
    return queries.FeatureSet(name=fs.name, columns=fs.columns, rows=[fs.rows[i] for i in keep],
                              geometries=[fs.geometries[i] for i in keep], total=len(keep), summary=summary)


def _answer(fs: queries.FeatureSet, fmt: str) -> HttpResponse:
    media_type, extension = writers.FORMATS[fmt]
    response = HttpResponse(writers.write(fs, fmt), content_type=media_type)
    if fmt != "geojson":
        response["Content-Disposition"] = content_disposition_header(True, f"{fs.name}.{extension}")
    response["X-Total-Count"] = str(fs.total)
    return response


def _wkb(value: Any, field: str, *, polygon: bool) -> bytes | None:
    if value is None or value == "":
        return None
    geom = parse_polygon(value, field=field) if polygon else parse_geometry(value, field=field)
    return shapely.to_wkb(geom)


def _day(day: dt.date | None) -> dt.date:
    return day or timezone.localdate()


class NearIn(Schema):
    layer: str | None = Field(None, description="slug of a visible layer holding the feature")
    ext_id: str | None = Field(None, max_length=100, description="the feature's id in that layer")
    geometry: dict | str | None = Field(None, description="or any geometry (GeoJSON or WKT, EPSG:4326)")
    distance_m: float = Field(..., ge=0, le=queries.MAX_NEAR_M)


class ZoneRefIn(Schema):
    ids: list[int] = Field(default_factory=list, max_length=100)
    zone_code: str | None = Field(None, max_length=40)


class ParcelQueryIn(Schema):
    land_use: list[str] = Field(default_factory=list, max_length=50, description="current land-use codes")
    planned_land_use: list[str] = Field(default_factory=list, max_length=50,
                                        description="land-use codes of the zone in force holding the parcel")
    commune: str | None = Field(None, max_length=120, description="name or code, before or after 2025")
    sheet_no: str | None = Field(None, max_length=20)
    area_min_m2: float | None = Field(None, ge=0)
    area_max_m2: float | None = Field(None, ge=0)
    within: dict | str | None = Field(None, description=f"a Polygon (GeoJSON or WKT), at most {MAX_VERTICES} "
                                                        "vertices")
    within_whole: bool = Field(False, description="wholly inside the polygon, not just touching it")
    near: NearIn | None = None
    zone: ZoneRefIn | None = Field(None, description="parcels overlapping these plan zones")
    date: dt.date | None = None
    limit: int = Field(queries.DEFAULT_LIMIT, ge=1, le=queries.MAX_LIMIT)


class FormatQuery(Schema):
    format: Format = "geojson"


def _near_geometry(user, near: NearIn) -> bytes:
    if near.geometry is not None:
        return _wkb(near.geometry, "near.geometry", polygon=False)
    if not near.layer or not near.ext_id:
        raise BadInput("near needs a geometry, or a layer and the ext_id of one of its features", field="near")
    layer = Layer.objects.visible_to(user).filter(slug=near.layer).first()
    try:
        kind = get_kind(layer.kind) if layer else None
    except UnknownKind:
        kind = None
    if kind is None:
        raise NotFound("No vector layer with this name.", field="near.layer")
    feature = kind.features(layer).filter(ext_id=near.ext_id).first()
    if feature is None:
        raise NotFound(f"No feature {near.ext_id!r} in {layer.slug}.", field="near.ext_id")
    return bytes(feature.geom.wkb)


def _zone_ids(scope: Scope, ref: ZoneRefIn) -> tuple[int, ...]:
    from layers.models import PlanZone

    zones = PlanZone.objects.filter(layer_id__in=scope.zone_layers)
    if ref.ids:
        zones = zones.filter(pk__in=ref.ids)
    elif ref.zone_code:
        zones = zones.filter(zone_code=ref.zone_code)
    else:
        raise BadInput("zone needs ids or a zone_code", field="zone")
    found = tuple(zones.values_list("pk", flat=True))
    if not found:
        raise NotFound("No plan zone matches.", field="zone")
    return found


@router.post("/parcels", url_name="queries_parcels",
             summary="Parcels by attributes and by space (GeoJSON, or a download)")
@core_errors
def parcels(request, body: ParcelQueryIn, q: Query[FormatQuery]):
    user = _planner(request)
    scope = planner_scope(user)
    conn = raw_connection()
    communes: tuple[int, ...] = ()
    if body.commune:
        communes = tuple(resolve_communes(conn, body.commune, tables=tables()).linked)
    f = queries.ParcelFilter(
        land_use=tuple(body.land_use), planned_land_use=tuple(body.planned_land_use), communes=communes,
        sheet_no=body.sheet_no, area_min_m2=body.area_min_m2, area_max_m2=body.area_max_m2,
        within=_confined_within(user, _wkb(body.within, "within", polygon=True)), within_whole=body.within_whole,
        near=_near_geometry(user, body.near) if body.near else None, near_m=body.near.distance_m if body.near else 0,
        zones=_zone_ids(scope, body.zone) if body.zone else ())
    fs = queries.find_parcels(conn, f, scope=scope, as_of=_day(body.date), limit=body.limit, tables=tables())
    return _answer(fs, q.format)


class OverlayQuery(FormatQuery):
    by: Literal["commune", "zone"] = "commune"
    date: dt.date | None = None
    within: str | None = Field(None, max_length=2_000_000, description="by zone: only zones touching this polygon")


@router.get("/overlay", url_name="queries_overlay",
            summary="Area by land use per commune (current and planned) or per plan zone")
@core_errors
def overlay(request, q: Query[OverlayQuery]):
    user = _planner(request)
    scope = planner_scope(user)
    if q.by == "commune":
        if q.within:
            raise BadInput("within applies to by=zone only", field="within")
        communes = district_commune_ids(user)
        fs = queries.overlay_by_commune(raw_connection(), scope=scope, as_of=_day(q.date), tables=tables(),
                                        communes=None if communes is None else frozenset(communes))
    else:
        fs = queries.overlay_by_zone(raw_connection(), scope=scope, as_of=_day(q.date),
                                     within=_confined_within(user, _wkb(q.within, "within", polygon=True)),
                                     tables=tables())
    return _answer(fs, q.format)


class DiffQuery(FormatQuery):
    date: dt.date | None = None
    within: str | None = Field(None, max_length=2_000_000)
    limit: int = Field(queries.DEFAULT_LIMIT, ge=1, le=queries.MAX_LIMIT)


@router.get("/plan-vs-current", url_name="queries_plan_vs_current",
            summary="Parcels whose current land use differs from the plan")
@core_errors
def plan_vs_current(request, q: Query[DiffQuery]):
    user = _planner(request)
    fs = queries.plan_vs_current(raw_connection(), scope=planner_scope(user), as_of=_day(q.date),
                                 within=_confined_within(user, _wkb(q.within, "within", polygon=True)), limit=q.limit,
                                 tables=tables())
    return _answer(fs, q.format)


class ConflictQuery(DiffQuery):
    shallow_m: float = Field(0.7, ge=0, le=10, description="cover depth below which a segment is shallow")
    min_density_pct: float = Field(10, ge=0, le=100, description="zones allowing at least this coverage count "
                                                                 "as planned for building")
    network: list[str] = Field(default_factory=list)


@router.get("/underground-conflicts", url_name="queries_underground_conflicts",
            summary="Segments under parcels planned for building, or too shallow")
@core_errors
def underground_conflicts(request, q: Query[ConflictQuery]):
    user = _planner(request)
    fs = queries.underground_conflicts(raw_connection(), scope=planner_scope(user), as_of=_day(q.date),
                                       shallow_m=q.shallow_m, min_density_pct=q.min_density_pct,
                                       networks=tuple(q.network),
                                       within=_confined_within(user, _wkb(q.within, "within", polygon=True)),
                                       limit=q.limit, tables=tables())
    return _answer(fs, q.format)


class TraceQuery(FormatQuery):
    network: Literal["water", "drainage", "sewer", "power", "telecom", "irrigation"]
    node: str = Field(..., max_length=100, description="id or ext_id of a network node (irrigation: a work)")
    direction: Literal["downstream", "upstream"] = "downstream"
    limit: int = Field(trace.MAX_SEGMENTS, ge=1, le=trace.MAX_SEGMENTS)


@router.get("/trace", url_name="queries_trace", summary="Trace a network upstream or downstream from a node")
@core_errors
def trace_network(request, q: Query[TraceQuery]):
    user = _planner(request)
    scope = planner_scope(user)
    points, lines = ((scope.work_layers, scope.canal_layers) if q.network == "irrigation" else
                     (tuple(Layer.objects.visible_to(request.auth).filter(kind="network_node")
                            .values_list("pk", flat=True)), scope.segment_layers))
    fs = trace.trace(raw_connection(), network=q.network, node=q.node, direction=q.direction, scope=scope,
                     point_layers=points, line_layers=lines, limit=q.limit, tables=tables())
    return _answer(_confined_rows(user, fs), q.format)


class ZonalIn(Schema):
    raster: str = Field(..., description="slug of a raster layer")
    polygons: str = Field("communes", description="'communes' (in force on the day), or the slug of a plan zone "
                                                  "or irrigated area layer")
    date: dt.date | None = None
    all_touched: bool = False


def _zonal_polygons(user, body: ZonalIn, day: dt.date) -> tuple[str, list[tuple[Any, str, Any]]]:
    if body.polygons == "communes":
        _name, province_ids = province()
        units = AdminUnit.objects.valid_on(day).filter(level="commune")
        communes = district_commune_ids(user)
        if communes is not None:
            units = units.filter(pk__in=communes)
        if province_ids:
            outline = AdminUnit.objects.filter(pk__in=province_ids).aggregate(g=Union("geom"))["g"]
            units = units.annotate(inside=PointOnSurface("geom")).filter(inside__coveredby=outline)
        return "communes", [(u.code, u.name, u.geom) for u in units.order_by("name")[:MAX_ZONAL_POLYGONS + 1]]
    layer = Layer.objects.visible_to(user).filter(slug=body.polygons, kind__in=["plan_zone", "irrigated_area"]).first()
    if layer is None:
        raise NotFound("No polygon layer with this name (communes, or a plan zone or irrigated area layer).",
                       field="polygons")
    kind = get_kind(layer.kind)
    label = "zone_code" if layer.kind == "plan_zone" else "name"
    features = kind.features(layer)
    outline = district_outline(user)
    if outline is not None:  # only the polygons touching the caller's district, before the count is capped
        features = features.filter(geom__intersects=outline)
    features = features.order_by("pk")[:MAX_ZONAL_POLYGONS + 1]
    return layer.slug, [(f.ext_id, getattr(f, label), f.geom) for f in features]


@router.post("/zonal-stats", url_name="queries_zonal_stats",
             summary="Statistics of a raster inside each commune, zone or irrigated area")
@core_errors
def zonal_stats(request, body: ZonalIn, q: Query[FormatQuery]):
    user = _planner(request)
    raster = get_visible_raster(user, body.raster)
    name, polygons = _zonal_polygons(user, body, _day(body.date))
    if len(polygons) > MAX_ZONAL_POLYGONS:
        raise BadInput(f"at most {MAX_ZONAL_POLYGONS:,} polygons at once", field="polygons")
    shapes = [shapely.from_wkb(bytes(geom.wkb)) for _key, _label, geom in polygons]
    stats = raster_zonal_stats(raster, shapes, all_touched=body.all_touched)
    columns = ("key", "label", "count", "sum", "mean", "min", "max", "nodata_count", "area_m2", "per_km2")
    rows = [(key, label, s.count, round(s.sum, 3), s.mean, s.min, s.max, s.nodata_count, round(s.area_m2, 1),
             round(s.sum / (s.area_m2 / 1e6), 3) if s.area_m2 else None)
            for (key, label, _geom), s in zip(polygons, stats, strict=True)]
    fs = queries.FeatureSet(name=f"zonal-{raster.layer.slug}-{name}", columns=columns, rows=rows,
                            geometries=[shapely.to_wkb(s) for s in shapes], total=len(rows),
                            summary={"raster": raster.layer.slug, "unit": raster.unit, "polygons": len(rows),
                                     "sum": round(sum(r[3] for r in rows), 3)})
    return _answer(fs, q.format)
