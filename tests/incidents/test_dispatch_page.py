"""The dispatcher's live page in Chromium on the served portal: changes appear without a reload, within 2 s.

Incidents are made with the ORM plus the announcement intake and the services make: a transactional test
elsewhere in the run may have flushed the admin units that intake's geolocation needs.
"""

import time
from urllib.parse import urlsplit

import pytest
from browser_csp import log_in, watch
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from incident_helpers import PHAN_RANG

from incidents.changes import announce_change
from incidents.intake import new_tracking_code
from incidents.models import Category, Incident
from incidents.services import do_assign
from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import sync_roles

pytestmark = [pytest.mark.browser]

LIVE_MS = 2000  # the bound from a committed change to the dispatcher's screen


@pytest.fixture
def desk(committed):
    # pytest-django creates the test database only for runs that hold a `db` test: never write to the dev one.
    assert connection.settings_dict["NAME"].startswith("test"), "run it with a `db` test (test_dispatch_api)"
    sync_roles()
    ioc = OrgUnit.objects.create(code="ioc-dispatch-page", name="IOC (thử)", kind=OrgUnit.Kind.PROVINCE_IOC)
    water = OrgUnit.objects.create(code="water-dispatch-page", name="Cấp nước (thử)", kind=OrgUnit.Kind.AGENCY,
                                   parent=ioc)
    user = User.objects.create_user("dispatch-page", password="a-long-test-password", org_unit=ioc)
    user.groups.add(Group.objects.get(name="dispatcher"))
    category = Category.objects.create(code="dispatch-page", name_vi="Ổ gà (thử)", name_en="Pothole (test)",
                                       deadline_days=3)
    committed.extend([category, ioc, water, user])
    return {"user": user, "water": water, "category": category, "committed": committed}


def _incident(desk, *, east_m: float = 0.0, description: str = "Ổ gà") -> Incident:
    with transaction.atomic():
        incident = Incident.objects.create(
            tracking_code=new_tracking_code(), category=desk["category"], description=description, channel="web",
            geom=Point(PHAN_RANG[0] + east_m / 109_000, PHAN_RANG[1], srid=4326))
        announce_change(incident, "created")  # published on commit, as intake does
    desk["committed"].append(incident)  # deleted before the category and agency it points to
    return incident


def _row(page, code: str):
    return page.locator(f'tr[data-code="{code}"]')


def test_a_new_incident_appears_on_the_dispatch_list_without_reload(desk, portal_server, browser):
    existing = _incident(desk, description="Đèn đường hỏng")
    context = browser.new_context(viewport={"width": 1400, "height": 850})
    blocked = watch(context)  # nothing the page needs is refused by the portal's Content-Security-Policy
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    hosts = set()
    page.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
            and hosts.add(urlsplit(r.url).netloc))
    try:
        log_in(page, portal_server, "dispatch-page", next="/dispatch/")
        # Functions, not expressions: Playwright evaluates an expression string on every poll, which the CSP refuses.
        page.wait_for_function("() => window.dispatchPage && window.dispatchPage.connected "
                               "&& window.dispatchPage.loads > 0")
        assert _row(page, existing.tracking_code).count() == 1
        page.evaluate("window.__sameDocument = true")

        started = time.monotonic()
        fresh = _incident(desk, east_m=30, description="Ổ gà mới <script>alert(1)</script>")
        _row(page, fresh.tracking_code).wait_for(timeout=LIVE_MS)
        appeared_s = time.monotonic() - started
        assert "Ổ gà (thử)" in _row(page, fresh.tracking_code).inner_text()

        # A service's change (assignment) shows too: agency and state in the row.
        do_assign(incident=fresh, actor=desk["user"], agency=desk["water"])
        page.wait_for_function(
            "code => document.querySelector(`tr[data-code='${code}']`)?.innerText.includes('Cấp nước (thử)')",
            arg=fresh.tracking_code, timeout=LIVE_MS)

        # The two reports 30 m apart are offered as duplicates.
        page.wait_for_function("() => document.querySelector('[data-duplicate-count]').textContent === '1'",
                               timeout=LIVE_MS)

        # A bulk action from the page: the existing report assigned through the API, the list follows the event.
        _row(page, existing.tracking_code).locator("input[type=checkbox]").check()
        page.select_option("[data-bulk] select[name=action]", "assign")
        page.select_option("[data-bulk] select[name=agency]", desk["water"].code)
        page.click("[data-bulk] button[type=submit]")
        page.wait_for_function(
            "code => document.querySelector(`tr[data-code='${code}']`)?.innerText.includes('Cấp nước (thử)')",
            arg=existing.tracking_code, timeout=LIVE_MS + 2000)
        existing.refresh_from_db()
        assert existing.agency == desk["water"] and existing.status == "assigned"

        # Hotspots: the heat map and the clusters are MapLibre's own layers over the same features.
        page.wait_for_function("() => window.dispatchPage.map && window.dispatchPage.map.getLayer('dispatch-heat')",
                               timeout=15000)
        page.check("input[name=view][value=heatmap]")
        assert page.evaluate("window.dispatchPage.map.getLayoutProperty('dispatch-heat', 'visibility')") == "visible"
        page.check("input[name=view][value=clusters]")
        assert page.evaluate("window.dispatchPage.map.getLayoutProperty('dispatch-points', 'visibility')") == "none"

        # Filters narrow the list without a reload.
        page.select_option("select[name=status]", "submitted")
        page.wait_for_function("() => document.querySelectorAll('[data-list] tr').length === 0", timeout=LIVE_MS)
        page.select_option("select[name=status]", "open")
        _row(page, fresh.tracking_code).wait_for(timeout=LIVE_MS)

        assert page.evaluate("window.__sameDocument") is True  # never reloaded
        assert page.locator("script:has-text('alert(1)')").count() == 0  # the description is text, not markup
        artifacts = settings.BASE_DIR / "test-artifacts" / "dispatch"
        artifacts.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "dispatch.png"))
        (artifacts / "timings.txt").write_text(f"new incident on the list after {appeared_s:.3f} s\n")
        assert hosts == {urlsplit(portal_server).netloc}
        assert errors == [] and blocked == []
    finally:
        context.close()
