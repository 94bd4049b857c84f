"""A citizen reports through the real form in Chromium, on the served portal; the real worker makes the public
copy; the tracking page then shows the photo without its EXIF, and nothing was fetched from another host."""

import io
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from incident_helpers import gps_jpeg, jpeg_bytes
from PIL import Image

from incidents.models import Category, CategoryAttribute, Incident, IncidentMedia

# No django_db mark: `committed` writes for real (the server and the worker must see the rows) and removes
# them afterwards; a transactional test case would flush every table, migration-seeded ones included.
pytestmark = [pytest.mark.browser, pytest.mark.worker]


def _exif_photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "secret-app 1.0"  # Software
    return jpeg_bytes(size=(320, 240), exif=exif.tobytes())


def test_report_in_the_browser_then_public_copy_from_the_worker(admin_units, committed, celery_worker,
                                                                 portal_server, browser, tmp_path):
    category = Category.objects.create(code="e2e-pothole", name_vi="Ổ gà (thử)", name_en="Pothole (test)",
                                       deadline_days=2)
    committed.append(category)
    committed.append(CategoryAttribute.objects.create(category=category, code="lane", datatype="string",
                                                      description="Làn đường"))
    photo = tmp_path / "o-ga.jpg"
    photo.write_bytes(_exif_photo())

    page = browser.new_page()
    hosts = set()
    # MapLibre's worker loads from a blob: URL; every network request must go to the portal.
    page.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
            and hosts.add(urlsplit(r.url).netloc))
    page.goto(f"{portal_server}/incidents/report/")
    page.select_option("select[name=category]", "e2e-pothole")
    page.fill("textarea[name=description]", "Ổ gà trước chợ <b>Phan Rang</b>")
    page.wait_for_function("() => document.querySelector('#pick-map canvas')")
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("input[name=lon]").startswith("108.9")
    # A photo whose EXIF knows where it was taken: the form offers that place, and takes it when asked.
    gps = tmp_path / "gps.jpg"
    gps.write_bytes(gps_jpeg(108.9601, 11.5702))
    page.set_input_files("input[name=media]", str(gps))
    page.wait_for_selector("#exif-hint:not([hidden])")
    page.click("#exif-hint button")
    assert float(page.input_value("input[name=lon]")) == pytest.approx(108.9601, abs=1e-4)
    assert float(page.input_value("input[name=lat]")) == pytest.approx(11.5702, abs=1e-4)
    page.set_input_files("input[name=media]", str(photo))
    time.sleep(3.2)  # a person takes longer than the spam trap's minimum
    page.click("button[type=submit]")
    page.wait_for_url("**/incidents/track/**")
    code = page.url.split("/track/")[1].split("?")[0]
    assert page.locator("#reporter-key").inner_text()
    incident = Incident.objects.get(tracking_code=code)
    committed.append(incident)
    assert incident.description == "Ổ gà trước chợ <b>Phan Rang</b>" and incident.channel == "web"
    assert page.locator("#description").inner_text() == "Ổ gà trước chợ <b>Phan Rang</b>"

    deadline = time.monotonic() + 90
    media = IncidentMedia.objects.get(incident=incident)
    while media.status not in ("ready", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        media.refresh_from_db()
    assert media.status == "ready", media.error
    page.goto(f"{portal_server}/incidents/track/{code}")
    src = page.locator("img").first.get_attribute("src")
    body = page.request.get(portal_server + src).body()
    public = Image.open(io.BytesIO(body))
    assert public.format == "JPEG" and not public.getexif()
    original = page.request.get(f"{portal_server}/incidents/media/{media.pk}/original")
    assert original.status == 404  # anonymous: the original does not exist for them
    assert hosts == {urlsplit(portal_server).netloc}
    # The served portal keeps media under the default directory (this test process points elsewhere).
    served = settings.MEDIA_ROOT / "incidents"
    for part, stored in (("private", media.original), ("public", media.public_copy), ("public", media.thumbnail)):
        if stored.name:
            (served / part / stored.name).unlink(missing_ok=True)
