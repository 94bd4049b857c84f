"""The import pipeline: read in batches, map and cast fields, fix geometries, COPY, swap, derive, bump.

Everything happens in one transaction: a bad value, a duplicate key or a worker killed half-way
leaves the layer exactly as it was, because PostgreSQL rolls back what was not committed.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import shapely
from django.db import connection, transaction

from layers.errors import BadMapping, ReadOnlyLayer
from layers.models import Layer
from layers.registry import Column, LayerKind, get_kind

from .casting import InvalidValue, Rules, cast_values
from .crs import resolve_crs
from .derived import Derivation, derivation_for
from .geometry import GeometryNotes, normalise
from .linking import after_import
from .references import References
from .source import Batch, SourceInfo, batches, inspect, stored_upload
from .writing import hex_wkb, writer_for

__all__ = ["ImportOptions", "ImportReport", "import_file", "InvalidValue"]

Progress = Callable[[int, int], None]


@dataclass
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)  # layer column -> field of the file
    constants: dict[str, str] = field(default_factory=dict)  # layer column -> one value for every feature
    mode: str = "replace"  # or "upsert" (by ext_id)
    srid: int | str | None = None
    vn2000_province: str | None = None
    source_layer: str | None = None


@dataclass
class ImportReport:
    layer: str
    mode: str
    features_in_file: int = 0  # as the file declares it (-1 when the format cannot tell without reading)
    features_read: int = 0
    features_skipped: int = 0  # read but not stored: no geometry, or nothing left after repair
    imported: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    version: int = 0
    crs: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def guess_mapping(kind: LayerKind, fields) -> dict[str, str]:
    """Fields named like a layer column fill it: same name in any case, or the name cut to the ten
    characters a Shapefile (dBase) allows, as every GIS writes it (land_use_code -> land_use_c)."""
    by_lower = {name.lower(): name for name in fields}
    mapping = {}
    for column in kind.import_columns:
        name = column.lower()
        if name in by_lower:
            mapping[column] = by_lower[name]
        elif len(name) > 10 and name[:10] in by_lower:
            mapping[column] = by_lower[name[:10]]
    return mapping


def resolve_mapping(kind: LayerKind, info: SourceInfo, options: ImportOptions) -> dict[str, str]:
    """Which file field fills which layer column; same-named fields map themselves when none is given."""
    columns = kind.import_columns
    mapping = dict(options.mapping)
    unknown = sorted(set(mapping) - set(columns))
    if unknown:
        raise BadMapping(f"the layer has no column {', '.join(unknown)}; its columns are {', '.join(columns)}")
    if not mapping:
        mapping = guess_mapping(kind, info.fields)
    missing = sorted({source for source in mapping.values() if source not in info.fields})
    if missing:
        raise BadMapping(f"the file has no field {', '.join(repr(m) for m in missing)}; "
                         f"its fields are: {', '.join(info.fields) or '(none)'}")
    overlap = sorted(set(mapping) & set(options.constants))
    if overlap:
        raise BadMapping(f"{', '.join(overlap)} is both mapped and set to a constant")
    unknown = sorted(set(options.constants) - set(columns))
    if unknown:
        raise BadMapping(f"the layer has no column {', '.join(unknown)}; its columns are {', '.join(columns)}")
    required = [name for name in columns if name != "ext_id" and _rules(kind, columns[name]).required]
    unfilled = [name for name in required if name not in mapping and name not in options.constants]
    if unfilled:
        raise BadMapping(f"the layer needs {', '.join(unfilled)}: map a field of the file to it or set a constant")
    if options.mode == "upsert" and "ext_id" not in mapping:
        raise BadMapping("upsert needs a key: map a field of the file to ext_id")
    if options.mode not in ("replace", "upsert"):
        raise BadMapping("mode must be replace or upsert")
    return mapping


def _rules(kind: LayerKind, column: Column) -> Rules:
    model_field = next(f for f in kind.model._meta.concrete_fields if f.column == column.write_column)
    required = not model_field.null and not model_field.has_default()
    default = model_field.get_default() if model_field.has_default() else None
    return Rules(required=required, choices=frozenset(str(value) for value, _ in model_field.choices or ()),
                 default=default)


def import_file(layer: Layer, path: str | Path, options: ImportOptions | None = None, *,
                progress: Progress | None = None) -> ImportReport:
    options = options or ImportOptions()
    kind = get_kind(layer.kind)
    if "ext_id" not in kind.import_columns:
        raise ReadOnlyLayer()  # every path in (command, worker, OGC API) stops here, before the database
    info = inspect(path, options.source_layer, archive_checked=stored_upload(path))
    mapping = resolve_mapping(kind, info, options)
    crs = resolve_crs(info.crs, srid=options.srid, vn2000_province=options.vn2000_province)
    report = ImportReport(layer=layer.slug, mode=options.mode, features_in_file=info.features,
                          crs=crs.to_string(), mapping=mapping)
    to_wgs84 = None
    if not crs.equals(pyproj.CRS.from_epsg(4326), ignore_axis_order=True):
        to_wgs84 = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
        report.notes.append(f"reprojected from {crs.to_string()} ({crs.name}) to EPSG:4326")
    constants = dict(options.constants)
    for name, column in kind.import_columns.items():
        default = _rules(kind, column).default
        if name not in mapping and name not in constants and default is not None:
            constants[name] = default
    columns = [kind.import_columns[name] for name in [*mapping, *constants] if name != "ext_id"]
    # A source is a field of the file, or "=value" for a constant.
    sources = [mapping.get(c.name) or "=" + str(constants[c.name]) for c in columns]
    key_source = mapping.get("ext_id")
    rules = [_rules(kind, column) for column in columns]
    references = References(kind)
    notes = GeometryNotes()

    derivation = derivation_for(kind.key)
    names = ["ext_id", *[c.write_column for c in columns], "geom", *derivation.columns]

    def tables():
        done, total = 0, max(info.features, 0)
        fields = {s for s in sources if not s.startswith("=")} | ({key_source} if key_source else set())
        for batch in batches(info, sorted(fields)):
            table = _table_of(batch, key_source, columns, rules, sources, references, to_wgs84, kind, notes,
                              derivation)
            yield table.rename_columns(names)
            done += len(batch.fids)
            if progress:
                progress(done, max(total, done))
        report.features_read = done

    writer = None
    try:
        with transaction.atomic():
            with connection.cursor() as django_cursor:
                writer = writer_for(django_cursor.cursor, kind, layer, names, options.mode)
                writer.copy(tables())
                defaulted = frozenset(kind.import_columns[name].write_column for name in constants
                                      if name not in options.constants)
                report.created, report.updated, report.removed = writer.merge(options.mode, keep=defaulted)
            report.imported = report.created + report.updated

            report.features_skipped = notes.empty + notes.unrepairable
            report.notes.extend(notes.lines())
            report.notes.extend(after_import(kind.key, layer.pk))
            report.version = layer.bump_version()
    except BaseException:
        if writer is not None:
            writer.discard()  # the transaction (or savepoint) has rolled back and let go of its locks
        raise
    return report


def _table_of(batch: Batch, key_source: str | None, columns: list[Column], rules: list[Rules], sources: list[str],
              references: References, to_wgs84, kind: LayerKind, notes: GeometryNotes,
              derivation: Derivation) -> pa.Table:
    """One batch of the file as the rows to write: key, cast columns, hex WKB geometry, derived columns."""
    if key_source:
        ext_id = kind.import_columns["ext_id"]
        keys = cast_values(ext_id, Rules(required=False, choices=frozenset(), default=None), key_source,
                           batch.columns[key_source], batch.fids)
        if keys.null_count:
            first = batch.fids[int(np.flatnonzero(pc.is_null(keys).to_numpy(zero_copy_only=False))[0])]
            raise InvalidValue(f"feature {first} has an empty key in {key_source!r}; every feature needs one")
        ids = np.asarray(keys.to_pylist(), dtype=object)
    else:
        ids = batch.fids.astype(str).astype(object)
    geoms = batch.geometries
    if to_wgs84 is not None:
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    geoms, kept_ids = normalise(geoms, ids.copy(), kind.geometry, notes)
    origin = _origins(ids, kept_ids)
    values = []
    for column, column_rules, source in zip(columns, rules, sources, strict=True):
        if source.startswith("="):  # a constant: checked once, the same for every row
            one = cast_values(column, column_rules, source, [source[1:]], batch.fids[:1])
            cast = pc.take(one, pa.array(np.zeros(len(origin), dtype=np.int64)))
        else:
            cast = cast_values(column, column_rules, source, batch.columns[source], batch.fids)
            cast = cast.take(pa.array(origin))
        values.append(references.resolve(column, cast))
    return pa.Table.from_arrays([pa.array(kept_ids.astype(str), pa.string()), *values,
                                 hex_wkb(geoms, _unchanged_wkb(batch, geoms, origin, to_wgs84)), *derivation(geoms)],
                                names=[f"c{i}" for i in range(len(values) + 2 + len(derivation.columns))])


def _unchanged_wkb(batch: Batch, geoms: np.ndarray, origin: np.ndarray, to_wgs84) -> np.ndarray | None:
    """The file's own WKB for each geometry the import did not touch (same object), None for the others."""
    if batch.wkb is None or to_wgs84 is not None:
        return None
    source = batch.geometries[origin]
    same = np.fromiter((a is b for a, b in zip(geoms, source, strict=True)), dtype=bool, count=len(geoms))
    return np.where(same, batch.wkb[origin], None)


def _origins(ids: np.ndarray, kept_ids: np.ndarray) -> np.ndarray:
    """For each stored feature, the position in the batch of the feature it came from.

    Features are dropped (no geometry) or split into parts ("<id>-<n>"), so stored rows map back to rows.
    """
    if len(kept_ids) == len(ids) and np.array_equal(kept_ids, ids):
        return np.arange(len(ids))
    position = {key: i for i, key in enumerate(ids)}
    return np.asarray([position.get(k, position.get(str(k).rpartition("-")[0], -1)) for k in kept_ids],
                      dtype=np.int64)
