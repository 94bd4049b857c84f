"""One tile read over psycopg's libpq binding: the statement prepared once per connection, its bytea in binary.

Measured on the OSM z16+ tiles (bench tiles): psycopg's async `execute` and `fetchone` spent ~135 µs of CPU per
tile query in the lean path's process, this ~80 µs, from the same pool. Going through psycopg's cursor costs
adaptation, prepared-statement bookkeeping and a generic wait loop that a tile, one row of one bytea from a
statement that never changes, does not need. psycopg still opens, checks and discards the connections
(psycopg_pool), and `psycopg.errors` still names what PostgreSQL refuses.
"""

import asyncio
import hashlib
import itertools
import re
from weakref import WeakKeyDictionary

import psycopg
from psycopg import pq
from psycopg.errors import error_from_result

__all__ = ["fetch_bytes"]

_PLACEHOLDER = re.compile(rb"%(s|%)")
# Per connection, the statements already prepared on it: a connection the pool replaces starts afresh.
_prepared: WeakKeyDictionary[psycopg.AsyncConnection, set[bytes]] = WeakKeyDictionary()


def _numbered(statement: bytes) -> bytes:
    """psycopg's %s placeholders as PostgreSQL's $1, $2…; a %% stays a literal %."""
    count = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: b"$%d" % next(count) if m[1] == b"s" else b"%", statement)


def _param(value) -> bytes | None:
    # Text format, type left for PostgreSQL to infer from the statement: tile parameters are ints and slugs.
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode()


async def fetch_bytes(conn: psycopg.AsyncConnection, statement: bytes, params: list) -> bytes:
    """The first column of the first row, as bytes (b"" for NULL), of a statement returning a bytea."""
    pgconn = conn.pgconn
    name = b"lean_" + hashlib.blake2b(statement, digest_size=8).hexdigest().encode()
    done = _prepared.setdefault(conn, set())
    if name not in done:
        pgconn.send_prepare(name, _numbered(statement))
        _check(await _results(pgconn), pq.ExecStatus.COMMAND_OK, conn)
        done.add(name)
    pgconn.send_query_prepared(name, [_param(value) for value in params], result_format=1)
    result = _check(await _results(pgconn), pq.ExecStatus.TUPLES_OK, conn)
    return (result.get_value(0, 0) or b"") if result.ntuples else b""


def _check(results: list, expected: pq.ExecStatus, conn) -> "pq.abc.PGresult":
    for result in results:
        if result.status != expected:
            raise error_from_result(result, encoding=conn.info.encoding)
    if not results:
        raise psycopg.OperationalError("the server sent no result")
    return results[-1]


async def _results(pgconn) -> list:
    """Every result of the command just sent, waiting on the socket as the event loop does for any other."""
    loop = asyncio.get_running_loop()
    while pgconn.flush():  # the command did not fit the socket's buffer at once
        await _ready(loop.add_writer, loop.remove_writer, pgconn.socket, loop)
    results = []
    while True:
        pgconn.consume_input()
        while not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:
                return results
            results.append(result)
        await _ready(loop.add_reader, loop.remove_reader, pgconn.socket, loop)


async def _ready(add, remove, fd: int, loop) -> None:
    ready = loop.create_future()
    add(fd, ready.set_result, None)
    try:
        await ready
    finally:
        remove(fd)
