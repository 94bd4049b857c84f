"""The lean ASGI tile path answers public anonymous tiles exactly as the Django view does; the rest goes to Django."""

import gzip

from django.test import Client
from tile_helpers import CENTRE, parcel_layer, parcel_row
from tile_helpers import get as _get

from layers.importing import import_file
from layers.models import Layer
from layers.tiles.service import tile_of


def test_lean_path_matches_django(committed, portal_server, tmp_path):
    source = parcel_row(tmp_path / "l.gpkg", count=30, prefix="L")
    for slug, visibility in (("lean-public", "public"), ("lean-internal", "internal")):
        parcel_layer(slug, source, committed, visibility=visibility)
    _, x, y = tile_of(*CENTRE, 16)
    path = f"/tiles/lean-public/16/{x}/{y}.mvt"
    status, headers, body = _get(portal_server + path, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["x-tile-path"] == "lean" and headers["content-encoding"] == "gzip"
    django = Client().get(path)
    assert gzip.decompress(body) == django.content
    assert headers["etag"] == django["ETag"]
    assert _get(portal_server + path, **{"If-None-Match": headers["etag"]})[0] == 304
    # A client that does not take gzip, first to ask for a tile (computed, not cached): the same bytes, plain.
    _, x15, y15 = tile_of(*CENTRE, 15)
    plain = _get(portal_server + f"/tiles/lean-public/15/{x15}/{y15}.mvt")
    assert plain[0] == 200 and plain[1]["x-tile-path"] == "lean" and "content-encoding" not in plain[1]
    assert plain[2] == Client().get(f"/tiles/lean-public/15/{x15}/{y15}.mvt").content
    # Not for the lean path: Django answers, with the same rules and bodies as everywhere.
    hidden_status, hidden_headers, hidden_body = _get(portal_server + f"/tiles/lean-internal/16/{x}/{y}.mvt")
    missing = _get(portal_server + "/tiles/lean-nothing/16/0/0.mvt")
    assert (hidden_status, hidden_body) == (missing[0], missing[2]) == (404, missing[2])
    assert "x-tile-path" not in hidden_headers
    with_cookie = _get(portal_server + path, Cookie="sessionid=nothing")
    assert with_cookie[0] == 200 and "x-tile-path" not in with_cookie[1]
    # The cookies any visitor carries after opening a page give no rights: still the lean path.
    visitor = _get(portal_server + path, Cookie="csrftoken=" + "a" * 32 + "; django_language=vi")
    assert visitor[0] == 200 and visitor[1]["x-tile-path"] == "lean"
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
    layer = parcel_layer("lean-notify", parcel_row(tmp_path / "n.gpkg", count=1, prefix="N"), committed)
    _, x, y = tile_of(*CENTRE, 16)
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
