"""The citizen app in headless Chromium on the served portal: it installs its service worker and works from its
cache with the network off; a report with a photo written offline is kept as a draft and sent once when the
network returns, a second sync of the same draft files nothing new, and a draft whose photo is corrupt is
refused with a message to the citizen and nothing stored."""

import io
import json
import time
from urllib.parse import urlsplit

import pytest
from browser_csp import watch
from django.conf import settings
from incident_helpers import gps_jpeg, jpeg_bytes
from PIL import Image

from incidents.citizen_app.models import SubmissionKey
from incidents.citizen_app.pages import precache_urls
from incidents.models import Category, Incident, IncidentMedia

# No django_db mark: the rows are committed for real (the served portal must see them) and removed after.
pytestmark = pytest.mark.browser

WAIT_MS = 30_000


@pytest.fixture
def app_category(admin_units, django_db_blocker):
    """Committed for the served portal; removed afterwards with whatever was filed under it, files included."""
    with django_db_blocker.unblock():
        category = Category.objects.create(code="pwa-den-duong", name_vi="Đèn đường hỏng",
                                           name_en="Broken street light", deadline_days=3)
        yield category
        incidents = Incident.objects.filter(category=category)
        served = settings.MEDIA_ROOT / "incidents" / "private"
        for media in IncidentMedia.objects.filter(incident__in=incidents):
            (served / media.original.name).unlink(missing_ok=True)
        SubmissionKey.objects.filter(incident__in=incidents).delete()
        incidents.delete()
        category.delete()


@pytest.fixture
def app(browser, portal_server, app_category):
    context = browser.new_context(locale="vi-VN")
    blocked = watch(context)  # the portal's Content-Security-Policy lets the whole app run
    page = context.new_page()
    hosts = set()
    page.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https") and hosts.add(urlsplit(r.url).netloc))
    page.goto(f"{portal_server}/app/")
    page.evaluate("() => window.citizenApp.ready")
    # The first load is not controlled yet; the worker claims the page once active.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=WAIT_MS)
    yield page, context, hosts
    context.close()
    assert blocked == []


def _fill(page, tmp_path, *, description: str, photo: bytes, name: str = "den.jpg"):
    path = tmp_path / name
    path.write_bytes(photo)
    page.set_input_files("#photo", str(path))
    page.select_option("select[name=category]", "pwa-den-duong")
    page.fill("textarea[name=description]", description)


def test_the_app_installs_its_worker_and_opens_offline(app, portal_server):
    page, context, hosts = app
    manifest = page.request.get(f"{portal_server}/app/manifest.webmanifest")
    body = manifest.json()
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert (body["start_url"], body["scope"], body["display"]) == ("/app/", "/app/", "standalone")
    for icon in body["icons"]:
        png = Image.open(io.BytesIO(page.request.get(portal_server + icon["src"]).body()))
        assert png.format == "PNG" and f"{png.width}x{png.height}" == icon["sizes"]
    assert {"any", "maskable"} <= {icon["purpose"] for icon in body["icons"]}
    cached = page.evaluate("""async () => {
        const names = await caches.keys();
        const shell = await caches.open(names.find((n) => n.startsWith("citizen-shell-")));
        return (await shell.keys()).map((r) => new URL(r.url).pathname); }""")
    assert set(precache_urls()) <= set(cached)

    page.reload()  # controlled now: this copy of the shell is the one kept
    rendered = page.get_attribute("html", "data-rendered")
    context.set_offline(True)
    assert page.evaluate("() => navigator.onLine") is False
    page.reload()
    assert page.get_attribute("html", "data-rendered") == rendered  # from the cache, not from the server
    assert page.locator("#net").get_attribute("data-state") == "offline"
    assert page.locator("select[name=category] option[value=pwa-den-duong]").count() == 1
    page.click("#lang")
    assert page.inner_text("h1") == "Report a problem"
    assert page.locator("select[name=category] option[value=pwa-den-duong]").inner_text() == "Broken street light"
    context.set_offline(False)
    assert hosts == {urlsplit(portal_server).netloc}


def test_an_offline_report_is_a_draft_then_sent_once(app, tmp_path):
    page, context, _hosts = app
    description = f"Đèn đường tắt cả tuần ({time.time()})"
    context.set_offline(True)
    _fill(page, tmp_path, description=description, photo=gps_jpeg(108.9601, 11.5702))
    page.wait_for_selector("#photo-place:not([hidden])")  # the photo's EXIF GPS, offered as the place
    page.click("#use-photo-place")
    assert float(page.input_value("input[name=lon]")) == pytest.approx(108.9601, abs=1e-4)
    page.click("button[type=submit]")
    page.wait_for_selector("#drafts li[data-state=pending]")
    assert "bản nháp" in page.inner_text("#notice")
    time.sleep(1)
    assert not Incident.objects.filter(description=description).exists()
    # Kept aside, photo bytes included, to send the very same draft a second time later.
    page.evaluate("""async () => {
        const [draft] = await citizenApp.drafts.all("drafts");
        draft.files = await Promise.all(draft.files.map(async (f) => (
            { ...f, blob: new Blob([await f.blob.arrayBuffer()], { type: f.type }) })));
        window.keptDraft = draft; }""")

    context.set_offline(False)  # the page hears "online" and sends the draft
    page.wait_for_selector("#reports li[data-code]", state="attached", timeout=WAIT_MS)
    incidents = list(Incident.objects.filter(description=description))
    assert len(incidents) == 1
    incident = incidents[0]
    assert incident.channel == "app" and incident.geom.x == pytest.approx(108.9601, abs=1e-4)
    assert IncidentMedia.objects.filter(incident=incident).count() == 1
    assert page.get_attribute("#reports li[data-code]", "data-code") == incident.tracking_code
    assert page.locator("#drafts li[data-draft]").count() == 0

    # The first answer lost, say: the same draft is synced again. The server answers with the same report.
    again = page.evaluate("""async () => {
        await citizenApp.drafts.put("drafts", window.keptDraft);
        const outcome = await citizenApp.sync();
        return outcome.sent.map((r) => r.code); }""")
    assert again == [incident.tracking_code]
    assert Incident.objects.filter(description=description).count() == 1
    assert SubmissionKey.objects.filter(incident=incident).count() == 1
    assert IncidentMedia.objects.filter(incident=incident).count() == 1
    stored = json.loads(page.evaluate("async () => JSON.stringify(await citizenApp.drafts.all('reports'))"))
    assert [r["code"] for r in stored] == [incident.tracking_code] and stored[0]["key"]


def test_a_draft_with_a_corrupt_photo_is_refused_with_a_message(app, tmp_path):
    page, context, _hosts = app
    description = f"Ảnh hỏng ({time.time()})"
    keys_before = SubmissionKey.objects.count()
    context.set_offline(True)
    _fill(page, tmp_path, description=description, photo=jpeg_bytes(size=(640, 480))[:700], name="hong.jpg")
    page.evaluate("() => { document.querySelector('[name=lon]').value = '108.9497';"
                  " document.querySelector('[name=lat]').value = '11.5992'; }")
    page.click("button[type=submit]")
    page.wait_for_selector("#drafts li[data-state=pending]")
    context.set_offline(False)
    refused = page.wait_for_selector("#drafts li[data-state=refused]", timeout=WAIT_MS)
    assert "hong.jpg" in refused.inner_text() and page.locator("#drafts li[data-state=refused] .why").inner_text()
    assert "không gửi được" in page.inner_text("#notice")
    assert not Incident.objects.filter(description=description).exists()
    assert SubmissionKey.objects.count() == keys_before
    page.click("#drafts [data-remove]")
    page.wait_for_selector("#drafts li.empty")
