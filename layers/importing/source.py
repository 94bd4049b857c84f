"""Reading a vector file in batches through GDAL (pyogrio + Arrow), so memory stays flat."""

import gzip
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from layers.errors import ArchiveTooLarge, BadMapping, SuspiciousArchive, UnreadableFile

__all__ = ["SourceInfo", "Batch", "ArchiveLimits", "gdal_path", "inspect", "batches", "check_archive", "check_zip",
           "check_gzip", "stored_upload"]

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


@dataclass(frozen=True)
class ArchiveLimits:
    """How far an uploaded archive may unpack (IMPORT_ARCHIVE_MAX_BYTES, IMPORT_ARCHIVE_MAX_RATIO)."""

    max_bytes: int = 8 * 2**30
    max_ratio: int = 500
    # Below this much unpacked, any ratio is harmless (a small padded DBF reaches hundreds to one).
    ratio_floor: int = 100 * 2**20

    @classmethod
    def from_settings(cls) -> "ArchiveLimits":
        from django.conf import settings

        return cls(max_bytes=getattr(settings, "IMPORT_ARCHIVE_MAX_BYTES", cls.max_bytes),
                   max_ratio=getattr(settings, "IMPORT_ARCHIVE_MAX_RATIO", cls.max_ratio))

    def enough(self, packed: int) -> int:
        """Bytes past which inflating an archive of `packed` bytes can stop: it is refused either way."""
        return min(self.max_bytes, max(self.ratio_floor, self.max_ratio * packed)) + 1

    def check(self, name: str, unpacked: int, packed: int) -> None:
        if unpacked > self.max_bytes:
            raise ArchiveTooLarge(f"{name} unpacks to more than the limit of {self.max_bytes / 2**20:.0f} MiB; "
                                  "nothing was imported")
        if unpacked > self.ratio_floor and unpacked > self.max_ratio * max(packed, 1):
            raise SuspiciousArchive(f"{name} would unpack to {unpacked / 2**20:.0f} MiB from "
                                    f"{packed / 2**20:.1f} MiB, more than {self.max_ratio}:1; nothing was imported")


_ZIP_ENCRYPTED = 0x1  # general purpose flag bit 0 (APPNOTE 4.4.4): zipfile would need the password to inflate


def check_zip(path: Path, limits: ArchiveLimits | None = None) -> None:
    """Refuse archives whose members would escape a folder if unpacked (../, absolute paths), or that would
    unpack past the limits. The sizes the central directory declares are checked first, without inflating
    anything; then the members are inflated and counted (no byte kept), since a forged header can declare
    any size: a member that does not inflate to its declared size and checksum is refused."""
    limits = limits or ArchiveLimits()
    packed = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            for member in members:
                parts = Path(member.filename).parts
                if member.filename.startswith(("/", "\\")) or ".." in parts or ":" in member.filename:
                    raise UnreadableFile(f"the archive holds an unsafe path {member.filename!r}; nothing was imported")
                if member.flag_bits & _ZIP_ENCRYPTED:
                    raise UnreadableFile(f"{path.name} is password-protected ({member.filename}); upload it without "
                                         "a password")
            limits.check(path.name, sum(member.file_size for member in members), packed)
            limits.check(path.name, _inflated(archive, members, limits.enough(packed)), packed)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise UnreadableFile(f"{path.name} is not a valid zip archive: {exc}") from exc
    except NotImplementedError as exc:
        raise UnreadableFile(f"{path.name} uses a zip compression the portal cannot check ({exc})") from exc


def _inflated(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], stop: int) -> int:
    """Bytes the members really inflate to, counted up to `stop`. zipfile stops each at its declared size and
    checks its CRC at the end, so a member declaring less than it holds fails there."""
    unpacked = 0
    for member in members:
        if member.is_dir():
            continue
        with archive.open(member) as stream:
            while unpacked < stop and (chunk := stream.read(2**20)):
                unpacked += len(chunk)
        if unpacked >= stop:
            break
    return unpacked


def check_gzip(path: Path, limits: ArchiveLimits | None = None) -> None:
    """Refuse a gzip file that would unpack past the limits. Its header keeps the size modulo 4 GiB only, so the
    stream is inflated and counted, stopping as soon as a limit is passed (no byte of it is kept)."""
    limits = limits or ArchiveLimits()
    packed = path.stat().st_size
    stop = limits.enough(packed)
    unpacked = 0
    try:
        with gzip.open(path, "rb") as stream:
            while unpacked < stop and (chunk := stream.read(2**20)):
                unpacked += len(chunk)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise UnreadableFile(f"{path.name} is not a valid gzip file") from exc
    limits.check(path.name, unpacked, packed)


def check_archive(path: Path, limits: ArchiveLimits | None = None) -> None:
    """Refuse a zip or gzip file past the limits, known by its first bytes: GDAL opens archives whatever they
    are called (x.SHP.ZIP, x.shz, a .gz under another name)."""
    with path.open("rb") as head:
        magic = head.read(4)
    if magic in (b"PK\x03\x04", b"PK\x05\x06"):
        check_zip(path, limits or ArchiveLimits.from_settings())
    elif magic[:2] == b"\x1f\x8b":
        check_gzip(path, limits or ArchiveLimits.from_settings())


def stored_upload(path: str | Path) -> bool:
    """Whether `path` is an upload the portal kept (layers.imports.store_upload), which checked it then."""
    from django.conf import settings

    return Path(str(path)).resolve().is_relative_to(Path(settings.IMPORT_UPLOAD_DIR).resolve())


def inspect(path: str | Path, layer: str | None = None, *, limits: ArchiveLimits | None = None,
            archive_checked: bool = False) -> SourceInfo:
    """What the file holds. `archive_checked`: an upload check_archive passed when it was stored; an archive is
    inflated to be measured, so it is not done again on every look."""
    local = Path(str(path))
    if not archive_checked and local.is_file():
        check_archive(local, limits)
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
