"""HTTP for tiles: /tiles/{layers}/{z}/{x}/{y}.mvt and /tiles/{layers}.json (TileJSON 3.0)."""

import gzip

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from layers.styles import style_document
from portal.accounts.auth import resolve_caller
from portal.db_routing import replica_reads
from portal.errors import PortalError

from .service import BadTile, get_tile, parse_tile, tile_headers, visible_layers
from .tilejson import tilejson

MVT = "application/vnd.mapbox-vector-tile"


def error_response(exc: PortalError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.http_status)


@require_GET
def tile(request, layers: str, z: str, x: str, y: str):
    try:
        zi, xi, yi = parse_tile(z, x, y)
        caller = resolve_caller(request)  # sessions and tokens from the primary: a login a moment old counts
        with replica_reads():
            found = visible_layers(layers, caller)
            result = get_tile(found, zi, xi, yi)
    except PortalError as exc:
        return error_response(exc)
    if request.headers.get("If-None-Match") == result.etag:
        response = HttpResponse(status=304)
    elif not result.gzipped:
        response = HttpResponse(status=204)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(result.gzipped, content_type=MVT)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(result.gzipped), content_type=MVT)
    for name, value in tile_headers(result.etag, result.public).items():
        response[name] = value
    return response


@require_GET
def style_view(request, layers: str):
    try:
        if "," in layers:
            raise BadTile("a style is served for one layer at a time")
        [layer] = visible_layers(layers, resolve_caller(request))
    except PortalError as exc:
        return error_response(exc)
    response = JsonResponse(style_document(request, layer))
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def tilejson_view(request, layers: str):
    try:
        found = visible_layers(layers, resolve_caller(request))
    except PortalError as exc:
        return error_response(exc)
    response = JsonResponse(tilejson(request, found))
    response["Cache-Control"] = "no-cache"
    return response
