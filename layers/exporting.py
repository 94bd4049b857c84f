"""Exports of one layer's public columns as GeoPackage, GeoJSON, zipped Shapefile, CSV, FlatGeobuf or KML.

GeoJSON, CSV and KML are written row by row from a server-side cursor. The binary formats are written by
GDAL into a temporary file, fed in Arrow batches from the same cursor, then streamed back from a file that is
already unlinked. Either way memory stays flat whatever the number of features, and private columns are
never even selected from the database.
"""

import csv
import io
import json
import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, Literal, get_args
from xml.sax.saxutils import escape, quoteattr

import pyarrow as pa
import pyogrio
from django.contrib.gis.db.models.functions import AsGeoJSON, AsKML, AsWKB, AsWKT, GeoFunc
from django.db.models import Func

from .errors import LayersError
from .models import Layer
from .registry import LayerKind, UnknownKind, get_kind

__all__ = ["FormatName", "ExportFormat", "FORMATS", "Export", "ExportField", "NotExportable", "export_fields",
           "export_etag", "export_filename", "export_layer", "shapefile_field_names"]

FormatName = Literal["gpkg", "geojson", "shp", "csv", "fgb", "kml"]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str
    media_type: str
    driver: str | None = None  # the GDAL driver that writes it; None: the portal writes it row by row


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("gpkg", "gpkg", "application/geopackage+sqlite3", "GPKG"),
    ExportFormat("geojson", "geojson", "application/geo+json"),
    ExportFormat("shp", "shp.zip", "application/zip", "ESRI Shapefile"),  # GDAL and QGIS open *.shp.zip as is
    ExportFormat("csv", "csv", "text/csv; charset=utf-8"),
    ExportFormat("fgb", "fgb", "application/flatgeobuf", "FlatGeobuf"),
    ExportFormat("kml", "kml", "application/vnd.google-earth.kml+xml"),
)}
if set(FORMATS) != set(get_args(FormatName)):
    raise RuntimeError("FormatName and FORMATS name different formats")

COMPUTED_LABELS = {"area_m2": ("Diện tích (m²)", "Area (m²)"), "length_m": ("Chiều dài (m)", "Length (m)")}
CSV_GEOMETRY_COLUMN = "WKT"  # the name GDAL, QGIS and pandas users look for
SHAPEFILE_FIELD_MAP = "fields.txt"
CURSOR_ROWS = 2000  # rows per round trip of the server-side cursor
BATCH_ROWS = 10_000  # rows per Arrow batch handed to GDAL
CHUNK_BYTES = 64 * 1024  # bytes per streamed chunk

_ARROW_TYPES = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_(), date: pa.date32()}


class NotExportable(LayersError):
    code = "not_exportable"
    http_status = 409
    user_msg = "This layer has no vector features to export."


@dataclass(frozen=True)
class ExportField:
    """One public column as exported: its public name, the ORM path read, its Python type and labels."""

    name: str
    path: str
    type: type
    label_vi: str
    label_en: str


def export_fields(kind: LayerKind) -> list[ExportField]:
    """The kind's public columns, in the registry's order; private columns are never among them."""
    fields = []
    for name, path in kind.public_paths.items():
        if name in kind.computed:
            label_vi, label_en = COMPUTED_LABELS.get(name, (name, name))
            fields.append(ExportField(name, path, float, label_vi, label_en))
        else:
            column = kind.column(name)
            fields.append(ExportField(name, path, column.type, column.label_vi, column.label_en))
    leaked = {f.name for f in fields} & set(kind.private_columns)
    if leaked:
        raise RuntimeError(f"kind {kind.key}: private columns among public paths: {sorted(leaked)}")
    return fields


def export_filename(layer: Layer, fmt: str) -> str:
    return f"{layer.slug}-v{layer.version}.{FORMATS[fmt].extension}"


def export_etag(layer: Layer, fmt: str) -> str:
    """Strong validator: a layer's content changes only with its version, so slug+version+format names it."""
    return f'"{layer.slug}-v{layer.version}-{fmt}"'


def shapefile_field_names(names: Iterable[str]) -> dict[str, str]:
    """Full name -> dBase name (at most 10 characters, unique ignoring case), the same every time."""
    short: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        candidate, counter = name[:10], 1
        while candidate.lower() in taken:
            suffix = str(counter)
            candidate, counter = name[:10 - len(suffix)] + suffix, counter + 1
        short[name] = candidate
        taken.add(candidate.lower())
    return short


class Export:
    """One layer in one format: file name, media type, ETag and the bytes, an iterator to read once."""

    def __init__(self, *, filename: str, media_type: str, etag: str, chunks: Iterator[bytes],
                 size: int | None = None, handle: IO[bytes] | None = None):
        self.filename = filename
        self.media_type = media_type
        self.etag = etag
        self.size = size  # known for files GDAL wrote; None while rows are still being read
        self._chunks = chunks
        self._handle = handle

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        """Release the cursor or the temporary file, whether or not every chunk was read."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        if self._handle is not None:
            self._handle.close()

    def write_to(self, out: IO[bytes]) -> int:
        written = 0
        try:
            for chunk in self:
                out.write(chunk)
                written += len(chunk)
        finally:
            self.close()
        return written


def export_layer(layer: Layer, fmt: str, *, workdir: str | Path | None = None) -> Export:
    """Export `layer`'s public columns and geometry (EPSG:4326) as `fmt` (a key of FORMATS).

    GeoJSON, CSV and KML come back unread: rows are fetched while the chunks are consumed. Other formats are
    written by GDAL into `workdir` (default: the system's temporary directory) before this returns, and
    the file is unlinked at once, so nothing is left on disk once the Export is closed.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; known: {', '.join(FORMATS)}")
    try:
        kind = get_kind(layer.kind)
    except UnknownKind as exc:
        raise NotExportable() from exc
    spec = FORMATS[fmt]
    fields = export_fields(kind)
    common = {"filename": export_filename(layer, fmt), "media_type": spec.media_type, "etag": export_etag(layer, fmt)}
    if spec.driver is None:
        return Export(chunks=_chunked(_TEXT_WRITERS[fmt](layer, kind, fields)), **common)
    handle = _write_with_gdal(layer, kind, fields, spec, workdir=workdir)
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    return Export(chunks=_file_chunks(handle), size=size, handle=handle, **common)


# --- formats written here, row by row -------------------------------------------------------------------------


class _ForcePolygonCCW(GeoFunc):
    """RFC 7946 wants exterior rings counter-clockwise; points and lines pass unchanged."""

    function = "ST_ForcePolygonCCW"


def _rows(layer: Layer, kind: LayerKind, fields: list[ExportField], geometry: Func) -> Iterator[tuple]:
    """(value of each field…, geometry as the database wrote it), read through a server-side cursor."""
    features = kind.features(layer).order_by("pk").annotate(export_geometry=geometry)
    return features.values_list(*[f.path for f in fields], "export_geometry").iterator(chunk_size=CURSOR_ROWS)


def _chunked(texts: Iterable[str]) -> Iterator[bytes]:
    """Gather small strings into UTF-8 chunks of about CHUNK_BYTES."""
    parts: list[str] = []
    size = 0
    for text in texts:
        parts.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode()
            parts, size = [], 0
    if parts:
        yield "".join(parts).encode()


def json_value(value: Any) -> Any:
    """A column value as JSON writes it: dates as ISO text, NaN and infinities as null."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _geojson_texts(layer: Layer, kind: LayerKind, fields: list[ExportField]) -> Iterator[str]:
    names = [f.name for f in fields]
    yield f'{{"type":"FeatureCollection","name":{json.dumps(layer.slug)},"features":[\n'
    separator = ""
    for *values, geometry in _rows(layer, kind, fields, AsGeoJSON(_ForcePolygonCCW("geom"), precision=8)):
        properties = dict(zip(names, map(json_value, values), strict=True))
        feature_id = json.dumps(properties.get("ext_id"), ensure_ascii=False)
        yield (f'{separator}{{"type":"Feature","id":{feature_id},"geometry":{geometry},'
               f'"properties":{json.dumps(properties, ensure_ascii=False)}}}')
        separator = ",\n"
    yield "\n]}\n"


class _Echo:
    """A 'file' whose write returns what it was given, so csv.writer.writerow returns the line."""

    def write(self, text: str) -> str:
        return text


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json_value(value)


def _csv_texts(layer: Layer, kind: LayerKind, fields: list[ExportField]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    # The byte-order mark lets spreadsheet programs read Vietnamese text as UTF-8; GDAL and pandas skip it.
    yield "\ufeff" + writer.writerow([f.name for f in fields] + [CSV_GEOMETRY_COLUMN])
    for row in _rows(layer, kind, fields, AsWKT("geom")):
        yield writer.writerow([_csv_value(value) for value in row])


_KML_TYPES = {str: "string", int: "int", float: "double", bool: "bool"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry


def _kml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return escape(_NOT_XML.sub("", str(json_value(value))))


def _kml_texts(layer: Layer, kind: LayerKind, fields: list[ExportField]) -> Iterator[str]:
    """KML 2.2 with every public column in ExtendedData and each placemark named by its ext_id. Written here:
    GDAL's KML driver mislabels a column called `name` once the placemark name comes from another column."""
    schema = "".join(f'<SimpleField name={quoteattr(f.name)} type="{_KML_TYPES.get(f.type, "string")}"/>'
                     for f in fields)
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
           f'<name>{escape(layer.title_vi)}</name><Schema name={quoteattr(layer.slug)} id="fields">{schema}'
           f"</Schema><Folder><name>{escape(layer.slug)}</name>\n")
    names = [f.name for f in fields]
    name_at = names.index("ext_id") if "ext_id" in names else None
    for *values, geometry in _rows(layer, kind, fields, AsKML("geom", precision=8)):
        data = "".join(f"<SimpleData name={quoteattr(name)}>{_kml_text(value)}</SimpleData>"
                       for name, value in zip(names, values, strict=True) if value is not None)
        label = "" if name_at is None else _kml_text(values[name_at])
        yield (f'<Placemark><name>{label}</name><ExtendedData><SchemaData schemaUrl="#fields">{data}'
               f"</SchemaData></ExtendedData>{geometry}</Placemark>\n")
    yield "</Folder></Document></kml>\n"


_TEXT_WRITERS = {"geojson": _geojson_texts, "csv": _csv_texts, "kml": _kml_texts}


# --- files written by GDAL ----------------------------------------------------------------------------------


_OGR_GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")


def _geometry_type(kind: LayerKind) -> str:
    name = kind.model._meta.get_field("geom").geom_class.__name__  # e.g. MultiPolygon for a MultiPolygonField
    return name if name in _OGR_GEOMETRY_TYPES else "Unknown"


def _arrow_batches(rows: Iterator[tuple], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    width = len(schema)
    while True:
        columns: list[list] = [[] for _ in range(width)]
        for _, row in zip(range(BATCH_ROWS), rows, strict=False):
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        if not columns[0]:
            return
        yield pa.record_batch([pa.array(values, type=schema.field(i).type) for i, values in enumerate(columns)],
                              schema=schema)
        if len(columns[0]) < BATCH_ROWS:
            return


def _write_with_gdal(layer: Layer, kind: LayerKind, fields: list[ExportField], spec: ExportFormat, *,
                     workdir: str | Path | None) -> IO[bytes]:
    """Write the layer with GDAL into a private temporary directory; return the open (already unlinked) file."""
    names = {f.name: f.name for f in fields}
    options: dict[str, str] = {}
    if spec.name == "shp":
        names = shapefile_field_names(names)
        options["ENCODING"] = "UTF-8"  # also writes the .cpg, so readers know
    elif spec.name == "gpkg":
        options["IDENTIFIER"] = layer.title_vi
    schema = pa.schema([pa.field(names[f.name], _ARROW_TYPES.get(f.type, pa.string())) for f in fields]
                       + [pa.field("geometry", pa.binary())])
    with tempfile.TemporaryDirectory(prefix="layer-export-", dir=workdir) as tmp:
        target = Path(tmp) / f"{layer.slug}-v{layer.version}.{spec.extension.removesuffix('.zip')}"
        batches = _arrow_batches(_rows(layer, kind, fields, AsWKB("geom")), schema)
        pyogrio.write_arrow(pa.RecordBatchReader.from_batches(schema, batches), str(target), layer=layer.slug,
                            driver=spec.driver, geometry_name="geometry", geometry_type=_geometry_type(kind),
                            crs="EPSG:4326", layer_options=options)
        if spec.name == "shp":
            target = _zip_shapefile(target, names)
        # Opened before the directory goes: on POSIX an open file outlives its name.
        return target.open("rb")


def _zip_shapefile(shp: Path, short_names: dict[str, str]) -> Path:
    """Zip the shapefile's parts with fields.txt, which maps each dBase field back to its full name."""
    archive = shp.with_name(shp.name + ".zip")
    lines = ["# dBase field\tfull name (Shapefile field names are limited to 10 characters)"]
    lines += [f"{short}\t{full}" for full, short in short_names.items()]
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            part = shp.with_suffix(suffix)
            if part.exists():
                zf.write(part, arcname=part.name)
        zf.writestr(SHAPEFILE_FIELD_MAP, "\n".join(lines) + "\n")
    return archive


def _file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()
