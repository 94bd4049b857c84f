"""Where Django meets the core: the raw psycopg connection, table names from the registry, the caller's layers,
and the core's errors as the portal's."""

from __future__ import annotations

import time
from functools import lru_cache, wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from psycopg import Connection
from psycopg import sql as psql

from layers.models import AdminUnit, AdminUnitSuccession, LandUseCode, Layer, PlanDecision
from layers.registry import get_kind
from portal.errors import PortalError

from .errors import GeoprocessingError
from .lookup import DEFAULT_CORRIDORS, Corridors
from .records import Scope
from .sqlfiles import Tables

__all__ = ["raw_connection", "tables", "lookup_scope", "province", "corridors", "CoreError", "core_errors"]

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


_PROVINCE_TTL_S = 60.0
_province_cache: dict[str, tuple[float, tuple[int, ...]]] = {}


def province() -> tuple[str, tuple[int, ...]]:
    """The province the portal serves (settings.PLANNING_PROVINCE), by name, with its unit ids of every period.
    Kept a minute per process: asked on every lookup, changed only by re-importing the admin units."""
    name = getattr(settings, "PLANNING_PROVINCE", DEFAULT_PROVINCE)
    cached = _province_cache.get(name)
    if cached is None or time.monotonic() - cached[0] > _PROVINCE_TTL_S:
        ids = tuple(AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE, name__in=[name, f"Tỉnh {name}"])
                    .order_by("pk").values_list("pk", flat=True))
        cached = _province_cache[name] = (time.monotonic(), ids)
    return name, cached[1]


_corridor_cache: dict[str, tuple[object, Corridors]] = {}


def corridors() -> Corridors:
    """The protection corridor widths the lookup applies: the province's (settings.PLANNING_CORRIDORS, each width
    with the regulation it comes from), else the demo's defaults, whose source says they are only that."""
    configured = getattr(settings, "PLANNING_CORRIDORS", None)
    if not configured:
        return DEFAULT_CORRIDORS
    cached = _corridor_cache.get("configured")
    if cached is not None and cached[0] is configured:
        return cached[1]
    try:
        built = Corridors.from_mapping(configured, where="settings.PLANNING_CORRIDORS")
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(str(exc)) from exc
    _corridor_cache["configured"] = (configured, built)
    return built


_SCOPE_KINDS = ("land_parcel", "plan_zone", "network_segment", "canal", "irrigation_work")


_public_scope: dict[str, tuple[tuple, Scope]] = {}


def _catalog_fingerprint() -> tuple:
    """Changes whenever a layer is added, removed, saved (visibility, roles) or re-imported (version)."""
    with connection.cursor() as cursor:
        cursor.execute(psql.SQL("SELECT count(*), max(id), max(updated_at), sum(version) FROM {}").format(
            psql.Identifier(Layer._meta.db_table)))
        return cursor.fetchone()


def lookup_scope(user) -> Scope:
    """What a lookup may read for `user`. Underground and irrigation layers the caller cannot see still count,
    when internal, as constraints (network, distance, corridor) without their identifiers; restricted layers
    never count. The public's scope is kept per process while the catalog stays the same: compiling its query
    cost more than the rest of a lookup."""
    if user is None or not user.is_authenticated:
        fingerprint = _catalog_fingerprint()
        cached = _public_scope.get("public")
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
        scope = _scope_of(user)
        _public_scope["public"] = (fingerprint, scope)
        return scope
    return _scope_of(user)


def _scope_of(user) -> Scope:
    """One query: each candidate layer, and whether `user` may see it."""
    visible = Layer.objects.visible_to(user).filter(pk=OuterRef("pk"))
    rows = (Layer.objects.filter(kind__in=_SCOPE_KINDS)
            .filter(Q(visibility=Layer.Visibility.INTERNAL, kind__in=_SCOPE_KINDS[2:]) | Q(Exists(visible)))
            .annotate(seen=Exists(visible)).order_by("pk").values_list("pk", "kind", "seen"))
    readable: dict[str, list[int]] = {kind: [] for kind in _SCOPE_KINDS}
    detailed = set()
    for pk, kind, seen in rows:
        if seen or kind in _SCOPE_KINDS[2:]:
            readable[kind].append(pk)
        if seen:
            detailed.add(pk)
    name, ids = province()
    return Scope(parcel_layers=tuple(readable["land_parcel"]), zone_layers=tuple(readable["plan_zone"]),
                 segment_layers=tuple(readable["network_segment"]), canal_layers=tuple(readable["canal"]),
                 work_layers=tuple(readable["irrigation_work"]), detailed=frozenset(detailed), province_ids=ids,
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
