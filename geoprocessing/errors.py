"""Errors of the spatial core: each carries a stable code, the HTTP status an adapter should answer with,
a message safe to show, and the details a caller needs to correct the request (no Django in here)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "GeoprocessingError", "NotFoundError", "BadInput", "OutsideArea", "NoParcelHere", "ParcelNotFound",
    "AmbiguousParcel", "UnknownCommune", "BadGeometryInput", "GeometryTooLarge", "UnknownNode", "NodeNotOnNetwork",
]


class GeoprocessingError(ValueError):
    """Root of the core's errors; also a ValueError, so plain callers can catch what they know."""

    code = "geoprocessing_error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details  # extra members of the error body, e.g. near matches

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["errors"] = [{"field": self.field, "reason": self.message}]
        body.update(self.details)
        return body


class NotFoundError(GeoprocessingError):
    code = "not_found"
    http_status = 404


class BadInput(GeoprocessingError):
    code = "invalid_input"
    http_status = 400


class OutsideArea(NotFoundError):
    """A point outside the area the portal serves (the province)."""

    code = "outside_area"


class NoParcelHere(NotFoundError):
    code = "no_parcel_here"


class ParcelNotFound(NotFoundError):
    code = "parcel_not_found"


class AmbiguousParcel(GeoprocessingError):
    """Sheet and parcel numbers that name parcels in several communes (e.g. communes merged in 2025)."""

    code = "ambiguous_parcel"
    http_status = 409


class UnknownCommune(NotFoundError):
    code = "unknown_commune"


class BadGeometryInput(BadInput):
    code = "invalid_geometry"


class GeometryTooLarge(BadInput):
    code = "geometry_too_large"


class UnknownNode(NotFoundError):
    code = "unknown_node"


class NodeNotOnNetwork(NotFoundError):
    code = "node_not_on_network"
