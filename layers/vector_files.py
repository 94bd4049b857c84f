"""Reading any vector file GDAL can open into a GeoDataFrame in EPSG:4326, repairing what it must.

Every change made to the data on the way in (reprojection, repaired or dropped geometries,
dropped Z/M) is reported, so that an import can tell its user exactly what happened.
"""

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from .errors import BadGeometry, BadMapping, NoCrs, UnreadableFile

__all__ = ["ReadReport", "gdal_path", "read_polygons"]


@dataclass
class ReadReport:
    features_in_file: int = 0
    reprojected_from: str | None = None
    dropped_empty: int = 0
    dropped_z: int = 0
    dropped_after_repair: int = 0
    repaired: list[str] = field(default_factory=list)

    def notes(self) -> list[str]:
        notes = []
        if self.reprojected_from:
            notes.append(f"reprojected from {self.reprojected_from} to EPSG:4326")
        if self.dropped_empty:
            notes.append(f"{self.dropped_empty} features without geometry skipped")
        if self.dropped_z:
            notes.append(f"Z/M dropped from {self.dropped_z} geometries")
        notes.extend(self.repaired)
        return notes


_GEOMETRY_NAMES = ["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
                   "GeometryCollection"]


def gdal_path(path: str | Path) -> str:
    """GDAL's name for a file: gzip and zip archives are opened through its virtual file systems."""
    text = str(path)
    if text.startswith("/vsi"):
        return text
    if text.endswith(".gz"):
        return "/vsigzip/" + text
    if text.endswith(".zip"):
        return "/vsizip/" + text
    return text


def _open_info(path: str, layer: str | None) -> dict:
    try:
        return pyogrio.read_info(path, layer=layer)
    except (DataSourceError, DataLayerError) as exc:
        raise UnreadableFile(f"cannot read {Path(path).name}: {str(exc).splitlines()[0]}") from exc


def read_polygons(path: str | Path, *, columns: list[str], layer: str | None = None,
                  srid: int | None = None) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """Read `columns` and a (Multi)Polygon geometry per feature, as 2D MultiPolygons in EPSG:4326."""
    source = gdal_path(path)
    info = _open_info(source, layer)
    available = list(info["fields"])
    missing = [name for name in columns if name not in available]
    if missing:
        raise BadMapping(f"the file has no field {', '.join(repr(m) for m in missing)}; "
                         f"its fields are: {', '.join(available) or '(none)'}")
    report = ReadReport(features_in_file=int(info["features"]))
    try:
        frame = pyogrio.read_dataframe(source, layer=layer, columns=columns)
    except (DataSourceError, DataLayerError) as exc:
        raise UnreadableFile(f"cannot read {Path(str(path)).name}: {str(exc).splitlines()[0]}") from exc
    if frame.crs is None:
        if srid is None:
            raise NoCrs("the file has no coordinate reference system; name one (e.g. --srid 4326)")
        frame = frame.set_crs(epsg=srid)
    if frame.crs.to_epsg() != 4326:
        report.reprojected_from = frame.crs.to_string()
        frame = frame.to_crs(epsg=4326)

    geoms = frame.geometry.values
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    report.dropped_empty = int(empty.sum())
    frame = frame.loc[~empty].copy()
    geoms = frame.geometry.values

    kinds = set(shapely.get_type_id(geoms).tolist())
    polygonal = {shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON}
    if not kinds <= polygonal:
        names = sorted(_GEOMETRY_NAMES[kind] for kind in kinds - polygonal)
        raise BadGeometry(f"this layer holds polygons, but the file also has {', '.join(names)} geometries")

    has_z = shapely.has_z(geoms)
    report.dropped_z = int(has_z.sum())
    if report.dropped_z:
        geoms = shapely.force_2d(geoms)

    invalid = ~shapely.is_valid(geoms)
    for index in invalid.nonzero()[0]:
        reason = shapely.is_valid_reason(geoms[index])
        fixed = shapely.make_valid(geoms[index])
        parts = [part for part in shapely.get_parts(fixed) if part.geom_type in ("Polygon", "MultiPolygon")]
        geoms[index] = shapely.union_all(parts) if parts else None
        report.repaired.append(f"feature {frame.index[index]}: repaired ({reason})")
    geoms = [None if g is None else (g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]))
             for g in geoms]
    frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs="EPSG:4326"))
    lost = frame.geometry.isna()
    if lost.any():
        report.dropped_after_repair = int(lost.sum())
        report.repaired.append(f"{int(lost.sum())} features had no area left after repair and were skipped")
        frame = frame.loc[~lost]
    return frame, report
