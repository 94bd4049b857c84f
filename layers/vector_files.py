"""Reading a whole (small) polygon file into a GeoDataFrame in EPSG:4326, for the admin-unit importer.

Geometry fixes are the layer importer's own (layers.importing.geometry), so both report the same way.
"""

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from .errors import BadMapping, NoCrs, UnreadableFile
from .importing.geometry import GeometryNotes, normalise
from .importing.source import gdal_path

__all__ = ["ReadReport", "read_polygons"]


@dataclass
class ReadReport:
    features_in_file: int = 0
    reprojected_from: str | None = None
    geometry: GeometryNotes = field(default_factory=GeometryNotes)

    @property
    def skipped(self) -> int:
        return self.geometry.empty + self.geometry.unrepairable

    def notes(self) -> list[str]:
        reprojected = [f"reprojected from {self.reprojected_from} to EPSG:4326"] if self.reprojected_from else []
        return reprojected + self.geometry.lines()


def _unreadable(path, exc) -> UnreadableFile:
    return UnreadableFile(f"cannot read {Path(str(path)).name}: {str(exc).splitlines()[0]}")


def read_polygons(path: str | Path, *, columns: list[str], layer: str | None = None,
                  srid: int | None = None) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """Read `columns` and a (Multi)Polygon geometry per feature, as 2D MultiPolygons in EPSG:4326."""
    source = gdal_path(path)
    try:
        info = pyogrio.read_info(source, layer=layer)
        available = list(info["fields"])
        missing = [name for name in columns if name not in available]
        if missing:
            raise BadMapping(f"the file has no field {', '.join(repr(m) for m in missing)}; "
                             f"its fields are: {', '.join(available) or '(none)'}")
        frame = pyogrio.read_dataframe(source, layer=layer, columns=columns)
    except (DataSourceError, DataLayerError) as exc:
        raise _unreadable(path, exc) from exc
    report = ReadReport(features_in_file=int(info["features"]))
    if frame.crs is None:
        if srid is None:
            raise NoCrs("the file has no coordinate reference system; name one (e.g. --srid 4326)")
        frame = frame.set_crs(epsg=srid)
    if frame.crs.to_epsg() != 4326:
        report.reprojected_from = frame.crs.to_string()
        frame = frame.to_crs(epsg=4326)
    frame = frame.reset_index(drop=True)
    positions = frame.index.to_numpy().astype(str).astype(object)  # feature numbers, as notes name them
    geoms, kept = normalise(frame.geometry.values.to_numpy().copy(), positions, "Polygon", report.geometry)
    frame = frame.iloc[kept.astype(int)]
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs="EPSG:4326")), report
