"""Tile and feature reads on the streaming read replica, everything else on the primary.

Only reads that are marked go to the replica (tiles, OGC API Features GETs): a request that writes, or that
reads what it has just written, must see the primary. A marked read sees the data as of the replica's replay
point, a few milliseconds behind; the layer versions in the tile cache keys come from the same replica, so a
tile cached under a version always holds that version's data.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

__all__ = ["REPLICA", "ReplicaRouter", "replica_reads", "read_alias"]

REPLICA = "replica"
_marked: ContextVar[bool] = ContextVar("portal_replica_reads", default=False)


def read_alias() -> str:
    """The database the current read goes to: the replica inside `replica_reads()` when one is configured."""
    return REPLICA if _marked.get() and REPLICA in settings.DATABASES else "default"


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _marked.set(True)
    try:
        yield
    finally:
        _marked.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str | None:
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model, **hints) -> str | None:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        return True  # the same rows, whichever copy they were read from

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return db == "default"  # the replica replays the primary's schema
