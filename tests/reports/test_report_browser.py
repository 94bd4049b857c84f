"""The stored report page and an open-data dataset page in Chromium, on the served portal: the maps draw (the
report's is folium's Leaflet map: communes shaded, a popup with a commune's figures), no request goes to another
host and the Content-Security-Policy blocks nothing."""

from urllib.parse import urlsplit

import pytest
from browser_csp import log_in, watch
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from report_helpers import WEEK, staff

from fixtures.report_incidents import HistorySpec, generate_history
from incidents.models import Category, Incident
from layers.models import AdminUnit, LandParcel, Layer
from portal.accounts.models import OrgUnit
from reports.models import ReportRun
from reports.services import do_build_run, do_request_report
from reports.storage import read_path
from reports.webmap import PALETTE

pytestmark = [pytest.mark.browser]


@pytest.fixture
def built_report(committed, admin_units):
    assert connection.settings_dict["NAME"].startswith("test")
    province = AdminUnit.objects.get(level="province", name="Ninh Thuận")
    from reports.areas import area_of_unit

    ioc = OrgUnit.objects.create(code="ioc-rep-browser", name="IOC (browser)", kind=OrgUnit.Kind.PROVINCE_IOC)
    category = Category.objects.create(code="rep-browser", name_vi="Ổ gà", name_en="Pothole", deadline_days=2)
    committed.extend([ioc, category])
    communes = list(AdminUnit.objects.filter(level="commune", parent__parent=province).select_related(
        "parent__parent"))
    ids = generate_history(HistorySpec(start=WEEK.start, end=WEEK.end, count=80, seed=4), communes=communes,
                           categories=[category], agencies=[])
    committed.extend(Incident.objects.filter(pk__in=ids))
    user = staff("rep-browser", "dispatcher", ioc)
    committed.append(user)
    run = do_build_run(do_request_report(kind=ReportRun.Kind.ADHOC, area=area_of_unit(province), period=WEEK,
                                         queue=False))
    layer = Layer.objects.create(slug="od-browser-thua", kind="land_parcel", title_vi="Thửa đất", title_en="Parcels",
                                 theme="planning", visibility="public", min_zoom=10)
    LandParcel.objects.bulk_create([LandParcel(layer=layer, ext_id=f"B-{i}", geom=GEOSGeometry(
        f"SRID=4326;MULTIPOLYGON((({108.99 + i * 4e-4} 11.56,{108.9903 + i * 4e-4} 11.56,"
        f"{108.9903 + i * 4e-4} 11.5603,{108.99 + i * 4e-4} 11.5603,{108.99 + i * 4e-4} 11.56)))")) for i in range(20)])
    committed.append(layer)
    yield run
    for stored in run.files.all():
        read_path(stored.path).unlink(missing_ok=True)
    run.delete()


# Leaflet draws each commune as an SVG path inside the folium map's container; hotspot cells are paths too, but
# with no fill, and the area's outline is not interactive.
COMMUNES = ".report-map.leaflet-container path.leaflet-interactive:not([fill=none])"
_INSIDE = """(fill) => {
  // A point of the first commune of this colour that no other shape covers, for a real click.
  for (const path of document.querySelectorAll(`${COMMUNES}[fill="${fill}"]`)) {
    const box = path.getBoundingClientRect();
    for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
      const x = box.left + box.width * i / 12, y = box.top + box.height * j / 12;
      if (document.elementFromPoint(x, y) === path) return [x, y];
    }
  }
  return null;
}""".replace("${COMMUNES}", COMMUNES)


def _check_folium_map(page, figures: dict) -> None:
    """The communes are drawn and shaded, the legend is there, and a click on the busiest class of communes opens
    a popup with that commune's figures."""
    assert page.locator(COMMUNES).count() >= len(figures["by_commune"]) > 0
    assert page.locator(".report-map .report-legend").inner_text().startswith("Phản ánh tiếp nhận")
    assert page.locator(".report-map .leaflet-tile").count() == 0  # no tiles: the outlines are the context
    page.locator(".report-map").scroll_into_view_if_needed()
    point = page.evaluate(_INSIDE, PALETTE[-1])
    assert point, "no commune of the busiest class can be clicked"
    page.mouse.click(*point)
    popup = page.locator(".report-map .leaflet-popup-content")
    popup.wait_for(timeout=5000)
    name, received, resolved, overdue = popup.locator("td").all_inner_texts()
    row = next(r for r in figures["by_commune"] if r["label"] == name)
    assert [int(received), int(resolved), int(overdue)] == [row["received"], row["resolved"], row["overdue"]]
    assert row["received"] >= 1


def _watch(page) -> set[str]:
    hosts: set[str] = set()
    page.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
            and hosts.add(urlsplit(r.url).netloc))
    return hosts


def test_report_html_and_dataset_preview_make_no_request_to_another_host(built_report, portal_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked = watch(context)  # the stored report's inline chart styles are allowed on its page, scripts are not
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    hosts = _watch(page)
    try:
        log_in(page, portal_server, "rep-browser", next="/reports/")
        assert page.locator(f'tr[data-run="{built_report.pk}"]').count() == 1
        page.goto(f"{portal_server}/reports/{built_report.pk}/")
        page.wait_for_function(f"() => document.querySelectorAll('{COMMUNES}').length > 0", timeout=30000)
        page.wait_for_load_state("networkidle")
        _check_folium_map(page, built_report.figures)
        assert page.locator("[data-table=by_commune] tbody tr").count() == len(built_report.figures["by_commune"])
        received = str(built_report.figures["totals"]["received"])
        assert page.locator(".totals b").first.inner_text() == received

        page.goto(f"{portal_server}/opendata/od-browser-thua/")
        page.wait_for_function("() => window.previewMap && window.previewMap.getLayer('preview') && "
                               "window.previewMap.loaded()", timeout=30000)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.previewMap.querySourceFeatures('preview', {sourceLayer: 'od-browser-thua'})"
                             ".length") > 0
    finally:
        context.close()
    assert hosts == {urlsplit(portal_server).netloc}, hosts
    assert not errors, errors
    assert blocked == []
