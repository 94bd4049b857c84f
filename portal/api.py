"""The one NinjaAPI at /api/: mounts every app's router and maps every error to one JSON shape."""

import logging

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, ValidationError

from camera_analytics.api import router as cameras_router
from geoprocessing.planning_api import router as planning_router
from geoprocessing.queries_api import router as queries_router
from incidents.api import router as incidents_router
from incidents.chat.webhooks import router as chat_router
from incidents.citizen_app.api import router as citizen_app_router
from incidents.dispatch_api import router as dispatch_router
from layers.api import router as admin_units_router
from layers.catalog_api import router as layers_router
from layers.imports_api import router as imports_router
from layers.rasters_api import router as rasters_router
from opendata.api import router as opendata_router
from portal.accounts.api import router as auth_router
from portal.map.api import router as map_router
from reports.api import router as reports_router

from .errors import PortalError
from .unavailable import DATABASE_DOWN, unavailable_response

api = NinjaAPI(
    title="GIS portal API",
    version="1",
    description="Provincial IOC GIS portal. Errors share one shape: {code, message, errors?}.",
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, body: dict) -> HttpResponse:
    return api.create_response(request, body, status=status)


def _field_of(loc) -> str:
    # ninja reports where a value came from first ("query", "body", "path"); users want the field.
    parts = [str(part) for part in loc if part not in ("query", "body", "path", "header", "cookie", "form")]
    return ".".join(parts) or "request"


@api.exception_handler(PortalError)
def on_portal_error(request, exc: PortalError):
    return _error(request, exc.http_status, exc.as_dict())


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = [{"field": _field_of(err.get("loc", ())), "reason": err.get("msg", "invalid")} for err in exc.errors]
    message = "; ".join(f"{e['field']}: {e['reason']}" for e in errors) or "invalid input"
    return _error(request, 422, {"code": "invalid_input", "message": message, "errors": errors})


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _error(request, 401, {"code": "not_authenticated", "message": "Log in or send a valid API token."})


@api.exception_handler(AuthorizationError)
def on_authorization_error(request, exc):
    return _error(request, 403, {"code": "permission_denied", "message": "You do not have permission to do this."})


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, {"code": "not_found", "message": "Not found."})


def on_database_unavailable(request, exc):
    # PostgreSQL restarting or out of reach: the client is told to come back, not that the server is broken.
    logging.getLogger("django.request").warning("database unavailable: %s %s: %s", request.method, request.path, exc)
    return unavailable_response(request)


for _down in DATABASE_DOWN:
    api.add_exception_handler(_down, on_database_unavailable)


api.add_router("/auth/", auth_router, tags=["auth"])
api.add_router("/admin-units/", admin_units_router, tags=["admin units"])
api.add_router("/rasters/", rasters_router, tags=["rasters"])
api.add_router("/layers/", layers_router, tags=["layers"])
api.add_router("/imports/", imports_router, tags=["imports"])
api.add_router("/map/", map_router, tags=["map"])
api.add_router("/incidents/", incidents_router, tags=["incidents"])
api.add_router("/dispatch/", dispatch_router, tags=["dispatch"])
api.add_router("/chat/", chat_router, tags=["chat channels"])
api.add_router("/app/", citizen_app_router, tags=["citizen app"])
api.add_router("/planning/", planning_router, tags=["planning lookup"])
api.add_router("/queries/", queries_router, tags=["planner queries"])
api.add_router("/reports/", reports_router, tags=["reports"])
api.add_router("/opendata/", opendata_router, tags=["open data"])
api.add_router("/cameras/", cameras_router, tags=["camera analytics"])
