"""The demo's incident setup and reports load through intake and the lifecycle, once."""

import pytest

from fixtures.demo_incidents import CATEGORIES, REPORTS
from incidents.demo import load_demo_incidents, load_incident_setup
from incidents.models import Category, Incident, RoutingRule
from portal.demo import create_demo_users, load_org_units

pytestmark = pytest.mark.django_db


def test_demo_categories_rules_and_reports(admin_units):
    load_org_units()
    load_incident_setup()
    load_incident_setup()  # idempotent
    assert Category.objects.count() == len(CATEGORIES)
    assert RoutingRule.objects.filter(category__code="o-ga", agency__code="so-xay-dung",
                                      admin_unit__name="Ninh Thuận").count() == 1
    create_demo_users()
    lines = []
    assert load_demo_incidents(lines.append) == len(REPORTS)
    assert load_demo_incidents(lines.append) == 0
    incidents = Incident.objects.filter(extra__demo=True)
    assert incidents.count() == len(REPORTS)
    assert set(incidents.values_list("province__name", flat=True)) == {"Ninh Thuận"}
    statuses = set(incidents.values_list("status", flat=True))
    assert {"submitted", "assigned", "in_progress", "resolved"} <= statuses
    assert incidents.get(category__code="xay-dung").agency.code == "so-xay-dung"
    resolved = incidents.filter(status="resolved").first()
    assert resolved.media.filter(purpose="resolution").exists()
