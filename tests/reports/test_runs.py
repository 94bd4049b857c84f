"""Report runs: the files (PDF holds the totals, its static map and charts; CSV the figures), the same period twice
gives the same figures, an ad-hoc report of any range and area counts what plain SQL counts, the API's bad input is
a 400 with the reason, district IOC staff see only their district."""

import csv
import io
import json
import re
import subprocess
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from report_helpers import WEEK, ZONE, staff

from fixtures.report_incidents import HistorySpec, generate_history
from portal.accounts.models import OrgUnit
from reports.models import ReportFile, ReportRun
from reports.services import do_build_run, do_request_report
from reports.storage import read_path

pytestmark = pytest.mark.django_db


def _built(area, period=WEEK, kind=ReportRun.Kind.WEEKLY):
    run = do_request_report(kind=kind, area=area, period=period, queue=False)
    return do_build_run(run)


def _pdf_text(run) -> str:
    path = read_path(ReportFile.objects.get(run=run, format="pdf").path)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pdf_images(run) -> list[tuple[int, int]]:
    """(width, height) of each image the PDF draws; soft masks (a PNG's transparency) are not pictures."""
    path = read_path(ReportFile.objects.get(run=run, format="pdf").path)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]  # two header lines
    return [(int(row[3]), int(row[4])) for row in rows if row[2] == "image"]


def _addresses(html: str) -> list[str]:
    """Every address the page names in src=, href= or CSS url(), in order."""
    return re.findall(r"""(?:\b(?:src|href)\s*=\s*|url\(\s*)["']?([^"')\s>]+)""", html)


def _loaded(html: str) -> list[str]:
    """The addresses of what the page loads: all but data: URIs and the SVG charts' own #fragments; and none
    of any address on another host (http(s)://… or //…)."""
    addresses = _addresses(html)
    elsewhere = [a for a in addresses if re.match(r"(?i)(https?:)?//", a)]
    assert not elsewhere and "@import" not in html, f"the page names another host: {elsewhere[:5]}"
    return [a for a in addresses if not a.startswith(("data:", "#"))]


def test_weekly_run_writes_html_pdf_csv_and_the_same_period_gives_the_same_figures(reports_dir, world, incidents,
                                                                                    province_area):
    run = _built(province_area)
    assert run.status == "done" and run.progress == 1.0 and run.runs == 1
    assert {f.format for f in run.files.all()} == {"html", "pdf", "csv", "map.js"}
    totals = run.figures["totals"]
    # The PDF's text holds the totals, each right under its label in the boxes at the top.
    text = _pdf_text(run)
    assert "Ninh Thuận" in text and "02/03/2026" not in text and "2026-03-02" in text
    lines = text.split("\f")[0].splitlines()
    boxes = lines[next(i for i, line in enumerate(lines) if "Tiếp nhận" in line) - 1].split()
    assert boxes == [str(totals["received"]), str(totals["resolved"]), str(totals["overdue"]),
                     f"{round(100 * totals['on_time_rate'], 1)}", "%", f"{totals['median_hours']}", "h"]
    assert str(totals["open_at_end"]) in text.split("Tồn cuối kỳ")[0].split()[-1:]
    for table in ("Theo kênh tiếp nhận", "Theo lĩnh vực", "Theo cơ quan xử lý", "Theo xã, phường", "Điểm nóng"):
        assert table in text, table
    # Its pictures are drawn on the server and embedded: the static map and three charts (trend, on time,
    # categories), each a raster of a readable size.
    images = _pdf_images(run)
    assert len(images) == 4, images
    assert all(width >= 400 and height >= 200 for width, height in images)
    rows = list(csv.reader(io.StringIO(read_path(run.files.get(format="csv").path).read_text("utf-8-sig"))))
    assert rows[0] == ["table", "key", "label", "metric", "value"]
    csv_totals = {r[3]: r[4] for r in rows if r[0] == "totals"}
    assert int(csv_totals["received"]) == totals["received"] and int(csv_totals["overdue"]) == totals["overdue"]
    assert sum(int(r[4]) for r in rows if r[0] == "by_category" and r[3] == "received") == totals["received"]
    html = read_path(run.files.get(format="html").path).read_text()
    script = read_path(run.files.get(format="map.js").path).read_text()
    assert "<svg" in html and 'class="folium-map report-map"' in html
    # The folium map: Leaflet from the portal's static files, its code the run's map.js, never inline.
    assert _loaded(html) == ["/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
                             "/static/reports/report.css", "map.js"], _loaded(html)
    assert [tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag] == []
    assert "L.map(" in script and "L.geoJson(" in script and "<script" not in script
    assert not re.search(r"https?:|[\"'(]//", script), "the map's code names another host"
    assert run.figures["by_commune"] and all(json.dumps(row["label"])[1:-1] in script
                                             for row in run.figures["by_commune"] if row["key"])

    # Asked again: the finished run. Run again: same row, same figures, same CSV bytes.
    digest, csv_sha = run.digest, run.files.get(format="csv").sha256
    assert do_request_report(kind=ReportRun.Kind.WEEKLY, area=province_area, period=WEEK, queue=False).pk == run.pk
    rerun = do_build_run(do_request_report(kind=ReportRun.Kind.WEEKLY, area=province_area, period=WEEK,
                                           queue=False, rerun=True))
    assert rerun.pk == run.pk and rerun.runs == 2
    assert rerun.digest == digest and rerun.files.get(format="csv").sha256 == csv_sha
    assert rerun.files.get(format="map.js").sha256 == run.files.get(format="map.js").sha256
    assert ReportRun.objects.count() == 1 and ReportFile.objects.filter(run=rerun).count() == 4

    # Work done in the following week (new reports, resolutions) does not change the week's figures.
    generate_history(HistorySpec(start=WEEK.end, end=WEEK.end + timedelta(days=7), count=60, seed=9),
                     communes=world["communes"], categories=world["categories"], agencies=world["agencies"])
    later = do_build_run(do_request_report(kind=ReportRun.Kind.WEEKLY, area=province_area, period=WEEK,
                                           queue=False, rerun=True))
    assert later.digest == digest


# --- API ------------------------------------------------------------------------------------------------------


@pytest.fixture
def dispatcher(world):
    return staff("rep-dispatcher", "dispatcher", world["ioc"])


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"start": "2026-03-08", "end": "2026-03-02"}, "end", "inverted"),
    ({"start": "2026-03-02", "end": (date.today() + timedelta(days=3)).isoformat()}, "end", "yesterday"),
    ({"start": "2026-03-02", "end": date.today().isoformat()}, "end", "yesterday"),
    ({"start": "2026-13-02", "end": "2026-03-08"}, "start", "not a date"),
    ({"end": "2026-03-08"}, "start", "first day"),
    ({"start": "2026-03-02", "end": "2026-03-08", "area": "no-such-unit"}, "area", "No administrative unit"),
    ({"start": "2026-03-02", "end": "2026-03-08", "area": "2009-705", "level": "planet"}, "level", "Unknown level"),
])
def test_bad_input_is_a_400_with_the_reason(dispatcher, province, body, field, words):
    response = _client(dispatcher).post("/api/reports/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    data = response.json()
    assert words in data["message"] and data["errors"][0]["field"] == field
    assert not ReportRun.objects.exists()


def test_an_adhoc_report_of_any_range_and_area(reports_dir, dispatcher, world, incidents, district):
    # Ten days across a month's end, for a district: neither a week nor a month, nor the province.
    response = _client(dispatcher).post("/api/reports/", {"start": "2026-02-25", "end": "2026-03-06",
                                                          "area": district.code, "level": "district"},
                                        content_type="application/json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["area_level"], body["area_code"], body["area_name"]) == (
        "adhoc", "queued", "district", district.code, district.name)
    assert (body["first_day"], body["last_day"]) == ("2026-02-25", "2026-03-06")
    run = do_build_run(ReportRun.objects.get(pk=body["id"]))
    start, end = (datetime.combine(day, time(0), ZONE) for day in (date(2026, 2, 25), date(2026, 3, 7)))
    with connection.cursor() as cursor:
        # Received: reports of the district created in the range and not merged into another by its end.
        cursor.execute("""
            SELECT count(*) FROM incidents_incident i JOIN layers_adminunit d ON d.id = i.district_id
            WHERE d.level = 'district' AND d.code = %s AND i.created_at >= %s AND i.created_at < %s
              AND NOT EXISTS (SELECT 1 FROM incidents_incidentevent m
                              WHERE m.incident_id = i.id AND m.kind = 'merged' AND m.at < %s)""",
                       [district.code, start, end, end])
        received = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM incidents_incident WHERE created_at >= %s AND created_at < %s",
                       [start, end])
        everywhere = cursor.fetchone()[0]
    assert run.status == "done" and run.figures["totals"]["received"] == received
    assert 10 < received < everywhere  # the district's own, not the province's
    # Trends compare with the ten days before, and before those.
    assert [(p["first"], p["last"]) for p in run.figures["trend"][-2:]] == [("2026-02-15", "2026-02-24"),
                                                                          ("2026-02-25", "2026-03-06")]


def test_files_and_pages_of_a_run(reports_dir, dispatcher, world, incidents, province_area):
    run = _built(province_area)
    client = _client(dispatcher)
    response = client.get(f"/api/reports/{run.pk}/files/docx")
    assert response.status_code == 400 and "not offered" in response.json()["message"]
    assert response.json()["errors"][0]["field"] == "format"
    pdf = client.get(f"/api/reports/{run.pk}/files/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert pdf["X-Checksum-SHA256"] == run.files.get(format="pdf").sha256
    detail = client.get(f"/api/reports/{run.pk}").json()
    assert detail["figures"]["totals"]["received"] == run.figures["totals"]["received"]
    assert {f["format"] for f in detail["files"]} == {"html", "pdf", "csv", "map.js"}
    page = client.get("/reports/")
    text = page.content.decode()
    assert page.status_code == 200 and f"/reports/{run.pk}/" in text and f"/reports/{run.pk}/pdf" in text
    assert f"/reports/{run.pk}/map.js" not in text  # the page's script is no download
    html = client.get(f"/reports/{run.pk}/")
    assert html.status_code == 200 and b"report-map" in b"".join(html.streaming_content)
    assert "script-src 'self';" in html["Content-Security-Policy"]
    # The page names its map's script relative to itself: each address of the page serves it beside.
    for url in (f"/reports/{run.pk}/map.js", f"/api/reports/{run.pk}/files/map.js"):
        script = client.get(url)
        assert script.status_code == 200, url
        assert script["Content-Type"] == "text/javascript; charset=utf-8" and "attachment" not in script.get(
            "Content-Disposition", "")
        assert b"".join(script.streaming_content).decode().count("L.map(") == 1
    assert Client().get(f"/reports/{run.pk}/map.js").status_code == 302  # to the login page


def test_district_ioc_sees_only_its_district(reports_dir, world, province_area, district):
    from reports.areas import area_of_unit

    district_run = do_request_report(kind=ReportRun.Kind.WEEKLY, area=area_of_unit(district), period=WEEK,
                                     queue=False)
    province_run = do_request_report(kind=ReportRun.Kind.WEEKLY, area=province_area, period=WEEK, queue=False)
    org = OrgUnit.objects.create(code="ioc-pr-rep", name="IOC Phan Rang", kind=OrgUnit.Kind.DISTRICT_IOC,
                                 admin_unit=district)
    client = _client(staff("rep-district", "dispatcher", org))
    assert [r["id"] for r in client.get("/api/reports/").json()] == [district_run.pk]
    assert client.get(f"/api/reports/{province_run.pk}").status_code == 404
    refused = client.post("/api/reports/", {"start": "2026-03-02", "end": "2026-03-08"},
                          content_type="application/json")
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "area"
    citizen = _client(staff("rep-citizen", "citizen", None))
    assert citizen.get("/api/reports/").status_code == 403
    assert Client().get("/api/reports/").status_code == 401


def test_beat_runs_weekly_on_monday_seven_and_monthly_on_the_first(settings):
    weekly = settings.CELERY_BEAT_SCHEDULE["weekly-reports"]
    monthly = settings.CELERY_BEAT_SCHEDULE["monthly-newsletter"]
    assert weekly["task"] == "reports.weekly_reports" and monthly["task"] == "reports.monthly_newsletter"
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"
    w, m = weekly["schedule"], monthly["schedule"]
    assert w.hour == {7} and w.minute == {0} and w.day_of_week == {1}
    assert m.hour == {7} and m.minute == {0} and m.day_of_month == {1}
    local = timezone.get_current_timezone()
    from datetime import datetime

    monday_seven = datetime(2026, 3, 9, 7, 0, tzinfo=local)
    assert w.is_due(monday_seven - timedelta(days=7))[0] is True


def test_schedule_weekly_makes_the_province_and_each_district_ioc(reports_dir, world, district,
                                                                  django_capture_on_commit_callbacks, monkeypatch):
    from reports.services import do_schedule_weekly

    OrgUnit.objects.create(code="ioc-pr-rep2", name="IOC Phan Rang", kind=OrgUnit.Kind.DISTRICT_IOC,
                           admin_unit=district)
    monkeypatch.setattr("reports.tasks.build_report_task.delay", lambda run_id: type("R", (), {"id": "x"})())
    from datetime import datetime

    now = datetime(2026, 3, 9, 7, 0, tzinfo=timezone.get_current_timezone())
    runs = do_schedule_weekly(now=now)
    assert [(r.area_level, r.first_day, r.last_day) for r in runs] == [
        ("province", WEEK.first, WEEK.last), ("district", WEEK.first, WEEK.last)]
    assert do_schedule_weekly(now=now) == runs  # the beat firing twice makes no second run
    assert json.dumps([r.pk for r in runs])
