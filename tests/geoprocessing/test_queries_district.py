"""A planner of a district IOC queries their own district only (portal.accounts.scope): parcels, overlays, plan
against current use and network traces stop at the district's boundary; a planner of the province sees all."""

import json

import pytest
import shapely
from django.contrib.auth.models import Group
from django.contrib.gis.db.models import Union
from django.db.models import Count
from django.test import Client
from shapely.geometry import shape

from layers.models import AdminUnit, LandParcel, NetworkNode, NetworkSegment
from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import sync_roles

pytestmark = pytest.mark.django_db


def _planner(name: str, org: OrgUnit | None) -> Client:
    sync_roles()
    user = User.objects.create_user(f"plantest-{name}", password="not-a-secret-1", org_unit=org)
    user.groups.add(Group.objects.get(name="planner"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def districts(planning_demo):
    """The district holding most demo parcels, and another district of the province."""
    counts = (LandParcel.objects.filter(layer=planning_demo.layers["land_parcel"], commune__parent__isnull=False)
              .values("commune__parent").annotate(n=Count("pk")).order_by("-n"))
    home = AdminUnit.objects.get(pk=counts[0]["commune__parent"])
    away = AdminUnit.objects.filter(level="district", parent=home.parent).exclude(code=home.code).first()
    return home, away


@pytest.fixture
def planners(districts):
    home, away = districts
    orgs = {key: OrgUnit.objects.create(code=f"plantest-ioc-{key}", name=f"IOC {unit.name}",
                                        kind=OrgUnit.Kind.DISTRICT_IOC, admin_unit=unit)
            for key, unit in (("home", home), ("away", away))}
    province = OrgUnit.objects.create(code="plantest-ioc-tinh", name="IOC tỉnh", kind=OrgUnit.Kind.PROVINCE_IOC)
    return {"province": _planner("province", province), "home": _planner("home", orgs["home"]),
            "away": _planner("away", orgs["away"])}


def _outline(unit: AdminUnit):
    geom = AdminUnit.objects.filter(level="district", code=unit.code).aggregate(g=Union("geom"))["g"]
    return shapely.from_wkt(geom.wkt)


def _post(client, path, body):
    response = client.post(path, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def _ids(body) -> set:
    return {f["properties"]["id"] for f in body["features"]}


def test_parcels_and_plan_differences_stop_at_the_district(planning_demo, districts, planners):
    home, _away = districts
    body = {"limit": 5000}
    everything = _post(planners["province"], "/api/queries/parcels", body)
    inside = _outline(home)
    expected = {f["properties"]["id"] for f in everything["features"]
                if shapely.intersects(shape(f["geometry"]), inside)}
    assert expected and expected <= _ids(everything)
    assert _ids(_post(planners["home"], "/api/queries/parcels", body)) == expected
    assert _post(planners["away"], "/api/queries/parcels", body)["numberMatched"] == 0
    assert planners["away"].get("/api/queries/plan-vs-current").json()["summary"]["parcels"] == 0
    communes = set(AdminUnit.objects.filter(level="commune", parent__code=home.code).values_list("pk", flat=True))
    overlay = planners["home"].get("/api/queries/overlay", {"by": "commune"}).json()["features"]
    assert overlay and {f["properties"]["commune_id"] for f in overlay} <= communes


def test_a_trace_is_shown_up_to_the_district_boundary(planning_demo, districts, planners):
    home, _away = districts
    layer = planning_demo.layers["network_segment"]
    starts = (NetworkSegment.objects.filter(layer=layer, network="drainage").values("from_node")
              .annotate(n=Count("pk")).order_by("-n"))
    node = NetworkNode.objects.get(pk=starts[0]["from_node"])
    query = {"network": "drainage", "node": node.ext_id}
    whole = planners["province"].get("/api/queries/trace", query).json()
    inside = _outline(home)
    expected = {f["properties"]["id"] for f in whole["features"]
                if shapely.intersects(shape(f["geometry"]), inside)}
    assert expected
    mine = planners["home"].get("/api/queries/trace", query).json()
    assert _ids(mine) == expected and mine["summary"]["segments"] == len(expected)
    assert planners["away"].get("/api/queries/trace", query).json()["features"] == []
