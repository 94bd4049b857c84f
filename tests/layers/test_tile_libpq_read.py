"""The lean path's tile read over psycopg's libpq binding, against the test run's real PostgreSQL: the value,
statements prepared once per connection, literal percent signs, and PostgreSQL's refusals raised as psycopg's."""

import asyncio

import psycopg
import pytest
from psycopg import errors

from layers.tiles.libpq_read import fetch_bytes
from portal.unavailable import DATABASE_DOWN


def _run(url: str, scenario):
    async def main():
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return await scenario(conn)

    return asyncio.run(main())


async def _prepared(conn) -> list[str]:
    rows = await (await conn.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'lean%'")).fetchall()
    return [row[0] for row in rows]


def test_reads_the_bytea_and_prepares_each_statement_once(test_database_url):
    statement = b"SELECT convert_to(%s || '-' || (%s::int * 2)::text, 'UTF8')"

    async def scenario(conn):
        first = await fetch_bytes(conn, statement, ["tile", 21])
        second = await fetch_bytes(conn, statement, ["other", 1])
        return first, second, await _prepared(conn)

    first, second, prepared = _run(test_database_url, scenario)
    assert (first, second) == (b"tile-42", b"other-2")
    assert len(prepared) == 1  # the second read reused the first's prepared statement


def test_null_no_row_binary_bytes_and_literal_percent(test_database_url):
    async def scenario(conn):
        return (await fetch_bytes(conn, b"SELECT NULL::bytea WHERE %s::int = 1", [1]),
                await fetch_bytes(conn, b"SELECT 'x'::bytea WHERE %s::int = 2", [1]),
                await fetch_bytes(conn, b"SELECT decode(%s, 'hex')", ["00ff0d0a"]),
                await fetch_bytes(conn, b"SELECT convert_to('100%%' || %s, 'UTF8')", ["!"]))

    assert _run(test_database_url, scenario) == (b"", b"", b"\x00\xff\r\n", b"100%!")


def test_postgresql_refusal_is_psycopgs_error_and_the_connection_goes_on(test_database_url):
    async def scenario(conn):
        with pytest.raises(errors.DivisionByZero):
            await fetch_bytes(conn, b"SELECT (1 / %s::int)::text::bytea", [0])
        with pytest.raises(errors.UndefinedTable):
            await fetch_bytes(conn, b"SELECT geom FROM no_such_table WHERE id = %s", [1])
        return await fetch_bytes(conn, b"SELECT (10 / %s::int)::text::bytea", [5])

    assert _run(test_database_url, scenario) == b"2"


def test_a_lost_connection_is_a_database_outage(test_database_url):
    async def scenario(conn):
        await fetch_bytes(conn, b"SELECT %s::text::bytea", ["warm"])
        async with await psycopg.AsyncConnection.connect(test_database_url, autocommit=True) as killer:
            await killer.execute("SELECT pg_terminate_backend(%s)", [conn.info.backend_pid])
        with pytest.raises(DATABASE_DOWN):
            await fetch_bytes(conn, b"SELECT %s::text::bytea", ["after"])
        return conn.pgconn.status

    assert _run(test_database_url, scenario) == psycopg.pq.ConnStatus.BAD  # the pool discards it
