"""Who handles a report: the operator of the nearest asset for network faults, else the best matching
rule of category × area; nobody (the IOC triage queue) when nothing matches."""

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection
from django.utils.translation import gettext as _

from layers.models import Canal, NetworkNode, NetworkSegment
from portal.accounts.models import OrgUnit

from .geolocation import Location
from .models import Category, NetworkKind, RoutingRule

__all__ = ["Route", "route", "nearest_operator", "matching_rules"]


@dataclass(frozen=True)
class Route:
    agency: OrgUnit | None  # None: the IOC triage queue
    reason: str
    rule: RoutingRule | None = None
    asset: str = ""  # "network_segment:123" for a network fault

    @property
    def to_triage(self) -> bool:
        return self.agency is None


# One KNN query per table over the Web Mercator index; the operator is the asset's own, else its layer's owner.
_NEAREST = """
SELECT a.id, COALESCE({operator}, l.owner_id),
       ST_Distance(a.geom::geography, %(p)s::geography) AS metres
  FROM {table} a JOIN layers_layer l ON l.id = a.layer_id
 WHERE {network_filter}
   AND ST_DWithin(a.geom_3857, ST_Transform(%(p)s::geometry, 3857), %(r)s / cos(radians(%(y)s)))
 ORDER BY a.geom_3857 <-> ST_Transform(%(p)s::geometry, 3857) LIMIT 1
"""


def _nearest_in(model, point: Point, radius_m: float, network: str | None):
    table = model._meta.db_table  # from our own models, never from input
    has_operator = any(f.name == "operator" for f in model._meta.fields)
    statement = _NEAREST.format(table=table, operator="a.operator_id" if has_operator else "NULL::bigint",
                                network_filter="a.network = %(net)s" if network else "TRUE")
    with connection.cursor() as cur:
        cur.execute(statement, {"p": point.ewkt, "r": radius_m, "y": point.y, "net": network})
        return cur.fetchone()


def nearest_operator(point: Point, network: str, radius_m: float) -> tuple[int, str, float] | None:
    """(operator org unit id, asset ref, distance m) of the nearest asset of `network` within `radius_m`."""
    models = [Canal] if network == NetworkKind.CANAL else [NetworkSegment, NetworkNode]
    best = None
    for model in models:
        row = _nearest_in(model, point, radius_m, None if network == NetworkKind.CANAL else network)
        if row and row[1] is not None and (best is None or row[2] < best[2]):
            best = (row[1], f"{model._meta.model_name}:{row[0]}", row[2])
    return best


# Highest priority first; then a rule of this category before one for any; then the most specific area:
# drawn, commune, district, province, anywhere. One statement, using the admin units already found.
_RULES = """
SELECT r.id, r.name, r.category_id, r.admin_unit_id, r.priority, o.id, o.code, o.name, o.kind
  FROM incidents_routingrule r JOIN accounts_orgunit o ON o.id = r.agency_id
 WHERE r.active AND (r.category_id = %(category)s OR r.category_id IS NULL)
   AND ((r.admin_unit_id IS NULL AND r.area IS NULL)
        OR r.admin_unit_id = ANY(%(units)s)
        OR (r.area IS NOT NULL AND ST_Covers(r.area, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326))))
 ORDER BY r.priority DESC, r.category_id IS NULL,
          CASE WHEN r.area IS NOT NULL THEN 0 WHEN r.admin_unit_id = %(commune)s THEN 1
               WHEN r.admin_unit_id = %(district)s THEN 2 WHEN r.admin_unit_id = %(province)s THEN 3 ELSE 4 END,
          r.id
"""


def matching_rules(category: Category, loc: Location) -> list[RoutingRule]:
    """Active rules for this category (or any) whose area holds the point, best first."""
    ids = {level: getattr(loc, level).pk if getattr(loc, level) is not None else None
           for level in ("commune", "district", "province")}
    with connection.cursor() as cur:
        cur.execute(_RULES, {"category": category.pk, "units": [v for v in ids.values() if v is not None],
                             "x": loc.point.x, "y": loc.point.y, **ids})
        rows = cur.fetchall()
    return [RoutingRule(id=rid, name=name, category_id=cat, admin_unit_id=unit, priority=priority, agency_id=oid,
                        agency=OrgUnit(id=oid, code=code, name=oname, kind=kind))
            for rid, name, cat, unit, priority, oid, code, oname, kind in rows]


def route(category: Category, loc: Location) -> Route:
    if category.network:
        found = nearest_operator(loc.point, category.network, category.network_radius_m)
        if found is not None:
            agency_id, asset, metres = found
            agency = OrgUnit.objects.get(pk=agency_id)
            return Route(agency=agency, asset=asset,
                         reason=_("operator of the nearest %(asset)s, %(m).0f m away") % {"asset": asset, "m": metres})
    rules = matching_rules(category, loc)
    if rules:
        rule = rules[0]
        return Route(agency=rule.agency, rule=rule, reason=_("routing rule %(name)s") % {"name": str(rule)})
    return Route(agency=None, reason=_("no rule matched: IOC triage"))
