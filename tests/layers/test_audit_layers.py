"""Layer changes in the audit log: a saved style (before and after) and each import started, from the API and
the import pages; refusals write nothing."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from layers.models import ImportJob, Layer
from portal.accounts.models import AuditEvent, OrgUnit, User

pytestmark = pytest.mark.django_db

GEOJSON = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ext_id":"A","sheet_no":"1",'
           b'"parcel_no":"2"},"geometry":{"type":"Polygon","coordinates":[[[108.99,11.56],[108.991,11.56],'
           b'[108.991,11.561],[108.99,11.56]]]}}]}')
STYLE = {"type": "fill", "paint": {"fill-color": "#e76f51", "fill-opacity": 0.6}}


@pytest.fixture
def layer():
    return Layer.objects.create(slug="audit-parcels", kind="land_parcel", title_vi="t", title_en="t",
                                theme="planning", visibility="public")


def _login(name: str, role: str) -> tuple[Client, User]:
    org, _ = OrgUnit.objects.get_or_create(code="audit-ioc", defaults={"name": "IOC", "kind": "province_ioc"})
    user = User.objects.create_user(name, password="a-long-password-1", org_unit=org)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client, user


def test_a_saved_style_is_logged_with_what_it_replaced(layer):
    client, steward = _login("audit-steward", "data_steward")
    first = client.put("/api/layers/audit-parcels/style", STYLE, content_type="application/json",
                       REMOTE_ADDR="10.4.4.4")
    assert first.status_code == 200, first.content
    again = {**STYLE, "paint": {"fill-color": "#264653"}}
    assert client.put("/api/layers/audit-parcels/style", again, content_type="application/json").status_code == 200
    rows = list(AuditEvent.objects.filter(action="layer_style_saved").order_by("id"))
    assert [(r.actor, r.object_type, r.object_id) for r in rows] == [(steward, "layer", str(layer.pk))] * 2
    assert rows[0].ip == "10.4.4.4"
    assert rows[0].details == {"slug": "audit-parcels", "previous": {}, "style": {**STYLE, "layout": {}}}
    assert rows[1].details["previous"] == {**STYLE, "layout": {}} and rows[1].details["style"]["paint"] == {
        "fill-color": "#264653"}


def test_a_refused_style_writes_nothing(layer):
    steward, _ = _login("audit-steward", "data_steward")
    planner, _ = _login("audit-planner", "planner")
    assert steward.put("/api/layers/audit-parcels/style", {"type": "sparkle"},
                       content_type="application/json").status_code == 422
    assert planner.put("/api/layers/audit-parcels/style", STYLE, content_type="application/json").status_code == 403
    assert not AuditEvent.objects.exists()


def test_an_import_started_through_the_api_is_logged(layer, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    client, steward = _login("audit-steward", "data_steward")
    response = client.post("/api/imports/", {"layer": "audit-parcels", "mode": "upsert",
                                             "file": SimpleUploadedFile("thua.geojson", GEOJSON)},
                           REMOTE_ADDR="10.5.5.5")
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get()
    row = AuditEvent.objects.get()
    assert (row.actor, row.action, row.object_type, row.object_id, row.ip) == (
        steward, "layer_import_started", "import_job", str(job.pk), "10.5.5.5")
    assert row.details == {"layer": "audit-parcels", "file_name": "thua.geojson", "mode": "upsert"}


def test_a_refused_import_writes_nothing(layer, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    client, _ = _login("audit-steward", "data_steward")
    broken = client.post("/api/imports/", {"layer": "audit-parcels", "file": SimpleUploadedFile("b.gpkg", b"nope")})
    assert broken.status_code == 400
    assert not ImportJob.objects.exists() and not AuditEvent.objects.exists()
