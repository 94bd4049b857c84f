"""The planning pages: the citizen's lookup in a real Chromium against the served portal (type a sheet and
parcel number, see its zones, get the sheet; nothing requested from another host), the planner's page behind
its role, the verification page."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.gis.db.models.functions import PointOnSurface

from layers.models import LandParcel, PlanZone

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "planning"


def _known_parcel(demo):
    for parcel in (LandParcel.objects.filter(layer=demo.layers["land_parcel"], commune__isnull=False)
                   .annotate(inside=PointOnSurface("geom")).order_by("pk")[:300]):
        unique = LandParcel.objects.filter(layer=parcel.layer, commune=parcel.commune, sheet_no=parcel.sheet_no,
                                           parcel_no=parcel.parcel_no).count() == 1
        zone = PlanZone.objects.filter(layer=demo.layers["plan_zone"], geom__contains=parcel.geom).first()
        if unique and zone is not None:
            return parcel, zone
    raise AssertionError("no parcel fits")


@pytest.mark.django_db
def test_the_lookup_page_is_public_and_the_planner_page_needs_the_role(client, planning_demo, users):
    page = client.get("/planning/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="sheet_no"' in text and "planning-config" in text and "portal/map/portal-map" in text
    assert client.get("/planning/queries/").status_code == 302  # to the login page
    client.force_login(users["citizen"])
    assert client.get("/planning/queries/").status_code == 403
    client.force_login(users["planner"])
    planner = client.get("/planning/queries/")
    assert planner.status_code == 200 and "data-query" in planner.content.decode()
    assert 'href="/planning/queries/"' in client.get("/planning/").content.decode()


@pytest.mark.django_db
def test_the_page_speaks_vietnamese_by_default_and_english_on_request(client, planning_demo):
    assert "Tra cứu quy hoạch" in client.get("/planning/").content.decode()
    client.cookies["django_language"] = "en"
    assert "Planning lookup" in client.get("/planning/").content.decode()


@pytest.mark.browser
def test_typing_a_sheet_and_parcel_shows_its_zones_and_nothing_leaves_the_portal(browser, portal_server,
                                                                                 planning_demo, django_db_blocker):
    with django_db_blocker.unblock():
        parcel, zone = _known_parcel(planning_demo)
        zone_code, decision = zone.zone_code, zone.decision.number
        commune_code = parcel.commune.code
    page = browser.new_page(viewport={"width": 1280, "height": 850}, locale="vi-VN")
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    try:
        page.goto(f"{portal_server}/planning/")
        page.wait_for_function("window.planningLookup && window.planningLookup.portal.map.loaded()",
                               timeout=60_000)
        form = page.locator("[data-by-number]")
        form.locator("input[name=commune]").fill(commune_code)
        form.locator("input[name=sheet_no]").fill(parcel.sheet_no)
        form.locator("input[name=parcel_no]").fill(parcel.parcel_no)
        form.locator("button[type=submit]").click()
        card = page.locator(f"[data-zone='{zone_code}']")
        card.wait_for(timeout=30_000)
        assert decision in card.inner_text()
        assert page.evaluate("window.planningLookup.state.answer.parcel.id") == parcel.pk
        page.wait_for_function("window.planningLookup.portal.map.queryRenderedFeatures("
                               "{layers: ['planning-parcel-line']}).length > 0", timeout=30_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lookup.png"))

        page.locator("[data-sheet]").click()
        link = page.locator("[data-pdf]")
        link.wait_for(timeout=30_000)
        pdf = page.request.get(portal_server + link.get_attribute("href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")

        page.locator("input[name=parcel_no]").fill("99999")
        form.locator("button[type=submit]").click()
        page.locator("[role=alert]").wait_for(timeout=30_000)
        assert "99999" in page.locator("[role=alert]").inner_text()

        page.mouse.click(900, 400)  # a click on the map looks up whatever is there
        page.wait_for_function("document.querySelector('[data-result]').textContent.length > 0")
    finally:
        page.close()
    portal = urlsplit(portal_server).netloc
    foreign = [url for url in requests if urlsplit(url).scheme not in ("data", "blob")
               and urlsplit(url).netloc != portal]
    assert foreign == []
    assert not [e for e in errors if "404" not in e and "Failed to load resource" not in e], errors
