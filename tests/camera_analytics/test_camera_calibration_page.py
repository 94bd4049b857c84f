"""The calibration page in Chromium on the served portal: pairs clicked on the camera's frame and on the map,
their errors shown, the calibration saved; a counting line drawn on the frame and saved; nothing requested from
another host."""

from urllib.parse import urlsplit

import pytest
from browser_csp import log_in, watch
from camera_helpers import frames_of, pairs_of
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.db import connection

from camera_analytics import services
from camera_analytics.models import CameraCalibration, CameraRule
from fixtures.camera_clips import CLIPS
from layers.models import Camera, Layer
from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import sync_roles

pytestmark = [pytest.mark.browser]


@pytest.fixture
def station(committed):
    assert connection.settings_dict["NAME"].startswith("test")
    sync_roles()
    ioc = OrgUnit.objects.create(code="ioc-calibrate-page", name="IOC (thử)", kind=OrgUnit.Kind.PROVINCE_IOC)
    user = User.objects.create_user("calibrate-page", password="a-long-test-password", org_unit=ioc)
    user.groups.add(Group.objects.get(name="data_steward"))
    layer = Layer.objects.create(slug="camera-page-test", kind="camera", title_vi="Camera (thử)",
                                 title_en="Cameras (test)", theme="cameras")
    pose = CLIPS["video03"]["pose"]
    camera = Camera.objects.create(layer=layer, ext_id="CAM-P1", name="Camera thử (trang)", kind="traffic",
                                   heading_deg=pose["heading_deg"], geom=Point(pose["lon"], pose["lat"], srid=4326))
    services.do_set_view(camera=camera, image=frames_of("video03", 800, 801)[0].image)
    committed.extend([ioc, user, layer])
    return camera


def _click_frame(page, u: float, v: float) -> None:
    box = page.locator("[data-overlay]").bounding_box()
    page.mouse.click(box["x"] + u / 320 * box["width"], box["y"] + v / 240 * box["height"])


def _click_map(page, lon: float, lat: float) -> None:
    # Centred on the point at zoom 20 (15 cm a pixel) first, as a person would zoom in to click precisely.
    page.evaluate("([lon, lat]) => window.calibratePage.map.jumpTo({center: [lon, lat], zoom: 20})", [lon, lat])
    x, y = page.evaluate("([lon, lat]) => { const p = window.calibratePage.map.project([lon, lat]); "
                         "return [p.x, p.y]; }", [lon, lat])
    box = page.locator("[data-map]").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_pairs_clicked_on_frame_and_map_calibrate_the_camera(station, portal_server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    blocked = watch(context)  # nothing the page needs is refused by the portal's Content-Security-Policy
    page = context.new_page()
    errors, hosts = [], set()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
            and hosts.add(urlsplit(r.url).netloc))
    try:
        log_in(page, portal_server, "calibrate-page", next=f"/cameras/{station.pk}/calibrate/")
        page.wait_for_function("() => window.calibratePage && window.calibratePage.ready")
        page.wait_for_function("() => document.querySelector('[data-frame]').complete")

        # Dash ends along the broken line and points of the yellow edge line: the road's length and width.
        every = pairs_of("video03")
        pairs = [*every[:4], *every[6:8]]
        for i, pair in enumerate(pairs):
            if i == 4:  # four on one line so far: the page says why it cannot fit them
                page.wait_for_function("() => document.querySelector('[data-fit]').textContent.includes('one line')")
            _click_frame(page, pair.u, pair.v)
            _click_map(page, pair.lon, pair.lat)
            page.wait_for_function(f"() => window.calibratePage.pairs.length === {i + 1}")
        page.wait_for_function("() => window.calibratePage.fit && window.calibratePage.fit.pairs.length === 6")
        fit = page.evaluate("window.calibratePage.fit")
        assert fit["max_m"] < 0.5 and f"{fit['rms_m']:.3f}" in page.text_content("[data-fit]")
        assert len(fit["footprint"]) > 4  # drawn on the map
        page.click("[data-save-calibration]")
        page.wait_for_selector("[data-save-status][data-saved]")

        page.check("input[name=mode][value=rules]")
        page.select_option("select[name=kind]", "counting_line")
        page.fill("input[name=name]", "vach-dem")
        page.click("[data-draw]")
        _click_frame(page, 20, 170)
        _click_frame(page, 260, 170)
        page.click("[data-save-rules]")
        page.wait_for_selector("[data-rules-status][data-saved]")
    finally:
        context.close()
    calibration = CameraCalibration.objects.of_camera(station).get()
    assert len(calibration.pairs) == 6 and calibration.max_m < 0.5
    for clicked, pair in zip(calibration.pairs, pairs, strict=True):
        assert abs(clicked["u"] - pair.u) < 2 and abs(clicked["v"] - pair.v) < 2
    rule = CameraRule.objects.of_camera(station).get()
    assert rule.kind == "counting_line" and rule.name == "vach-dem"
    assert abs(rule.definition["points"][0][1] - 170) < 2
    assert errors == [] and blocked == []
    assert hosts == {urlsplit(portal_server).netloc}
