"""Make sure the portal's database exists and has its extensions. Runs inside .venv (psycopg).

Usage: python -m bootstrap.database DATABASE_URL
"""

import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from .errors import BootstrapError

__all__ = ["ensure_database", "EXTENSIONS"]

EXTENSIONS = ("postgis", "postgis_raster", "pg_trgm")


def _with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def ensure_database(url: str) -> None:
    dbname = urlsplit(url).path.lstrip("/")
    if not dbname:
        raise BootstrapError("DATABASE_URL names no database: add one, e.g. postgres://user@host:5432/gisportal")
    try:
        with psycopg.connect(_with_dbname(url, "postgres"), autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(dbname)))
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0]
        where = f"{urlsplit(url).hostname}:{urlsplit(url).port}"
        raise BootstrapError(f"cannot reach PostgreSQL at {where}: {reason}; check DATABASE_URL") from exc
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        available = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
        if "postgis" not in available:
            raise BootstrapError(
                "PostGIS is not installed on that PostgreSQL server: apt-get install -y postgresql-15-postgis-3")
        for ext in EXTENSIONS:
            try:
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext)))
            except psycopg.errors.InsufficientPrivilege as exc:
                raise BootstrapError(
                    f"the database user may not create extension {ext}; ask the DBA to run "
                    f"CREATE EXTENSION {ext}; in database {dbname}") from exc


def main(argv: list[str]) -> int:
    try:
        ensure_database(argv[1])
    except BootstrapError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
