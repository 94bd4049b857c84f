"""Redis down: tiles are served uncached, byte for byte as with the cache, on the lean path and through Django;
/healthz says degraded. Against the served portal with REDIS_URL at a port where nothing listens."""

import gzip
import json
import socket

import pytest
import redis
from django.test import Client
from tile_helpers import CENTRE, get, parcel_layer, parcel_row

from layers.tiles.service import cache_key, tile_of

pytestmark = pytest.mark.faults


def _closed_port() -> int:
    """A loopback port nobody listens on: bound and released, so connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _both_paths(base: str, path: str) -> dict[str, tuple[int, dict, bytes]]:
    # No session cookie: the lean ASGI path answers. One (even unknown) sends the request through Django's view.
    return {"lean": get(base + path, **{"Accept-Encoding": "gzip"}),
            "django": get(base + path, **{"Accept-Encoding": "gzip", "Cookie": "sessionid=unknown"})}


def test_tiles_are_served_uncached_and_healthz_is_degraded_when_redis_is_down(
        committed, portal_server, serve_portal, settings, tmp_path):
    layer = parcel_layer("fault-redis-down", parcel_row(tmp_path / "r.gpkg", count=40, prefix="R"), committed)
    _, x, y = tile_of(*CENTRE, 16)
    path = f"/tiles/{layer.slug}/16/{x}/{y}.mvt"

    with_redis = _both_paths(portal_server, path)
    layer.refresh_from_db()
    assert redis.Redis.from_url(settings.REDIS_URL).exists(cache_key([layer], 16, x, y))  # cached with Redis up
    again = _both_paths(portal_server, path)  # answered from the cache
    no_redis = serve_portal(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    without = _both_paths(no_redis, path)

    reference = with_redis["django"][2]
    assert b"R1" in gzip.decompress(reference)  # a real tile with the parcels, not an empty answer
    for name, (status, headers, body) in [*with_redis.items(), *again.items(), *without.items()]:
        assert status == 200, (name, status, body[:300])
        assert headers["content-encoding"] == "gzip" and body == reference, name
        assert headers["etag"] == with_redis["lean"][1]["etag"]
    assert without["lean"][1]["x-tile-path"] == "lean" and "x-tile-path" not in without["django"][1]

    health_status, _, health_body = get(no_redis + "/healthz")
    health = json.loads(health_body)
    assert health_status == 503 and health["status"] == "degraded", health
    assert health["redis"]["ok"] is False and health["database"]["ok"] is True

    # And in this process, Django's view with the cache pointed at the dead port (as tests/portal's healthz test).
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = Client().get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response.content == reference
