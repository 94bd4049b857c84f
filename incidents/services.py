"""Writes on an incident after intake: each action checks the transition and the actor, changes the
incident, appends its event, queues its messages and announces the change, all in one transaction."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.accounts import audit
from portal.accounts.models import OrgUnit
from portal.errors import InvalidInput, PermissionDenied

from . import events
from .access import can_dispatch, can_handle
from .changes import announce_change
from .conf import conf
from .errors import InvalidTransition, NotYourIncident, ReopenClosed
from .intake import clean_text, reporter_key_digest, store_media
from .models import Incident, IncidentMedia, Status
from .notifications import queue_status_change, queue_to_agency
from .uploads import check_uploads

__all__ = ["do_accept", "do_reject", "do_assign", "do_start", "do_resolve", "do_close", "do_reopen",
           "do_add_note", "do_merge", "do_rate", "check_reporter", "ALLOWED"]

# action -> statuses it may start from.
ALLOWED = {
    "accept": {Status.SUBMITTED},
    "reject": {Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED},
    "assign": {Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS},
    "start": {Status.ASSIGNED},
    "resolve": {Status.ASSIGNED, Status.IN_PROGRESS},
    "close": {Status.RESOLVED},
    "reopen": {Status.RESOLVED, Status.CLOSED},
    "rate": {Status.RESOLVED, Status.CLOSED},
    "merge": {Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS},
}
_NOTE_LIMIT = 5000


def _locked(incident: Incident) -> Incident:
    # Two dispatchers acting at once see each other's result, never interleave.
    return Incident.objects.select_for_update(of=("self",)).select_related("category", "agency").get(pk=incident.pk)


def _check(action: str, incident: Incident) -> None:
    done = f"{action.rstrip('e')}ed"
    if incident.merged_into_id is not None:
        raise InvalidTransition(action=done, status="merged into another report")
    if incident.status not in ALLOWED[action]:
        raise InvalidTransition(action=done, status=incident.get_status_display().lower())


def _need_dispatcher(user, incident: Incident) -> None:
    # A district IOC's dispatcher acts on its district's reports only (incidents.access.can_dispatch).
    if not can_dispatch(user, incident):
        raise PermissionDenied("Only the IOC's dispatchers can do this.")


def _need_handler(user, incident: Incident) -> None:
    if not can_handle(user, incident):
        raise NotYourIncident()


def _save(incident: Incident, *fields: str) -> None:
    incident.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def do_accept(*, incident: Incident, actor, note: str = "") -> Incident:
    incident = _locked(incident)
    _need_dispatcher(actor, incident)
    _check("accept", incident)
    note = clean_text(note, field="note", limit=_NOTE_LIMIT)
    previous, incident.status = incident.status, Status.ACCEPTED
    _save(incident, "status")
    events.accepted_event(incident=incident, actor=actor, from_status=previous, note=note)
    queue_status_change(incident, note=note)
    announce_change(incident, "accepted")
    return incident


@transaction.atomic
def do_reject(*, incident: Incident, actor, reason: str) -> Incident:
    incident = _locked(incident)
    _need_dispatcher(actor, incident)
    _check("reject", incident)
    reason = clean_text(reason, field="reason", limit=_NOTE_LIMIT, required=True)
    previous, incident.status, incident.closed_at = incident.status, Status.REJECTED, timezone.now()
    _save(incident, "status", "closed_at")
    events.rejected_event(incident=incident, actor=actor, from_status=previous, reason=reason)
    queue_status_change(incident, note=reason)
    announce_change(incident, "rejected")
    return incident


@transaction.atomic
def do_assign(*, incident: Incident, actor, agency: OrgUnit | None, reason: str = "",
              ip: str | None = None) -> Incident:
    """To an agency (assigned, or reassigned when it had one), or back to the IOC's triage queue (None).

    Dispatchers assign anywhere; agency staff may only hand their own incident back to triage."""
    incident = _locked(incident)
    if not can_dispatch(actor, incident):
        _need_handler(actor, incident)
        if agency is not None:
            raise PermissionDenied("Agency staff can hand a report back to the IOC, not to another agency.")
    _check("assign", incident)
    reason = clean_text(reason, field="reason", limit=_NOTE_LIMIT)
    if agency is not None and agency.kind != OrgUnit.Kind.AGENCY:
        raise InvalidInput(f"{agency.name} is not an agency.", field="agency")
    if agency is not None and agency.pk == incident.agency_id:
        raise InvalidInput(f"The report is already with {agency.name}.", field="agency")
    previous_status, previous_agency = incident.status, incident.agency
    incident.agency = agency
    incident.status = Status.ASSIGNED if agency is not None else Status.ACCEPTED
    _save(incident, "agency", "status")
    if previous_agency is None and agency is not None:
        events.assigned_event(incident=incident, actor=actor, from_status=previous_status, agency=agency,
                              reason=reason)
    else:
        if not reason:
            raise InvalidInput("Say why the report moves.", code="required", field="reason")
        events.reassigned_event(incident=incident, actor=actor, from_status=previous_status, agency=agency,
                                previous_agency=previous_agency, reason=reason)
    if agency is not None:
        queue_to_agency(incident, kind="assigned", subject=f"[{incident.tracking_code}] Phản ánh mới / New report",
                        body=f"{incident.category.name_vi}: {incident.description[:500]}\n")
    audit.incident_assigned(actor=actor, incident=incident, agency=agency, previous=previous_agency, reason=reason,
                            ip=ip)
    announce_change(incident, "assigned")
    return incident


@transaction.atomic
def do_start(*, incident: Incident, actor, note: str = "") -> Incident:
    incident = _locked(incident)
    _need_handler(actor, incident)
    _check("start", incident)
    note = clean_text(note, field="note", limit=_NOTE_LIMIT)
    previous, incident.status = incident.status, Status.IN_PROGRESS
    _save(incident, "status")
    events.started_event(incident=incident, actor=actor, from_status=previous, note=note)
    queue_status_change(incident, note=note)
    announce_change(incident, "started")
    return incident


def do_resolve(*, incident: Incident, actor, note: str, uploads=()) -> Incident:
    """Resolved, with what was done and the photos that show it (at least one)."""
    checked = check_uploads(uploads, field="photos")
    if not checked and conf.RESOLUTION_NEEDS_PHOTO:
        raise InvalidInput("A resolution needs at least one photo of the result.", code="required", field="photos")
    with transaction.atomic():
        incident = _locked(incident)
        _need_handler(actor, incident)
        _check("resolve", incident)
        note = clean_text(note, field="note", limit=_NOTE_LIMIT, required=True)
        previous, incident.status, incident.resolved_at = incident.status, Status.RESOLVED, timezone.now()
        _save(incident, "status", "resolved_at")
        event = events.resolved_event(incident=incident, actor=actor, from_status=previous, note=note)
        store_media(incident, checked, purpose=IncidentMedia.Purpose.RESOLUTION, uploaded_by=actor, event=event)
        queue_status_change(incident, note=note)
        announce_change(incident, "resolved")
    return incident


@transaction.atomic
def do_close(*, incident: Incident, actor=None, note: str = "") -> Incident:
    """By a dispatcher, or by the system (actor None) once the reopening window has passed."""
    incident = _locked(incident)
    if actor is not None:
        _need_dispatcher(actor, incident)
    _check("close", incident)
    previous, incident.status, incident.closed_at = incident.status, Status.CLOSED, timezone.now()
    _save(incident, "status", "closed_at")
    events.closed_event(incident=incident, actor=actor, from_status=previous,
                        note=clean_text(note, field="note", limit=_NOTE_LIMIT))
    announce_change(incident, "closed")
    return incident


def check_reporter(incident: Incident, *, key: str = "", user=None) -> None:
    """The reporter proves it by the key they were given, or by being the logged-in user who reported."""
    if user is not None and user.is_authenticated and incident.reporter_user_id == user.pk:
        return
    if key and incident.reporter_key_digest and reporter_key_digest(key) == incident.reporter_key_digest:
        return
    raise PermissionDenied("Only the person who reported this can do that (use the key from your receipt).")


@transaction.atomic
def do_reopen(*, incident: Incident, reason: str, key: str = "", user=None) -> Incident:
    incident = _locked(incident)
    check_reporter(incident, key=key, user=user)
    _check("reopen", incident)
    reason = clean_text(reason, field="reason", limit=_NOTE_LIMIT, required=True)
    if incident.resolved_at and timezone.now() - incident.resolved_at > timedelta(days=conf.REOPEN_DAYS):
        raise ReopenClosed(days=conf.REOPEN_DAYS)
    previous = incident.status
    incident.status = Status.ASSIGNED if incident.agency_id else Status.SUBMITTED
    incident.resolved_at = incident.closed_at = None
    incident.rating = None
    _save(incident, "status", "resolved_at", "closed_at", "rating")
    events.reopened_event(incident=incident, from_status=previous, reason=reason)
    if incident.agency_id:
        queue_to_agency(incident, kind="status", subject=f"[{incident.tracking_code}] Mở lại / Reopened",
                        body=f"{reason}\n")
    announce_change(incident, "reopened")
    return incident


@transaction.atomic
def do_add_note(*, incident: Incident, actor, note: str, public: bool) -> Incident:
    incident = _locked(incident)
    _need_handler(actor, incident)
    note = clean_text(note, field="note", limit=_NOTE_LIMIT, required=True)
    if public:
        events.public_note_event(incident=incident, actor=actor, note=note)
        queue_status_change(incident, note=note)
    else:
        events.internal_note_event(incident=incident, actor=actor, note=note)
    _save(incident)
    announce_change(incident, "note")
    return incident


@transaction.atomic
def do_merge(*, incident: Incident, into: Incident, actor, ip: str | None = None) -> Incident:
    """`incident` is a duplicate of `into`: it closes, and its reporter and followers follow `into`."""
    if incident.pk == into.pk:
        raise InvalidInput("A report cannot be merged into itself.", field="into")
    incident, into = _locked(incident), _locked(into)
    _need_dispatcher(actor, incident)
    _need_dispatcher(actor, into)
    _check("merge", incident)
    if into.merged_into_id is not None or into.status in (Status.REJECTED,):
        raise InvalidInput(f"{into.tracking_code} cannot take duplicates.", field="into")
    previous = incident.status
    incident.merged_into, incident.status, incident.closed_at = into, Status.CLOSED, timezone.now()
    _save(incident, "merged_into", "status", "closed_at")
    events.merged_event(incident=incident, actor=actor, into=into)
    events.closed_event(incident=incident, actor=actor, from_status=previous, note=into.tracking_code)
    emails = set(incident.followers.values_list("email", flat=True)) | (
        {incident.reporter_email} if incident.reporter_email else set())
    from .following import follow

    for email in emails:
        follow(into, email)
    audit.incident_merged(actor=actor, incident=incident, into=into, ip=ip)
    announce_change(incident, "merged")
    return incident


@transaction.atomic
def do_rate(*, incident: Incident, rating: int, comment: str = "", key: str = "", user=None) -> Incident:
    incident = _locked(incident)
    check_reporter(incident, key=key, user=user)
    _check("rate", incident)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("A rating is a whole number from 1 to 5.", field="rating")
    comment = clean_text(comment, field="comment", limit=1000)
    incident.rating = rating
    _save(incident, "rating")
    events.rated_event(incident=incident, rating=rating, comment=comment)
    announce_change(incident, "rated")
    return incident
