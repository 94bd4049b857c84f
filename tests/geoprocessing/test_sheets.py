"""Planning information sheets: an A4 PDF in Vietnamese with its map, tables and decisions, rendered offline, kept
under a verification code that a public URL checks."""

import io
import re

import numpy as np
import pytest
from django.contrib.gis.db.models.functions import PointOnSurface
from PIL import Image
from pypdf import PdfReader

from geoprocessing.models import PlanningSheet
from geoprocessing.pdf import LocalOnlyFetcher, render_pdf
from layers.models import LandParcel, PlanZone

pytestmark = pytest.mark.django_db


@pytest.fixture
def parcel(planning_demo):
    parcels = LandParcel.objects.filter(layer=planning_demo.layers["land_parcel"], commune__isnull=False)
    return next(p for p in parcels.annotate(inside=PointOnSurface("geom")).order_by("pk")
                if PlanZone.objects.filter(layer=planning_demo.layers["plan_zone"], geom__contains=p.geom).exists())


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_a_sheet_is_an_a4_pdf_in_vietnamese_with_the_plan_and_its_decisions(client, parcel):
    response = client.post("/api/planning/sheets", {"parcel_id": parcel.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    issued = response.json()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}", issued["code"])
    pdf = client.get(issued["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    data = b"".join(pdf.streaming_content)
    reader, text = _pdf_text(data)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert len(reader.pages) <= 3
    zone = PlanZone.objects.select_related("decision", "land_use_code").get(
        layer__slug="plantest-o-quy-hoach", geom__contains=parcel.geom)
    flat = " ".join(text.split())
    for expected in ("PHIẾU THÔNG TIN QUY HOẠCH", "Chỉ tiêu quy hoạch sử dụng đất", "Căn cứ pháp lý",
                     f"{parcel.sheet_no} / {parcel.parcel_no}", parcel.commune.name, zone.zone_code,
                     zone.decision.number, zone.land_use_code.name_vi, issued["code"], "Tọa độ đỉnh thửa"):
        assert expected in flat, expected
    assert parcel.holder_name not in flat and (not parcel.holder_id or parcel.holder_id not in flat)
    assert issued["verify_url"].startswith("http://testserver/planning/verify/")
    stored = PlanningSheet.objects.get(code=issued["code"])
    assert stored.pdf_sha256 == __import__("hashlib").sha256(data).hexdigest()
    assert stored.answer["parcel"]["ext_id"] == parcel.ext_id and "holder" not in str(stored.answer)


def test_the_sheet_names_where_each_corridor_width_comes_from(client, parcel, planning_demo):
    from django.contrib.gis.geos import LineString

    from geoprocessing.lookup import DEFAULT_CORRIDORS
    from layers.models import Canal

    x, y = parcel.inside.x, parcel.inside.y
    Canal.objects.create(layer=planning_demo.layers["canal"], ext_id="PT-K5", name="Kênh N5", level=1,
                         geom=LineString((x - 0.002, y + 0.0004), (x + 0.002, y + 0.0004)))
    issued = client.post("/api/planning/sheets", {"parcel_id": parcel.pk, "distance_m": 100},
                         content_type="application/json").json()
    [canal] = [i for i in PlanningSheet.objects.get(code=issued["code"]).answer["irrigation"] if i["kind"] == "canal"]
    assert canal["corridor_source"] == DEFAULT_CORRIDORS.canal_by_level[1].source
    flat = " ".join(_pdf_text(b"".join(client.get(issued["pdf_url"]).streaming_content))[1].split())
    assert "Căn cứ bề rộng hành lang: (1)" in flat and "Luật Thủy lợi số 08/2017/QH14" in flat


def test_the_sheet_map_draws_the_plot_its_neighbours_and_zones(parcel, planning_demo):
    from django.contrib.auth.models import AnonymousUser

    from geoprocessing import sheet_map
    from geoprocessing.adapters import lookup_scope, raw_connection
    from geoprocessing.selectors import parcel_answer

    scope = lookup_scope(AnonymousUser())
    answer = parcel_answer(parcel.pk, scope, day=None, distance_m=20)
    box = sheet_map.map_box(answer.parcel.bbox)
    features = sheet_map.map_features(raw_connection(), box, scope=scope, as_of=answer.as_of)
    kinds = {f.what for f in features}
    assert {"zone", "parcel"} <= kinds and "segment" not in kinds  # internal networks are not drawn for the public
    assert parcel.pk in {f.id for f in features if f.what == "parcel"}
    import shapely

    jpeg = sheet_map.render_jpeg(features, box=box, subject=shapely.geometry.shape(answer.parcel.geometry),
                                 width_mm=150, dpi=200)
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG" and abs(image.size[0] - 150 / 25.4 * 200) <= 1
    pixels = np.asarray(image.convert("RGB")).astype(int)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    cy, cx = (n // 2 for n in pixels.shape[:2])  # the parcel is at the centre of its map, outlined in red
    red = (r > 180) & (g < 90) & (b < 90)
    assert red[cy - 60:cy + 60, cx - 60:cx + 60].sum() > 50
    grey = (abs(r - g) < 8) & (abs(g - b) < 8) & (r < 140)
    assert grey.sum() > 1000  # neighbours' outlines and numbers


def test_the_verification_url_checks_the_code(client, parcel):
    issued = client.post("/api/planning/sheets", {"parcel_id": parcel.pk}, content_type="application/json").json()
    body = client.get(f"/api/planning/sheets/{issued['code']}").json()
    assert body["current"] == "unchanged" and body["parcel_ext_id"] == parcel.ext_id
    page = client.get(f"/planning/verify/{issued['code'].lower()}/")
    assert page.status_code == 200 and issued["code"] in page.content.decode()
    PlanZone.objects.filter(layer__slug="plantest-o-quy-hoach", geom__contains=parcel.geom).update(max_floors=99)
    assert client.get(f"/api/planning/sheets/{issued['code']}").json()["current"] == "changed"
    missing = client.get("/api/planning/sheets/ZZZZZ-ZZZZZ")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get("/planning/verify/ZZZZZ-ZZZZZ/").status_code == 404


def test_sheets_are_rate_limited_per_address(client, parcel, settings):
    from geoprocessing.services import SHEET_LIMIT

    SHEET_LIMIT.reset("127.0.0.1")
    original = SHEET_LIMIT.limit
    SHEET_LIMIT.limit = 2
    try:
        codes = [client.post("/api/planning/sheets", {"parcel_id": parcel.pk},
                             content_type="application/json").status_code for _ in range(3)]
    finally:
        SHEET_LIMIT.limit = original
        SHEET_LIMIT.reset("127.0.0.1")
    assert codes[:2] == [201, 201] and codes[2] == 429


def test_a_sheet_for_an_unknown_parcel_is_a_404_and_writes_nothing(client, planning_demo):
    before = PlanningSheet.objects.count()
    response = client.post("/api/planning/sheets", {"parcel_id": 10**9}, content_type="application/json")
    assert response.status_code == 404 and response.json()["code"] == "parcel_not_found"
    assert PlanningSheet.objects.count() == before


def test_the_pdf_renderer_fetches_nothing_from_a_network(tmp_path):
    fetcher = LocalOnlyFetcher([tmp_path])
    (tmp_path / "ok.css").write_text("p { color: red }")
    html = ('<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><img src="https://example.org/a.png">'
            f'<link rel="stylesheet" href="file://{tmp_path}/ok.css"><img src="file:///etc/hostname">'
            '<p>Xin chào</p>')
    pdf = render_pdf(html, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert sorted(fetcher.refused) == ["file:///etc/hostname", "http://127.0.0.1:9/x.css", "https://example.org/a.png"]
