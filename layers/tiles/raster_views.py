"""PNG tiles of registered rasters: /tiles/raster/{slug}/{z}/{x}/{y}.png, cached by the layer's version."""

from contextlib import suppress

import redis
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from geoprocessing.raster_tiles import render_tile
from geoprocessing.rasters import RasterError
from layers.models import Layer
from layers.rasters import get_visible_raster
from portal.accounts.auth import resolve_caller
from portal.errors import PortalError

from .service import etag_of, parse_tile, tile_cache, tile_headers
from .views import error_response


@require_GET
def raster_tile(request, slug: str, z: str, x: str, y: str):
    try:
        zi, xi, yi = parse_tile(z, x, y)
        raster = get_visible_raster(resolve_caller(request), slug)
    except PortalError as exc:
        return error_response(exc)
    layer = raster.layer
    key = f"portal:rtile:{layer.pk}.{layer.version}:{zi}/{xi}/{yi}"
    etag = etag_of(key)
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=304, headers={"ETag": etag})
    cache = tile_cache(settings.REDIS_URL)
    png = None
    with suppress(redis.RedisError):
        png = cache.get(key)
    if png is None:
        stats = raster.stats or {}
        vmin, vmax = float(stats.get("min") or 0), float(stats.get("max") or 1)
        mean = float(stats.get("mean") or 0)
        try:
            png = render_tile(raster.path, zi, xi, yi, band=raster.band, vmin=vmin, vmax=vmax,
                              log=vmax > 20 * max(mean, 1e-9)) or b""
        except (RasterError, OSError):
            return HttpResponse(status=503)
        with suppress(redis.RedisError):
            cache.set(key, png, ex=24 * 3600)
    public = layer.visibility == Layer.Visibility.PUBLIC
    response = HttpResponse(png, content_type="image/png", status=200) if png else HttpResponse(status=204)
    for name, value in tile_headers(etag, public).items():
        response[name] = value
    return response
