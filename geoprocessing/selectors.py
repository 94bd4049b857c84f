"""Reads behind the planning API: which parcel a request names, and what the plan says about it."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from layers.models import LandParcel

from . import lookup
from .adapters import corridors, lookup_scope, raw_connection, tables
from .answers import answer_digest, answer_json
from .errors import BadInput, GeoprocessingError
from .records import PlanningAnswer, Scope

__all__ = ["ALLOWED_SRIDS", "find_parcel", "planning_answer_for", "parcel_answer", "sheet_currency"]

# WGS 84, VN-2000 geographic, VN-2000 / UTM 48N and 49N, and the VN-2000 / TM-3 zones (EPSG:9205–9218).
ALLOWED_SRIDS = frozenset({4326, 4756, 3405, 3406, *range(9205, 9219)})


def find_parcel(q, scope: Scope) -> int:
    """The parcel a lookup query names: a click (lon/lat), coordinates (x/y in srid) or its numbers."""
    conn, t = raw_connection(), tables()
    if q.lon is not None or q.lat is not None:
        if q.lon is None or q.lat is None:
            raise BadInput("give both lon and lat", field="lat" if q.lat is None else "lon")
        return lookup.parcel_at(conn, q.lon, q.lat, scope, tables=t)
    if q.x is not None or q.y is not None:
        if q.x is None or q.y is None:
            raise BadInput("give both x and y", field="y" if q.y is None else "x")
        if q.srid not in ALLOWED_SRIDS:
            raise BadInput(f"srid {q.srid} is not accepted; use 4326 or a VN-2000 zone "
                           f"({', '.join(str(s) for s in sorted(ALLOWED_SRIDS - {4326}))})", field="srid")
        lon, lat = lookup.to_wgs84(q.x, q.y, q.srid)
        return lookup.parcel_at(conn, lon, lat, scope, tables=t)
    if q.commune or q.sheet_no or q.parcel_no:
        for name in ("commune", "sheet_no", "parcel_no"):
            if not getattr(q, name):
                raise BadInput(f"a parcel is named by commune, sheet_no and parcel_no: {name} is missing",
                               field=name)
        return lookup.parcel_by_number(conn, q.commune, q.sheet_no, q.parcel_no, scope, tables=t)
    raise BadInput("name a parcel: lon and lat, x and y (with srid), or commune, sheet_no and parcel_no",
                   field="lon")


def parcel_answer(parcel_id: int, scope: Scope, *, day: date | None, distance_m: float) -> PlanningAnswer:
    return lookup.planning_answer(raw_connection(), parcel_id, scope=scope, as_of=day or timezone.localdate(),
                                  distance_m=distance_m, corridors=corridors(), tables=tables())


def planning_answer_for(user, q) -> PlanningAnswer:
    scope = lookup_scope(user)
    return parcel_answer(find_parcel(q, scope), scope, day=q.date, distance_m=q.distance_m)


def sheet_currency(sheet) -> str:
    """Whether the plan, read again now for the sheet's day, still says what the sheet printed."""
    scope = lookup_scope(AnonymousUser())
    parcel_id = (LandParcel.objects.filter(layer__slug=sheet.layer_slug, ext_id=sheet.parcel_ext_id,
                                           layer_id__in=scope.parcel_layers).values_list("pk", flat=True).first())
    if parcel_id is None:
        return "parcel_gone"
    try:
        answer = parcel_answer(parcel_id, scope, day=sheet.as_of, distance_m=sheet.answer["distance_m"])
    except GeoprocessingError:
        return "parcel_gone"
    return "unchanged" if answer_digest(answer_json(answer)) == sheet.answer_sha256 else "changed"
