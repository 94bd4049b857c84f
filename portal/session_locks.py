"""One database session at a time holds a job: a second delivery of the same Celery task leaves it to the first.

A session-level PostgreSQL advisory lock, so it is let go the moment the session ends, including when a
worker is killed and PostgreSQL notices its connection drop; no row is left saying "taken" by the dead.
"""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.db import DatabaseError, connection

__all__ = ["lock_keys", "session_lock"]


def lock_keys(space: str, key: int) -> tuple[int, int]:
    """The two int4 keys of pg_advisory_lock for `key` (a row id) in `space` (e.g. "layers.import")."""
    return zlib.crc32(space.encode()) - 2**31, key


@contextmanager
def session_lock(space: str, key: int) -> Iterator[bool]:
    """True while this session holds (space, key); False when another session does (nothing is waited for)."""
    keys = lock_keys(space, key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", keys)
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with suppress(DatabaseError), connection.cursor() as cursor:  # a broken session has let go already
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", keys)
