"""The report core's SQL, kept in reports/sql/*.sql: values are bound (%(name)s), tables and columns are
written {like_this} and filled in with psycopg.sql.Identifier from a Tables record, never from a request."""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from pathlib import Path

from psycopg import sql

from .records import DEFAULT_TABLES, Tables

__all__ = ["statement"]

SQL_DIR = Path(__file__).resolve().parent / "sql"


@lru_cache(maxsize=64)
def statement(name: str, tables: Tables = DEFAULT_TABLES, **columns: str) -> sql.Composed:
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    names = {f.name: sql.Identifier(getattr(tables, f.name)) for f in fields(tables)}
    return sql.SQL(text).format(**names, **{key: sql.Identifier(value) for key, value in columns.items()})
