"""Report runs: `check_*` validate a request, `do_*` write; the work itself runs on a Celery worker.

A run is keyed by kind, area and period. Asking again for a finished run returns it; `rerun` computes it again
into the same row and files, and since figures come from the append-only history the digest stays the same.
"""

import hashlib
import json
import logging
import time
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from geoprocessing.adapters import raw_connection
from portal.accounts.models import OrgUnit

from . import rendering
from .access import check_area_allowed
from .areas import area_by_code, area_of_org_unit, province_area
from .errors import BadPeriod, FormatNotOffered
from .figures import area_units, compute_figures
from .models import ReportFile, ReportRun
from .periods import Period, PeriodError, check_range, month_before, week_before
from .records import Area, Figures
from .storage import write_file

__all__ = ["FORMATS", "PAGE_FILES", "check_period", "check_format", "check_request", "do_request_report",
           "do_build_run", "build_figures", "weekly_targets", "do_schedule_weekly", "do_schedule_newsletter",
           "run_area", "run_period", "figures_digest"]

log = logging.getLogger(__name__)
# What each kind of run offers for download.
FORMATS = {ReportRun.Kind.WEEKLY: ("html", "pdf", "csv"), ReportRun.Kind.ADHOC: ("html", "pdf", "csv"),
           ReportRun.Kind.NEWSLETTER: ("html", "pdf", "csv", "email")}
# Files the HTML page loads beside itself, served like the downloads but not offered as one.
PAGE_FILES = {ReportRun.Kind.WEEKLY: ("map.js",), ReportRun.Kind.ADHOC: ("map.js",)}
TREND_PERIODS = 8


def check_period(start: date | None, end: date | None, *, now: datetime | None = None) -> Period:
    try:
        return check_range(start, end, now=now or timezone.now())
    except PeriodError as exc:
        raise BadPeriod(exc.message, field=exc.field) from exc


def check_format(run: ReportRun, fmt: str) -> str:
    offered = FORMATS[run.kind]
    if fmt not in offered and fmt not in PAGE_FILES.get(run.kind, ()):
        raise FormatNotOffered(f"Format {fmt[:20]!r} is not offered for this report; choose one of "
                               f"{', '.join(offered)}.", field="format")
    return fmt


def check_request(user, *, area_code: str | None, level: str | None, start: date | None,
                  end: date | None) -> tuple[Area, Period]:
    period = check_period(start, end)
    area = area_by_code(area_code, level=level) if area_code else province_area()
    check_area_allowed(user, area)
    return area, period


def run_area(run: ReportRun) -> Area:
    from layers.models import AdminUnit

    from .areas import area_of_unit

    unit = AdminUnit.objects.filter(level=run.area_level, code=run.area_code).order_by("-valid_from", "pk").first()
    if unit is None:
        raise BadPeriod("The report's area is no longer loaded.", field="area")
    return area_of_unit(unit)


def run_period(run: ReportRun) -> Period:
    return Period(run.first_day, run.last_day)


def _queue(run: ReportRun) -> None:
    from .tasks import build_report_task

    def send():
        result = build_report_task.delay(run.pk)
        ReportRun.objects.filter(pk=run.pk).update(task_id=result.id)

    transaction.on_commit(send)


@transaction.atomic
def do_request_report(*, kind: str, area: Area, period: Period, user=None, org_unit: OrgUnit | None = None,
                      rerun: bool = False, queue: bool = True) -> ReportRun:
    """The run for this key, made and queued if new (or if `rerun`, or if it failed)."""
    unit_id = area.ids[-1] if area.ids else None
    run, created = ReportRun.objects.select_for_update().get_or_create(
        kind=kind, area_level=area.level, area_code=area.code, first_day=period.first, last_day=period.last,
        defaults={"area_name": area.name, "area_id": unit_id, "org_unit": org_unit,
                  "requested_by": user if getattr(user, "is_authenticated", False) else None})
    if not created and not rerun and run.status != ReportRun.Status.FAILED:
        return run
    if not created:
        run.status, run.progress, run.stage, run.error = ReportRun.Status.QUEUED, 0.0, "", ""
        run.requested_at = timezone.now()
        if org_unit is not None:
            run.org_unit = org_unit
        run.save(update_fields=["status", "progress", "stage", "error", "requested_at", "org_unit"])
    if queue:
        _queue(run)
    return run


def figures_digest(figures: dict) -> str:
    return hashlib.sha256(json.dumps(figures, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def build_figures(area: Area, period: Period, *, progress=None) -> tuple[Figures, list[dict]]:
    conn = raw_connection()
    units = area_units(conn, area, period)
    own = [u for u in units if u["level"] == area.level]
    extent = None
    if own:
        extent = (min(u["xmin"] for u in own), min(u["ymin"] for u in own), max(u["xmax"] for u in own),
                  max(u["ymax"] for u in own))
    figures = compute_figures(conn, area, period, trend_periods=TREND_PERIODS, extent=extent, progress=progress)
    return figures, units


def _title(run: ReportRun) -> str:
    return {ReportRun.Kind.WEEKLY: "Báo cáo vận hành tuần / weekly operating report",
            ReportRun.Kind.ADHOC: "Báo cáo theo yêu cầu / ad-hoc report",
            ReportRun.Kind.NEWSLETTER: "Bản tin điện tử tháng / monthly newsletter"}[run.kind] + f" – {run.area_name}"


def _store(run: ReportRun, fmt: str, data: bytes) -> ReportFile:
    suffix = {"email": "email.html"}.get(fmt, fmt)
    relative = f"{run.kind}/{run.first_day:%Y}/{run.pk}-{run.area_code}-{run.first_day}-{run.last_day}.{suffix}"
    size, digest = write_file(relative, data)
    stored, _ = ReportFile.objects.update_or_create(run=run, format=fmt, defaults={
        "path": relative, "size": size, "sha256": digest, "created_at": timezone.now()})
    return stored


def _progress(run: ReportRun):
    def say(share: float, stage: str) -> None:
        ReportRun.objects.filter(pk=run.pk).update(progress=round(share, 3), stage=stage[:100])
    return say


def do_build_run(run: ReportRun) -> ReportRun:
    """Compute the figures and write every file of the run (worker side)."""
    started = time.perf_counter()
    ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.RUNNING, started_at=timezone.now(),
                                               progress=0.0, stage="starting")
    say = _progress(run)
    try:
        area, period = run_area(run), run_period(run)
        figures, units = build_figures(area, period, progress=lambda s, w: say(0.1 + 0.5 * s, w))
        body = figures.as_dict()
        say(0.65, "charts and maps")
        pictures = rendering.draw_pictures(figures, units)
        generated = timezone.localtime().strftime("%d/%m/%Y %H:%M")
        title = _title(run)
        _store(run, "csv", rendering.report_csv(figures))
        if run.kind == ReportRun.Kind.NEWSLETTER:
            from .newsletter import newsletter_files

            say(0.8, "newsletter")
            cases, files = newsletter_files(run, figures, pictures, title=title, generated=generated)
            body["resolved_cases"] = cases
            for fmt, data in files.items():
                _store(run, fmt, data)
        else:
            say(0.75, "html")
            page = rendering.report_html(figures, pictures, units, title=title, generated=generated)
            # The script first: a reader of the new page finds the map it loads.
            _store(run, rendering.MAP_SCRIPT, page.script.encode())
            _store(run, "html", page.html.encode())
            say(0.85, "pdf")
            _store(run, "pdf", rendering.report_pdf(figures, pictures, title=title, generated=generated))
    except Exception as exc:
        log.exception("report run %s failed", run.pk)
        ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.FAILED, error=str(exc)[:2000],
                                                   finished_at=timezone.now())
        raise
    run.refresh_from_db()
    run.figures, run.digest = body, figures_digest(body)
    run.status, run.progress, run.stage = ReportRun.Status.DONE, 1.0, "done"
    run.finished_at, run.seconds, run.runs = timezone.now(), round(time.perf_counter() - started, 3), run.runs + 1
    run.save(update_fields=["figures", "digest", "status", "progress", "stage", "finished_at", "seconds", "runs"])
    if run.kind == ReportRun.Kind.NEWSLETTER:
        from .newsletter import do_queue_newsletter

        do_queue_newsletter(run)
    return run


def weekly_targets() -> list[tuple[Area, OrgUnit | None]]:
    """The province (for its IOC) and each district IOC's district."""
    province_ioc = OrgUnit.objects.filter(kind=OrgUnit.Kind.PROVINCE_IOC).order_by("pk").first()
    targets = [(area_of_org_unit(province_ioc) if province_ioc else province_area(), province_ioc)]
    for org in OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT_IOC, admin_unit__isnull=False).order_by("code"):
        targets.append((area_of_org_unit(org), org))
    seen, unique = set(), []
    for area, org in targets:
        if area is not None and (area.level, area.code) not in seen:
            seen.add((area.level, area.code))
            unique.append((area, org))
    return unique


def do_schedule_weekly(*, now: datetime | None = None) -> list[ReportRun]:
    period = week_before(now or timezone.now())
    return [do_request_report(kind=ReportRun.Kind.WEEKLY, area=area, period=period, org_unit=org)
            for area, org in weekly_targets()]


def do_schedule_newsletter(*, now: datetime | None = None) -> ReportRun:
    period = month_before(now or timezone.now())
    return do_request_report(kind=ReportRun.Kind.NEWSLETTER, area=province_area(), period=period)


