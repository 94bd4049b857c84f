"""The import pipeline: read in batches, map and cast fields, fix geometries, COPY, swap, derive, bump.

Everything happens in one transaction: a bad value, a duplicate key or a worker killed half-way
leaves the layer exactly as it was, because PostgreSQL rolls back what was not committed.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyproj
import shapely
from django.db import connection, transaction
from psycopg import errors as pg_errors
from psycopg import sql

from layers.errors import BadMapping
from layers.models import Layer
from layers.registry import Column, LayerKind, get_kind

from .casting import InvalidValue, Rules, cast_values
from .crs import resolve_crs
from .geometry import GeometryNotes, normalise
from .linking import after_import, derive_from_stage
from .references import References
from .source import Batch, SourceInfo, batches, inspect

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


class _Stage:
    """A temporary table shaped like the layer's writable columns, filled by COPY."""

    def __init__(self, cursor, kind: LayerKind, columns: list[Column]):
        self.cursor, self.kind, self.columns = cursor, kind, columns
        fields = {f.column: f for f in kind.model._meta.concrete_fields}
        self.names = ["ext_id", *[c.write_column for c in columns if c.name != "ext_id"], "geom"]
        types = []
        for name in self.names:
            model_field = fields[name]
            target = getattr(model_field, "target_field", None)
            types.append(target.rel_db_type(connection) if target is not None else model_field.db_type(connection))
        definition = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t))
                                        for n, t in zip(self.names, types, strict=True))
        # Dropped by hand too: inside an outer transaction (a savepoint) ON COMMIT comes too late.
        cursor.execute("DROP TABLE IF EXISTS import_stage")
        cursor.execute(sql.SQL("CREATE TEMP TABLE import_stage ({}) ON COMMIT DROP").format(definition))
        cursor.execute("CREATE UNIQUE INDEX ON import_stage (ext_id)")

    def copy(self, rows) -> None:
        statement = sql.SQL("COPY import_stage ({}) FROM STDIN").format(
            sql.SQL(", ").join(map(sql.Identifier, self.names)))
        try:
            with self.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except pg_errors.UniqueViolation as exc:
            key = str(exc.diag.message_detail or "").partition("=")[2].strip("() .")
            raise BadMapping(f"ext_id {key} appears twice in the file: the key must identify one feature") from exc

    def merge(self, layer: Layer, mode: str, *, keep: frozenset[str] = frozenset()) -> tuple[int, int, int]:
        """Move staged rows into the layer; returns (created, updated, removed)."""
        table = sql.Identifier(self.kind.table)
        attrs = [sql.Identifier(n) for n in self.names]
        cursor = self.cursor
        cursor.execute(sql.SQL("SELECT count(*) FROM {} WHERE layer_id = %s").format(table), [layer.pk])
        before = cursor.fetchone()[0]
        cursor.execute(sql.SQL("SELECT count(*) FROM import_stage s JOIN {} t ON t.layer_id = %s "
                               "AND t.ext_id = s.ext_id").format(table), [layer.pk])
        matched = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM import_stage")
        staged = cursor.fetchone()[0]
        if mode == "replace":
            cursor.execute(sql.SQL("DELETE FROM {} WHERE layer_id = %s").format(table), [layer.pk])
        derived = [sql.Identifier(name) for name in derive_from_stage(cursor, self.kind.key)]
        selected = [sql.SQL("s.{}").format(a) for a in attrs] + [sql.SQL("d.{}").format(d) for d in derived]
        source = (sql.SQL("import_stage s LEFT JOIN import_derived d USING (ext_id)") if derived
                  else sql.SQL("import_stage s"))
        insert = sql.SQL("INSERT INTO {table} (layer_id, updated_at, {cols}) SELECT %s, now(), {selected} "
                         "FROM {source}").format(table=table, cols=sql.SQL(", ").join(attrs + derived),
                                                 selected=sql.SQL(", ").join(selected), source=source)
        if mode == "upsert":
            # Columns the file did not carry keep their stored value; their defaults only fill new rows.
            changed = [a for name, a in zip(self.names[1:], attrs[1:], strict=True) if name not in keep]
            updates = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(a) for a in [*changed, *derived])
            insert = sql.SQL("{} ON CONFLICT (layer_id, ext_id) DO UPDATE SET updated_at = now(), {}").format(
                insert, updates)
        cursor.execute(insert, [layer.pk])
        cursor.execute("DROP TABLE IF EXISTS import_derived")
        cursor.execute("DROP TABLE import_stage")
        if mode == "replace":
            return staged - matched, matched, before - matched
        return staged - matched, matched, 0


def import_file(layer: Layer, path: str | Path, options: ImportOptions | None = None, *,
                progress: Progress | None = None) -> ImportReport:
    options = options or ImportOptions()
    kind = get_kind(layer.kind)
    info = inspect(path, options.source_layer)
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

    def rows():
        done, total = 0, max(info.features, 0)
        fields = {s for s in sources if not s.startswith("=")} | ({key_source} if key_source else set())
        for batch in batches(info, sorted(fields)):
            yield from _rows_of(batch, key_source, columns, rules, sources, references, to_wgs84, kind, notes)
            done += len(batch.fids)
            if progress:
                progress(done, max(total, done))
        report.features_read = done

    with transaction.atomic():
        with connection.cursor() as django_cursor:
            stage = _Stage(django_cursor.cursor, kind, columns)
            stage.copy(rows())
            defaulted = frozenset(kind.import_columns[name].write_column for name in constants
                                  if name not in options.constants)
            report.created, report.updated, report.removed = stage.merge(layer, options.mode, keep=defaulted)
        report.imported = report.created + report.updated

        report.features_skipped = notes.empty + notes.unrepairable
        report.notes.extend(notes.lines())
        report.notes.extend(after_import(kind.key, layer.pk))
        report.version = layer.bump_version()
    return report


def _rows_of(batch: Batch, key_source: str | None, columns: list[Column], rules: list[Rules], sources: list[str],
             references, to_wgs84, kind: LayerKind, notes: GeometryNotes):
    if key_source:
        ext_id = kind.import_columns["ext_id"]
        ids = np.asarray([ext_id.cast(v) or "" for v in batch.columns[key_source]], dtype=object)
        if (ids == "").any():
            first = batch.fids[int(np.flatnonzero(ids == "")[0])]
            raise InvalidValue(f"feature {first} has an empty key in {key_source!r}; every feature needs one")
    else:
        ids = batch.fids.astype(str).astype(object)
    geoms = batch.geometries
    if to_wgs84 is not None:
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    position = {fid_key: i for i, fid_key in enumerate(ids)}
    geoms, kept_ids = normalise(geoms, ids.copy(), kind.geometry, notes)
    # Split parts carry "<id>-<n>"; their attributes are those of the feature they came from.
    origin = np.asarray([position.get(k, position.get(str(k).rpartition("-")[0], -1)) for k in kept_ids])
    values = []
    for column, column_rules, source in zip(columns, rules, sources, strict=True):
        if source.startswith("="):  # a constant: checked once, the same for every row
            one = cast_values(column, column_rules, source, [source[1:]], batch.fids[:1])
            cast = np.full(len(batch.fids), one[0], dtype=object)
        else:
            cast = cast_values(column, column_rules, source, batch.columns[source], batch.fids)
        values.append(np.asarray(references.resolve(column, list(cast)), dtype=object)[origin])
    ewkb = shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)
    yield from zip(kept_ids.astype(str), *values, ewkb, strict=True)
