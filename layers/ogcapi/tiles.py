"""OGC API Tiles: each collection's vector tileset on WebMercatorQuad, served by the portal's MVT endpoint."""

from django.http import HttpRequest, HttpResponse

from layers.tiles.service import MAX_ZOOM
from layers.tiles.views import tile as mvt_tile

from .collections import find_collection
from .errors import NotFound
from .responses import JSON, json_response, link, ogc_endpoint, url_for

__all__ = ["TILES_CONFORMANCE", "tile_matrix_sets", "web_mercator_quad", "tilesets", "tileset", "tile"]

_T = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
TILES_CONFORMANCE = (_T + "core", _T + "tileset", _T + "tilesets-list", _T + "geodata-tilesets", _T + "mvt",
                     "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset")
WMQ = "WebMercatorQuad"
WMQ_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
_HALF_WORLD = 20037508.3427892
# Scale of zoom 0 at 0.28 mm a pixel, the convention of the OGC two-dimensional tile matrix set standard.
_SCALE_0 = 559082264.0287178


def _only_wmq(tms: str) -> None:
    if tms != WMQ:
        raise NotFound("Only the WebMercatorQuad tile matrix set is offered.")


def _matrix(z: int) -> dict:
    return {"id": str(z), "scaleDenominator": _SCALE_0 / 2**z, "cellSize": 2 * _HALF_WORLD / 256 / 2**z,
            "cornerOfOrigin": "topLeft", "pointOfOrigin": [-_HALF_WORLD, _HALF_WORLD], "tileWidth": 256,
            "tileHeight": 256, "matrixWidth": 2**z, "matrixHeight": 2**z}


@ogc_endpoint
def tile_matrix_sets(request: HttpRequest, user) -> HttpResponse:
    u = url_for(request)
    return json_response({"tileMatrixSets": [{"id": WMQ, "title": "Google Maps Compatible for the World",
                                              "uri": WMQ_URI,
                                              "links": [link(u("tms", WMQ), "self", JSON, WMQ)]}]}, JSON)


@ogc_endpoint
def web_mercator_quad(request: HttpRequest, user, tms: str) -> HttpResponse:
    _only_wmq(tms)
    return json_response({"id": WMQ, "title": "Google Maps Compatible for the World", "uri": WMQ_URI,
                          "crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "orderedAxes": ["X", "Y"],
                          "tileMatrices": [_matrix(z) for z in range(MAX_ZOOM + 1)]}, JSON)


def _tileset_document(request, collection) -> dict:
    u, layer = url_for(request), collection.layer
    template = request.build_absolute_uri(f"/ogcapi/collections/{layer.slug}/tiles/{WMQ}/") \
        + "{tileMatrix}/{tileRow}/{tileCol}"
    return {
        "title": layer.title_en, "dataType": "vector", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": WMQ_URI,
        "tileMatrixSetLimits": [{"tileMatrix": str(z), "minTileRow": 0, "maxTileRow": 2**z - 1, "minTileCol": 0,
                                 "maxTileCol": 2**z - 1} for z in range(layer.min_zoom, min(layer.max_zoom,
                                                                                           MAX_ZOOM) + 1)],
        "layers": [{"id": layer.slug, "dataType": "vector", "geometryDimension": {
            "Point": 0, "LineString": 1, "Polygon": 2}[collection.kind.geometry]}],
        "links": [
            link(u("tileset", layer.slug, WMQ), "self", JSON, "This tileset"),
            link(u("tms", WMQ), "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", JSON, WMQ),
            link(u("collection", layer.slug), "http://www.opengis.net/def/rel/ogc/1.0/geodata", JSON,
                 "The collection"),
            {**link(template, "item", MVT, "Vector tiles"), "templated": True},
        ],
    }


@ogc_endpoint
def tilesets(request: HttpRequest, user, collection_id: str) -> HttpResponse:
    collection = find_collection(user, collection_id)
    document = _tileset_document(request, collection)
    document.pop("tileMatrixSetLimits")
    return json_response({"tilesets": [document]}, JSON)


@ogc_endpoint
def tileset(request: HttpRequest, user, collection_id: str, tms: str) -> HttpResponse:
    _only_wmq(tms)
    return json_response(_tileset_document(request, find_collection(user, collection_id)), JSON)


def tile(request: HttpRequest, collection_id: str, tms: str, z: str, row: str, col: str) -> HttpResponse:
    """The same tile the portal's map reads: rows are y, columns x, in OGC's order."""
    if tms != WMQ:
        return HttpResponse(status=404)
    return mvt_tile(request, collection_id, z, col, row)
