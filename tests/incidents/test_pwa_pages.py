"""The citizen app's files: a manifest an installing browser accepts, icons drawn as PNGs of their stated sizes,
a service worker scoped to /app/ whose precache names the served static URLs, and a shell in both languages."""

import io
import json
from html.parser import HTMLParser

import pytest
from PIL import Image

from incidents.citizen_app.pages import precache_urls

pytestmark = pytest.mark.django_db


def test_the_manifest_has_what_installation_needs(client):
    response = client.get("/app/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    body = json.loads(response.content)
    assert body["name"] and body["short_name"] and body["display"] == "standalone"
    assert body["start_url"] == body["scope"] == "/app/"
    sizes = {icon["sizes"] for icon in body["icons"] if icon["purpose"] == "any"}
    assert {"192x192", "512x512"} <= sizes


@pytest.mark.parametrize("name,size", [("192", 192), ("512", 512), ("maskable-512", 512), ("180", 180)])
def test_icons_are_pngs_of_their_size(client, name, size):
    response = client.get(f"/app/icons/{name}.png")
    image = Image.open(io.BytesIO(response.content))
    assert (response["Content-Type"], image.format, image.size) == ("image/png", "PNG", (size, size))
    if name.startswith("maskable"):
        assert image.getpixel((2, 2))[3] == 255  # full bleed: the platform's mask cuts the corners
    else:
        assert image.getpixel((0, 0))[3] == 0  # rounded corners


def test_unknown_icons_are_404(client):
    assert client.get("/app/icons/999.png").status_code == 404
    assert client.get("/app/icons/big.png").status_code == 404


def test_the_worker_is_scoped_to_the_app_and_precaches_its_shell(client):
    response = client.get("/app/sw.js")
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/app/" and "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert f"const PRECACHE = {json.dumps(precache_urls())};" in script
    for url in ("/app/", "/static/citizen_app/app.js", "/static/vendor/maplibre-gl/maplibre-gl.js"):
        assert url in precache_urls()
    for url in precache_urls():
        assert client.get(url).status_code == 200, url


def test_the_shell_carries_both_languages_and_the_categories(client, categories):
    page = client.get("/app/").content.decode()
    assert 'rel="manifest"' in page and 'name="theme-color"' in page
    config = json.loads(page.split('id="app-config" type="application/json">')[1].split("</script>")[0])
    pothole = next(c for c in config["categories"] if c["code"] == "pothole")
    assert (pothole["vi"], pothole["en"]) == ("Ổ gà, hư hỏng mặt đường", "Pothole")
    assert pothole["attributes"][0]["code"] == "size" and pothole["attributes"][0]["required"]
    script = b"".join(client.get("/static/citizen_app/app.js").streaming_content).decode()
    assert "Report a problem" in script and "Phản ánh hiện trường" in script


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def test_the_shell_reports_photo_first_with_the_rear_camera(client, categories):
    """A phone opens its rear camera straight from the report form (photos or videos), several files allowed."""
    parser = _Inputs()
    parser.feed(client.get("/app/").content.decode())
    files = [i for i in parser.inputs if i.get("type") == "file"]
    assert len(files) == 1
    camera = files[0]
    assert (camera.get("id"), camera.get("name"), camera.get("capture")) == ("photo", "media", "environment")
    assert set(camera["accept"].split(",")) == {"image/*", "video/*"} and "multiple" in camera
    script = b"".join(client.get("/static/citizen_app/app.js").streaming_content).decode()
    assert '$("#photo").addEventListener("change"' in script  # the input the script reads the photos from
