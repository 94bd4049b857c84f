"""Geometries typed or drawn by users (GeoJSON or WKT, EPSG:4326), checked before any of them reaches SQL."""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from .errors import BadGeometryInput, GeometryTooLarge
from .rasters import geodesic_area

__all__ = ["MAX_VERTICES", "MAX_AREA_KM2", "MAX_TEXT_BYTES", "parse_geometry", "parse_polygon"]

MAX_VERTICES = 5_000
MAX_AREA_KM2 = 500.0  # about a district; the whole province (3,360 km²) is asked through the overlay queries
MAX_TEXT_BYTES = 1_000_000
_WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "urn:ogc:def:crs:EPSG::4326",
                "EPSG:4326", "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                "http://www.opengis.net/def/crs/EPSG/0/4326"}


def _from_text(text: str, field: str) -> BaseGeometry:
    if len(text.encode("utf-8", "replace")) > MAX_TEXT_BYTES:
        raise GeometryTooLarge(f"the geometry text is larger than {MAX_TEXT_BYTES:,} bytes", field=field)
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            return _from_geojson(json.loads(stripped), field)
        except json.JSONDecodeError as exc:
            raise BadGeometryInput(f"not valid JSON: {exc.msg} at character {exc.pos}", field=field) from exc
    if stripped.upper().startswith("SRID="):
        srid, _, stripped = stripped.partition(";")
        if srid.strip().upper() != "SRID=4326":
            raise BadGeometryInput(f"only EPSG:4326 coordinates are accepted, not {srid.strip()}", field=field)
    try:
        return shapely.from_wkt(stripped)
    except ShapelyError as exc:
        raise BadGeometryInput(f"not valid WKT: {' '.join(str(exc).split())}", field=field) from exc


def _from_geojson(obj: Any, field: str) -> BaseGeometry:
    if not isinstance(obj, dict) or "type" not in obj:
        raise BadGeometryInput("a GeoJSON object needs a 'type'", field=field)
    crs = obj.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
        if name not in _WGS84_NAMES:
            raise BadGeometryInput(f"only WGS 84 lon/lat GeoJSON is accepted, not crs {name!r}", field=field)
    kind = obj["type"]
    if kind == "Feature":
        if not isinstance(obj.get("geometry"), dict):
            raise BadGeometryInput("the Feature has no geometry", field=field)
        return _from_geojson(obj["geometry"], field)
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise BadGeometryInput("give one geometry (a FeatureCollection must hold exactly one Feature)",
                                   field=field)
        return _from_geojson(features[0], field)
    try:
        return shape(obj)
    except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise BadGeometryInput(f"not a valid GeoJSON {kind}: {reason}", field=field) from exc


def parse_geometry(value: str | dict, *, field: str = "geometry", max_vertices: int = MAX_VERTICES) -> BaseGeometry:
    """A GeoJSON object (geometry, Feature, or a one-feature collection) or WKT/EWKT text, in EPSG:4326."""
    if isinstance(value, dict):
        geom = _from_geojson(value, field)
    elif isinstance(value, str):
        geom = _from_text(value, field)
    else:
        raise BadGeometryInput("give the geometry as GeoJSON or WKT", field=field)
    if geom is None or geom.is_empty:
        raise BadGeometryInput("the geometry is empty", field=field)
    vertices = int(shapely.get_num_coordinates(geom))
    if vertices > max_vertices:
        raise GeometryTooLarge(f"the geometry has {vertices:,} vertices; at most {max_vertices:,} are accepted",
                               field=field)
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or not (
            -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BadGeometryInput("coordinates must be WGS 84 longitude, latitude (EPSG:4326)", field=field)
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    return geom


def parse_polygon(value: str | dict, *, field: str = "within", max_vertices: int = MAX_VERTICES,
                  max_area_km2: float = MAX_AREA_KM2) -> BaseGeometry:
    """A valid Polygon or MultiPolygon no larger than `max_area_km2` (geodesic)."""
    geom = parse_geometry(value, field=field, max_vertices=max_vertices)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise BadGeometryInput(f"a Polygon or MultiPolygon is needed, not a {geom.geom_type}", field=field)
    if not geom.is_valid:
        raise BadGeometryInput(f"the polygon is not valid: {explain_validity(geom)}", field=field)
    area_km2 = geodesic_area(geom) / 1e6
    if area_km2 > max_area_km2:
        raise GeometryTooLarge(f"the polygon covers {area_km2:,.0f} km²; at most {max_area_km2:,.0f} km² may be "
                               "asked at once", field=field)
    return geom
