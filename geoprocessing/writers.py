"""FeatureSets written out as GeoJSON (RFC 7946), CSV (WKT geometry) or GeoPackage, in memory: query results
are bounded (queries.MAX_LIMIT), unlike whole-layer exports, which stream (layers.exporting)."""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyogrio
import shapely

from .queries import FeatureSet

__all__ = ["FORMATS", "write"]

FORMATS = {"geojson": ("application/geo+json", "geojson"), "csv": ("text/csv; charset=utf-8", "csv"),
           "gpkg": ("application/geopackage+sqlite3", "gpkg")}


def _value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _geojson(fs: FeatureSet) -> bytes:
    features = []
    for row, wkb in zip(fs.rows, fs.geometries, strict=True):
        geometry = None
        if wkb is not None:
            geometry = json.loads(shapely.to_geojson(shapely.orient_polygons(shapely.from_wkb(wkb)), indent=None))
        properties = {c: _value(v) for c, v in zip(fs.columns, row, strict=True)}
        features.append({"type": "Feature", "id": properties.get("ext_id", properties.get("id")),
                         "geometry": geometry, "properties": properties})
    body = {"type": "FeatureCollection", "name": fs.name, "numberMatched": fs.total, "numberReturned": len(fs.rows),
            "summary": fs.summary, "features": features}
    return json.dumps(body, ensure_ascii=False, default=str).encode()


def _csv(fs: FeatureSet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    with_geometry = any(g is not None for g in fs.geometries)
    writer.writerow([*fs.columns, *(["WKT"] if with_geometry else [])])
    for row, wkb in zip(fs.rows, fs.geometries, strict=True):
        values = ["; ".join(map(str, v)) if isinstance(v, list) else _value(v) for v in row]
        if with_geometry:
            values.append(shapely.to_wkt(shapely.from_wkb(wkb), rounding_precision=8) if wkb else "")
        writer.writerow(values)
    # The byte-order mark lets spreadsheet programs read Vietnamese as UTF-8; GDAL and pandas skip it.
    return ("\ufeff" + out.getvalue()).encode()


def _arrow_type(values: list[Any]) -> pa.DataType:
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return pa.bool_()
    if isinstance(sample, int):
        return pa.int64()
    if isinstance(sample, float):
        return pa.float64()
    return pa.string()


def _gpkg(fs: FeatureSet) -> bytes:
    columns = {}
    for i, name in enumerate(fs.columns):
        values = [row[i] for row in fs.rows]
        values = ["; ".join(map(str, v)) if isinstance(v, list) else _value(v) for v in values]
        kind = _arrow_type(values)
        columns[name] = pa.array([None if v is None else (str(v) if kind == pa.string() else v) for v in values],
                                 type=kind)
    with_geometry = any(g is not None for g in fs.geometries)
    if with_geometry:
        columns["geometry"] = pa.array(fs.geometries, type=pa.binary())
    table = pa.table(columns) if columns else pa.table({"id": pa.array([], pa.int64())})
    with tempfile.TemporaryDirectory(prefix="query-export-") as tmp:
        path = Path(tmp) / f"{fs.name}.gpkg"
        kwargs = {"geometry_name": "geometry", "geometry_type": "Unknown", "crs": "EPSG:4326"} if with_geometry else {}
        pyogrio.write_arrow(table, str(path), layer=fs.name, driver="GPKG", **kwargs)
        return path.read_bytes()


_WRITERS = {"geojson": _geojson, "csv": _csv, "gpkg": _gpkg}


def write(fs: FeatureSet, fmt: str) -> bytes:
    """The bytes of `fs` in `fmt` (a key of FORMATS)."""
    if fmt not in _WRITERS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(_WRITERS)}")
    return _WRITERS[fmt](fs)
