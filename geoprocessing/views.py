"""Pages: the citizen's planning lookup, the planner's queries, and the check of a sheet's verification code."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import PlanningSheet
from .selectors import sheet_currency

PLANNER_PERMISSION = "geoprocessing.run_planner_queries"


@require_GET
def lookup_page(request):
    return render(request, "geoprocessing/lookup.html", {"can_query": request.user.has_perm(PLANNER_PERMISSION)})


@require_GET
@login_required
@permission_required(PLANNER_PERMISSION, raise_exception=True)
def queries_page(request):
    return render(request, "geoprocessing/queries.html")


@require_GET
def verify_page(request, code: str):
    sheet = PlanningSheet.objects.filter(code=code.strip().upper()).first()
    context = {"code": code, "sheet": sheet, "current": sheet_currency(sheet) if sheet else None}
    return render(request, "geoprocessing/verify.html", context, status=200 if sheet else 404)
