"""Who sees and does what with incidents: the province IOC's dispatchers everything, a district IOC's
dispatchers their district's (portal.accounts.scope), agency staff their agency's only, the public the public
reports without anyone's identity. Each look at a reporter's identity is logged."""

from django.db.models import QuerySet

from portal.accounts import audit
from portal.accounts.scope import district_unit_ids

from .chat.models import Reply
from .models import Incident

__all__ = ["is_dispatcher", "is_agency_staff", "staff_incidents", "can_dispatch", "can_handle", "can_see_reporter",
           "reporter_identity", "staff_replies", "REPORTER_FIELDS"]

REPORTER_FIELDS = ("reporter_name", "reporter_phone", "reporter_email")


def is_dispatcher(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("incidents.dispatch_incident"))


def is_agency_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.org_unit_id is not None
                and user.has_perm("incidents.handle_incident"))


def staff_incidents(user) -> QuerySet[Incident]:
    """Every incident for the province's dispatchers, their district's for a district IOC's; for agency staff,
    their agency's; for anyone else, none."""
    incidents = Incident.objects.all()
    if is_dispatcher(user):
        districts = district_unit_ids(user)
        return incidents if districts is None else incidents.filter(district_id__in=districts)
    if is_agency_staff(user):
        return incidents.filter(agency_id=user.org_unit_id)
    return incidents.none()


def can_dispatch(user, incident: Incident) -> bool:
    """Triage, assign, reject, merge, close: a dispatcher whose territory holds the incident."""
    if not is_dispatcher(user):
        return False
    districts = district_unit_ids(user)
    return districts is None or incident.district_id in districts


def can_handle(user, incident: Incident) -> bool:
    return can_dispatch(user, incident) or (is_agency_staff(user) and incident.agency_id == user.org_unit_id)


def can_see_reporter(user, incident: Incident) -> bool:
    return can_handle(user, incident) and user.has_perm("incidents.view_reporter")


def reporter_identity(user, incident: Incident, *, via: str, ip: str | None = None) -> dict | None:
    """The reporter's contact for those allowed, with an audit row for each look; None for anyone else."""
    if not can_see_reporter(user, incident):
        return None
    shown = {name: getattr(incident, name) for name in REPORTER_FIELDS}
    filled = [name for name, value in shown.items() if value]
    if filled:
        audit.reporter_contact_viewed(actor=user, incident=incident, fields=filled, via=via, ip=ip)
    return shown


def staff_replies(user) -> QuerySet[Reply]:
    """Chat replies the operators' pages show: all for the province's dispatchers; a district IOC's, those of
    its district's incidents (a conversation not yet filed has no place, so it stays with the province)."""
    replies = Reply.objects.all()
    if not is_dispatcher(user):
        return replies.none()
    if district_unit_ids(user) is None:
        return replies
    return replies.filter(incident__in=staff_incidents(user))
