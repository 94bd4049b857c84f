"""OGC API Features views at /ogcapi/: parse, call one reader, answer in the negotiated format."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

from .collections import Collection, collection_document, find_collection, queryables_document, visible_collections
from .crs import SUPPORTED, content_crs
from .items import parse_items_query, parse_output_crs, read_feature, read_page
from .openapi import CONFORMANCE, openapi_document
from .responses import (
    GEOJSON,
    HTML,
    JSON,
    OPENAPI_JSON,
    SCHEMA_JSON,
    current_url,
    html_response,
    json_response,
    link,
    negotiate,
    ogc_endpoint,
    url_for,
)
from .tiles import TILES_CONFORMANCE

__all__ = ["landing", "conformance", "api", "collections", "collection", "queryables", "items", "item"]

TITLE = "OGC API Features — Provincial GIS portal"


def _language() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _self_links(request: HttpRequest, fmt: str, json_type: str) -> list[dict]:
    """self in the format answered, alternate in the other one."""
    as_json = link(current_url(request, f="json"), "self", json_type, "This document as JSON")
    as_html = link(current_url(request, f="html"), "self", HTML, "This document as HTML")
    this, other = (as_html, as_json) if fmt == "html" else (as_json, as_html)
    return [this, {**other, "rel": "alternate"}]


def _answer(request: HttpRequest, fmt: str, document: dict, json_type: str, template: str, **extra) -> HttpResponse:
    headers = extra.pop("headers", None)
    if fmt == "html":
        return html_response(request, template, {"doc": document, "title": TITLE, **extra}, headers=headers)
    return json_response(document, json_type, headers=headers)


def _table(request: HttpRequest, found: Collection, features: list[dict], columns: list[str]) -> dict:
    """What the HTML page of features shows: one row per feature, linked to its own page."""
    u = url_for(request)
    rows = [(f["id"], u("item", found.id, f["id"], f="html"), [f["properties"].get(c) for c in columns])
            for f in features]
    return {"heading": found.layer.title(_language()), "columns": columns, "rows": rows}


@ogc_endpoint
def landing(request: HttpRequest, user) -> HttpResponse:
    fmt, u = negotiate(request, JSON), url_for(request)
    document = {
        "title": TITLE,
        "description": "Vector layers of the provincial IOC portal as OGC API Features (Parts 1, 2 and 3).",
        "links": [
            *_self_links(request, fmt, JSON),
            link(u("api"), "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(u("api", f="html"), "service-doc", HTML, "The API documentation"),
            link(u("conformance"), "conformance", JSON, "Conformance classes implemented"),
            link(u("conformance"), "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON,
                 "Conformance classes implemented"),
            link(u("collections"), "data", JSON, "Feature collections"),
            link(u("collections"), "http://www.opengis.net/def/rel/ogc/1.0/data", JSON, "Feature collections"),
            link(u("tile-matrix-sets"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", JSON,
                 "Tile matrix sets"),
        ],
    }
    return _answer(request, fmt, document, JSON, "landing.html")


@ogc_endpoint
def conformance(request: HttpRequest, user) -> HttpResponse:
    fmt = negotiate(request, JSON)
    from .transactions import PART4_CONFORMANCE

    return _answer(request, fmt, {"conformsTo": [*CONFORMANCE, *TILES_CONFORMANCE, *PART4_CONFORMANCE]}, JSON,
                   "conformance.html")


@ogc_endpoint
def api(request: HttpRequest, user) -> HttpResponse:
    fmt = negotiate(request, OPENAPI_JSON)
    document = openapi_document(url_for(request), visible_collections(user, with_extents=False), _language())
    return _answer(request, fmt, document, OPENAPI_JSON, "api.html")


@ogc_endpoint
def collections(request: HttpRequest, user) -> HttpResponse:
    fmt, u, language = negotiate(request, JSON), url_for(request), _language()
    document = {
        "links": _self_links(request, fmt, JSON),
        "crs": [crs.uri for crs in SUPPORTED],
        "collections": [collection_document(c, u, language) for c in visible_collections(user)],
    }
    return _answer(request, fmt, document, JSON, "collections.html")


@ogc_endpoint
def collection(request: HttpRequest, user, collection_id: str) -> HttpResponse:
    fmt = negotiate(request, JSON)
    found = find_collection(user, collection_id, with_extent=True)
    document = collection_document(found, url_for(request), _language())
    document["links"] = [*_self_links(request, fmt, JSON), *document["links"][2:]]
    return _answer(request, fmt, document, JSON, "collection.html")


@ogc_endpoint
def queryables(request: HttpRequest, user, collection_id: str) -> HttpResponse:
    fmt = negotiate(request, SCHEMA_JSON)
    found = find_collection(user, collection_id)
    document = queryables_document(found, url_for(request), _language())
    return _answer(request, fmt, document, SCHEMA_JSON, "queryables.html", collection=found.layer)


@ogc_endpoint
def items(request: HttpRequest, user, collection_id: str) -> HttpResponse:
    fmt = negotiate(request, GEOJSON)
    found = find_collection(user, collection_id)
    query = parse_items_query(request.GET, found)
    page = read_page(found, query)
    links = _self_links(request, fmt, GEOJSON)
    media_type = HTML if fmt == "html" else GEOJSON
    if page.next_offset is not None:
        links.append(link(current_url(request, offset=page.next_offset, limit=query.limit), "next", media_type,
                          "Next page"))
    if page.prev_offset is not None:
        links.append(link(current_url(request, offset=page.prev_offset or None, limit=query.limit), "prev",
                          media_type, "Previous page"))
    links.append(link(url_for(request)("collection", found.id), "collection", JSON, "The collection"))
    document = {
        "type": "FeatureCollection",
        "timeStamp": timezone.now().isoformat(timespec="seconds"),
        "numberMatched": page.number_matched,
        "numberReturned": page.number_returned,
        "features": page.features,
        "links": links,
    }
    table = _table(request, found, page.features, [field.name for field in query.properties]) if fmt == "html" else {}
    return _answer(request, fmt, document, GEOJSON, "features.html", **table,
                   headers={"Content-Crs": content_crs(query.crs)})


@ogc_endpoint
def item(request: HttpRequest, user, collection_id: str, feature_id: str) -> HttpResponse:
    fmt = negotiate(request, GEOJSON)
    found = find_collection(user, collection_id)
    crs = parse_output_crs(request.GET)
    feature = read_feature(found, feature_id, crs)
    feature["links"] = [*_self_links(request, fmt, GEOJSON),
                        link(url_for(request)("collection", found.id), "collection", JSON, "The collection")]
    document = {"type": "FeatureCollection", "features": [feature], "links": feature["links"]}
    if fmt == "json":
        return json_response(feature, GEOJSON, headers={"Content-Crs": content_crs(crs)})
    return _answer(request, fmt, document, GEOJSON, "features.html", **_table(request, found, [feature], list(
        found.fields)), headers={"Content-Crs": content_crs(crs)})
