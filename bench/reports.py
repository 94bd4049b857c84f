"""Reports and open-data downloads, each against a peer measured in the same run.

1. The weekly operating report of the province for a week with N generated incidents (default 5,000) and a
   history of earlier weeks for the trends: the whole run as the Celery task does it (figures from the events,
   hotspots, charts and maps, HTML, PDF, CSV), with the figures' SQL alone as the floor. Goal: ≤ 30 s.
2. The GeoPackage download of M generated parcels (default 1,000,000) as the open-data portal writes it
   (layers.exporting, public columns only, cached by version) against `ogr2ogr -f GPKG` of the same rows and
   columns from PostgreSQL, both read back with GDAL for their feature count.
"""

import os
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from .import_parcels import _ensure_communes, _pg_conninfo

GOAL_S = 30.0
CATEGORIES = (("bench-rep-o-ga", "Ổ gà (bench)", 5), ("bench-rep-nuoc", "Rò rỉ nước (bench)", 1),
              ("bench-rep-rac", "Rác thải (bench)", 3), ("bench-rep-den", "Đèn đường (bench)", 2))
CAMERA = ("bench-rep-camera", "Vi phạm giao thông (bench)", 5)


def _world():
    from incidents.models import Category
    from portal.accounts.models import OrgUnit

    categories = [Category.objects.get_or_create(code=code, defaults={"name_vi": name, "name_en": name,
                                                                      "deadline_days": days})[0]
                  for code, name, days in CATEGORIES]
    camera = Category.objects.get_or_create(code=CAMERA[0], defaults={
        "name_vi": CAMERA[1], "name_en": CAMERA[1], "deadline_days": CAMERA[2], "public_by_default": False})[0]
    agencies = [OrgUnit.objects.get_or_create(code=f"bench-rep-agency-{i}", defaults={
        "name": f"Cơ quan {i} (bench)", "kind": OrgUnit.Kind.AGENCY})[0] for i in range(6)]
    return categories, camera, agencies


def _clean() -> None:
    from incidents.models import Incident

    Incident.objects.filter(category__code__startswith="bench-rep-").delete()


def weekly_report(incidents: int, history: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from fixtures.report_incidents import HistorySpec, generate_history
    from geoprocessing.adapters import raw_connection
    from layers.models import AdminUnit
    from reports.areas import province_area
    from reports.figures import incident_states
    from reports.models import ReportRun
    from reports.periods import earlier_periods, week_before
    from reports.services import TREND_PERIODS, do_build_run, do_request_report

    area = province_area()
    period = week_before(timezone.now())
    categories, camera, agencies = _world()
    communes = list(AdminUnit.objects.filter(level="commune", parent__parent_id__in=area.ids)
                    .select_related("parent__parent"))
    _clean()
    started = time.perf_counter()
    generate_history(HistorySpec(start=period.start, end=period.end, count=incidents, seed=11),
                     communes=communes, categories=categories, agencies=agencies, camera_category=camera)
    first = datetime.combine(period.first - timedelta(weeks=TREND_PERIODS), dtime(0), period.start.tzinfo)
    generate_history(HistorySpec(start=first, end=period.start, count=history, seed=12),
                     communes=communes, categories=categories, agencies=agencies, camera_category=camera)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident; ANALYZE incidents_incidentevent")
    print(f"weekly operating report, province, {period.label}")
    print(f"  generated {incidents:,} incidents in the week and {history:,} in the {TREND_PERIODS} weeks before "
          f"in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        from django.conf import settings

        settings.REPORTS_DIR = Path(tmp)
        ReportRun.objects.filter(kind=ReportRun.Kind.WEEKLY, area_code=area.code, first_day=period.first).delete()
        conn = raw_connection()
        floor = time.perf_counter()
        for past in earlier_periods(period, TREND_PERIODS):
            incident_states(conn, area, past)
        floor_s = time.perf_counter() - floor
        run = do_request_report(kind=ReportRun.Kind.WEEKLY, area=area, period=period, queue=False)
        began = time.perf_counter()
        run = do_build_run(run)
        total_s = time.perf_counter() - began
        again = do_build_run(do_request_report(kind=ReportRun.Kind.WEEKLY, area=area, period=period, queue=False,
                                               rerun=True))
        sizes = {f.format: f.size for f in run.files.all()}
        totals = run.figures["totals"]
        print(f"  {'':24} {'seconds':>8}")
        print(f"  {'figures SQL alone (9 periods)':24} {floor_s:>8.1f}")
        print(f"  {'whole run (ours)':24} {total_s:>8.1f}   goal ≤ {GOAL_S:.0f} s: "
              f"{'met' if total_s <= GOAL_S else 'NOT met'}")
        print(f"  {'run again (same digest)':24} {again.seconds:>8.1f}   digest equal: {again.digest == run.digest}")
        print(f"  received {totals['received']:,}, resolved {totals['resolved']:,}, overdue {totals['overdue']:,},"
              f" hotspots {len(run.figures['hotspots'])}; files: "
              + ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in sorted(sizes.items())))
        run.delete()
    _clean()


def gpkg_download(count: int) -> None:
    import pyogrio
    from django.db import connection

    from layers.exporting import export_fields
    from layers.registry import get_kind
    from opendata.catalog import dataset
    from opendata.downloads import cache_dir, cached_download

    from .tiles import load_parcels

    print(f"\nGeoPackage download of {count:,} parcels (public columns) against ogr2ogr of the same rows")
    layer = load_parcels(count)
    kind = get_kind(layer.kind)
    url = os.environ["DATABASE_URL"]
    with tempfile.TemporaryDirectory(prefix="bench-gpkg-") as tmp:
        from django.conf import settings

        settings.OPENDATA_CACHE_DIR = Path(tmp) / "cache"
        ds = dataset(layer.slug)
        began = time.perf_counter()
        stored = cached_download(ds, "gpkg")
        ours_s = time.perf_counter() - began
        ours = cache_dir() / stored.path
        # The same columns and rows for ogr2ogr: the registry's public columns, joined where they are codes.
        qs = kind.features(layer).order_by("pk").values_list(*[f.path for f in export_fields(kind)], "geom")
        query, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            statement = cursor.mogrify(query, params)
        statement = statement.decode() if isinstance(statement, bytes) else statement
        theirs = Path(tmp) / "ogr2ogr.gpkg"
        began = time.perf_counter()
        subprocess.run(["ogr2ogr", "-f", "GPKG", str(theirs), f"PG:{_pg_conninfo(url)}", "-sql", statement,
                        "-nln", layer.slug, "-nlt", "MULTIPOLYGON"], check=True, capture_output=True)
        ogr_s = time.perf_counter() - began
        began = time.perf_counter()
        cached_download(ds, "gpkg")
        hit_s = time.perf_counter() - began
        counts = (pyogrio.read_info(ours)["features"], pyogrio.read_info(theirs)["features"])
        print(f"  {'':18} {'seconds':>8} {'MB':>7} {'features':>10}")
        print(f"  {'ogr2ogr':18} {ogr_s:>8.1f} {theirs.stat().st_size / 2**20:>7.0f} {counts[1]:>10,}")
        print(f"  {'ours (first)':18} {ours_s:>8.1f} {ours.stat().st_size / 2**20:>7.0f} {counts[0]:>10,}"
              f"   ratio {ours_s / ogr_s:.2f}x")
        print(f"  {'ours (cached)':18} {hit_s:>8.3f}")
        assert counts[0] == counts[1] == count, counts


def run(*, incidents: int = 5000, history: int = 8000, parcels: int = 1_000_000) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    _ensure_communes()
    weekly_report(incidents, history)
    if parcels:
        gpkg_download(parcels)
