"""The incident tables as PostgreSQL keeps them: append-only history, generated tile geometry, one-area rules."""

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction

from incidents.models import Category, Channel, Incident, IncidentEvent, RoutingRule
from portal.accounts.models import OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident():
    category = Category.objects.create(code="pothole", name_vi="Ổ gà", name_en="Pothole", deadline_days=3)
    return Incident.objects.create(tracking_code="T-1", category=category, description="x",
                                   geom=Point(108.99, 11.56, srid=4326), channel=Channel.WEB)


def test_event_rows_cannot_be_updated(incident):
    event = IncidentEvent.objects.create(incident=incident, kind="submitted", note="first")
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        IncidentEvent.objects.filter(pk=event.pk).update(note="rewritten")
    assert IncidentEvent.objects.get(pk=event.pk).note == "first"


def test_deleting_the_acting_agency_keeps_the_event(incident):
    agency = OrgUnit.objects.create(code="a", name="A", kind=OrgUnit.Kind.AGENCY)
    event = IncidentEvent.objects.create(incident=incident, kind="assigned", agency=agency)
    agency.delete()
    event.refresh_from_db()
    assert event.agency_id is None and event.kind == "assigned"


def test_tile_geometry_is_generated_in_web_mercator(incident):
    with connection.cursor() as cur:
        cur.execute("SELECT ST_SRID(geom_3857), round(ST_X(geom_3857)) FROM incidents_incident WHERE id = %s",
                    [incident.pk])
        srid, x = cur.fetchone()
    assert srid == 3857 and x == 12132711


def test_a_rule_names_one_area_at_most(incident):
    from django.contrib.gis.geos import MultiPolygon, Polygon

    from layers.models import AdminUnit

    agency = OrgUnit.objects.create(code="b", name="B", kind=OrgUnit.Kind.AGENCY)
    square = MultiPolygon(Polygon.from_bbox((108.9, 11.5, 109.0, 11.6)), srid=4326)
    unit = AdminUnit.objects.create(level="commune", code="c1", name="C", name_ascii="C", geom=square)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoutingRule.objects.create(agency=agency, admin_unit=unit, area=square)
