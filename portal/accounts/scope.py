"""The territory a user's organisation confines them to: a district IOC's members work on their district only.

The province IOC, agencies (scoped by what is assigned to them, in each app) and superusers are not confined
by territory. A district IOC whose district is not set confines its members to nothing rather than everything.
Every app asks here (incidents, reports, cameras, planner queries), so one rule says who is bound where.
"""

from django.contrib.gis.db.models import Union
from django.contrib.gis.geos import MultiPolygon

from layers.models import AdminUnit

from .models import OrgUnit

__all__ = ["is_district_bound", "district_of", "district_unit_ids", "district_commune_ids", "district_outline"]


def is_district_bound(user) -> bool:
    """A member of a district IOC: sees and acts on that district only."""
    if user is None or not user.is_authenticated or user.is_superuser:
        return False
    org = getattr(user, "org_unit", None)
    return org is not None and org.kind == OrgUnit.Kind.DISTRICT_IOC


def district_of(user) -> AdminUnit | None:
    """The district a district IOC's member is bound to; None for everyone else (and for an IOC without one)."""
    if not is_district_bound(user):
        return None
    return user.org_unit.admin_unit


def _per_request(user, name: str, compute):
    """Worked out once per user object, i.e. once per request: services ask again for every incident of a bulk
    action. A user's organisation does not change under a request."""
    cache = user.__dict__.setdefault("_district_scope", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


def district_unit_ids(user) -> list[int] | None:
    """Ids of the user's district in every period it was recorded (None: not confined; []: confined to nothing).

    Incidents keep the district unit found when they came in, which may be an earlier period of the same code."""
    if not is_district_bound(user):
        return None
    district = district_of(user)
    if district is None:
        return []
    return _per_request(user, "units", lambda: list(
        AdminUnit.objects.filter(level=district.level, code=district.code).values_list("pk", flat=True)))


def district_commune_ids(user) -> list[int] | None:
    """Ids of the communes of the user's district (every period); None when not confined."""
    ids = district_unit_ids(user)
    if ids is None:
        return None
    return _per_request(user, "communes", lambda: list(
        AdminUnit.objects.filter(level=AdminUnit.Level.COMMUNE, parent_id__in=ids).values_list("pk", flat=True)))


def district_outline(user) -> MultiPolygon | None:
    """The ground the user is confined to (EPSG:4326); None when not confined, an empty one for nowhere."""
    ids = district_unit_ids(user)
    if ids is None:
        return None

    def union() -> MultiPolygon:
        outline = AdminUnit.objects.filter(pk__in=ids).aggregate(g=Union("geom"))["g"] if ids else None
        if outline is None:
            return MultiPolygon(srid=4326)
        return outline if isinstance(outline, MultiPolygon) else MultiPolygon(outline, srid=4326)

    return _per_request(user, "outline", union)
