"""The SQL of a tile: ST_AsMVTGeom over each layer's EPSG:3857 column, one statement for all layers asked.

Identifiers come from the registry through psycopg.sql.Identifier; every value is a bound parameter.
"""

from dataclasses import dataclass
from functools import lru_cache

from psycopg import sql

from layers.registry import LayerKind, get_kind

__all__ = ["EXTENT", "BUFFER", "SESSION_OPTIONS", "TileLayer", "tile_statement"]

EXTENT = 4096
BUFFER = 64
# The sessions tiles are read on: no JIT, as every portal session (portal.settings.base); a big tile's cost
# estimate otherwise makes PostgreSQL compile its expressions first.
SESSION_OPTIONS = "-c jit=off"


@dataclass(frozen=True)
class TileLayer:
    name: str  # the MVT layer name: the catalog slug
    layer_id: int
    kind: LayerKind
    cap: int  # most features one tile carries for this layer


def _order(kind: LayerKind) -> sql.Composable:
    # Past the cap, the biggest features stay: they are the ones a reader can see at that zoom.
    if "area_m2" in kind.computed:
        return sql.SQL("t.area_m2 DESC, t.id")
    if "length_m" in kind.computed:
        return sql.SQL("t.length_m DESC, t.id")
    return sql.SQL("t.id")


def _layer_select(kind: LayerKind) -> sql.Composable:
    columns = sql.SQL("").join(sql.SQL(", t.{}").format(sql.Identifier(kind.column(name).write_column))
                               for name in kind.tile_columns)
    return sql.SQL(
        "(SELECT ST_AsMVT(q, %s, {extent}, 'geom') FROM ("
        " SELECT ST_AsMVTGeom(t.geom_3857, b.env, {extent}, {buffer}, true) AS geom{columns}"
        " FROM {table} AS t, b"
        " WHERE t.layer_id = %s AND t.geom_3857 && b.margin"
        " ORDER BY {order} LIMIT %s) AS q WHERE q.geom IS NOT NULL)"
    ).format(extent=sql.Literal(EXTENT), buffer=sql.Literal(BUFFER), columns=columns,
             table=sql.Identifier(kind.table), order=_order(kind))


@lru_cache(maxsize=512)
def _statement(kinds: tuple[str, ...]) -> bytes:
    """The text for tiles of layers of these kinds, composed once: it depends on nothing else."""
    # The margin keeps features whose symbol or stroke reaches into the tile from a neighbour.
    statement = sql.SQL(
        "WITH b AS (SELECT ST_TileEnvelope(%s, %s, %s) AS env,"
        " ST_Expand(ST_TileEnvelope(%s, %s, %s), (20037508.342789244 * 2 / 2 ^ %s) * {ratio}) AS margin)"
        " SELECT {parts}"
    ).format(ratio=sql.Literal(BUFFER / EXTENT), parts=sql.SQL(" || ").join(
        sql.SQL("COALESCE({}, ''::bytea)").format(_layer_select(get_kind(key))) for key in kinds))
    return statement.as_bytes(None)


def tile_statement(layers: list[TileLayer], z: int, x: int, y: int) -> tuple[bytes, list]:
    """One statement returning the tile (bytea), the layers' MVT layers concatenated, as MVT allows."""
    params: list = [z, x, y, z, x, y, z]
    for layer in layers:
        params.extend((layer.name, layer.layer_id, layer.cap))
    return _statement(tuple(layer.kind.key for layer in layers)), params
