"""The core's SQL, kept in geoprocessing/sql/*.sql: values are bound parameters (%(name)s) and tables are
written {like_this}, filled in with psycopg.sql.Identifier from a Tables record (the adapter builds it from
the layer registry; the defaults are the layers app's tables)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

import psycopg
from psycopg import sql

__all__ = ["Tables", "DEFAULT_TABLES", "statement", "cursor", "serial"]

SQL_DIR = Path(__file__).resolve().parent / "sql"


@dataclass(frozen=True)
class Tables:
    parcels: str = "layers_landparcel"
    zones: str = "layers_planzone"
    decisions: str = "layers_plandecision"
    land_use: str = "layers_landusecode"
    admin_units: str = "layers_adminunit"
    successions: str = "layers_adminunitsuccession"
    nodes: str = "layers_networknode"
    segments: str = "layers_networksegment"
    works: str = "layers_irrigationwork"
    canals: str = "layers_canal"
    irrigated_areas: str = "layers_irrigatedarea"
    layers: str = "layers_layer"


DEFAULT_TABLES = Tables()


@lru_cache(maxsize=256)
def statement(name: str, tables: Tables = DEFAULT_TABLES, **columns: str) -> sql.Composed:
    """The statement in sql/<name>.sql with its {table} names, and any {column} named here, quoted as
    identifiers (columns come from the calling code, never from a request)."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    names = {f.name: sql.Identifier(getattr(tables, f.name)) for f in fields(tables)}
    return sql.SQL(text).format(**names, **{key: sql.Identifier(value) for key, value in columns.items()})


class _PreparingCursor(psycopg.Cursor):
    """Binds values on the server and prepares every statement (once per connection; psycopg keeps the last
    hundred): planning was most of a lookup's time in the database (measured: p50 20.7 -> 12.8 ms)."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


def cursor(conn: psycopg.Connection) -> psycopg.Cursor:
    """A cursor for the core's statements, whatever the connection's defaults (Django's binds values in the client
    and never prepares)."""
    return _PreparingCursor(conn)


@contextmanager
def serial(conn: psycopg.Connection) -> Iterator[psycopg.Cursor]:
    """A cursor in a transaction that plans without parallel workers. PostGIS rates its geometry functions so
    high that a one-parcel lookup gets a parallel plan, and starting the workers took 70 ms of a 71 ms query
    (measured on 100,000 parcels). The transaction also gives the statements one snapshot."""
    with conn.transaction(), cursor(conn) as cur:
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield cur
