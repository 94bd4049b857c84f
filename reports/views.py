"""Pages: the reports list (with the ad-hoc form) and a run's stored report page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from .access import can_run_reports, can_view_reports, visible_runs
from .api import file_response
from .areas import LEVELS
from .errors import ReportsError
from .models import ReportRun

__all__ = ["reports_page", "report_page"]


@login_required
def reports_page(request):
    if not can_view_reports(request.user):
        raise PermissionDenied
    runs = visible_runs(request.user).prefetch_related("files")[:200]
    return render(request, "reports/list.html", {"runs": runs, "can_run": can_run_reports(request.user),
                                                 "levels": LEVELS, "kinds": ReportRun.Kind.choices})


@login_required
def report_page(request, run_id: int, fmt: str = "html"):
    if not can_view_reports(request.user):
        raise PermissionDenied
    run = visible_runs(request.user).filter(pk=run_id).first()
    if run is None:
        raise Http404
    try:
        return file_response(run, fmt, download=fmt != "html")
    except ReportsError as exc:
        return render(request, "reports/not_ready.html", {"run": run, "message": exc.user_msg},
                      status=exc.http_status)
