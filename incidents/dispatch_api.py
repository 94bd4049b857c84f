"""The dispatcher's API at /api/dispatch/: the live map's features, suggested duplicates, bulk actions.

Single actions (accept, assign, merge, …) are the staff endpoints of /api/incidents/staff/; bulk
actions call the same services one incident at a time, each in its own transaction, and say which
succeeded. Features never carry reporter identity (the detail endpoint shows it, and logs the look).
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema

from portal.accounts import audit
from portal.accounts.auth import token_or_session
from portal.accounts.models import OrgUnit
from portal.errors import InvalidInput, PermissionDenied, PortalError
from portal.ratelimit import client_ip

from . import services
from .access import is_dispatcher, staff_incidents
from .conf import conf
from .dispatch_duplicates import duplicate_pairs
from .models import OPEN_STATUSES, Incident, IncidentMedia
from .selectors import deadline_flag, filter_incidents, parse_bbox

__all__ = ["router", "dispatch_feature", "dispatch_incidents"]

router = Router(auth=token_or_session)
MAX_FEATURES = 5000
MAX_BULK = 200


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _ids(text: str | None, field: str = "ids") -> list[int] | None:
    if not text:
        return None
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InvalidInput("ids is a comma-separated list of incident ids.", field=field) from None
    if len(ids) > MAX_FEATURES:
        raise InvalidInput(f"At most {MAX_FEATURES} ids at once.", field=field)
    return ids


class FeedQuery(Schema):
    status: str | None = Field(None, description="comma-separated; 'open' for every open status")
    category: str | None = Field(None, description="comma-separated category codes")
    channel: str | None = Field(None, description="comma-separated channels: web, api, hotline, open311, camera, "
                                                 "zalo, messenger, app")
    agency: int | None = None
    commune: int | None = None
    overdue: bool | None = None
    bbox: str | None = Field(None, description="west,south,east,north")
    ids: str | None = Field(None, description="only these incidents (comma-separated ids): live updates")
    limit: int = Field(2000, ge=1, le=MAX_FEATURES)


def _thumbnails() -> Prefetch:
    return Prefetch("media", to_attr="ready_media", queryset=IncidentMedia.objects.filter(
        status=IncidentMedia.State.READY).exclude(thumbnail="").order_by("created_at", "id"))


def dispatch_incidents(user, q: FeedQuery):
    incidents = filter_incidents(staff_incidents(user), category=q.category, status=q.status,
                                 bbox=parse_bbox(q.bbox), commune=q.commune, agency=q.agency, overdue=q.overdue,
                                 channel=q.channel)
    ids = _ids(q.ids)
    if ids is not None:
        incidents = incidents.filter(pk__in=ids)
    return (incidents.select_related("category", "commune", "agency", "merged_into")
            .prefetch_related(_thumbnails()).order_by("-created_at", "-id"))


def dispatch_feature(incident: Incident, *, language: str = "vi") -> dict:
    media = getattr(incident, "ready_media", [])
    return {
        "type": "Feature", "id": incident.pk,
        "geometry": {"type": "Point", "coordinates": [round(incident.geom.x, 6), round(incident.geom.y, 6)]},
        "properties": {
            "id": incident.pk, "code": incident.tracking_code, "category": incident.category.code,
            "category_name": incident.category.name(language), "status": incident.status,
            "status_label": str(incident.get_status_display()), "open": incident.status in OPEN_STATUSES
            and incident.merged_into_id is None,
            "agency_id": incident.agency_id, "agency": incident.agency.name if incident.agency_id else "",
            "commune_id": incident.commune_id, "commune": incident.commune.name if incident.commune_id else "",
            "description": incident.description[:280], "channel": incident.channel,
            "created_at": incident.created_at.isoformat(), "updated_at": incident.updated_at.isoformat(),
            "deadline": incident.deadline.isoformat() if incident.deadline else None,
            "deadline_flag": deadline_flag(incident), "escalation_level": incident.escalation_level,
            "merged_into": incident.merged_into.tracking_code if incident.merged_into_id else None,
            "thumbnail_url": reverse("incidents:media", args=[media[0].pk, "thumb"]) if media else None,
        },
    }


@router.get("/incidents", summary="Incidents the caller handles as GeoJSON, for the live map and list")
def feed(request, q: Query[FeedQuery]):
    incidents = dispatch_incidents(request.auth, q)
    language = _lang()
    features = [dispatch_feature(incident, language=language) for incident in incidents[:q.limit]]
    return {"type": "FeatureCollection", "features": features, "count": len(features)}


class DuplicatesQuery(Schema):
    ids: str | None = Field(None, description="look for repeats of these (default: every open incident)")
    radius_m: float | None = Field(None, gt=0, le=5000)
    hours: float = Field(72, gt=0, le=24 * 90)
    limit: int = Field(100, ge=1, le=500)


@router.get("/duplicates", summary="Suggested merges: same category, close in place and time (dispatchers)")
def duplicates(request, q: Query[DuplicatesQuery]):
    if not is_dispatcher(request.auth):
        raise PermissionDenied("Only the IOC's dispatchers merge reports.")
    # Only among the reports the caller dispatches (a district IOC: its district's), on both sides of a pair.
    mine = staff_incidents(request.auth)
    ids = _ids(q.ids)
    looked_at = mine.open() if ids is None else mine.filter(pk__in=ids)
    ids = list(looked_at.values_list("pk", flat=True)[:MAX_FEATURES])
    radius = q.radius_m or conf.NEARBY_RADIUS_M
    pairs = duplicate_pairs(ids, radius_m=radius, hours=q.hours)
    codes = dict(mine.filter(pk__in={p.duplicate_id for p in pairs} | {p.into_id for p in pairs})
                 .values_list("pk", "tracking_code"))
    # Kept to the caller's reports before the limit: a district's best pairs are not crowded out by pairs
    # with a neighbouring district's reports, which it may not merge.
    pairs = [p for p in pairs if p.duplicate_id in codes and p.into_id in codes][:q.limit]
    return {"radius_m": radius, "hours": q.hours, "pairs": [
        {"duplicate": {"id": p.duplicate_id, "code": codes[p.duplicate_id]},
         "into": {"id": p.into_id, "code": codes[p.into_id]},
         "metres": p.metres, "hours": p.hours, "score": p.score} for p in pairs]}


class BulkIn(Schema):
    action: str = Field(description="accept, reject, assign, merge or note")
    ids: list[int] = Field(min_length=1, max_length=MAX_BULK)
    agency: str | None = Field(None, description="assign: the agency's code; empty hands back to triage")
    reason: str = ""
    into: str | None = Field(None, description="merge: the tracking code of the report they repeat")


def _bulk_action(request, payload: BulkIn):
    """The service call for one incident, with the arguments fixed once for the whole batch."""
    actor, ip = request.auth, client_ip(request)
    if payload.action == "accept":
        return lambda incident: services.do_accept(incident=incident, actor=actor, note=payload.reason)
    if payload.action == "reject":
        return lambda incident: services.do_reject(incident=incident, actor=actor, reason=payload.reason)
    if payload.action == "note":
        return lambda incident: services.do_add_note(incident=incident, actor=actor, note=payload.reason,
                                                     public=False)
    if payload.action == "assign":
        agency = None
        if payload.agency:
            agency = OrgUnit.objects.filter(code=payload.agency).first()
            if agency is None:
                raise InvalidInput(f"There is no organisation {payload.agency!r}.", field="agency")
        return lambda incident: services.do_assign(incident=incident, actor=actor, agency=agency,
                                                   reason=payload.reason, ip=ip)
    if payload.action == "merge":
        into = staff_incidents(actor).filter(tracking_code=(payload.into or "").strip().upper()).first()
        if into is None:
            raise InvalidInput(f"There is no report {payload.into!r}.", field="into")
        return lambda incident: services.do_merge(incident=incident, into=into, actor=actor, ip=ip)
    raise InvalidInput(f"Unknown action {payload.action!r}; use accept, reject, assign, merge or note.",
                       field="action")


@router.post("/bulk", summary="One action on many incidents; each succeeds or fails on its own")
def bulk(request, payload: BulkIn):
    act = _bulk_action(request, payload)
    found = {incident.pk: incident for incident in staff_incidents(request.auth).filter(pk__in=payload.ids)}
    results = []
    for incident_id in dict.fromkeys(payload.ids):
        incident = found.get(incident_id)
        if incident is None:
            results.append({"id": incident_id, "ok": False, "code": "not_found", "message": "Not found."})
            continue
        try:
            done = act(incident)
        except PortalError as exc:  # this one is refused (its status, the caller's rights); the rest go on
            results.append({"id": incident_id, "code": exc.code, "ok": False, "message": exc.user_msg})
            continue
        results.append({"id": incident_id, "ok": True, "status": done.status})
    audit.incident_bulk_action(actor=request.auth, action=payload.action, results=results, ip=client_ip(request))
    return {"action": payload.action, "done": sum(r["ok"] for r in results), "results": results}
