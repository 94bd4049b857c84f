"""Raster layers API: the rasters a caller may see, the value at a point, statistics inside polygons."""

import json
from dataclasses import asdict, dataclass

import shapely
from django.conf import settings
from ninja import Field, Query, Router, Schema
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from geoprocessing.rasters import in_lonlat_range
from portal.accounts.auth import public_access
from portal.errors import BodyTooLarge, InvalidInput

from .rasters import get_visible_raster, raster_value, raster_zonal_stats, visible_rasters

__all__ = ["router", "parse_zones", "MAX_FEATURES", "MAX_BODY_BYTES"]

MAX_FEATURES = 1000
# Below Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default), so that our 413 answers first.
MAX_BODY_BYTES = 2_000_000

_POLYGONAL = ("Polygon", "MultiPolygon")
_GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", *_POLYGONAL, "GeometryCollection"}
# RFC 7946 has no "crs" member; older GeoJSON may still name one, and it must then mean WGS 84 lon/lat.
_WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326",
}


router = Router(auth=public_access)


class PointQuery(Schema):
    lon: float = Field(..., ge=-180, le=180, allow_inf_nan=False, description="Longitude, WGS 84 degrees")
    lat: float = Field(..., ge=-90, le=90, allow_inf_nan=False, description="Latitude, WGS 84 degrees")


class RasterOut(Schema):
    slug: str
    title_vi: str
    title_en: str
    unit: str
    band: int
    crs: str
    width: int
    height: int
    bounds: list[float] = Field(..., description="minx, miny, maxx, maxy in EPSG:4326")
    stats: dict[str, float | int | None] = Field(..., description="min, max, mean and valid_count of the band")
    version: int
    attribution: str
    licence: str

    @staticmethod
    def resolve_slug(obj):
        return obj.layer.slug

    @staticmethod
    def resolve_title_vi(obj):
        return obj.layer.title_vi

    @staticmethod
    def resolve_title_en(obj):
        return obj.layer.title_en

    @staticmethod
    def resolve_bounds(obj):
        return list(obj.bounds.extent)

    @staticmethod
    def resolve_version(obj):
        return obj.layer.version

    @staticmethod
    def resolve_attribution(obj):
        return obj.layer.attribution

    @staticmethod
    def resolve_licence(obj):
        return obj.layer.licence


class ValueOut(Schema):
    layer: str
    lon: float
    lat: float
    band: int
    unit: str
    value: float | None = Field(..., description="null: nodata, or outside the raster")


class ZoneOut(Schema):
    index: int = Field(..., description="position of the feature in the request")
    id: str | int | float | None = Field(..., description="the feature's id, else its properties.id")
    count: int
    sum: float
    mean: float | None
    min: float | None
    max: float | None
    nodata_count: int
    area_m2: float


class ZonalOut(Schema):
    layer: str
    band: int
    unit: str
    version: int
    results: list[ZoneOut]


_ZONES_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "type": "object", "required": ["type"],
            "description": (f"A GeoJSON (RFC 7946) Polygon or MultiPolygon, a Feature holding one, or a "
                            f"FeatureCollection of at most {MAX_FEATURES} such Features, in EPSG:4326; "
                            f"at most {MAX_BODY_BYTES} bytes."),
            "properties": {"type": {"type": "string", "enum": ["Polygon", "MultiPolygon", "Feature",
                                                                "FeatureCollection"]}},
        }}},
    },
}


@router.get("/", response=list[RasterOut], summary="Raster layers the caller may see")
def list_rasters(request):
    return list(visible_rasters(request.auth))


@router.get("/{slug}/value", response=ValueOut, summary="The raster's value at a point")
def raster_value_at(request, slug: str, q: Query[PointQuery]):
    raster = get_visible_raster(request.auth, slug)
    value = raster_value(raster, q.lon, q.lat)
    return {"layer": slug, "lon": q.lon, "lat": q.lat, "band": raster.band, "unit": raster.unit, "value": value}


@router.post("/{slug}/zonal-stats", response=ZonalOut, openapi_extra=_ZONES_BODY,
             summary="Count, sum, mean, min and max of the raster inside each polygon")
def raster_zonal(request, slug: str, all_touched: bool = False):
    # The body is read here, not by ninja, so that its size is checked before it is parsed.
    zones = parse_zones(_body(request))
    raster = get_visible_raster(request.auth, slug)
    stats = raster_zonal_stats(raster, [zone.geom for zone in zones], all_touched=all_touched)
    results = [{"index": index, "id": zone.id, **asdict(record)}
               for index, (zone, record) in enumerate(zip(zones, stats, strict=True))]
    return {"layer": slug, "band": raster.band, "unit": raster.unit, "version": raster.layer.version,
            "results": results}


@dataclass(frozen=True)
class Zone:
    id: str | int | float | None
    geom: BaseGeometry


def parse_zones(body: bytes) -> list[Zone]:
    """The (Multi)Polygons of a GeoJSON Geometry, Feature or FeatureCollection, with their ids, or a 422."""
    try:
        doc = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InvalidInput("The body is not valid JSON.", field="body") from exc
    if not isinstance(doc, dict):
        raise InvalidInput("The body must be a GeoJSON object.", field="body")
    _check_crs(doc)
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise InvalidInput("A FeatureCollection needs a list of features.", field="features")
        if len(features) > MAX_FEATURES:
            raise InvalidInput(f"At most {MAX_FEATURES} features per request, not {len(features)}.",
                               field="features")
        return [_feature(feature, f"features.{index}") for index, feature in enumerate(features)]
    if kind == "Feature":
        return [_feature(doc, "")]
    if kind in _GEOMETRY_TYPES:
        return [Zone(None, _polygon(doc, ""))]
    raise InvalidInput("type must be a GeoJSON geometry type, Feature or FeatureCollection.", field="type")


def _feature(feature, where: str) -> Zone:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidInput("Each item must be a GeoJSON Feature.", field=_at(where, "type"))
    geometry = feature.get("geometry")
    if geometry is None:
        raise InvalidInput("The feature has no geometry.", field=_at(where, "geometry"))
    properties = feature.get("properties")
    ident, ident_at = feature.get("id"), "id"
    if ident is None and isinstance(properties, dict):
        ident, ident_at = properties.get("id"), "properties.id"
    if ident is not None and (isinstance(ident, bool) or not isinstance(ident, str | int | float)):
        raise InvalidInput("An id must be a string or a number.", field=_at(where, ident_at))
    return Zone(ident, _polygon(geometry, _at(where, "geometry")))


def _polygon(geometry, where: str) -> Polygon | MultiPolygon:
    if not isinstance(geometry, dict):
        raise InvalidInput("The geometry must be a GeoJSON geometry object.", field=where or "body")
    kind = geometry.get("type")
    if kind not in _POLYGONAL:
        raise InvalidInput(f"Zonal statistics need Polygon or MultiPolygon geometries, not {kind}.",
                           field=_at(where, "type"))
    coordinates_at = _at(where, "coordinates")
    if not isinstance(geometry.get("coordinates"), list):
        raise InvalidInput("The geometry needs a list of coordinates.", field=coordinates_at)
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ShapelyError) as exc:
        raise InvalidInput(f"The coordinates do not form a {kind}.", field=coordinates_at) from exc
    if not in_lonlat_range(geom):
        raise InvalidInput("Coordinates must be WGS 84 longitude, latitude (EPSG:4326).", field=coordinates_at)
    if not geom.is_valid:
        # Self-intersections and the like: keep the area the client meant, as GEOS repairs it.
        repaired = shapely.get_parts(shapely.make_valid(geom))
        parts = [part for part in repaired if isinstance(part, Polygon | MultiPolygon)]
        geom = shapely.union_all(parts) if parts else Polygon()
    return geom


def _check_crs(doc: dict) -> None:
    crs = doc.get("crs")
    if crs is None:
        return
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str) or name not in _WGS84_NAMES:
        raise InvalidInput("Coordinates must be in WGS 84 longitude/latitude (EPSG:4326); drop the crs member.",
                           field="crs")


def _body(request) -> bytes:
    limit = min(MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_BODY_BYTES)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge(f"The body may hold at most {limit} bytes.")
    body = request.body
    if len(body) > limit:
        raise BodyTooLarge(f"The body may hold at most {limit} bytes.")
    return body


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
