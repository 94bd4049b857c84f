"""The data steward's import pages: upload, map fields, follow progress — in Django and in Chromium."""

import time

import geopandas as gpd
import pytest
import shapely
from browser_csp import log_in
from django.contrib.auth.models import Group
from django.test import Client

from layers.models import ImportJob, LandParcel, Layer
from portal.accounts.models import OrgUnit, User


def _file(path, count=25):
    frame = gpd.GeoDataFrame({"ma": [f"T{i}" for i in range(count)], "so_to": ["3"] * count,
                              "so_thua": [str(i) for i in range(count)]},
                             geometry=[shapely.box(108.99 + i * 1e-4, 11.56, 108.99 + (i + 0.8) * 1e-4, 11.5601)
                                       for i in range(count)], crs=4326)
    frame.to_file(path)
    return path


def _steward(role="data_steward", username="steward-pages"):
    org, _ = OrgUnit.objects.get_or_create(code="ioc-pages", defaults={"name": "IOC", "kind": "province_ioc"})
    user = User.objects.create_user(username, password="a-long-password-1", org_unit=org)
    user.groups.add(Group.objects.get(name=role))
    return org, user


def _layer(slug="page-parcels"):
    return Layer.objects.create(slug=slug, kind="land_parcel", title_vi="Thửa đất thử", title_en="Test parcels",
                                theme="planning", visibility="public")


@pytest.mark.django_db
def test_upload_map_and_start(tmp_path):
    _org, user = _steward()
    layer = _layer()
    client = Client()
    client.force_login(user)
    assert client.get("/layers/import/").status_code == 200
    with _file(tmp_path / "thua.gpkg").open("rb") as upload:
        page = client.post("/layers/import/", {"layer": layer.pk, "file": upload, "mode": "replace"})
    html = page.content.decode()
    assert page.status_code == 200 and 'name="map_sheet_no"' in html and "so_thua" in html
    token = page.context["token"]
    started = client.post("/layers/import/start/", {"token": token, "map_ext_id": "ma", "map_sheet_no": "so_to",
                                                    "map_parcel_no": "so_thua"})
    assert started.status_code == 302
    job = ImportJob.objects.get()
    assert job.options["mapping"] == {"ext_id": "ma", "sheet_no": "so_to", "parcel_no": "so_thua"}
    assert client.get(started["Location"]).status_code == 200


@pytest.mark.django_db
def test_pages_refuse_who_may_not_import_and_tampered_tokens(tmp_path):
    _org, planner = _steward(role="planner", username="planner-pages")
    client = Client()
    client.force_login(planner)
    assert client.get("/layers/import/").status_code == 403
    _org, steward = _steward(username="steward-2")
    client.force_login(steward)
    assert client.post("/layers/import/start/", {"token": "forged"}).status_code == 404
    assert Client().get("/layers/import/").status_code == 302  # anonymous: to the login page


@pytest.mark.django_db
def test_a_file_with_a_missing_required_field_is_refused_on_the_page(tmp_path):
    _org, user = _steward(username="steward-3")
    layer = _layer("page-parcels-3")
    client = Client()
    client.force_login(user)
    with _file(tmp_path / "thua.gpkg").open("rb") as upload:
        token = client.post("/layers/import/", {"layer": layer.pk, "file": upload, "mode": "replace"}).context["token"]
    refused = client.post("/layers/import/start/", {"token": token, "map_ext_id": "ma"})
    assert refused.status_code == 400
    assert "sheet_no" in refused.content.decode()
    assert not ImportJob.objects.exists() and not LandParcel.objects.exists()


@pytest.mark.browser
def test_steward_imports_a_file_and_watches_it_finish(committed, celery_worker, portal_server, browser, tmp_path):
    org, user = _steward(username="steward-browser")
    layer = _layer("browser-parcels")
    committed.extend([org, user, layer])
    page = browser.new_page()
    log_in(page, portal_server, "steward-browser", password="a-long-password-1", next="/layers/import/")
    page.select_option("select[name=layer]", str(layer.pk))
    page.set_input_files("input[name=file]", str(_file(tmp_path / "thua.gpkg", 40)))
    page.click("main button[type=submit]")
    page.select_option("select[name=map_ext_id]", "ma")
    page.select_option("select[name=map_sheet_no]", "so_to")
    page.select_option("select[name=map_parcel_no]", "so_thua")
    page.click("main button[type=submit]")
    page.wait_for_selector("text=Hoàn tất", timeout=30_000)
    page.screenshot(path=str(tmp_path / "import-done.png"))
    assert page.get_attribute("#import-progress", "value") == "100"
    deadline = time.monotonic() + 5
    while LandParcel.objects.filter(layer=layer).count() != 40 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert LandParcel.objects.filter(layer=layer).count() == 40
    page.close()
