"""What each audience is shown of an incident: the public (no identity, public media copies, public events),
and staff (everything of their incidents; reporter contact only through access.reporter_identity)."""

from django.urls import reverse

from .access import reporter_identity
from .models import Incident, IncidentMedia
from .selectors import deadline_flag

__all__ = ["public_media", "public_incident", "public_feature", "staff_incident", "public_event"]


def _name(unit) -> str:
    return unit.name if unit is not None else ""


def public_media(media: IncidentMedia) -> dict:
    return {"id": media.pk, "kind": media.kind, "purpose": media.purpose,
            "url": reverse("incidents:media", args=[media.pk, "public"]),
            "thumbnail_url": reverse("incidents:media", args=[media.pk, "thumb"]) if media.thumbnail else None}


def public_event(event) -> dict:
    return {"kind": event.kind, "label": event.get_kind_display(), "at": event.at, "by": event.actor_label,
            "status": event.to_status, "note": event.note}


def public_incident(incident: Incident, *, language: str = "vi", timeline: bool = False) -> dict:
    body = {
        "tracking_code": incident.tracking_code,
        "category": {"code": incident.category.code, "name": incident.category.name(language)},
        "description": incident.description,
        "status": incident.status,
        "status_label": incident.get_status_display(),
        "address": incident.address,
        "street_name": incident.street_name,
        "commune": _name(incident.commune),
        "district": _name(incident.district),
        "agency": incident.agency.name if incident.agency_id else "",
        "lon": round(incident.geom.x, 6),
        "lat": round(incident.geom.y, 6),
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
        "deadline": incident.deadline,
        "deadline_flag": deadline_flag(incident),
        "resolved_at": incident.resolved_at,
        "rating": incident.rating,
        "media": [public_media(m) for m in getattr(incident, "public_media", [])],
    }
    if timeline:
        body["timeline"] = [public_event(e) for e in getattr(incident, "public_events", [])]
    return body


def public_feature(incident: Incident, *, language: str = "vi") -> dict:
    props = public_incident(incident, language=language)
    lon, lat = props.pop("lon"), props.pop("lat")
    return {"type": "Feature", "id": incident.tracking_code, "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def staff_incident(incident: Incident, *, user, via: str, ip: str | None = None, language: str = "vi",
                   events=None, media=None) -> dict:
    body = public_incident(incident, language=language)
    body.update({
        "id": incident.pk, "channel": incident.channel, "public": incident.public,
        "agency_id": incident.agency_id, "commune_id": incident.commune_id,
        "escalation_level": incident.escalation_level, "attributes": incident.attributes,
        "media_url": incident.media_url, "merged_into": incident.merged_into.tracking_code
        if incident.merged_into_id else None,
        "reporter": reporter_identity(user, incident, via=via, ip=ip),
    })
    if events is not None:
        body["timeline"] = [{**public_event(e), "public": e.public, "agency_id": e.agency_id} for e in events]
    if media is not None:
        body["media"] = [{**public_media(m), "status": m.status, "content_type": m.content_type,
                          "size_bytes": m.size_bytes, "error": m.error,
                          "original_url": reverse("incidents:media", args=[m.pk, "original"])} for m in media]
    return body
