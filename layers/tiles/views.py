"""HTTP for tiles: /tiles/{layers}/{z}/{x}/{y}.mvt and /tiles/{layers}.json (TileJSON 3.0)."""

import gzip

from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from layers.styles import style_document
from portal.accounts.services import find_token_user
from portal.errors import PortalError

from .service import BadTile, get_tile, parse_tile, visible_layers
from .tilejson import tilejson

MVT = "application/vnd.mapbox-vector-tile"


def caller_of(request):
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = find_token_user(header[7:].strip())
        if user is None:
            raise _Unauthorized()
        return user
    return request.user


class _Unauthorized(PortalError):
    code = "not_authenticated"
    http_status = 401
    user_msg = "The API token is not valid."


def error_response(exc: PortalError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.http_status)


@require_GET
def tile(request, layers: str, z: str, x: str, y: str):
    try:
        zi, xi, yi = parse_tile(z, x, y)
        found = visible_layers(layers, caller_of(request))
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
    response["ETag"] = result.etag
    response["Cache-Control"] = f"{'public' if result.public else 'private'}, max-age=60"
    patch_vary_headers(response, ["Accept-Encoding"] if result.public else ["Accept-Encoding", "Cookie",
                                                                           "Authorization"])
    if result.public:
        response["Access-Control-Allow-Origin"] = "*"  # other agencies' web maps may read public tiles
    return response


@require_GET
def style_view(request, layers: str):
    try:
        [layer] = visible_layers(layers, caller_of(request)) if "," not in layers else [None]
        if layer is None:
            raise BadTile("a style is served for one layer at a time")
    except PortalError as exc:
        return error_response(exc)
    response = JsonResponse(style_document(request, layer))
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def tilejson_view(request, layers: str):
    try:
        found = visible_layers(layers, caller_of(request))
    except PortalError as exc:
        return error_response(exc)
    response = JsonResponse(tilejson(request, found))
    response["Cache-Control"] = "no-cache"
    return response
