"""Redis down: tiles are served uncached, byte for byte as with the cache, on the lean path and through Django;
/healthz says degraded. Against the served portal with REDIS_URL at a port where nothing listens."""

import gzip
import json
import math
import socket
import urllib.request
from urllib.error import HTTPError

import geopandas as gpd
import pytest
import redis
import shapely
from django.test import Client

from layers.importing import import_file
from layers.models import Layer
from layers.tiles.service import cache_key

pytestmark = pytest.mark.faults

CENTRE = (108.99, 11.565)


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def _closed_port() -> int:
    """A loopback port nobody listens on: bound and released, so connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _both_paths(base: str, path: str) -> dict[str, tuple[int, dict, bytes]]:
    # No cookie: the lean ASGI path answers. A cookie (any) sends the same request through Django's view.
    return {"lean": _get(base + path, **{"Accept-Encoding": "gzip"}),
            "django": _get(base + path, **{"Accept-Encoding": "gzip", "Cookie": "seen=1"})}


def test_tiles_are_served_uncached_and_healthz_is_degraded_when_redis_is_down(
        committed, portal_server, serve_portal, settings, tmp_path):
    cells = [shapely.box(CENTRE[0] + i * 3e-4, CENTRE[1], CENTRE[0] + i * 3e-4 + 2e-4, CENTRE[1] + 2e-4)
             for i in range(40)]
    gpd.GeoDataFrame({"ext_id": [f"R{i}" for i in range(40)], "sheet_no": ["1"] * 40,
                      "parcel_no": [str(i) for i in range(40)]}, geometry=cells, crs=4326).to_file(tmp_path / "r.gpkg")
    layer = Layer.objects.create(slug="fault-redis-down", kind="land_parcel", title_vi="t", title_en="t",
                                 theme="planning", visibility="public")
    committed.append(layer)
    import_file(layer, tmp_path / "r.gpkg")
    x, y = _tile(*CENTRE, 16)
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

    health_status, _, health_body = _get(no_redis + "/healthz")
    health = json.loads(health_body)
    assert health_status == 503 and health["status"] == "degraded", health
    assert health["redis"]["ok"] is False and health["database"]["ok"] is True

    # And in this process, Django's view with the cache pointed at the dead port (as tests/portal's healthz test).
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = Client().get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and response.content == reference
