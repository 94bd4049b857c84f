"""What every OGC API response shares: who is asking, which format they want, links, and the bodies."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

import orjson
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from portal.accounts.auth import NotAuthenticated as AccountsNotAuthenticated
from portal.accounts.auth import resolve_caller
from portal.db_routing import replica_reads

from .errors import InvalidParameter, NotAcceptable, NotAuthenticated, OgcApiError

__all__ = ["JSON", "GEOJSON", "HTML", "SCHEMA_JSON", "OPENAPI_JSON", "ogc_endpoint", "negotiate", "url_for",
           "current_url", "link", "json_response", "html_response"]

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
SCHEMA_JSON = "application/schema+json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
_FORMATS = {"json": "json", "geojson": "json", "jsonschema": "json", "html": "html"}


def caller(request: HttpRequest):
    """The user behind the request, by the API's own rule; a refused Authorization header is a 401 in OGC form."""
    try:
        return resolve_caller(request)
    except AccountsNotAuthenticated as exc:
        raise NotAuthenticated() from exc


def ogc_endpoint(view: Callable) -> Callable:
    """GET/HEAD only; the caller resolved before the view runs; errors as OGC exception bodies."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = error_response(OgcApiError("This API is read-only: use GET.", code="MethodNotAllowed"), 405)
            response["Allow"] = "GET, HEAD"
            return response
        try:
            user = caller(request)
            with replica_reads():  # GETs only: nothing here writes or reads its own writes
                response = view(request, user, *args, **kwargs)
        except OgcApiError as exc:
            response = error_response(exc)
        # The answer depends on who asks and which format they accept.
        patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
        return response

    return wrapper


def error_response(exc: OgcApiError, status: int | None = None) -> HttpResponse:
    return json_response(exc.as_ogc(), JSON, status=status or exc.http_status)


def negotiate(request: HttpRequest, json_type: str) -> str:
    """'json' or 'html': the f parameter decides, else the Accept header (JSON when it says nothing)."""
    requested = request.GET.get("f")
    if requested is not None:
        if requested.lower() not in _FORMATS:
            raise InvalidParameter("f: use json or html.", parameter="f")
        return _FORMATS[requested.lower()]
    preferred = request.get_preferred_type([json_type, JSON, HTML])
    if preferred is None:
        raise NotAcceptable()
    return "html" if preferred == HTML else "json"


def url_for(request: HttpRequest) -> Callable[..., str]:
    """A function (route name, *path args, **query) -> absolute URL of this API."""

    def build(name: str, *args, **query) -> str:
        url = request.build_absolute_uri(reverse(f"ogcapi:{name}", args=args))
        query = {key: value for key, value in query.items() if value is not None}
        return f"{url}?{urlencode(query)}" if query else url

    return build


def current_url(request: HttpRequest, **changes) -> str:
    """This request's URL with some query parameters replaced (None removes one)."""
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = str(value)
    query = params.urlencode()
    return request.build_absolute_uri(request.path) + (f"?{query}" if query else "")


def link(href: str, rel: str, media_type: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def json_response(document: dict, media_type: str, *, status: int = 200,
                  headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(orjson.dumps(document), content_type=media_type, status=status, headers=headers)


def html_response(request: HttpRequest, template: str, context: dict, *,
                  headers: dict[str, str] | None = None) -> HttpResponse:
    response = render(request, f"ogcapi/{template}", context, content_type="text/html; charset=utf-8")
    for key, value in (headers or {}).items():
        response[key] = value
    return response
