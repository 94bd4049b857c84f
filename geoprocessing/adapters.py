"""Where Django meets the core: the raw psycopg connection, table names from the registry, the caller's layers,
and the core's errors as the portal's."""

from __future__ import annotations

from functools import lru_cache, wraps

from django.conf import settings
from django.db import connection
from psycopg import Connection

from layers.models import AdminUnit, AdminUnitSuccession, LandUseCode, Layer, PlanDecision
from layers.registry import get_kind
from portal.errors import PortalError

from .errors import GeoprocessingError
from .records import Scope
from .sqlfiles import Tables

__all__ = ["raw_connection", "tables", "lookup_scope", "layers_of_kind", "province", "CoreError", "core_errors"]

DEFAULT_PROVINCE = "Ninh Thuận"


def raw_connection() -> Connection:
    """The psycopg connection under Django's (from its pool), for the core's SQL."""
    connection.ensure_connection()
    return connection.connection


@lru_cache(maxsize=1)
def tables() -> Tables:
    return Tables(
        parcels=get_kind("land_parcel").table, zones=get_kind("plan_zone").table,
        decisions=PlanDecision._meta.db_table, land_use=LandUseCode._meta.db_table,
        admin_units=AdminUnit._meta.db_table, successions=AdminUnitSuccession._meta.db_table,
        nodes=get_kind("network_node").table, segments=get_kind("network_segment").table,
        works=get_kind("irrigation_work").table, canals=get_kind("canal").table,
        irrigated_areas=get_kind("irrigated_area").table, layers=Layer._meta.db_table)


def province() -> tuple[str, tuple[int, ...]]:
    """The province the portal serves (settings.PLANNING_PROVINCE), by name, with its unit ids of every period."""
    name = getattr(settings, "PLANNING_PROVINCE", DEFAULT_PROVINCE)
    ids = AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE, name__in=[name, f"Tỉnh {name}"]).values_list(
        "pk", flat=True)
    return name, tuple(ids)


def layers_of_kind(user, kind: str) -> list[int]:
    return list(Layer.objects.visible_to(user).filter(kind=kind).order_by("pk").values_list("pk", flat=True))


def lookup_scope(user) -> Scope:
    """What a lookup may read for `user`. Underground and irrigation layers the caller cannot see still count,
    when internal, as constraints (network, distance, corridor) without their identifiers; restricted layers
    never count."""
    kinds = ("land_parcel", "plan_zone", "network_segment", "canal", "irrigation_work")
    visible: dict[str, list[int]] = {kind: [] for kind in kinds}
    for pk, kind in Layer.objects.visible_to(user).filter(kind__in=kinds).values_list("pk", "kind"):
        visible[kind].append(pk)
    internal: dict[str, list[int]] = {kind: [] for kind in kinds}
    for pk, kind in Layer.objects.filter(kind__in=kinds[2:], visibility=Layer.Visibility.INTERNAL).values_list(
            "pk", "kind"):
        internal[kind].append(pk)
    name, ids = province()

    def both(kind: str) -> tuple[int, ...]:
        return tuple(sorted(set(visible[kind]) | set(internal[kind])))

    return Scope(parcel_layers=tuple(sorted(visible["land_parcel"])), zone_layers=tuple(sorted(visible["plan_zone"])),
                 segment_layers=both("network_segment"), canal_layers=both("canal"),
                 work_layers=both("irrigation_work"),
                 detailed=frozenset(pk for ids_ in visible.values() for pk in ids_), province_ids=ids,
                 province_name=name)


class CoreError(PortalError):
    """A core error answered with its own status and body (near matches, candidates…)."""

    def __init__(self, exc: GeoprocessingError):
        self.core = exc
        self.http_status = exc.http_status
        super().__init__(exc.message, code=exc.code, field=exc.field)

    def as_dict(self) -> dict:
        return self.core.as_dict()


def core_errors(func):
    """Let a handler call the core and have its errors answered in the portal's error shape."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except GeoprocessingError as exc:
            raise CoreError(exc) from exc

    return wrapper
