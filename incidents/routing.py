"""Who handles a report: the operator of the nearest asset for network faults, else the best matching
rule of category × area; nobody (the IOC triage queue) when nothing matches.

The SQL is two pieces over three named inputs, `pt` (geolocation.POINT_SQL), `cat` (id, network,
network_radius_m) and `units` (id, level):
intake's lookup statement (incidents.lookup) reads them from the category and admin-unit tables in the same
round trip; `route` gives them as values.
"""

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _
from psycopg import sql

from layers.models import Canal, NetworkNode, NetworkSegment
from portal.accounts.models import OrgUnit

from .geolocation import POINT_SQL, Location
from .models import Category, RoutingRule

__all__ = ["Route", "route", "route_from", "RULE_SQL", "ASSET_SQL", "RULE_COLUMNS", "ASSET_COLUMNS"]


@dataclass(frozen=True)
class Route:
    agency: OrgUnit | None  # None: the IOC triage queue
    reason: str
    rule: RoutingRule | None = None
    asset: str = ""  # "networksegment:123" for a network fault

    @property
    def to_triage(self) -> bool:
        return self.agency is None


# Highest priority first; then a rule of this category before one for any; then the most specific area:
# drawn, commune, district, province, anywhere.
RULE_SQL = sql.SQL("""
SELECT r.id, r.name, r.category_id, r.admin_unit_id, r.priority, o.id, o.code, o.name, o.kind
  FROM incidents_routingrule r JOIN accounts_orgunit o ON o.id = r.agency_id
 WHERE r.active AND (r.category_id = (SELECT id FROM cat) OR r.category_id IS NULL)
   AND ((r.admin_unit_id IS NULL AND r.area IS NULL)
        OR r.admin_unit_id IN (SELECT id FROM units)
        OR (r.area IS NOT NULL AND ST_Covers(r.area, (SELECT g FROM pt))))
 ORDER BY r.priority DESC, r.category_id IS NULL,
          CASE WHEN r.area IS NOT NULL THEN 0
               WHEN r.admin_unit_id = (SELECT id FROM units WHERE level = 'commune') THEN 1
               WHEN r.admin_unit_id = (SELECT id FROM units WHERE level = 'district') THEN 2
               WHEN r.admin_unit_id = (SELECT id FROM units WHERE level = 'province') THEN 3 ELSE 4 END,
          r.id
 LIMIT 1
""")
# Read by position (the names repeat: the rule's and its agency's id and name).
RULE_COLUMNS = sql.SQL("rule.*")  # id, name, category_id, admin_unit_id, priority, agency id, code, name, kind

# The nearest asset of the category's network within its radius, by one KNN scan of each table over the Web
# Mercator index; the operator is the asset's own, else its layer's owner. Pipes, drains, cables: segments
# and nodes; canals: the canal table. An asset with nobody to answer for it is passed over.
_NEAREST = sql.SQL("""
(SELECT {model} AS model, a.id, {operator} AS org_id,
        ST_Distance(a.geom::geography, (SELECT g FROM pt)::geography) AS metres
   FROM {table} a JOIN layers_layer l ON l.id = a.layer_id
  WHERE {network}
    AND ST_DWithin(a.geom_3857, (SELECT m FROM pt), (SELECT network_radius_m FROM cat) / (SELECT k FROM pt))
  ORDER BY a.geom_3857 <-> (SELECT m FROM pt) LIMIT 1)""")
_PIPES = sql.SQL("(SELECT network FROM cat) NOT IN ('', 'canal') AND a.network = (SELECT network FROM cat)")
_OWN_OPERATOR = sql.SQL("COALESCE(a.operator_id, l.owner_id)")


def _nearest(model, network: sql.Composable, operator: sql.Composable) -> sql.Composed:
    return _NEAREST.format(model=sql.Literal(model._meta.model_name), table=sql.Identifier(model._meta.db_table),
                           network=network, operator=operator)


ASSET_SQL = sql.SQL("SELECT near.model, near.id, near.metres, o.id, o.code, o.name, o.kind "
                    "FROM (SELECT * FROM ({union}) nearest WHERE org_id IS NOT NULL ORDER BY metres LIMIT 1) near "
                    "JOIN accounts_orgunit o ON o.id = near.org_id").format(
    union=sql.SQL(" UNION ALL ").join([
        _nearest(NetworkSegment, _PIPES, _OWN_OPERATOR), _nearest(NetworkNode, _PIPES, _OWN_OPERATOR),
        _nearest(Canal, sql.SQL("(SELECT network FROM cat) = 'canal'"), sql.SQL("l.owner_id"))]))
ASSET_COLUMNS = sql.SQL("asset.*")  # model, id, metres, operator's id, code, name, kind


def _org(pk, code, name, kind) -> OrgUnit:
    return OrgUnit(id=pk, code=code, name=name, kind=kind)


def route_from(rule_row, asset_row) -> Route:
    """The Route from the two pieces' rows (RULE_COLUMNS, ASSET_COLUMNS; all None when nothing was found)."""
    model, asset_id, metres, *org = asset_row
    if asset_id is not None:
        asset = f"{model}:{asset_id}"
        return Route(agency=_org(*org), asset=asset,
                     reason=_("operator of the nearest %(asset)s, %(m).0f m away") % {"asset": asset, "m": metres})
    rid, name, category_id, unit_id, priority, *org = rule_row
    if rid is not None:
        agency = _org(*org)
        rule = RoutingRule(id=rid, name=name, category_id=category_id, admin_unit_id=unit_id, priority=priority,
                           agency_id=agency.pk, agency=agency)
        return Route(agency=agency, rule=rule, reason=_("routing rule %(name)s") % {"name": str(rule)})
    return Route(agency=None, reason=_("no rule matched: IOC triage"))


_ROUTED = sql.SQL(
    "WITH pt AS ({pt}), cat AS (SELECT %(category)s::bigint AS id, %(network)s::text AS network, "
    "%(radius)s::float8 AS network_radius_m), "
    "units AS (SELECT * FROM unnest(%(unit_ids)s::bigint[], %(unit_levels)s::text[]) AS u(id, level)), "
    "rule AS ({rule}), asset AS ({asset}) "
    "SELECT {rule_columns}, {asset_columns} FROM (SELECT) one LEFT JOIN rule ON true LEFT JOIN asset ON true").format(
    pt=sql.SQL(POINT_SQL), rule=RULE_SQL, asset=ASSET_SQL, rule_columns=RULE_COLUMNS, asset_columns=ASSET_COLUMNS)


def route(category: Category, loc: Location) -> Route:
    """Route a located report of `category` (intake gets the same answer from its lookup statement)."""
    units = [(unit.pk, level) for level in ("commune", "district", "province")
             if (unit := getattr(loc, level)) is not None]
    params = {"category": category.pk, "network": category.network, "radius": float(category.network_radius_m),
              "unit_ids": [pk for pk, _level in units], "unit_levels": [level for _pk, level in units],
              "x": loc.point.x, "y": loc.point.y}
    with connection.cursor() as cur:
        cur.execute(_ROUTED, params)
        row = cur.fetchone()
    return route_from(row[:9], row[9:])
