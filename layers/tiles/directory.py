"""The public layers in memory for the lean tile path, dropped the moment the catalog changes.

Reading the layer's row was one of the two queries of every tile. A trigger on layers_layer notifies
`layers_layer_changed` on every write (an import's version bump, a steward hiding a layer, a delete), and a
listener connection empties this directory when it hears it. While the listener is not connected, nothing
is kept and every request reads the catalog, as before: a changed layer is never served from memory
longer than a notification takes to arrive.
"""

import asyncio
import logging
from contextlib import suppress

import psycopg

__all__ = ["CHANNEL", "LayerRef", "PublicLayers"]

CHANNEL = "layers_layer_changed"
_SQL = "SELECT id, slug, kind, version, min_zoom, max_zoom FROM layers_layer WHERE visibility = 'public'"
_RECONNECT_SECONDS = 1.0
log = logging.getLogger(__name__)


class LayerRef:
    __slots__ = ("pk", "slug", "kind", "version", "min_zoom", "max_zoom")

    def __init__(self, row):
        self.pk, self.slug, self.kind, self.version, self.min_zoom, self.max_zoom = row


class PublicLayers:
    def __init__(self, database_url: str):
        self.database_url = database_url
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
            generation = self._generation
            async with pool.connection() as conn:
                rows = await (await conn.execute(_SQL)).fetchall()
            layers = {row[1]: LayerRef(row) for row in rows}
            if self._listening and generation == self._generation:
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
                    async for _ in conn.notifies():
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
