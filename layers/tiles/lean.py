"""A lean ASGI path for anonymous tiles of public layers, in front of Django in the same server.

Measured: Django's ASGI request path costs 4–6 ms per tile before any work, several times the SQL of a
small tile. Public tiles asked for without credentials are the bulk of map traffic and need no session,
so they are answered here with the same SQL, cache keys, ETags and headers as the Django view. Anything
else — a cookie, a token, an unknown or non-public layer, a malformed path — goes to Django unchanged,
so access rules and error answers live in one place.
"""

import asyncio
import gzip
import re
from urllib.parse import urlsplit

from django.conf import settings
from psycopg_pool import AsyncConnectionPool

from layers.registry import UnknownKind, get_kind
from portal.security import scope_is_secure, security_headers
from portal.unavailable import DATABASE_DOWN

from .directory import PublicLayers
from .libpq_read import fetch_bytes
from .resp_cache import TileCache
from .service import CACHE_SECONDS, FEATURE_CAP, BadTile, cache_key, compress, etag_of, parse_tile, tile_headers
from .tile_sql import SESSION_OPTIONS, TileLayer, tile_statement

__all__ = ["LeanTiles"]

_PATH = re.compile(r"^/tiles/(?P<layers>[\w,-]+)/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.mvt$")
MVT = b"application/vnd.mapbox-vector-tile"
# A public tile's headers but its ETag, encoded once (tile_headers is shared with the Django view).
_PUBLIC_TILE_HEADERS = [(name.lower().encode(), value.encode()) for name, value in tile_headers("", True).items()
                        if name != "ETag"] + [(b"x-tile-path", b"lean")]


class LeanTiles:
    def __init__(self, django_app, *, database_url: str, redis_url: str, pool_size: int = 4,
                 primary_url: str | None = None):
        """`database_url` is where tiles are read (a replica, when there is one); `primary_url`, the primary."""
        self.django = django_app
        self.database_url, self.redis_url, self.pool_size = database_url, redis_url, pool_size
        # The lean path speaks plain redis:// only (resp_cache); with TLS or a socket, Django serves every tile.
        self.enabled = urlsplit(redis_url).scheme == "redis"
        self._pool: AsyncConnectionPool | None = None
        self._cache: TileCache | None = None
        self._lock = asyncio.Lock()
        self._public = PublicLayers(primary_url or database_url,
                                    replica=primary_url is not None and primary_url != database_url)
        # The security headers Django's middleware adds (portal.security), over HTTP and over HTTPS.
        self._security = {secure: [(name.lower().encode(), value.encode())
                                   for name, value in security_headers(secure=secure)] for secure in (False, True)}

    async def _resources(self):
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    # Autocommit: a tile is one read, and a transaction around it cost a COMMIT round trip.
                    pool = AsyncConnectionPool(self.database_url, min_size=1, max_size=self.pool_size, open=False,
                                               kwargs={"options": SESSION_OPTIONS, "autocommit": True})
                    await pool.open()
                    self._cache = TileCache(self.redis_url)
                    self._pool = pool
        return self._pool, self._cache

    def _ours(self, scope) -> re.Match | None:
        if not self.enabled or scope["type"] != "http" or scope["method"] != "GET":
            return None
        headers = dict(scope["headers"])
        if b"authorization" in headers or _has_session(scope["headers"]):
            return None  # someone who may see more than public layers: Django decides
        if settings.SECURE_SSL_REDIRECT and not scope_is_secure(scope, headers):
            return None  # Django sends it to HTTPS
        return _PATH.match(scope["path"])

    async def __call__(self, scope, receive, send):
        match = self._ours(scope)
        try:
            served = match is not None and await self._serve(scope, send, match)
        except DATABASE_DOWN:
            served = False  # Django meets the same outage and answers it: 503 with Retry-After
        if not served:
            await self.django(scope, receive, send)

    async def _serve(self, scope, send, match) -> bool:
        try:
            z, x, y = parse_tile(match["z"], match["x"], match["y"])
        except BadTile:
            return False
        slugs = match["layers"].split(",")
        pool, cache = await self._resources()
        found = await self._public.find(pool, slugs)
        if len(set(slugs)) != len(slugs) or any(slug not in found for slug in slugs):
            return False
        layers = [found[slug] for slug in slugs]
        try:
            kinds = [get_kind(layer.kind) for layer in layers]
        except UnknownKind:
            return False
        key = cache_key(layers, z, x, y)
        headers = dict(scope["headers"])
        etag = etag_of(key)
        security = self._security[scope_is_secure(scope, headers)]
        if headers.get(b"if-none-match", b"").decode() == etag:
            await _respond(send, 304, etag, security)
            return True
        body = await cache.get(key)
        raw = None  # the tile before gzip, when it is computed here
        if body is None:
            raw = await _compute(pool, layers, kinds, z, x, y)
            body = await asyncio.to_thread(compress, raw) if len(raw) > 65536 else compress(raw)
            await cache.set(key, body, CACHE_SECONDS)  # the answer does not wait for Redis's reply
        if not body:
            await _respond(send, 204, etag, security)
            return True
        gzip_ok = b"gzip" in headers.get(b"accept-encoding", b"")
        if not gzip_ok:
            body = gzip.decompress(body) if raw is None else raw
        await _respond(send, 200, etag, security, body, gzip_ok)
        return True


async def _compute(pool, layers, kinds, z: int, x: int, y: int) -> bytes:
    in_range = [TileLayer(layer.slug, layer.pk, kind, FEATURE_CAP) for layer, kind in zip(layers, kinds, strict=True)
                if layer.min_zoom <= z <= layer.max_zoom]
    if not in_range:
        return b""
    statement, params = tile_statement(in_range, z, x, y)
    async with pool.connection() as conn:
        return await fetch_bytes(conn, statement, params)


def _has_session(headers) -> bool:
    """A session cookie among the request's cookies. Others (the CSRF token every form leaves, the language)
    give no rights, and a visitor who opened any page carries them."""
    name = settings.SESSION_COOKIE_NAME.encode() + b"="
    return any(part.strip().startswith(name) for key, value in headers if key == b"cookie"
               for part in value.split(b";"))


async def _respond(send, status: int, etag: str, security: list[tuple[bytes, bytes]], body: bytes = b"",
                   gzipped: bool = False) -> None:
    headers = [(b"etag", etag.encode()), *_PUBLIC_TILE_HEADERS, *security]
    if status == 200:
        headers += [(b"content-type", MVT), (b"content-length", str(len(body)).encode())]
        if gzipped:
            headers.append((b"content-encoding", b"gzip"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
