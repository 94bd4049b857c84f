"""A new row and the rows that point at it, written by one INSERT statement: an incident with its first
events and its receipt. Outside a transaction the statement is its own: no BEGIN and COMMIT round trips, and
it is stored whole or not at all. Field values go through the same pre_save and get_db_prep_save as Model.save.
"""

from collections.abc import Sequence
from functools import lru_cache

from django.db import connection
from django.db.models import Model
from psycopg import sql

from .prepared import prepared_cursor

__all__ = ["insert_with_children"]


@lru_cache(maxsize=64)
def _fields(model: type[Model], fk: str | None) -> tuple:
    """Columns Model.save would insert, less the primary key the database draws and the parent's key."""
    return tuple(f for f in model._meta.concrete_fields
                 if not f.primary_key and not f.generated and (fk is None or f.name != fk))


def _values(obj: Model, fields) -> tuple[tuple[str, ...], list]:
    placeholders, params = [], []
    for field in fields:
        value = field.get_db_prep_save(field.pre_save(obj, add=True), connection=connection)
        placeholders.append(field.get_placeholder(value, None, connection) if hasattr(field, "get_placeholder")
                            else "%s")
        params.append(value)
    return tuple(placeholders), params


def _columns(fields) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(f.column) for f in fields)


@lru_cache(maxsize=64)
def _statement(model: type[Model], fk: str, shape: tuple) -> str:
    """The statement for a parent and groups of children with these placeholders (composed once). The rows of
    one model are one multi-row INSERT, so their keys follow the order they were given in."""
    (placeholders, *groups) = shape
    pk = sql.Identifier(model._meta.pk.column)
    parts = [sql.SQL("WITH parent AS (INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {pk})").format(
        table=sql.Identifier(model._meta.db_table), columns=_columns(_fields(model, None)),
        values=sql.SQL(", ").join(map(sql.SQL, placeholders)), pk=pk)]
    for n, (child_model, rows) in enumerate(groups):
        values = sql.SQL(", ").join(
            sql.SQL("((SELECT {pk} FROM parent), {values})").format(pk=pk, values=sql.SQL(", ").join(map(sql.SQL, row)))
            for row in rows)
        parts.append(sql.SQL(", {name} AS (INSERT INTO {table} ({fk}, {columns}) VALUES {values})").format(
            name=sql.Identifier(f"children{n}"), table=sql.Identifier(child_model._meta.db_table),
            fk=sql.Identifier(child_model._meta.get_field(fk).column), columns=_columns(_fields(child_model, fk)),
            values=values))
    parts.append(sql.SQL(" SELECT {pk} FROM parent").format(pk=pk))
    connection.ensure_connection()
    return sql.Composed(parts).as_string(connection.connection)


def insert_with_children(parent: Model, children: Sequence[Model], *, fk: str) -> None:
    """INSERT `parent`, then every child with its `fk` field set to the parent's new key, in one statement.
    The parent gets its primary key; the children's keys are not read back (nothing needs them)."""
    model = type(parent)
    placeholders, params = _values(parent, _fields(model, None))
    groups: dict[type[Model], list[tuple[str, ...]]] = {}
    child_params: dict[type[Model], list] = {}
    for child in children:
        row_placeholders, row_params = _values(child, _fields(type(child), fk))
        groups.setdefault(type(child), []).append(row_placeholders)
        child_params.setdefault(type(child), []).extend(row_params)
    for values in child_params.values():
        params.extend(values)
    shape = (placeholders, *((child_model, tuple(rows)) for child_model, rows in groups.items()))
    with prepared_cursor() as cur:
        cur.execute(_statement(model, fk, shape), params)
        pk = cur.fetchone()[0]
    parent.pk = pk
    parent._state.adding, parent._state.db = False, connection.alias
    for child in children:
        setattr(child, fk, parent)
        child._state.db = connection.alias
