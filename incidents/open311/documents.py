"""Our incidents and categories as GeoReport v2 trees (see formats), fields in the spec's order."""

from django.urls import reverse

from ..models import Category, Incident, Status
from .formats import Node

__all__ = ["open311_status", "service_node", "definition_node", "request_node"]


def open311_status(status: str) -> str:
    """GeoReport knows open and closed: resolved, closed and rejected reports are closed."""
    return "closed" if status in (Status.RESOLVED, Status.CLOSED, Status.REJECTED) else "open"


def service_node(category: Category, *, language: str) -> Node:
    return ("service", [
        ("service_code", category.code),
        ("service_name", category.name(language)),
        ("description", category.description(language)),
        ("metadata", any(a.variable for a in category.attributes.all())),
        ("type", "realtime"),
        ("keywords", category.keywords),
        ("group", category.group),
    ])


def definition_node(category: Category) -> Node:
    attributes = [("attribute", [
        ("variable", a.variable),
        ("code", a.code),
        ("datatype", a.datatype),
        ("required", a.required),
        ("datatype_description", a.datatype_description),
        ("order", a.order),
        ("description", a.description),
        ("values", [("value", [("key", v.get("key")), ("name", v.get("name"))]) for v in a.values]),
    ]) for a in category.attributes.all()]
    return ("service_definition", [("service_code", category.code), ("attributes", attributes)])


def _notes(incident: Incident) -> str:
    latest = getattr(incident, "latest_public_note", None)
    return latest or incident.get_status_display()


def _media_url(request, incident: Incident) -> str:
    ready = getattr(incident, "public_media", [])
    if ready:
        return request.build_absolute_uri(reverse("incidents:media", args=[ready[0].pk, "public"]))
    return ""


def request_node(request, incident: Incident, *, language: str) -> Node:
    """One service request as the public sees it: no reporter, public media copy only (never media_url given
    by a client, which we store but do not fetch or republish)."""
    return ("request", [
        ("service_request_id", incident.tracking_code),
        ("status", open311_status(incident.status)),
        ("status_notes", _notes(incident)),
        ("service_name", incident.category.name(language)),
        ("service_code", incident.category.code),
        ("description", incident.description),
        ("agency_responsible", incident.agency.name if incident.agency_id else ""),
        ("service_notice", ""),
        ("requested_datetime", incident.created_at),
        ("updated_datetime", incident.updated_at),
        ("expected_datetime", incident.deadline),
        ("address", incident.address or ", ".join(x for x in (incident.street_name, getattr(
            incident.commune, "name", ""), getattr(incident.district, "name", "")) if x)),
        ("address_id", ""),
        ("zipcode", ""),
        ("lat", round(incident.geom.y, 7)),
        ("long", round(incident.geom.x, 7)),
        ("media_url", _media_url(request, incident)),
    ])
