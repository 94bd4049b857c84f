"""OGC API Features Part 4: data stewards create, replace, update and delete features of their layers.

Every write goes through the layer importer, as a one-feature GeoJSON file in upsert mode, so it is
checked exactly as an import is (types, codes, geometry repair, CRS) and bumps the layer's version:
tiles and downloads never serve what was there before.
"""

import json
import tempfile
import uuid
from pathlib import Path

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import HttpError

from layers.errors import LayersError
from layers.importing import ImportOptions, import_file
from layers.permissions import can_edit_layer
from portal.errors import PortalError

from .collections import find_collection
from .errors import InvalidParameter, NotFound, OgcApiError
from .responses import caller, error_response, url_for
from .views import item as read_item
from .views import items as read_items

__all__ = ["PART4_CONFORMANCE", "items_endpoint", "item_endpoint"]

_F4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
PART4_CONFORMANCE = (_F4 + "create-replace-delete", _F4 + "update", _F4 + "features")
MAX_BODY = 5 * 2**20


class Forbidden(OgcApiError):
    code = "Forbidden"
    http_status = 403
    user_msg = "Only the data stewards of this layer may change it."


def _editable(request: HttpRequest, collection_id: str):
    user = caller(request)
    found = find_collection(user, collection_id)
    if not can_edit_layer(user, found.layer):
        raise Forbidden()
    if "ext_id" not in found.kind.import_columns:  # a view over rows kept elsewhere (admin units)
        raise Forbidden("This layer is read from the administrative units and cannot be changed here.")
    return found


def _feature_of(request: HttpRequest) -> dict:
    if len(request.body) > MAX_BODY:
        raise InvalidParameter("The feature is larger than 5 MiB.", parameter="body")
    try:
        feature = json.loads(request.body or b"null")
    except ValueError as exc:
        raise InvalidParameter(f"The body is not JSON: {exc}", parameter="body") from exc
    if not isinstance(feature, dict) or feature.get("type") != "Feature" or not isinstance(
            feature.get("properties", {}), dict) or not isinstance(feature.get("geometry"), dict):
        raise InvalidParameter("The body must be one GeoJSON Feature with a geometry.", parameter="body")
    return feature


def _write(found, feature: dict, feature_id: str) -> None:
    """Upsert one feature through the importer; only the properties it carries are written."""
    properties = {k: v for k, v in (feature.get("properties") or {}).items() if k in found.kind.import_columns}
    properties["ext_id"] = feature_id
    body = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": properties, "geometry": feature["geometry"]}]}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feature.geojson"
        path.write_text(json.dumps(body))
        mapping = {name: name for name in properties}
        import_file(found.layer, path, ImportOptions(mode="upsert", mapping=mapping))


def _written(request, found, feature_id: str, status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Location"] = url_for(request)("item", found.id, feature_id)
    return response


def _guarded(handler):
    def run(request, *args, **kwargs):
        try:
            return handler(request, *args, **kwargs)
        except OgcApiError as exc:
            return error_response(exc)
        except (LayersError, PortalError) as exc:
            return error_response(InvalidParameter(exc.user_msg, parameter="body"), exc.http_status)
        except HttpError as exc:  # the session check refused the request (CSRF)
            return error_response(Forbidden(str(exc)), exc.status_code)
    return run


@_guarded
def _create(request, collection_id: str) -> HttpResponse:
    found = _editable(request, collection_id)
    feature = _feature_of(request)
    feature_id = str(feature.get("id") or uuid.uuid4().hex)
    if found.kind.features(found.layer).filter(ext_id=feature_id).exists():
        raise InvalidParameter(f"A feature with id {feature_id!r} exists: replace it with PUT.", parameter="id")
    _write(found, feature, feature_id)
    return _written(request, found, feature_id, 201)


def _existing(found, feature_id: str):
    row = found.kind.features(found.layer).filter(ext_id=feature_id).first()
    if row is None:
        raise NotFound("No feature with this id.")
    return row


@_guarded
def _replace(request, collection_id: str, feature_id: str) -> HttpResponse:
    found = _editable(request, collection_id)
    _existing(found, feature_id)
    _write(found, _feature_of(request), feature_id)
    return _written(request, found, feature_id, 204)


@_guarded
def _update(request, collection_id: str, feature_id: str) -> HttpResponse:
    found = _editable(request, collection_id)
    row = _existing(found, feature_id)
    try:
        patch = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise InvalidParameter(f"The body is not JSON: {exc}", parameter="body") from exc
    if not isinstance(patch, dict) or not isinstance(patch.get("properties", {}), dict):
        raise InvalidParameter("The body must be a partial GeoJSON Feature.", parameter="body")
    current = {column.name: getattr(row, column.write_column.removesuffix("_id") if column.references == "OrgUnit"
                                    else column.write_column, None) for column in found.kind.import_columns.values()
               if column.name != "ext_id" and not column.references}
    merged = {"type": "Feature", "properties": {**{k: v for k, v in current.items() if v is not None},
                                                **(patch.get("properties") or {})},
              "geometry": patch.get("geometry") or json.loads(row.geom.json)}
    _write(found, merged, feature_id)
    return _written(request, found, feature_id, 204)


@_guarded
def _delete(request, collection_id: str, feature_id: str) -> HttpResponse:
    found = _editable(request, collection_id)
    with transaction.atomic():
        _existing(found, feature_id).delete()
        found.layer.bump_version()
    return HttpResponse(status=204)


@csrf_exempt  # session callers are checked for CSRF by the API's own session auth; token callers need none
def items_endpoint(request: HttpRequest, collection_id: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, collection_id)
    return read_items(request, collection_id)


@csrf_exempt
def item_endpoint(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    handlers = {"PUT": _replace, "PATCH": _update, "DELETE": _delete}
    if request.method in handlers:
        return handlers[request.method](request, collection_id, feature_id)
    return read_item(request, collection_id, feature_id)
