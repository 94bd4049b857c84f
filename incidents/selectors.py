"""Reads on incidents, named for what they answer."""

import math
from datetime import timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from portal.errors import InvalidInput

from .conf import conf
from .models import OPEN_STATUSES, Category, Channel, Incident, IncidentEvent, IncidentMedia, Status

__all__ = ["nearby_open", "public_incidents", "public_detail", "parse_bbox", "filter_incidents",
           "categories_with_attributes", "deadline_flag"]


def categories_with_attributes() -> QuerySet[Category]:
    return Category.objects.for_citizens().prefetch_related("attributes")


def nearby_open(category: Category, point: Point, *, radius_m: float | None = None, days: int | None = None,
                limit: int = 10) -> QuerySet[Incident]:
    """Open public reports of the same category near `point`, nearest first: candidates to follow instead."""
    since = timezone.now() - timedelta(days=days or conf.NEARBY_DAYS)
    radius = radius_m or conf.NEARBY_RADIUS_M
    # The index answers a box in degrees a little wider than the circle; the sphere distance then trims it.
    degrees = radius / (111_000 * max(math.cos(math.radians(point.y)), 0.01))
    return (Incident.objects.open().filter(public=True, category=category, created_at__gte=since,
                                           geom__dwithin=(point, degrees), geom__distance_lte=(point, D(m=radius)))
            .annotate(distance=Distance("geom", point)).select_related("category", "commune")
            .order_by("distance")[:limit])


def parse_bbox(text: str | None) -> Polygon | None:
    if not text:
        return None
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput("bbox is west,south,east,north in degrees.", field="bbox") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InvalidInput("bbox is west,south,east,north with west < east and south < north.", field="bbox")
    return Polygon.from_bbox((west, south, east, north))


def _public_media() -> Prefetch:
    return Prefetch("media", to_attr="public_media", queryset=IncidentMedia.objects.filter(
        status=IncidentMedia.State.READY).exclude(public_copy=""))


def filter_incidents(incidents: QuerySet[Incident], *, category: str | None = None, status: str | None = None,
                     bbox: Polygon | None = None, commune: int | None = None, agency: int | None = None,
                     overdue: bool | None = None, since=None, until=None,
                     channel: str | None = None) -> QuerySet[Incident]:
    if category:
        incidents = incidents.filter(category__code__in=category.split(","))
    if status:
        statuses = status.split(",")
        unknown = set(statuses) - set(Status.values) - {"open"}
        if unknown:
            raise InvalidInput(f"Unknown status {sorted(unknown)[0]!r}.", field="status")
        wanted = {s for s in statuses if s != "open"} | (set(OPEN_STATUSES) if "open" in statuses else set())
        incidents = incidents.filter(status__in=wanted)
    if channel:
        channels = channel.split(",")
        unknown = set(channels) - set(Channel.values)
        if unknown:
            raise InvalidInput(f"Unknown channel {sorted(unknown)[0]!r}.", field="channel")
        incidents = incidents.filter(channel__in=channels)
    if bbox is not None:
        incidents = incidents.filter(geom__within=bbox)
    if commune:
        incidents = incidents.filter(commune_id=commune)
    if agency:
        incidents = incidents.filter(agency_id=agency)
    if overdue:
        incidents = incidents.filter(deadline__lt=timezone.now(), status__in=OPEN_STATUSES)
    if since:
        incidents = incidents.filter(created_at__gte=since)
    if until:
        incidents = incidents.filter(created_at__lt=until)
    return incidents


def public_incidents(**filters) -> QuerySet[Incident]:
    return (filter_incidents(Incident.objects.public(), **filters)
            .select_related("category", "commune", "district", "agency").prefetch_related(_public_media()))


def public_detail(code: str) -> Incident | None:
    return (Incident.objects.public().filter(tracking_code=code.strip().upper())
            .select_related("category", "commune", "district", "agency")
            .prefetch_related(_public_media(),
                              Prefetch("events", to_attr="public_events",
                                       queryset=IncidentEvent.objects.public().order_by("at", "id")))
            .first())


def deadline_flag(incident: Incident, now=None) -> str:
    """"overdue", "near" or "" for an open incident; "" once it is no longer anyone's work."""
    if incident.deadline is None or not incident.is_open:
        return ""
    now = now or timezone.now()
    if incident.deadline < now:
        return "overdue"
    return "near" if incident.deadline - now < conf.NEAR_DEADLINE else ""
