"""The lean ASGI tile path answers public anonymous tiles exactly as the Django view does; the rest goes to Django."""

import gzip
import urllib.request
from urllib.error import HTTPError

import geopandas as gpd
import shapely
from django.test import Client

from layers.importing import import_file
from layers.models import Layer

CENTRE = (108.99, 11.565)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _get(url: str, **headers):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_lean_path_matches_django(committed, portal_server, tmp_path):
    cells = [shapely.box(CENTRE[0] + i * 3e-4, CENTRE[1], CENTRE[0] + i * 3e-4 + 2e-4, CENTRE[1] + 2e-4)
             for i in range(30)]
    gpd.GeoDataFrame({"ext_id": [f"L{i}" for i in range(30)], "sheet_no": ["1"] * 30,
                      "parcel_no": [str(i) for i in range(30)]}, geometry=cells, crs=4326).to_file(tmp_path / "l.gpkg")
    public = Layer.objects.create(slug="lean-public", kind="land_parcel", title_vi="t", title_en="t",
                                  theme="planning", visibility="public")
    hidden = Layer.objects.create(slug="lean-internal", kind="land_parcel", title_vi="t", title_en="t",
                                  theme="planning", visibility="internal")
    committed.extend([public, hidden])
    for layer in (public, hidden):
        import_file(layer, tmp_path / "l.gpkg")
    x, y = tile_of(*CENTRE, 16)
    path = f"/tiles/lean-public/16/{x}/{y}.mvt"
    status, headers, body = _get(portal_server + path, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["x-tile-path"] == "lean" and headers["content-encoding"] == "gzip"
    django = Client().get(path)
    assert gzip.decompress(body) == django.content
    assert headers["etag"] == django["ETag"]
    assert _get(portal_server + path, **{"If-None-Match": headers["etag"]})[0] == 304
    # Not for the lean path: Django answers, with the same rules and bodies as everywhere.
    hidden_status, hidden_headers, hidden_body = _get(portal_server + f"/tiles/lean-internal/16/{x}/{y}.mvt")
    missing = _get(portal_server + "/tiles/lean-nothing/16/0/0.mvt")
    assert (hidden_status, hidden_body) == (missing[0], missing[2]) == (404, missing[2])
    assert "x-tile-path" not in hidden_headers
    with_cookie = _get(portal_server + path, Cookie="sessionid=nothing")
    assert with_cookie[0] == 200 and "x-tile-path" not in with_cookie[1]
    assert _get(portal_server + "/tiles/lean-public/30/0/0.mvt")[0] == 400


def _until(check, seconds: float = 5.0):
    import time

    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_lean_path_hears_catalog_changes(committed, portal_server, tmp_path):
    """The lean path keeps public layers in memory; a new version or a layer made internal is seen at once."""
    cells = [shapely.box(CENTRE[0], CENTRE[1], CENTRE[0] + 2e-4, CENTRE[1] + 2e-4)]
    gpd.GeoDataFrame({"ext_id": ["N0"], "sheet_no": ["1"], "parcel_no": ["1"]}, geometry=cells,
                     crs=4326).to_file(tmp_path / "n.gpkg")
    layer = Layer.objects.create(slug="lean-notify", kind="land_parcel", title_vi="t", title_en="t",
                                 theme="planning", visibility="public")
    committed.append(layer)
    import_file(layer, tmp_path / "n.gpkg")
    x, y = tile_of(*CENTRE, 16)
    url = portal_server + f"/tiles/lean-notify/16/{x}/{y}.mvt"
    first = _get(url)
    assert first[0] == 200 and first[1]["x-tile-path"] == "lean"
    assert _get(url)[1]["etag"] == first[1]["etag"]  # served from memory and cache alike
    import redis
    from django.conf import settings

    from layers.tiles.service import cache_key

    layer.refresh_from_db()
    stored = redis.Redis.from_url(settings.REDIS_URL)
    assert _until(lambda: stored.exists(cache_key([layer], 16, x, y))), "the lean path did not cache the tile"
    import_file(layer, tmp_path / "n.gpkg")  # a new version: a new tile key
    assert _until(lambda: _get(url)[1].get("etag") != first[1]["etag"])
    Layer.objects.filter(pk=layer.pk).update(visibility="internal")
    assert _until(lambda: _get(url)[0] == 404), "a layer made internal is still served in public"
