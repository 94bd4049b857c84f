"""POST /api/imports/: bad uploads are refused at once with a clear 4xx, and nothing is queued or kept."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from layers.models import ImportJob, Layer
from portal.accounts.models import OrgUnit, User

pytestmark = pytest.mark.django_db

GEOJSON = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ext_id":"A","sheet_no":"1",'
           b'"parcel_no":"2"},"geometry":{"type":"Polygon","coordinates":[[[108.99,11.56],[108.991,11.56],'
           b'[108.991,11.561],[108.99,11.56]]]}}]}')


@pytest.fixture
def layer():
    return Layer.objects.create(slug="api-parcels", kind="land_parcel", title_vi="t", title_en="t",
                                theme="planning", visibility="public")


def _client(role: str) -> Client:
    org = OrgUnit.objects.create(code=f"org-{role}", name=role, kind="province_ioc")
    user = User.objects.create_user(f"u-{role}", password="a-long-password-1", org_unit=org)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def _post(client, name="thua.geojson", content=GEOJSON, **fields):
    return client.post("/api/imports/", {"layer": "api-parcels", "file": SimpleUploadedFile(name, content),
                                         **fields})


def test_a_steward_upload_is_queued(layer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(_client("data_steward"))
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued" and response.json()["total"] == 1
    assert len(callbacks) == 1  # the task is sent only once the job row is committed


@pytest.mark.parametrize(("role", "fields", "status", "code"), [
    ("planner", {}, 403, "permission_denied"),
    ("data_steward", {"layer": "no-such-layer"}, 404, "not_found"),
    ("data_steward", {"mapping": '{"sheet_no": "so_to"}'}, 422, "bad_mapping"),
    ("data_steward", {"mapping": "[1, 2"}, 422, "invalid_input"),
    ("data_steward", {"mode": "merge"}, 422, "invalid_input"),
])
def test_refusals(layer, role, fields, status, code):
    client = _client(role)
    response = client.post("/api/imports/", {"layer": "api-parcels", "file": SimpleUploadedFile("t.geojson", GEOJSON),
                                             **fields})
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not ImportJob.objects.exists()


def test_too_large_and_unsafe_uploads(layer, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    settings.IMPORT_MAX_BYTES = 100
    client = _client("data_steward")
    too_big = _post(client)
    assert too_big.status_code == 413 and "limit" in too_big.json()["message"]
    settings.IMPORT_MAX_BYTES = 10 * 2**20
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil.geojson", GEOJSON)
    unsafe = _post(client, name="evil.zip", content=archive.getvalue())
    assert unsafe.status_code == 400 and "unsafe" in unsafe.json()["message"]
    broken = _post(client, name="broken.gpkg", content=b"not a geopackage")
    assert broken.status_code == 400 and broken.json()["code"] == "unreadable_file"
    assert not ImportJob.objects.exists()
    assert not any(tmp_path.rglob("*.*"))  # refused uploads are not kept


def test_anonymous_and_bad_tokens_are_401(layer):
    assert _post(Client()).status_code == 401
    assert Client().get("/api/imports/1", HTTP_AUTHORIZATION="Bearer gp_wrong").status_code == 401
