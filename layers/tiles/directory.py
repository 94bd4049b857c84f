"""The public layers in memory for the lean tile path, dropped the moment the catalog changes.

Reading the layer's row was one of the two queries of every tile. A trigger on layers_layer notifies
`layers_layer_changed` on every write (an import's version bump, a steward hiding a layer, a delete), and a
listener connection empties this directory when it hears it. While the listener is not connected, nothing
is kept and every request reads the catalog, as before: a changed layer is never served from memory
longer than a notification takes to arrive.

With a streaming replica the tiles read the replica, but notifications are not replicated: the listener stays
on the primary, and after a notification the directory is kept again only once the replica has replayed the
primary's WAL up to where it stood when the notification came. Until then it is read afresh for each tile.
"""

import asyncio
import logging
from contextlib import suppress

import psycopg

__all__ = ["CHANNEL", "LayerRef", "PublicLayers"]

CHANNEL = "layers_layer_changed"
_SQL = "SELECT id, slug, kind, version, min_zoom, max_zoom FROM layers_layer WHERE visibility = 'public'"
_PRIMARY_AT = "SELECT pg_current_wal_lsn()::text"
_REPLAYED = "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)"
_RECONNECT_SECONDS = 1.0
log = logging.getLogger(__name__)


class LayerRef:
    __slots__ = ("pk", "slug", "kind", "version", "min_zoom", "max_zoom")

    def __init__(self, row):
        self.pk, self.slug, self.kind, self.version, self.min_zoom, self.max_zoom = row


class PublicLayers:
    def __init__(self, listen_url: str, *, replica: bool = False):
        self.database_url = listen_url  # the primary: where catalog changes are notified
        self.replica = replica  # `find`'s pool reads a replica
        self._replay_target: str | None = None  # primary WAL position the replica must reach before keeping a load
        self._layers: dict[str, LayerRef] | None = None
        self._generation = 0  # bumped by every notification: a load begun before one is thrown away
        self._listening = False
        self._listener: asyncio.Task | None = None

    async def find(self, pool, slugs: list[str]) -> dict[str, LayerRef]:
        """The public layers among these slugs, from memory when the listener is up, else from the catalog."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen())
        layers = self._layers
        if layers is None:
            generation, target = self._generation, self._replay_target
            async with pool.connection() as conn:
                # Asked before the catalog is read, so a replica that has caught up is read after it did.
                caught_up = target is None or (await (await conn.execute(_REPLAYED, [target])).fetchone())[0]
                rows = await (await conn.execute(_SQL)).fetchall()
            layers = {row[1]: LayerRef(row) for row in rows}
            if self._listening and generation == self._generation and caught_up:
                self._layers = layers
        return {slug: layers[slug] for slug in slugs if slug in layers}

    def _forget(self) -> None:
        self._generation += 1
        self._layers = None

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._forget()
                    self._listening = True
                    while True:
                        async for _ in conn.notifies(stop_after=1):
                            pass
                        if self.replica:
                            self._replay_target = (await (await conn.execute(_PRIMARY_AT)).fetchone())[0]
                        self._forget()
            except psycopg.Error as exc:
                log.warning("layer change listener lost its connection: %s", exc)
            finally:
                self._listening = False
                self._forget()
            await asyncio.sleep(_RECONNECT_SECONDS)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with suppress(asyncio.CancelledError):
                await self._listener
