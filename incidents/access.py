"""Who sees and does what with incidents: dispatchers everything, agency staff their agency's only, the
public the public reports without anyone's identity. Each look at a reporter's identity is logged."""

from django.db.models import QuerySet

from .models import Incident, PersonalDataAccess

__all__ = ["is_dispatcher", "is_agency_staff", "staff_incidents", "can_handle", "can_see_reporter",
           "reporter_identity", "REPORTER_FIELDS"]

REPORTER_FIELDS = ("reporter_name", "reporter_phone", "reporter_email")


def is_dispatcher(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("incidents.dispatch_incident"))


def is_agency_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.org_unit_id is not None
                and user.has_perm("incidents.handle_incident"))


def staff_incidents(user) -> QuerySet[Incident]:
    """Every incident for dispatchers; for agency staff, their agency's; for anyone else, none."""
    incidents = Incident.objects.all()
    if is_dispatcher(user):
        return incidents
    if is_agency_staff(user):
        return incidents.filter(agency_id=user.org_unit_id)
    return incidents.none()


def can_handle(user, incident: Incident) -> bool:
    return is_dispatcher(user) or (is_agency_staff(user) and incident.agency_id == user.org_unit_id)


def can_see_reporter(user, incident: Incident) -> bool:
    return can_handle(user, incident) and user.has_perm("incidents.view_reporter")


def reporter_identity(user, incident: Incident, *, via: str, ip: str | None = None) -> dict | None:
    """The reporter's contact for those allowed, with an audit row for each look; None for anyone else."""
    if not can_see_reporter(user, incident):
        return None
    shown = {name: getattr(incident, name) for name in REPORTER_FIELDS}
    filled = [name for name, value in shown.items() if value]
    if filled:
        PersonalDataAccess.objects.create(user=user, incident=incident, fields=",".join(filled), via=via[:40],
                                          ip=ip if ip and ip != "unknown" else None)
    return shown
