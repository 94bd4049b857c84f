"""The planning pages: the citizen's lookup in a real Chromium against the served portal (type a sheet and
parcel number, see its zones, get the sheet; nothing requested from another host), the planner's page behind
its role, the verification page."""

from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_csp import log_in
from django.contrib.gis.db.models.functions import PointOnSurface

from layers.models import LandParcel, PlanZone

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "planning"


def _known_parcel(demo):
    """A parcel with a commune, numbers unique there, inside one zone; with its inner point (`inside`)."""
    for parcel in (LandParcel.objects.filter(layer=demo.layers["land_parcel"], commune__isnull=False)
                   .annotate(inside=PointOnSurface("geom")).order_by("pk")[:300]):
        unique = LandParcel.objects.filter(layer=parcel.layer, commune=parcel.commune, sheet_no=parcel.sheet_no,
                                           parcel_no=parcel.parcel_no).count() == 1
        zone = PlanZone.objects.filter(layer=demo.layers["plan_zone"], geom__contains=parcel.geom).first()
        if unique and zone is not None:
            return parcel, zone
    raise AssertionError("no parcel fits")


@contextmanager
def _opened(browser, base: str, path: str, app: str, *, user: str | None = None):
    """A Vietnamese page at `path` (logged in as `user` first if given) once the page's map (`window[app]`) has
    loaded: (page, URLs it requested, console and page errors); closed on leaving."""
    page = browser.new_page(viewport={"width": 1280, "height": 850}, locale="vi-VN")
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    try:
        if user is None:
            page.goto(base + path)
        else:
            log_in(page, base, user, next=path)
        page.wait_for_function(f"() => window.{app} && window.{app}.portal.map.loaded()", timeout=60_000)
        yield page, requests, errors
    finally:
        page.close()


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
    with _opened(browser, portal_server, "/planning/", "planningLookup") as (page, requests, errors):
        form = page.locator("[data-by-number]")
        form.locator("input[name=commune]").fill(commune_code)
        form.locator("input[name=sheet_no]").fill(parcel.sheet_no)
        form.locator("input[name=parcel_no]").fill(parcel.parcel_no)
        form.locator("button[type=submit]").click()
        card = page.locator(f"[data-zone='{zone_code}']")
        card.wait_for(timeout=30_000)
        assert decision in card.inner_text()
        assert page.evaluate("window.planningLookup.state.answer.parcel.id") == parcel.pk
        page.wait_for_function("() => window.planningLookup.portal.map.queryRenderedFeatures("
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
        page.wait_for_function("() => document.querySelector('[data-result]').textContent.length > 0")
    portal = urlsplit(portal_server).netloc
    foreign = [url for url in requests if urlsplit(url).scheme not in ("data", "blob")
               and urlsplit(url).netloc != portal]
    assert foreign == []
    assert not [e for e in errors if "404" not in e and "Failed to load resource" not in e], errors


@pytest.mark.browser
def test_clicking_a_parcel_on_the_map_answers_that_parcel_and_its_land_use(browser, portal_server, planning_demo,
                                                                            django_db_blocker):
    with django_db_blocker.unblock():
        parcel, zone = _known_parcel(planning_demo)
        use = parcel.land_use_code
        planned = zone.land_use_code
    assert use is not None, "the demo's parcels carry their current land use"
    with _opened(browser, portal_server, "/planning/", "planningLookup") as (page, _, errors):
        # Centred on a point inside the parcel, then clicked where the map draws that point.
        point = page.evaluate(f"""() => new Promise((resolve) => {{
            const map = window.planningLookup.portal.map;
            map.once("idle", () => {{ const p = map.project([{parcel.inside.x}, {parcel.inside.y}]);
                                      resolve([p.x, p.y]); }});
            map.jumpTo({{center: [{parcel.inside.x}, {parcel.inside.y}], zoom: 18}});
            map.triggerRepaint();
        }})""")
        box = page.locator("[data-map] .maplibregl-canvas").bounding_box()
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        page.wait_for_function(f"() => window.planningLookup.state.answer?.parcel.id === {parcel.pk}", timeout=30_000)
        result = page.locator("[data-result]")
        heading = result.locator("h2").inner_text()
        assert heading.endswith(f"{parcel.sheet_no}/{parcel.parcel_no}"), heading
        text = result.inner_text()
        assert f"{use.code} – {use.name_vi}" in text  # the current land use, by its name
        if planned is not None:
            card = result.locator(f"[data-zone='{zone.zone_code}']").inner_text()
            assert f"{planned.code} – {planned.name_vi}" in card  # and the planned one, in its zone's card
        page.wait_for_function("() => window.planningLookup.portal.map.queryRenderedFeatures("
                               "{layers: ['planning-parcel-line']}).length > 0", timeout=30_000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lookup-by-click.png"))
    assert errors == []


@pytest.mark.browser
def test_a_planner_draws_a_polygon_and_gets_its_parcels_on_the_map(browser, portal_server, planning_demo,
                                                                   django_db_blocker):
    from portal.accounts.models import OrgUnit, User
    from portal.accounts.roles import sync_roles
    from portal.accounts.services import do_create_user

    with django_db_blocker.unblock():
        sync_roles()
        User.objects.filter(username="plantest-browser-planner").delete()
        org, _ = OrgUnit.objects.get_or_create(code="plantest-org", defaults={"name": "Sở Xây dựng (thử)",
                                                                               "kind": OrgUnit.Kind.AGENCY})
        do_create_user(username="plantest-browser-planner", password="a-long-test-password", roles=["planner"],
                       org_unit=org)
        parcel, _zone = _known_parcel(planning_demo)
    try:
        with _opened(browser, portal_server, "/planning/queries/", "plannerQueries",
                     user="plantest-browser-planner") as (page, requests, _):
            page.select_option("[data-query]", "plan-vs-current")
            page.click("[data-query-form] button[type=submit]")
            page.locator("[data-result-count]").wait_for(timeout=60_000)
            assert int(page.get_attribute("[data-result-count]", "data-result-count")) > 0
            assert page.locator("[data-result-table] tbody tr").count() > 0

            page.select_option("[data-query]", "parcels")
            x, y = parcel.inside.x, parcel.inside.y
            page.evaluate(f"window.plannerQueries.portal.map.jumpTo({{center: [{x}, {y}], zoom: 17}})")
            page.click("[data-draw]")
            box = page.locator("[data-map]").bounding_box()
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            for dx, dy in ((-120, -120), (120, -120), (120, 120)):
                page.mouse.click(cx + dx, cy + dy)
            page.mouse.dblclick(cx - 120, cy + 120)
            assert page.evaluate("window.plannerQueries.drawing.polygon.coordinates[0].length") == 5  # 4 corners
            page.click("[data-query-form] button[type=submit]")
            page.wait_for_function("() => document.querySelector('[data-result-count]')"
                                   " && Number(document.querySelector('[data-result-count]').dataset.resultCount) > 0",
                                   timeout=60_000)
            assert parcel.ext_id in page.locator("[data-result-table]").inner_text()
            page.wait_for_function("() => window.plannerQueries.portal.map.queryRenderedFeatures("
                                   "{layers: ['query-fill']}).length > 0", timeout=30_000)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "queries.png"))
    finally:
        with django_db_blocker.unblock():
            User.objects.filter(username="plantest-browser-planner").delete()
            OrgUnit.objects.filter(code="plantest-org").delete()
    portal = urlsplit(portal_server).netloc
    assert [url for url in requests if urlsplit(url).scheme not in ("data", "blob")
            and urlsplit(url).netloc != portal] == []
