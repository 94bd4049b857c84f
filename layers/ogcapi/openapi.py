"""The conformance classes this API implements and its OpenAPI 3.0 definition, built for the caller.

The definition lists one set of paths per collection the caller may see (with that collection's queryables
as query parameters), so it never names a layer the caller could not open.
"""

from collections.abc import Callable

from .collections import Collection, property_schema
from .cql2 import FILTER_LANGS
from .crs import CRS84, SUPPORTED
from .items import DEFAULT_LIMIT, MAX_LIMIT

__all__ = ["CONFORMANCE", "openapi_document"]

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F2 = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/"
_F3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
_CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
CONFORMANCE = (
    _F1 + "core", _F1 + "oas30", _F1 + "html", _F1 + "geojson",
    _F2 + "crs",
    _F3 + "queryables", _F3 + "queryables-query-parameters", _F3 + "filter", _F3 + "features-filter",
    _CQL2 + "cql2-text", _CQL2 + "cql2-json", _CQL2 + "basic-cql2", _CQL2 + "advanced-comparison-operators",
    _CQL2 + "case-insensitive-comparison", _CQL2 + "basic-spatial-functions",
    _CQL2 + "basic-spatial-functions-plus", _CQL2 + "spatial-functions", _CQL2 + "property-property",
)

_REF = "#/components/parameters/"
_CRS_URIS = [crs.uri for crs in SUPPORTED]


def _query(name: str, description: str, schema: dict, **extra) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema,
            "style": "form", "explode": False, **extra}


_PARAMETERS = {
    "f": _query("f", "Format of the answer; the Accept header is used when absent.",
                {"type": "string", "enum": ["json", "html"]}),
    "limit": _query("limit", f"Features per page (larger values are lowered to {MAX_LIMIT}).",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
    "offset": _query("offset", "Features to skip; next and prev links carry it.",
                     {"type": "integer", "minimum": 0, "default": 0}),
    "bbox": _query("bbox", "minx,miny,maxx,maxy (or 6 numbers) in bbox-crs and its axis order.",
                   {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
    "bbox-crs": _query("bbox-crs", "CRS of bbox (default CRS84).", {"type": "string", "format": "uri",
                                                                     "enum": _CRS_URIS}),
    "datetime": _query("datetime", "Instant or interval (start/end, '..' open) matched against the time each "
                       "feature last changed.", {"type": "string"}),
    "crs": _query("crs", "CRS of the geometries returned (default CRS84).",
                  {"type": "string", "format": "uri", "enum": _CRS_URIS}),
    "properties": _query("properties", "Comma-separated properties to return.",
                         {"type": "array", "items": {"type": "string"}}),
    "sortby": _query("sortby", "Comma-separated properties, each with an optional + (ascending) or - prefix.",
                     {"type": "array", "items": {"type": "string"}}),
    "filter": _query("filter", "A CQL2 filter on the collection's queryables.", {"type": "string"}),
    "filter-lang": _query("filter-lang", "Language of filter.", {"type": "string", "enum": list(FILTER_LANGS),
                                                                 "default": "cql2-text"}),
    "filter-crs": _query("filter-crs", "CRS of the geometry literals in filter (default CRS84).",
                         {"type": "string", "format": "uri", "enum": _CRS_URIS}),
    "featureId": {"name": "featureId", "in": "path", "required": True, "description": "The feature's id.",
                  "schema": {"type": "string"}},
}
_ITEMS_PARAMETERS = ("f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "properties", "sortby",
                     "filter", "filter-lang", "filter-crs")


def _response(description: str, *media_types: str, schema: str = "") -> dict:
    body = {"schema": {"$ref": f"#/components/schemas/{schema}"}} if schema else {"schema": {"type": "object"}}
    return {"description": description, "content": {media_type: body for media_type in media_types}}


_ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "404": {"$ref": "#/components/responses/NotFound"},
    "406": {"$ref": "#/components/responses/NotAcceptable"},
}


def _get(summary: str, operation_id: str, tag: str, responses: dict, parameters: list) -> dict:
    return {"get": {"summary": summary, "operationId": operation_id, "tags": [tag], "parameters": parameters,
                    "responses": {**responses, **_ERRORS}}}


def _collection_paths(collection: Collection, language: str) -> dict:
    cid = collection.id
    base = f"/collections/{cid}"
    queryable_parameters = [
        _query(name, f"Features whose {name} equals this value.", property_schema(field, language), explode=True)
        for name, field in collection.fields.items()]
    return {
        base: _get(f"The collection {cid}", f"describe_{cid}", cid,
                   {"200": _response("The collection", "application/json", "text/html")},
                   [{"$ref": _REF + "f"}]),
        f"{base}/queryables": _get(f"What filters on {cid} may name", f"queryables_{cid}", cid,
                                   {"200": _response("JSON Schema of the queryables", "application/schema+json",
                                                     "text/html")}, [{"$ref": _REF + "f"}]),
        f"{base}/items": _get(f"Features of {cid}", f"items_{cid}", cid,
                              {"200": _response("A page of features", "application/geo+json", "text/html",
                                                schema="FeatureCollection")},
                              [*({"$ref": _REF + name} for name in _ITEMS_PARAMETERS), *queryable_parameters]),
        f"{base}/items/{{featureId}}": _get(f"One feature of {cid}", f"item_{cid}", cid,
                                           {"200": _response("The feature", "application/geo+json", "text/html")},
                                           [{"$ref": _REF + "featureId"}, {"$ref": _REF + "f"},
                                            {"$ref": _REF + "crs"}]),
    }


def openapi_document(url_for: Callable[..., str], collections: list[Collection], language: str) -> dict:
    """OpenAPI 3.0 for this API as `collections` (the caller's) make it."""
    paths = {
        "/": _get("Landing page", "landing", "server", {"200": _response("Links", "application/json", "text/html")},
                  [{"$ref": _REF + "f"}]),
        "/conformance": _get("Conformance classes", "conformance", "server",
                             {"200": _response("conformsTo", "application/json", "text/html")},
                             [{"$ref": _REF + "f"}]),
        "/api": _get("This definition", "api", "server",
                     {"200": _response("OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0", "text/html")},
                     [{"$ref": _REF + "f"}]),
        "/collections": _get("Feature collections", "collections", "server",
                             {"200": _response("The collections", "application/json", "text/html")},
                             [{"$ref": _REF + "f"}]),
    }
    for collection in collections:
        paths.update(_collection_paths(collection, language))
    exception = {"type": "object", "required": ["code"],
                 "properties": {"code": {"type": "string"}, "description": {"type": "string"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "OGC API Features — Provincial GIS portal", "version": "1.0.0",
                 "description": "Vector layers of the portal. Geometries in CRS84 unless crs= asks for another; "
                                "private columns are never served.",
                 "license": {"name": "AGPL-3.0-or-later"}},
        "servers": [{"url": url_for("landing").rstrip("/")}],
        "tags": [{"name": "server"}, *({"name": c.id, "description": c.layer.title(language)} for c in collections)],
        "paths": paths,
        "components": {
            "parameters": _PARAMETERS,
            "schemas": {
                "exception": exception,
                "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
                    "type": {"type": "string", "enum": ["FeatureCollection"]},
                    "features": {"type": "array", "items": {"type": "object"}},
                    "numberMatched": {"type": "integer", "minimum": 0},
                    "numberReturned": {"type": "integer", "minimum": 0},
                    "timeStamp": {"type": "string", "format": "date-time"},
                    "links": {"type": "array", "items": {"type": "object"}}}},
            },
            "responses": {
                name: {"description": text, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/exception"}}}}
                for name, text in (("BadRequest", "A parameter has a value this service does not accept."),
                                   ("NotFound", "No such collection or feature (or not visible to the caller)."),
                                   ("NotAcceptable", "Only JSON and HTML are offered."))
            },
        },
        "x-default-crs": CRS84.uri,
    }
