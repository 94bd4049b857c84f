"""Routing: the operator of the nearest asset for network faults, else category × area rules by priority."""

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from incident_helpers import PHAN_RANG

from incidents.geolocation import locate, nearest_street
from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Category, Incident, RoutingRule
from incidents.routing import route
from layers.models import AdminUnit, BasemapRoad, Canal, Layer, NetworkSegment
from portal.accounts.models import OrgUnit

pytestmark = pytest.mark.django_db
X, Y = PHAN_RANG


def _layer(slug, kind, owner):
    return Layer.objects.create(slug=slug, kind=kind, title_vi=slug, title_en=slug, theme="underground", owner=owner)


def _pipe(layer, ext_id, operator, dx_m, network="water"):
    dx = dx_m / 109_000  # degrees of longitude per metre at 11.6° N, near enough
    return NetworkSegment.objects.create(layer=layer, ext_id=ext_id, network=network, operator=operator,
                                         geom=LineString((X + dx, Y - 0.001), (X + dx, Y + 0.001), srid=4326))


def test_a_leak_goes_to_the_operator_of_the_nearest_pipe_in_range(admin_units, categories, orgs):
    other = OrgUnit.objects.create(code="water-2", name="Cấp nước 2", kind=OrgUnit.Kind.AGENCY)
    pipes = _layer("pipes", "network_segment", orgs["ioc"])
    _pipe(pipes, "near", orgs["water"], 20)
    _pipe(pipes, "far", other, 45)
    _pipe(pipes, "power", orgs["roads"], 5, network="power")  # nearer, but another network
    loc = locate(Point(X, Y, srid=4326))
    routed = route(categories["leak"], loc)
    assert routed.agency == orgs["water"] and routed.asset.startswith("networksegment:")
    assert "20 m" in routed.reason or "19 m" in routed.reason or "21 m" in routed.reason


def test_out_of_range_falls_back_to_rules_then_triage(admin_units, categories, orgs):
    _pipe(_layer("pipes", "network_segment", orgs["ioc"]), "far", orgs["water"], 500)
    loc = locate(Point(X, Y, srid=4326))
    assert route(categories["leak"], loc).to_triage
    RoutingRule.objects.create(category=categories["leak"], agency=orgs["roads"])
    assert route(categories["leak"], loc).agency == orgs["roads"]


def test_an_asset_without_operator_goes_to_its_layers_owner(admin_units, orgs):
    canal_kind = Category.objects.create(code="canal", name_vi="Kênh", name_en="Canal", deadline_days=3,
                                         network="canal", network_radius_m=100)
    layer = Layer.objects.create(slug="kenh", kind="canal", title_vi="k", title_en="k", theme="irrigation",
                                 owner=orgs["water"])
    Canal.objects.create(layer=layer, ext_id="k1", level=2,
                         geom=LineString((X - 0.001, Y + 0.0003), (X + 0.001, Y + 0.0003), srid=4326))
    assert route(canal_kind, locate(Point(X, Y, srid=4326))).agency == orgs["water"]


def test_rules_by_priority_then_category_then_the_most_specific_area(admin_units, categories, orgs):
    loc = locate(Point(X, Y, srid=4326))
    district = AdminUnit.objects.get(pk=loc.district.pk)
    third = OrgUnit.objects.create(code="third", name="Third", kind=OrgUnit.Kind.AGENCY)
    pothole = categories["pothole"]
    RoutingRule.objects.create(name="any", agency=third)
    assert route(pothole, loc).rule.name == "any"
    RoutingRule.objects.create(name="district", category=pothole, admin_unit=district, agency=orgs["roads"])
    assert route(pothole, loc).rule.name == "district"
    square = MultiPolygon(Polygon.from_bbox((X - 0.01, Y - 0.01, X + 0.01, Y + 0.01)), srid=4326)
    RoutingRule.objects.create(name="drawn", category=pothole, area=square, agency=orgs["water"])
    assert route(pothole, loc).rule.name == "drawn"
    RoutingRule.objects.create(name="urgent", category=None, agency=third, priority=5)
    assert route(pothole, loc).rule.name == "urgent"
    far = MultiPolygon(Polygon.from_bbox((X + 1, Y, X + 1.1, Y + 0.1)), srid=4326)
    RoutingRule.objects.create(name="elsewhere", category=pothole, area=far, agency=orgs["roads"], priority=9)
    RoutingRule.objects.create(name="off", category=pothole, agency=orgs["roads"], priority=10, active=False)
    assert route(pothole, loc).rule.name == "urgent"


def test_nearest_street_from_the_basemap_roads(admin_units, orgs):
    layer = Layer.objects.create(slug="roads", kind="basemap_road", title_vi="r", title_en="r", theme="basemap")
    BasemapRoad.objects.create(layer=layer, ext_id="1", name="Đường 16 Tháng 4", highway="primary",
                               geom=LineString((X - 0.001, Y + 0.0002), (X + 0.001, Y + 0.0002), srid=4326))
    BasemapRoad.objects.create(layer=layer, ext_id="2", name="", highway="service",
                               geom=LineString((X - 0.001, Y), (X + 0.001, Y), srid=4326))
    assert nearest_street(Point(X, Y, srid=4326)) == "Đường 16 Tháng 4"
    assert nearest_street(Point(X, Y + 0.01, srid=4326)) == ""


def test_intake_fills_the_street_name_nearest_street_gives(client, admin_units, categories, ticket):
    """The name intake's one-statement lookup stores is the one nearest_street() finds on its own."""
    layer = Layer.objects.create(slug="roads", kind="basemap_road", title_vi="r", title_en="r", theme="basemap")
    BasemapRoad.objects.create(layer=layer, ext_id="1", name="Đường Thống Nhất", highway="primary",
                               geom=LineString((X - 0.001, Y + 0.0003), (X + 0.001, Y + 0.0003), srid=4326))
    BasemapRoad.objects.create(layer=layer, ext_id="2", name="Hẻm 12", highway="residential",
                               geom=LineString((X - 0.001, Y + 0.0009), (X + 0.001, Y + 0.0009), srid=4326))
    response = client.post("/api/incidents/", {"category": "pothole", "description": "Ổ gà", "lon": X, "lat": Y,
                                               "attribute[size]": "small", "ticket": ticket})
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(tracking_code=response.json()["tracking_code"])
    expected = nearest_street(Point(X, Y, srid=4326))
    assert incident.street_name == expected == "Đường Thống Nhất"
    assert client.get(f"/api/incidents/track/{incident.tracking_code}").json()["street_name"] == expected
    # Away from every road (and parcel) the name stays empty rather than borrowing a far one.
    far = do_submit_incident(check_report(Report(category="pothole", description="x", channel="web", lon=X,
                                                 lat=Y + 0.01, attributes={"size": "small"})))
    assert far.street_name == nearest_street(Point(X, Y + 0.01, srid=4326)) == ""


def test_intake_routes_in_its_lookup_as_route_does(admin_units, categories, orgs):
    """check_report reads the route in the same statement as the place; it is the answer route() gives."""
    from incidents.intake import Report, check_report

    def checked(category, **kw):
        return check_report(Report(category=category.code, description="x", channel="web", lon=X, lat=Y, **kw))

    leak, pothole = categories["leak"], categories["pothole"]
    assert checked(leak).route.to_triage and route(leak, locate(Point(X, Y, srid=4326))).to_triage
    pipes = _layer("pipes", "network_segment", orgs["ioc"])
    _pipe(pipes, "near", orgs["water"], 20)
    _pipe(pipes, "power", orgs["roads"], 5, network="power")
    RoutingRule.objects.create(name="district", category=pothole, agency=orgs["roads"],
                               admin_unit=AdminUnit.objects.get(pk=locate(Point(X, Y, srid=4326)).district.pk))
    for category, extra in ((leak, {}), (pothole, {"attributes": {"size": "small"}})):
        found = checked(category, **extra).route
        expected = route(category, locate(Point(X, Y, srid=4326)))
        assert (found.agency, found.asset, found.reason, found.rule and found.rule.name) == (
            expected.agency, expected.asset, expected.reason, expected.rule and expected.rule.name)
    assert checked(leak).route.agency == orgs["water"] and checked(leak).route.asset.startswith("networksegment:")
    assert checked(pothole, attributes={"size": "small"}).route.rule.name == "district"
