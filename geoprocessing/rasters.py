"""GeoTIFFs read where they lie: describe one, sample it at a point, and summarise it inside polygons."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import rasterio
import shapely
from pyproj import CRS as ProjCRS
from pyproj import Geod
from rasterio.crs import CRS
from rasterio.errors import RasterioIOError
from rasterio.features import geometry_mask
from rasterio.io import DatasetReader
from rasterio.warp import transform as transform_xy
from rasterio.warp import transform_bounds, transform_geom
from rasterio.windows import Window, from_bounds
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

__all__ = [
    "GDAL_OPTIONS", "RasterError", "NotARaster", "MissingCrs", "BadBand", "RasterInfo", "ZonalStats",
    "describe", "value_at", "zonal_stats", "geodesic_area", "in_lonlat_range",
]

PathLike = str | os.PathLike

WGS84 = CRS.from_epsg(4326)

# Every read runs inside rasterio.Env with these; callers may add their own. No directory listing on open:
# rasters may sit in large shared folders, and sidecars (.ovr, .msk, .aux.xml) are still found by name.
GDAL_OPTIONS: dict[str, str] = {"GDAL_DISABLE_READDIR_ON_OPEN": "YES"}

# At most this many pixels are read at once, so a polygon as large as the raster still reads in strips.
CHUNK_PIXELS = 4_000_000

# Before reprojecting a lon/lat polygon, edges are split to this length (degrees, about 1 km) so that
# straight edges in EPSG:4326 keep their shape in a projected raster CRS.
_SEGMENT_DEG = 0.01

_GEOD = Geod(ellps="WGS84")


class RasterError(ValueError):
    """Root error of this module: a bad argument, or a file that is not a usable raster."""


class NotARaster(RasterError):
    """The path does not lead to a raster GDAL can read, or reading it failed."""


class MissingCrs(RasterError):
    """The raster does not say which coordinate reference system it uses."""


class BadBand(RasterError):
    """The band asked for is not one of the raster's bands."""


@dataclass(frozen=True)
class RasterInfo:
    """What a raster is and holds; the statistics describe `band` and ignore nodata pixels."""

    crs: str  # "EPSG:32648" when the CRS has an authority code, else its WKT
    crs_name: str
    width: int
    height: int
    bounds: tuple[float, float, float, float]  # EPSG:4326 (minx, miny, maxx, maxy)
    nodata: float | None
    count: int  # number of bands
    dtype: str
    band: int
    min: float | None
    max: float | None
    mean: float | None
    valid_count: int


@dataclass(frozen=True)
class ZonalStats:
    """The pixels of one band whose centres fall inside one polygon (or that it touches, with all_touched)."""

    count: int  # valid pixels
    sum: float
    mean: float | None
    min: float | None
    max: float | None
    nodata_count: int  # pixels inside the polygon that hold nodata
    area_m2: float  # geodesic area of the polygon on the WGS 84 ellipsoid, not of its pixels


def describe(path: PathLike, *, band: int = 1, gdal_options: Mapping[str, str] | None = None) -> RasterInfo:
    """Size, CRS, EPSG:4326 bounds, nodata and the min/max/mean of `band`, read strip by strip."""
    with _open(path, gdal_options) as src:
        _check_band(src, band)
        crs = _crs_of(src)
        same_crs = _is_wgs84(crs)
        bounds = tuple(src.bounds) if same_crs else transform_bounds(crs, WGS84, *src.bounds, densify_pts=21)
        acc = _Accumulator()
        for strip in _strips(Window(0, 0, src.width, src.height)):
            data = src.read(band, window=strip, masked=True)
            acc.add(data.data[~_invalid(data)])
        nodata = src.nodatavals[band - 1]
        return RasterInfo(
            crs=_crs_label(crs), crs_name=ProjCRS.from_wkt(crs.to_wkt()).name, width=src.width, height=src.height,
            bounds=tuple(float(v) for v in bounds), nodata=None if nodata is None else float(nodata),
            count=src.count, dtype=src.dtypes[band - 1], band=band, min=acc.min, max=acc.max, mean=acc.mean,
            valid_count=acc.count,
        )


def value_at(path: PathLike, lon: float, lat: float, *, band: int = 1,
             gdal_options: Mapping[str, str] | None = None) -> float | None:
    """The value of the pixel holding (lon, lat) in EPSG:4326; None when it is nodata or outside the raster."""
    _check_lonlat(lon, lat)
    with _open(path, gdal_options) as src:
        _check_band(src, band)
        crs = _crs_of(src)
        if _is_wgs84(crs):
            x, y = float(lon), float(lat)
        else:
            xs, ys = transform_xy(WGS84, crs, [float(lon)], [float(lat)])
            x, y = xs[0], ys[0]
        if not (math.isfinite(x) and math.isfinite(y)):
            return None  # outside the area where the raster's projection is defined
        row, col = src.index(x, y)
        if not (0 <= row < src.height and 0 <= col < src.width):
            return None
        cell = src.read(band, window=Window(col, row, 1, 1), masked=True)
        if _invalid(cell)[0, 0]:
            return None
        return float(cell.data[0, 0])


def zonal_stats(path: PathLike, geometries: Iterable[BaseGeometry], *, band: int = 1, all_touched: bool = False,
                gdal_options: Mapping[str, str] | None = None) -> list[ZonalStats]:
    """Count, sum, mean, min, max of `band` inside each (Multi)Polygon given in EPSG:4326, in order.

    Only the window each polygon covers is read. A polygon outside the raster gets count 0.
    """
    if isinstance(geometries, BaseGeometry):
        raise RasterError("geometries must be a list of polygons, not a single geometry")
    zones = [_check_polygonal(geom, index) for index, geom in enumerate(geometries)]
    with _open(path, gdal_options) as src:
        _check_band(src, band)
        crs = _crs_of(src)
        if not src.transform.is_rectilinear:
            raise RasterError(f"{_name(path)} is rotated or sheared; zonal statistics need a north-up raster")
        same_crs = _is_wgs84(crs)
        return [_zone(src, band, geom, crs=None if same_crs else crs, all_touched=bool(all_touched))
                for geom in zones]


def in_lonlat_range(geom: BaseGeometry) -> bool:
    """Whether every coordinate is a finite WGS 84 longitude/latitude (an empty geometry is)."""
    if geom.is_empty:
        return True
    minx, miny, maxx, maxy = geom.bounds
    finite = all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
    return finite and minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90


def geodesic_area(geom: Polygon | MultiPolygon) -> float:
    """Area in m² on the WGS 84 ellipsoid of a lon/lat polygon, holes subtracted."""
    parts = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    # Exterior counter-clockwise and holes clockwise is the orientation pyproj counts as positive.
    return float(sum(abs(_GEOD.geometry_area_perimeter(orient(part, 1.0))[0]) for part in parts if not part.is_empty))


class _Accumulator:
    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf

    def add(self, values: np.ndarray) -> None:
        if values.size:
            self.count += int(values.size)
            self.total += float(values.sum(dtype=np.float64))
            self.low = min(self.low, float(values.min()))
            self.high = max(self.high, float(values.max()))

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def min(self) -> float | None:
        return self.low if self.count else None

    @property
    def max(self) -> float | None:
        return self.high if self.count else None


def _zone(src: DatasetReader, band: int, geom: Polygon | MultiPolygon, *, crs: CRS | None,
          all_touched: bool) -> ZonalStats:
    area = geodesic_area(geom)
    acc = _Accumulator()
    nodata = 0
    if not geom.is_empty:
        if crs is not None:
            geom = shape(transform_geom(WGS84, crs, mapping(shapely.segmentize(geom, _SEGMENT_DEG))))
        window = _window_over(src, geom.bounds)
        for strip in _strips(window) if window is not None else ():
            inside = geometry_mask([geom], out_shape=(int(strip.height), int(strip.width)),
                                   transform=src.window_transform(strip), all_touched=all_touched, invert=True)
            if not inside.any():
                continue  # a strip that crosses only a hole or the gap between parts: nothing to read
            data = src.read(band, window=strip, masked=True)
            invalid = _invalid(data)
            acc.add(data.data[inside & ~invalid])
            nodata += int(np.count_nonzero(inside & invalid))
    return ZonalStats(count=acc.count, sum=acc.total, mean=acc.mean, min=acc.min, max=acc.max,
                      nodata_count=nodata, area_m2=area)


def _window_over(src: DatasetReader, bounds: tuple[float, float, float, float]) -> Window | None:
    """The whole pixels covering `bounds` (in the raster CRS), clipped to the raster; None when they miss it."""
    left, bottom, right, top = bounds
    win = from_bounds(left, bottom, right, top, transform=src.transform)
    col0 = max(0, math.floor(win.col_off))
    row0 = max(0, math.floor(win.row_off))
    col1 = min(src.width, math.ceil(win.col_off + win.width))
    row1 = min(src.height, math.ceil(win.row_off + win.height))
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def _strips(window: Window) -> Iterator[Window]:
    width, height = int(window.width), int(window.height)
    rows = max(1, CHUNK_PIXELS // max(width, 1))
    first, end = int(window.row_off), int(window.row_off) + height
    for row in range(first, end, rows):
        yield Window(int(window.col_off), row, width, min(rows, end - row))


def _invalid(data: np.ma.MaskedArray) -> np.ndarray:
    """Pixels to ignore: masked by the dataset (nodata, internal mask, alpha) or, for floats, NaN/inf."""
    invalid = np.ma.getmaskarray(data)
    if np.issubdtype(data.dtype, np.floating):
        invalid = invalid | ~np.isfinite(data.data)
    return invalid


@contextmanager
def _open(path: PathLike, gdal_options: Mapping[str, str] | None) -> Iterator[DatasetReader]:
    if not isinstance(path, str | os.PathLike):
        raise RasterError(f"path must be a string or a path, not {type(path).__name__}")
    with rasterio.Env(**{**GDAL_OPTIONS, **(gdal_options or {})}):
        try:
            src = rasterio.open(path)
        except RasterioIOError as exc:
            raise NotARaster(f"{_name(path)} is not a raster GDAL can read: {_one_line(exc)}") from exc
        with src:
            try:
                yield src
            except RasterioIOError as exc:
                raise NotARaster(f"{_name(path)} could not be read: {_one_line(exc)}") from exc


def _check_band(src: DatasetReader, band: int) -> None:
    if src.count == 0:
        raise NotARaster(f"{_name(src.name)} has no raster bands (a container of subdatasets?)")
    if isinstance(band, bool) or not isinstance(band, int) or not 1 <= band <= src.count:
        raise BadBand(f"band must be an integer from 1 to {src.count}, not {band!r}")


def _check_lonlat(lon: float, lat: float) -> None:
    for name, value, limit in (("lon", lon, 180), ("lat", lat, 90)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RasterError(f"{name} must be a finite number, not {value!r}")
        if not -limit <= value <= limit:
            raise RasterError(f"{name} must lie between -{limit} and {limit} (WGS 84 degrees), not {value!r}")


def _check_polygonal(geom: object, index: int) -> Polygon | MultiPolygon:
    if not isinstance(geom, Polygon | MultiPolygon):
        kind = geom.geom_type if isinstance(geom, BaseGeometry) else type(geom).__name__
        raise RasterError(f"geometry {index} is a {kind}; zonal statistics need a Polygon or MultiPolygon")
    if not in_lonlat_range(geom):
        raise RasterError(f"geometry {index} has coordinates outside WGS 84 longitude/latitude")
    return geom


def _crs_of(src: DatasetReader) -> CRS:
    if not src.crs:
        raise MissingCrs(f"{_name(src.name)} does not say which coordinate reference system it uses")
    return src.crs


def _is_wgs84(crs: CRS) -> bool:
    return crs == WGS84


def _crs_label(crs: CRS) -> str:
    authority = crs.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else crs.to_wkt()


def _name(path: PathLike) -> str:
    return os.path.basename(os.fspath(path)) or os.fspath(path)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
