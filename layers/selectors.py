"""Reads on administrative units: which units contain a point on a given day."""

from datetime import date

from django.contrib.gis.geos import Point
from django.db.models import Prefetch

from .models import AdminUnit, AdminUnitSuccession

__all__ = ["units_at", "with_succession"]

LEVELS = [level.value for level in AdminUnit.Level]


def with_succession(queryset):
    """Fetch successors and predecessors in two queries, whatever the number of units."""
    return queryset.prefetch_related(
        Prefetch("successions", queryset=AdminUnitSuccession.objects.select_related("successor")),
        Prefetch("predecessions", queryset=AdminUnitSuccession.objects.select_related("predecessor")),
    )


def units_at(lon: float, lat: float, day: date) -> dict[str, AdminUnit | None]:
    """The province, district and commune containing (lon, lat) that were in force on `day`."""
    point = Point(lon, lat, srid=4326)
    found: dict[str, AdminUnit | None] = dict.fromkeys(LEVELS)
    units = with_succession(AdminUnit.objects.valid_on(day).containing(point)).order_by("level", "id")
    for unit in units:
        # Two units of one level overlap only along slivers of imperfect boundaries: keep the first.
        if found[unit.level] is None:
            found[unit.level] = unit
    return found
