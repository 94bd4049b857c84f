"""OGC API Features Part 4: stewards write features through the importer's checks; every write bumps the version."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from layers.models import LandParcel, Layer
from portal.accounts.models import OrgUnit, User
from portal.accounts.services import do_issue_token

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[108.99, 11.56], [108.9902, 11.56], [108.9902, 11.5602],
                                              [108.99, 11.5602], [108.99, 11.56]]]}
URL = "/ogcapi/collections/edit-parcels/items"


@pytest.fixture
def layer():
    return Layer.objects.create(slug="edit-parcels", kind="land_parcel", title_vi="t", title_en="t", theme="planning",
                                visibility="public")


def _token(role: str) -> dict:
    org = OrgUnit.objects.create(code=f"ioc-{role}", name="IOC", kind="province_ioc")
    user = User.objects.create_user(f"{role}-ogc", password="a-long-password-1", org_unit=org)
    user.groups.add(Group.objects.get(name=role))
    return {"HTTP_AUTHORIZATION": f"Bearer {do_issue_token(user=user, name='qgis').key}"}


def _feature(**properties) -> dict:
    return {"type": "Feature", "id": "N1", "geometry": SQUARE,
            "properties": {"sheet_no": "4", "parcel_no": "77", "land_use_code": "ODT", **properties}}


def test_create_replace_update_delete(layer):
    auth, client = _token("data_steward"), Client()
    created = client.post(URL, _feature(address="Phủ Hà"), content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    assert created["Location"].endswith(f"{URL}/N1")
    assert client.get(f"{URL}/N1").json()["properties"]["land_use_code"] == "ODT"
    layer.refresh_from_db()
    assert layer.version == 2
    assert client.post(URL, _feature(), content_type="application/json", **auth).status_code == 400  # id taken
    replaced = client.put(f"{URL}/N1", _feature(land_use_code="TMD"), content_type="application/json", **auth)
    assert replaced.status_code == 204
    patched = client.patch(f"{URL}/N1", {"properties": {"parcel_no": "78"}}, content_type="application/json", **auth)
    assert patched.status_code == 204, patched.content
    parcel = LandParcel.objects.get(layer=layer, ext_id="N1")
    assert (parcel.parcel_no, parcel.land_use_code_id, parcel.address) == ("78", "TMD", "Phủ Hà")
    assert client.delete(f"{URL}/N1", **auth).status_code == 204
    assert client.get(f"{URL}/N1").status_code == 404
    layer.refresh_from_db()
    assert layer.version == 5


def test_writes_are_checked_like_imports_and_refused_cleanly(layer):
    auth, client = _token("data_steward"), Client()
    unknown_code = client.post(URL, _feature(land_use_code="XYZ"), content_type="application/json", **auth)
    assert unknown_code.status_code == 422 and "XYZ" in unknown_code.json()["description"]
    assert client.post(URL, b"{not json", content_type="application/json", **auth).status_code == 400
    point = {**_feature(), "geometry": {"type": "Point", "coordinates": [108.99, 11.56]}}
    assert client.post(URL, point, content_type="application/json", **auth).status_code == 422
    assert client.put(f"{URL}/missing", _feature(), content_type="application/json", **auth).status_code == 404
    assert not LandParcel.objects.exists()
    layer.refresh_from_db()
    assert layer.version == 1


def test_only_the_layers_stewards_may_write(layer):
    assert Client().post(URL, _feature(), content_type="application/json", **_token("planner")).status_code == 403
    assert Client().post(URL, _feature(), content_type="application/json").status_code == 403
    assert Client().post(URL, _feature(), content_type="application/json",
                         HTTP_AUTHORIZATION="Bearer gp_wrong").status_code == 401
    steward = User.objects.create_user("session-steward", password="a-long-password-1",
                                       org_unit=OrgUnit.objects.create(code="ioc-s", name="s", kind="province_ioc"))
    steward.groups.add(Group.objects.get(name="data_steward"))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(steward)
    assert browser.post(URL, _feature(), content_type="application/json").status_code == 403  # no CSRF token
    Layer.objects.filter(pk=layer.pk).update(visibility="restricted", allowed_roles=["planner"])
    assert Client().post(URL, _feature(), content_type="application/json").status_code == 404
    assert not LandParcel.objects.exists()
