"""The admin's geometry fields work offline: no script or style from the internet, the geometry shown and saved
as GeoJSON in WGS 84 whatever the column's SRID."""

import json
import re

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.test import Client

from incidents.models import RoutingRule
from layers.models import AdminUnit
from portal.accounts.models import OrgUnit, User

pytestmark = pytest.mark.django_db

AREA = {"type": "MultiPolygon", "coordinates": [[[[108.95, 11.55], [109.0, 11.55], [109.0, 11.6], [108.95, 11.55]]]]}


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(User.objects.create_superuser("gis-admin", password="a-long-test-password"))
    return client


def _external(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(https?://[^"]+)"', html)


def test_a_routing_rule_area_is_entered_as_geojson_and_saved(admin_client):
    agency = OrgUnit.objects.create(code="gis-admin-agency", name="Sở Xây dựng", kind=OrgUnit.Kind.AGENCY)
    page = admin_client.get("/admin/incidents/routingrule/add/")
    html = page.content.decode()
    assert page.status_code == 200 and not _external(html), _external(html)
    assert re.search(r'<textarea [^>]*name="area"', html) and "GeoJSON" in html
    saved = admin_client.post("/admin/incidents/routingrule/add/", {
        "name": "Phường Đô Vinh", "agency": agency.pk, "priority": 5, "active": "on", "area": json.dumps(AREA)})
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    rule = RoutingRule.objects.get(name="Phường Đô Vinh")
    assert rule.area.srid == 4326 and rule.area.equals_exact(GEOSGeometry(json.dumps(AREA)), 1e-9)
    refused = admin_client.post("/admin/incidents/routingrule/add/", {
        "name": "hỏng", "agency": agency.pk, "priority": 5, "active": "on", "area": '{"type": "MultiPolygon"'})
    assert refused.status_code == 200 and not RoutingRule.objects.filter(name="hỏng").exists()


def test_an_admin_units_outline_is_shown_in_longitude_and_latitude(admin_units, admin_client):
    unit = AdminUnit.objects.filter(level="commune").first()
    page = admin_client.get(f"/admin/layers/adminunit/{unit.pk}/change/", HTTP_ACCEPT_LANGUAGE="vi")
    html = page.content.decode()
    assert page.status_code == 200 and not _external(html), _external(html)
    assert "kinh độ và vĩ độ" in html
    text = re.search(r'<textarea [^>]*name="geom"[^>]*>([^<]*)</textarea>', html).group(1)
    shown = GEOSGeometry(text.replace("&quot;", '"'))
    lon, lat = shown.centroid.coords
    assert 102 < lon < 110 and 8 < lat < 24  # degrees in Việt Nam, whatever the stored SRID
    assert shown.equals_exact(unit.geom.transform(4326, clone=True), 1e-6)
