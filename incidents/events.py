"""One keyword-only function per kind of event: the only writers of an incident's history.

Each inserts one row and returns it; the caller has already changed the incident in the same transaction.
`public` says whether the citizen's timeline shows it; notes marked internal never leave the staff.
"""

from django.utils import timezone

from .models import EventKind, Incident, IncidentEvent

__all__ = [
    "submitted_event", "accepted_event", "rejected_event", "assigned_event", "reassigned_event",
    "escalated_event", "started_event", "resolved_event", "closed_event", "reopened_event",
    "public_note_event", "internal_note_event", "merged_event", "rated_event", "reminded_event",
]


def _label(actor, actor_label: str) -> str:
    if actor_label:
        return actor_label
    org = getattr(actor, "org_unit", None) if actor is not None else None
    return org.name if org is not None else ("IOC" if actor is not None else "system")


def _event(kind: str, *, incident: Incident, actor, actor_label: str = "", public: bool = True,
           from_status: str = "", to_status: str = "", note: str = "", agency=None, data: dict | None = None,
           at=None, store: bool = True) -> IncidentEvent:
    event = IncidentEvent(
        incident=incident, kind=kind, actor=actor, actor_label=_label(actor, actor_label), public=public,
        from_status=from_status, to_status=to_status or incident.status, note=note, agency=agency, data=data or {},
        at=at or timezone.now())
    if store:
        event.save(force_insert=True)
    return event


def submitted_event(*, incident: Incident, actor=None, channel: str, routed_by: str = "",
                    store: bool = True) -> IncidentEvent:
    """`store=False`: the row only, for intake to write with the new incident in one statement."""
    label = {"hotline": "IOC hotline", "camera": "camera"}.get(channel, "citizen")
    # Routing may assign it in the same instant; this row records the report as it arrived.
    return _event(EventKind.SUBMITTED, incident=incident, actor=actor, actor_label=label, to_status="submitted",
                  data={"channel": channel, "routed_by": routed_by}, at=incident.created_at, store=store)


def accepted_event(*, incident: Incident, actor, from_status: str, note: str = "") -> IncidentEvent:
    return _event(EventKind.ACCEPTED, incident=incident, actor=actor, from_status=from_status, note=note)


def rejected_event(*, incident: Incident, actor, from_status: str, reason: str) -> IncidentEvent:
    return _event(EventKind.REJECTED, incident=incident, actor=actor, from_status=from_status, note=reason)


def assigned_event(*, incident: Incident, actor, from_status: str, agency, reason: str = "",
                   store: bool = True) -> IncidentEvent:
    return _event(EventKind.ASSIGNED, incident=incident, actor=actor, from_status=from_status, agency=agency,
                  data={"reason": reason}, store=store)


def reassigned_event(*, incident: Incident, actor, from_status: str, agency, previous_agency,
                     reason: str) -> IncidentEvent:
    return _event(EventKind.REASSIGNED, incident=incident, actor=actor, from_status=from_status, agency=agency,
                  note=reason, data={"previous_agency_id": getattr(previous_agency, "pk", None)})


def escalated_event(*, incident: Incident, actor=None, level: int, reason: str, agency=None) -> IncidentEvent:
    # Escalations are the IOC's business; the citizen sees the deadline, not the internal chase.
    return _event(EventKind.ESCALATED, incident=incident, actor=actor, public=False, agency=agency, note=reason,
                  from_status=incident.status, data={"level": level})


def started_event(*, incident: Incident, actor, from_status: str, note: str = "") -> IncidentEvent:
    return _event(EventKind.STARTED, incident=incident, actor=actor, from_status=from_status, note=note)


def resolved_event(*, incident: Incident, actor, from_status: str, note: str) -> IncidentEvent:
    return _event(EventKind.RESOLVED, incident=incident, actor=actor, from_status=from_status, note=note)


def closed_event(*, incident: Incident, actor=None, from_status: str, note: str = "") -> IncidentEvent:
    return _event(EventKind.CLOSED, incident=incident, actor=actor, from_status=from_status, note=note)


def reopened_event(*, incident: Incident, actor=None, from_status: str, reason: str) -> IncidentEvent:
    return _event(EventKind.REOPENED, incident=incident, actor=actor, actor_label="citizen" if actor is None else "",
                  from_status=from_status, note=reason)


def public_note_event(*, incident: Incident, actor, note: str) -> IncidentEvent:
    return _event(EventKind.NOTE_PUBLIC, incident=incident, actor=actor, note=note, from_status=incident.status)


def internal_note_event(*, incident: Incident, actor, note: str) -> IncidentEvent:
    return _event(EventKind.NOTE_INTERNAL, incident=incident, actor=actor, public=False, note=note,
                  from_status=incident.status)


def merged_event(*, incident: Incident, actor, into: Incident) -> IncidentEvent:
    return _event(EventKind.MERGED, incident=incident, actor=actor, from_status=incident.status,
                  data={"into": into.tracking_code}, note=into.tracking_code)


def rated_event(*, incident: Incident, rating: int, comment: str = "") -> IncidentEvent:
    return _event(EventKind.RATED, incident=incident, actor=None, actor_label="citizen", note=comment,
                  from_status=incident.status, data={"rating": rating})


def reminded_event(*, incident: Incident, kind: str, to: str) -> IncidentEvent:
    return _event(EventKind.REMINDED, incident=incident, actor=None, public=False, from_status=incident.status,
                  data={"kind": kind, "to_agency": to})
