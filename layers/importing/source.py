"""Reading a vector file in batches through GDAL (pyogrio + Arrow), so memory stays flat."""

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from layers.errors import BadMapping, UnreadableFile

__all__ = ["SourceInfo", "Batch", "gdal_path", "inspect", "batches", "check_zip"]

BATCH_SIZE = 20_000

# CSV has no geometry type: GDAL finds it in a WKT column or a pair of coordinate columns with these names
# (Vietnamese spreadsheets say kinh_do / vi_do).
_CSV_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "wkt,geom,geometry,the_geom,shape",
    "X_POSSIBLE_NAMES": "lon,lng,long,longitude,x,kinh_do,kinhdo",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,vi_do,vido",
    "KEEP_GEOM_COLUMNS": "NO",
}


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


def _open_options(path: str) -> dict[str, str]:
    return dict(_CSV_OPTIONS) if path.lower().endswith(".csv") else {}


@dataclass(frozen=True)
class SourceInfo:
    path: str  # the name GDAL opens (/vsizip/… for archives)
    layer: str | None
    fields: tuple[str, ...]
    features: int
    crs: str | None
    geometry_type: str | None
    layers: tuple[str, ...]
    open_options: dict


@dataclass
class Batch:
    fids: np.ndarray
    columns: dict[str, pa.Array]
    geometries: np.ndarray  # shapely geometries
    wkb: np.ndarray | None = None  # the file's own WKB of each geometry, when it parsed as it stands


def _geometries(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Shapely geometries, and the WKB they came from unless GDAL's bytes needed fixing (an unclosed ring)."""
    try:
        return shapely.from_wkb(wkb, on_invalid="raise"), wkb
    except shapely.errors.GEOSException:
        return shapely.from_wkb(wkb, on_invalid="fix"), None


def check_zip(path: Path) -> None:
    """Refuse archives whose members would escape a folder if unpacked (../, absolute paths)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                parts = Path(name).parts
                if name.startswith(("/", "\\")) or ".." in parts or ":" in name:
                    raise UnreadableFile(f"the archive holds an unsafe path {name!r}; nothing was imported")
    except zipfile.BadZipFile as exc:
        raise UnreadableFile(f"{path.name} is not a valid zip archive") from exc


def inspect(path: str | Path, layer: str | None = None) -> SourceInfo:
    if str(path).endswith(".zip") and Path(path).exists():
        check_zip(Path(path))
    source = gdal_path(path)
    options = _open_options(source)
    try:
        layers = tuple(str(row[0]) for row in pyogrio.list_layers(source))
        if layer is None and len(layers) > 1:
            raise BadMapping(f"the file has several layers ({', '.join(layers)}); name the one to import")
        info = pyogrio.read_info(source, layer=layer, **options)
    except (DataSourceError, DataLayerError) as exc:
        raise UnreadableFile(f"cannot read {Path(str(path)).name}: {str(exc).splitlines()[0]}") from exc
    return SourceInfo(path=source, layer=layer, fields=tuple(info["fields"]), features=int(info["features"]),
                      crs=info["crs"], geometry_type=info["geometry_type"], layers=layers, open_options=options)


@contextmanager
def _arrow_stream(info: SourceInfo, columns: list[str]):
    try:
        with pyogrio.open_arrow(info.path, layer=info.layer, columns=columns, batch_size=BATCH_SIZE,
                                return_fids=True, use_pyarrow=True, **info.open_options) as (meta, reader):
            yield meta, reader
    except (DataSourceError, DataLayerError) as exc:
        raise UnreadableFile(f"cannot read {Path(info.path).name}: {str(exc).splitlines()[0]}") from exc


def batches(info: SourceInfo, columns: list[str]) -> Iterator[Batch]:
    with _arrow_stream(info, columns) as (meta, reader):
        geometry_name = meta["geometry_name"] or "wkb_geometry"
        fid_name = meta["fid_column"] or "OGC_FID"
        for record_batch in reader:
            names = record_batch.schema.names
            wkb = record_batch.column(geometry_name).to_numpy(zero_copy_only=False)
            fids = (record_batch.column(fid_name).to_numpy(zero_copy_only=False) if fid_name in names
                    else np.arange(len(wkb)))
            geometries, exact = _geometries(wkb)
            yield Batch(fids=fids, columns={name: record_batch.column(name) for name in columns},
                        geometries=geometries, wkb=exact)
