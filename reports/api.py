"""The reports API at /api/reports/: runs the caller may see, ad-hoc requests, the runs' files."""

from datetime import date

from django.http import FileResponse
from django.urls import reverse
from ninja import Query, Router, Status

from portal.accounts.auth import token_or_session
from portal.errors import NotFound, PermissionDenied
from portal.security import content_security_policy

from .access import can_run_reports, can_view_reports, visible_runs
from .errors import BadPeriod, ReportNotReady
from .models import ReportFile, ReportRun
from .schemas import ReportRequestIn, ReportRunDetailOut, ReportRunOut, RunsQuery
from .services import check_format, check_request, do_request_report
from .storage import read_path

__all__ = ["router", "run_out", "file_response"]

router = Router(auth=token_or_session)
MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
               "email": "text/html; charset=utf-8", "map.png": "image/png", "trend.png": "image/png",
               "map.js": "text/javascript; charset=utf-8"}


def _day(text: str | None, field: str) -> date | None:
    if text in (None, ""):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadPeriod(f"{text[:30]!r} is not a date: write YYYY-MM-DD.", field=field) from None


def run_out(request, run: ReportRun) -> dict:
    files = [{"format": f.format, "size": f.size, "sha256": f.sha256,
              "url": request.build_absolute_uri(reverse("api:report_file", kwargs={"run_id": run.pk,
                                                                                     "fmt": f.format}))}
             for f in run.files.all()]
    return {**{field: getattr(run, field) for field in ReportRunOut.model_fields if field != "files"},
            "files": files, "figures": run.figures}


def _visible(request, run_id: int) -> ReportRun:
    if not can_view_reports(request.auth):
        raise PermissionDenied("Reports are for IOC and agency staff.")
    run = visible_runs(request.auth).filter(pk=run_id).prefetch_related("files").first()
    if run is None:
        raise NotFound("No report with this number.")
    return run


@router.get("/", response=list[ReportRunOut], summary="Report runs the caller may see, newest period first")
def list_runs(request, q: Query[RunsQuery]):
    if not can_view_reports(request.auth):
        raise PermissionDenied("Reports are for IOC and agency staff.")
    runs = visible_runs(request.auth).prefetch_related("files")
    if q.kind:
        runs = runs.filter(kind=q.kind)
    return [run_out(request, run) for run in runs[:q.limit]]


@router.post("/", response={200: ReportRunOut, 202: ReportRunOut},
             summary="Ask for an ad-hoc report of any finished date range and area (runs on a worker)")
def request_report(request, body: ReportRequestIn):
    if not can_run_reports(request.auth):
        raise PermissionDenied("Only IOC staff may ask for reports.")
    area, period = check_request(request.auth, area_code=body.area, level=body.level,
                                 start=_day(body.start, "start"), end=_day(body.end, "end"))
    run = do_request_report(kind=ReportRun.Kind.ADHOC, area=area, period=period, user=request.auth,
                            rerun=body.rerun)
    return Status(200 if run.status == ReportRun.Status.DONE else 202, run_out(request, run))


@router.get("/{run_id}", response=ReportRunDetailOut, summary="One run: progress, figures, files")
def run_detail(request, run_id: int):
    return run_out(request, _visible(request, run_id))


def file_response(run: ReportRun, fmt: str, *, download: bool = True) -> FileResponse:
    check_format(run, fmt)
    stored = ReportFile.objects.filter(run=run, format=fmt).first()
    if run.status != ReportRun.Status.DONE or stored is None:
        raise ReportNotReady()
    extension = {"email": "email.html"}.get(fmt, fmt)
    response = FileResponse(read_path(stored.path).open("rb"), content_type=MEDIA_TYPES[fmt],
                            as_attachment=download and fmt not in ("html", "map.js"),
                            filename=f"{run.kind}-{run.area_code}-{run.first_day}-{run.last_day}.{extension}")
    response["ETag"] = f'"{stored.sha256}"'
    response["X-Checksum-SHA256"] = stored.sha256
    response["Cache-Control"] = "private, no-cache"
    if MEDIA_TYPES[fmt].startswith("text/html"):
        # The charts are matplotlib's SVG drawn inline, styled by their own style attributes and <style> blocks.
        response["Content-Security-Policy"] = content_security_policy(style_src="'self' 'unsafe-inline'")
    return response


@router.get("/{run_id}/files/{fmt}", url_name="report_file", summary="A run's file: html, pdf, csv (email)")
def run_file(request, run_id: int, fmt: str):
    return file_response(_visible(request, run_id), fmt)
