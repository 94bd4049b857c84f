"""Incidents API at /api/incidents/: categories, the form ticket, nearby reports, submission, public tracking,
staff work on incidents, the hotline console."""

from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from ninja import Query, Router, Status

from portal.accounts.auth import public_access, token_or_session
from portal.accounts.models import OrgUnit
from portal.errors import InvalidInput
from portal.ratelimit import client_ip

from . import hotline, services
from .access import staff_incidents
from .conf import conf
from .errors import IncidentNotFound
from .following import follow
from .geolocation import point_from
from .intake import Report, check_category
from .models import Incident, IncidentEvent, IncidentMedia
from .presenters import public_feature, public_incident, staff_incident
from .schemas import (
    AssignIn,
    CallIn,
    FollowIn,
    ListQuery,
    MergeIn,
    NearbyQuery,
    NoteIn,
    PinIn,
    RateIn,
    ReasonIn,
    ReopenIn,
)
from .selectors import (
    categories_with_attributes,
    filter_incidents,
    nearby_open,
    parse_bbox,
    public_detail,
    public_incidents,
)
from .spam import HONEYPOT_FIELD, check_rate, issue_ticket, record_rate
from .submission import api_channel, created_body, read_body, submit_from_request

router = Router()


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _created(incident: Incident) -> dict:
    return created_body(incident)


@router.get("/categories", auth=None, summary="What can be reported, with each category's extra questions")
def categories(request):
    lang = _lang()
    return [{"code": c.code, "name": c.name(lang), "description": c.description(lang), "group": c.group,
             "deadline_days": c.deadline_days, "network": c.network,
             "attributes": [{"code": a.code, "datatype": a.datatype, "required": a.required,
                             "description": a.description, "values": a.values} for a in c.attributes.all()
                            if a.variable]} for c in categories_with_attributes()]


@router.get("/ticket", auth=None, summary="A form ticket: anonymous reports need one a few seconds old")
def ticket(request):
    return {"ticket": issue_ticket(), "min_seconds": conf.MIN_FILL_SECONDS, "honeypot_field": HONEYPOT_FIELD}


@router.get("/nearby", auth=None, summary="Open public reports of the same category nearby: follow one of those?")
def nearby(request, q: Query[NearbyQuery]):
    category = check_category(q.category)
    found = nearby_open(category, point_from(q.lon, q.lat))
    return [{**public_incident(i, language=_lang()), "distance_m": round(i.distance.m)} for i in found]


@router.post("/", auth=public_access, response={201: dict}, summary="Report an incident (JSON or multipart with media)",
             openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": {"type": "object"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "media": {"type": "array", "items": {"type": "string", "format": "binary"}}}}}}}})
def submit(request):
    # JSON posts without a cookie are usually answered by incidents.lean, through the same functions.
    data, files = read_body(request)
    channel = api_channel(data, request.user)
    return Status(201, created_body(submit_from_request(request, data=data, files=files, channel=channel)))


@router.get("/public", auth=None, summary="Public reports as GeoJSON (no reporter identity)")
def public_list(request, q: Query[ListQuery]):
    incidents = public_incidents(category=q.category, status=q.status, bbox=parse_bbox(q.bbox), commune=q.commune,
                                 agency=q.agency, overdue=q.overdue)
    total = incidents.count()
    page = incidents[q.offset:q.offset + q.limit]
    return {"type": "FeatureCollection", "numberMatched": total,
            "features": [public_feature(i, language=_lang()) for i in page]}


def _public(code: str) -> Incident:
    incident = public_detail(code)
    if incident is None:
        raise IncidentNotFound()
    return incident


@router.get("/track/{code}", auth=None, summary="One public report and its public timeline")
def track(request, code: str):
    return public_incident(_public(code), language=_lang(), timeline=True)


@router.post("/track/{code}/follow", auth=None, response={201: dict}, summary="Follow a report by email")
def follow_incident(request, code: str, payload: FollowIn):
    check_rate(request)
    record_rate(request)
    follow(_public(code), payload.email)
    return Status(201, {"following": True})


@router.post("/track/{code}/rate", auth=public_access, summary="The reporter rates the resolution")
def rate(request, code: str, payload: RateIn):
    incident = services.do_rate(incident=_public(code), rating=payload.rating, comment=payload.comment,
                                key=payload.key, user=request.user)
    return {"rating": incident.rating}


@router.post("/track/{code}/reopen", auth=public_access, summary="The reporter reopens a resolved report")
def reopen(request, code: str, payload: ReopenIn):
    check_rate(request)
    record_rate(request)
    incident = services.do_reopen(incident=_public(code), reason=payload.reason, key=payload.key, user=request.user)
    return {"status": incident.status}


# --- staff -------------------------------------------------------------------------------------------------


def _staff_get(request, incident_id: int) -> Incident:
    return get_object_or_404(staff_incidents(request.auth).select_related(
        "category", "commune", "district", "agency", "merged_into"), pk=incident_id)


def _staff_out(request, incident: Incident) -> dict:
    events = IncidentEvent.objects.filter(incident=incident).order_by("at", "id")
    media = IncidentMedia.objects.filter(incident=incident)
    return staff_incident(incident, user=request.auth, via="api", ip=client_ip(request), language=_lang(),
                          events=events, media=media)


@router.get("/staff", auth=token_or_session, summary="Incidents the caller handles (dispatchers: all)")
def staff_list(request, q: Query[ListQuery]):
    incidents = filter_incidents(staff_incidents(request.auth), category=q.category, status=q.status,
                                 bbox=parse_bbox(q.bbox), commune=q.commune, agency=q.agency, overdue=q.overdue)
    incidents = incidents.select_related("category", "commune", "district", "agency", "merged_into")
    total = incidents.count()
    # Lists never carry reporter identity: it is read one incident at a time, and each read is logged.
    rows = []
    for incident in incidents[q.offset:q.offset + q.limit]:
        row = public_incident(incident, language=_lang())
        row.update(id=incident.pk, channel=incident.channel, agency_id=incident.agency_id,
                   escalation_level=incident.escalation_level)
        rows.append(row)
    return {"count": total, "results": rows}


@router.get("/staff/{incident_id}", auth=token_or_session, summary="One incident with its whole history")
def staff_detail(request, incident_id: int):
    return _staff_out(request, _staff_get(request, incident_id))


def _act(request, incident_id: int, action, **kwargs) -> dict:
    incident = action(incident=_staff_get(request, incident_id), actor=request.auth, **kwargs)
    return _staff_out(request, incident)


@router.post("/staff/{incident_id}/accept", auth=token_or_session)
def accept(request, incident_id: int, payload: ReasonIn):
    return _act(request, incident_id, services.do_accept, note=payload.reason)


@router.post("/staff/{incident_id}/reject", auth=token_or_session)
def reject(request, incident_id: int, payload: ReasonIn):
    return _act(request, incident_id, services.do_reject, reason=payload.reason)


@router.post("/staff/{incident_id}/assign", auth=token_or_session)
def assign(request, incident_id: int, payload: AssignIn):
    agency = None
    if payload.agency:
        agency = OrgUnit.objects.filter(code=payload.agency).first()
        if agency is None:
            raise InvalidInput(f"There is no organisation {payload.agency!r}.", field="agency")
    return _act(request, incident_id, services.do_assign, agency=agency, reason=payload.reason, ip=client_ip(request))


@router.post("/staff/{incident_id}/start", auth=token_or_session)
def start(request, incident_id: int, payload: ReasonIn):
    return _act(request, incident_id, services.do_start, note=payload.reason)


@router.post("/staff/{incident_id}/resolve", auth=token_or_session,
             summary="Resolve with a note and photos of the result (multipart: note, photos)")
def resolve(request, incident_id: int):
    data, _files = read_body(request)
    return _act(request, incident_id, services.do_resolve, note=str(data.get("note") or ""),
                uploads=request.FILES.getlist("photos"))


@router.post("/staff/{incident_id}/close", auth=token_or_session)
def close(request, incident_id: int, payload: ReasonIn):
    return _act(request, incident_id, services.do_close, note=payload.reason)


@router.post("/staff/{incident_id}/note", auth=token_or_session)
def note(request, incident_id: int, payload: NoteIn):
    return _act(request, incident_id, services.do_add_note, note=payload.note, public=payload.public)


@router.post("/staff/{incident_id}/merge", auth=token_or_session)
def merge(request, incident_id: int, payload: MergeIn):
    incident = _staff_get(request, incident_id)  # first: a report the caller cannot see is a 404 like the others
    into = staff_incidents(request.auth).filter(tracking_code=payload.into.strip().upper()).first()
    if into is None:
        raise InvalidInput(f"There is no report {payload.into!r}.", field="into")
    return _staff_out(request, services.do_merge(incident=incident, into=into, actor=request.auth,
                                                 ip=client_ip(request)))


# --- hotline --------------------------------------------------------------------------------------------------


@router.post("/hotline/calls", auth=token_or_session, response={201: dict},
             summary="Record a hotline call; without a place, send the caller a one-time pin-drop link")
def record_call(request, payload: CallIn):
    fields = payload.dict(exclude={"send_pin_drop"})
    report = Report(channel="hotline", **fields)
    if payload.lon is None and payload.lat is None and payload.send_pin_drop:
        sent = hotline.do_send_pin_drop(operator=request.auth, report=report)
        return Status(201, {"pin_drop_url": sent.url, "expires_at": sent.link.expires_at,
                            "sent_to": sent.link.sent_to})
    return Status(201, _created(hotline.do_record_call(operator=request.auth, report=report)))


@router.get("/pin/{key}", auth=None, summary="What the pin-drop link is for (category and description)")
def pin_info(request, key: str):
    link = hotline.find_pin_drop(key)
    category = check_category(link.draft.get("category", ""), staff=True)  # an operator chose it
    return {"category": category.name(_lang()), "description": link.draft.get("description", ""),
            "expires_at": link.expires_at}


@router.post("/pin/{key}", auth=None, response={201: dict}, summary="The caller drops the pin: the report is filed")
def drop_pin(request, key: str, payload: PinIn):
    check_rate(request)
    record_rate(request)
    incident = hotline.do_drop_pin(key=key, lon=payload.lon, lat=payload.lat)
    return Status(201, {"tracking_code": incident.tracking_code,
                        "track_url": f"/incidents/track/{incident.tracking_code}"})
